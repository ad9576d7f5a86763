"""Layouts on a lattice of cells: the grid (from a scatter layout, keeping its neighbours together) and
the timeline (from the metadata's dates), and the nearest free cells for items added to either."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class DateAxis:
    ticks: list[tuple[float, str]] = field(default_factory=list)  # (x in layout units, label)


@dataclass
class ArrangeInput:
    """What an arrangement (family "arrangement" in the registry) is made from."""

    primary: np.ndarray  # (n + m, 2): the first scatter layout of the n items, then the m film frames placed in it
    count: int  # n: the archive items come first
    years: list[float | None]  # per item, from the metadata's date column (all None without one)


@dataclass
class Arranged:
    items: np.ndarray  # (n, 2)
    size: float  # world size of one cell
    frames: np.ndarray | None = None  # (m, 2), or None: frames take the nearest free cells
    axis: list[tuple[float, str]] = field(default_factory=list)


def grid_arrangement(inp: ArrangeInput) -> Arranged:
    """The grid, laid out for items and frames together so each frame takes a cell among its similar images."""
    G, size = grid_layout(inp.primary)
    return Arranged(items=G[:inp.count], size=size, frames=G[inp.count:])


def timeline_arrangement(inp: ArrangeInput) -> Arranged | None:
    """The timeline, when at least two items have a date."""
    if sum(y is not None for y in inp.years) < 2:
        return None
    P, size, axis = date_layout(inp.years, np.arange(inp.count))
    return Arranged(items=P, size=size, axis=axis.ticks)


def grid_layout(P: np.ndarray) -> tuple[np.ndarray, float]:
    """Assign each point a cell of a near-square grid so that map neighbours stay grid neighbours.

    Recursive balanced bisection: split the points along the longer side's axis, as many to the first part
    as it has cells; small regions are filled row by row. The grid has fewer empty cells than a row and
    they all lie at its top right end: a mosaic without holes. O(n log^2 n)."""
    n = len(P)
    if n == 0:
        return np.zeros((0, 2), np.float32), 1.0
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    cell = np.zeros((n, 2), np.int64)
    stack: list[tuple[np.ndarray, int, int, int, int]] = [(np.arange(n), 0, 0, cols, rows)]
    while stack:
        idx, x0, y0, w, h = stack.pop()
        m = len(idx)
        if m == 0:
            continue
        if m <= 64 or w == 1 or h == 1:
            order = idx[np.argsort(P[idx, 1], kind="stable")]
            for r in range(math.ceil(m / w)):
                chunk = order[r * w:(r + 1) * w]
                chunk = chunk[np.argsort(P[chunk, 0], kind="stable")]
                cell[chunk, 0] = x0 + np.arange(len(chunk))
                cell[chunk, 1] = y0 + r
            continue
        axis = 0 if w >= h else 1
        size = w if axis == 0 else h
        first = size // 2
        other = h if axis == 0 else w
        cap1 = first * other
        # the first part is filled completely, so the grid's few empty cells (fewer than a row) all end
        # up in its last corner rather than as holes inside the mosaic
        n1 = min(cap1, m)
        order = idx[np.argsort(P[idx, axis], kind="stable")]
        if axis == 0:
            stack.append((order[:n1], x0, y0, first, h))
            stack.append((order[n1:], x0 + first, y0, w - first, h))
        else:
            stack.append((order[:n1], x0, y0, w, first))
            stack.append((order[n1:], x0, y0 + first, w, h - first))
    step = 2.0 / max(cols, rows)
    pos = (cell.astype(np.float32) + 0.5 - np.array([cols, rows], np.float32) / 2) * step
    return pos.astype(np.float32), step


DATE_COLUMNS = ("date", "year", "dated", "created", "date created", "creation date", "period", "circa")
_YEAR = re.compile(r"(?<!\d)(-?\d{3,4})(?:[-/.](\d{1,2}))?(?:[-/.](\d{1,2}))?(?!\d)")


def find_date_column(columns: Sequence[str]) -> str | None:
    lowered = {c.lower().strip(): c for c in columns}
    for name in DATE_COLUMNS:
        if name in lowered:
            return lowered[name]
    return None


def parse_year(value: str) -> float | None:
    """A fractional year from free text: "1889", "c. 1890", "1890s", "1890-1900", "1889-05-02"."""
    if not value:
        return None
    m = _YEAR.search(value)
    if not m:
        return None
    year = float(m.group(1))
    if m.group(2) and 1 <= int(m.group(2)) <= 12:
        year += (int(m.group(2)) - 1) / 12
        if m.group(3) and 1 <= int(m.group(3)) <= 31:
            year += (int(m.group(3)) - 1) / 365
    if "bc" in value.lower() and year > 0:
        year = -year
    return year


def _nice_step(span: float, max_bins: int) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if span / step <= max_bins:
            return float(step)
    return 1000.0 * math.ceil(span / (1000 * max_bins))


def date_layout(years: Sequence[float | None], order: np.ndarray) -> tuple[np.ndarray, float, DateAxis]:
    """A timeline: one column of cells per period, items stacked upward (in ``order`` within a period);
    undated items get their own column at the right."""
    n = len(years)
    known = [y for y in years if y is not None]
    lo, hi = (min(known), max(known)) if known else (0.0, 0.0)
    step = _nice_step(max(hi - lo, 1.0), 40)
    start = math.floor(lo / step) * step
    nbins = int((hi - start) // step) + 1 if known else 0
    bins = np.array([int((y - start) // step) if y is not None else nbins for y in years], np.int64)
    has_undated = bool((bins == nbins).any())
    total_bins = nbins + (1 if has_undated else 0)
    counts = np.bincount(bins, minlength=total_bins)
    # sub-columns per period chosen so the whole timeline is about twice as wide as it is tall
    best = 1
    for s in range(1, 65):
        W, H = total_bins * (s + 1), math.ceil(counts.max() / s)
        if W >= 2 * H:
            best = s
            break
        best = s
    s = best
    rank = np.empty(n, np.int64)
    for b in range(total_bins):
        members = np.where(bins == b)[0]
        members = members[np.argsort(order[members], kind="stable")]
        rank[members] = np.arange(len(members))
    gap = 1 if has_undated else 0
    col = bins * (s + 1) + rank % s + np.where(bins == nbins, gap, 0)
    row = rank // s
    W = total_bins * (s + 1) + gap
    H = max(1, int(row.max()) + 1) if n else 1
    unit = 2.0 / max(W, H)
    pos = np.stack([(col + 0.5 - W / 2) * unit, (H / 2 - row - 0.5) * unit], 1).astype(np.float32)
    axis = DateAxis()
    label_every = max(1, math.ceil(nbins / 12))
    for b in range(0, nbins, label_every):
        year = start + b * step
        text = f"{int(-year)} BC" if year < 0 else (f"{int(year)}s" if step >= 10 else f"{int(year)}")
        axis.ticks.append((float((b * (s + 1) + s / 2 - W / 2) * unit), text))
    if has_undated:
        axis.ticks.append((float((nbins * (s + 1) + gap + s / 2 - W / 2) * unit), "undated"))
    return pos, unit, axis


def lattice_offset(P: np.ndarray, step: float) -> np.ndarray:
    """Where the cell centres of a lattice of ``step`` sit, as a fraction of a cell per axis, from points on
    it. A circular mean: offsets near 0 and near 1 are the same offset, which a plain median would split."""
    if len(P) == 0:
        return np.zeros(2, np.float64)
    angle = 2 * np.pi * (np.asarray(P, np.float64) / step)
    offset: np.ndarray = (np.arctan2(np.sin(angle).mean(0), np.cos(angle).mean(0)) / (2 * np.pi)) % 1.0
    return offset


def free_cells_near(occupied: np.ndarray, step: float, anchors: np.ndarray) -> np.ndarray:
    """For each anchor, in the given order, the nearest lattice cell (Euclidean, ties to the lower y,
    then the lower x) that holds neither an occupied point nor a cell given to an earlier anchor.

    The lattice (spacing ``step``, origin found by :func:`lattice_offset`) is that of the occupied
    points: the grid layout's cells, or the timeline's, whose origin may lie half a cell off. The nearest
    free cell is the anchor's own cell or is next to a taken one (the neighbour one step back towards the
    anchor is nearer, so it must be taken), so the search only looks at free cells bordering the
    occupied ones (a k-d tree, built once) and those bordering cells given out so far (a short array):
    thousands of anchors among a million points take well under a second."""
    A = np.asarray(anchors, np.float64).reshape(-1, 2)
    if len(A) == 0:
        return np.zeros((0, 2), np.float32)
    O_pos = np.asarray(occupied, np.float64).reshape(-1, 2)
    offset = lattice_offset(O_pos if len(O_pos) else A, step)
    O = np.rint(O_pos / step - offset).astype(np.int64)
    cells_a = np.rint(A / step - offset).astype(np.int64)
    every = np.concatenate([O, cells_a])
    lo = every.min(0) - 1
    shape = every.max(0) + 2 - lo
    mask = np.zeros((int(shape[0]), int(shape[1])), bool)  # occupied cells, indexed [x - lo_x, y - lo_y]
    mask[O[:, 0] - lo[0], O[:, 1] - lo[1]] = True
    touch = np.zeros_like(mask)
    touch[1:] |= mask[:-1]
    touch[:-1] |= mask[1:]
    touch[:, 1:] |= mask[:, :-1]
    touch[:, :-1] |= mask[:, 1:]
    border = np.argwhere(touch & ~mask) + lo
    del touch
    tree = None
    if len(border):
        from scipy.spatial import cKDTree

        tree = cKDTree(border.astype(np.float64))

    def occupied_cell(x: int, y: int) -> bool:
        i, j = x - lo[0], y - lo[1]
        return 0 <= i < mask.shape[0] and 0 <= j < mask.shape[1] and bool(mask[i, j])

    taken: set[tuple[int, int]] = set()
    extra = np.zeros((4 * len(A) + 4, 2), np.int64)  # free cells bordering given-out ones
    alive = np.zeros(len(extra), bool)
    slot_of: dict[tuple[int, int], int] = {}
    out = np.empty((len(A), 2), np.int64)
    for f, (ax, ay) in enumerate(cells_a.tolist()):
        if not occupied_cell(ax, ay) and (ax, ay) not in taken:
            best = (0, ay, ax)
        else:
            best = (1 << 62, 0, 0)
            used = len(slot_of)
            if used:
                live = np.nonzero(alive[:used])[0]
                if len(live):
                    c = extra[live]
                    d2 = (c[:, 0] - ax) ** 2 + (c[:, 1] - ay) ** 2
                    m = d2.min()
                    tied = c[d2 == m]
                    i = np.lexsort((tied[:, 0], tied[:, 1]))[0]
                    best = (int(m), int(tied[i, 1]), int(tied[i, 0]))
            if tree is not None:
                best = min(best, _nearest_untaken(tree, border, ax, ay, taken, best[0]))
        x, y = best[2], best[1]
        out[f] = (x, y)
        taken.add((x, y))
        s = slot_of.get((x, y))
        if s is not None:
            alive[s] = False
        for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
            if (nx, ny) not in taken and (nx, ny) not in slot_of and not occupied_cell(nx, ny):
                s = len(slot_of)
                slot_of[(nx, ny)] = s
                extra[s] = (nx, ny)
                alive[s] = True
    cells: np.ndarray = ((out + offset) * step).astype(np.float32)
    return cells


def _nearest_untaken(tree: Any, border: np.ndarray, ax: int, ay: int, taken: set[tuple[int, int]],
                     bound: int) -> tuple[int, int, int]:
    """(d2, y, x) of the nearest border cell not yet taken, searching no farther than ``bound`` (a
    squared distance already found elsewhere); (1 << 62, 0, 0) when there is none that near."""
    k = 8
    limit = math.sqrt(bound) + 0.5 if bound < (1 << 62) else np.inf
    while True:
        k = min(k, len(border))
        _, idx = tree.query((ax, ay), k=k, distance_upper_bound=limit)
        idx = np.atleast_1d(idx)
        idx = idx[idx < len(border)]  # beyond the bound: reported as len(border)
        best = (1 << 62, 0, 0)
        for i in idx.tolist():
            x, y = int(border[i, 0]), int(border[i, 1])
            if (x, y) in taken:
                continue
            cand = ((x - ax) ** 2 + (y - ay) ** 2, y, x)
            if cand < best:
                best = cand
        # done when every cell that could tie or beat the best untaken one was among the k returned
        if len(idx) < k or k == len(border):
            return best
        far = border[idx[-1]]
        if best[0] < (1 << 62) and (far[0] - ax) ** 2 + (far[1] - ay) ** 2 > best[0]:
            return best
        k *= 4
