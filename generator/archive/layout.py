"""2-D layouts of the embeddings: PCA, then UMAP or t-SNE; a grid and a timeline derived from them.

Scale: UMAP and t-SNE are fitted on a sample of at most ``fit_sample`` points (50k by default). For UMAP
the others start at the mean of their placed kNN neighbours and every point is then refined with UMAP's
own objective over the full kNN graph (:mod:`.umap_refine`, both cores, reproducible), through
intermediate levels 4× apart (:func:`umap_levels`); t-SNE places the others with openTSNE's
``transform``. A million images take minutes on two cores. New images in a later build are placed by
:func:`place_into`: next to their nearest neighbours in PCA space (the start UMAP's own transform uses),
in UMAP then moved by its objective while every existing point stays put; deterministic, seconds.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..errors import MissingDependency

LAYOUT_VERSION = 2  # 2: UMAP above fit_sample refined over all points instead of transform
SMALL = 10  # below this many images UMAP/t-SNE are meaningless: the first two PCA axes are used


@dataclass
class LayoutParams:
    seed: int = 42
    pca_dims: int = 50
    fit_sample: int = 50_000
    umap_neighbors: int = 15
    umap_min_dist: float = 0.1
    umap_epochs: int | None = None  # None: umap-learn's default (200 for large data, 500 for small)
    refine_epochs: int = 100  # above fit_sample: epochs over all points after the sample fit (0: none)
    tsne_perplexity: float = 30.0
    tsne_iter: int = 500


@dataclass
class PCAModel:
    mean: np.ndarray  # (D,)
    components: np.ndarray  # (d, D)

    def project(self, X: np.ndarray, chunk: int = 65536) -> np.ndarray:
        out = np.empty((len(X), self.components.shape[0]), np.float32)
        for i in range(0, len(X), chunk):
            out[i:i + chunk] = (X[i:i + chunk] - self.mean) @ self.components.T
        return out


@dataclass
class DateAxis:
    ticks: list[tuple[float, str]] = field(default_factory=list)  # (x in layout units, label)


def l2_normalise(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, np.float32)
    n = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.maximum(n, 1e-12)


def _sample(n: int, size: int, seed: int) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def fit_pca(X: np.ndarray, dims: int, seed: int, sample: int = 50_000) -> PCAModel:
    """PCA fitted on a sample (enough for 50 components), projecting all points later in chunks."""
    n, D = X.shape
    idx = _sample(n, sample, seed)
    S = X[idx].astype(np.float32)
    mean = S.mean(0)
    d = max(1, min(dims, len(S) - 1, D))
    if len(S) < 2:
        return PCAModel(mean=mean, components=np.eye(1, D, dtype=np.float32))
    from sklearn.decomposition import PCA

    pca = PCA(n_components=d, svd_solver="randomized" if d < min(S.shape) - 1 else "full", random_state=seed)
    pca.fit(S)
    return PCAModel(mean=pca.mean_.astype(np.float32), components=pca.components_.astype(np.float32))


def _pca2(Y: np.ndarray) -> np.ndarray:
    P = np.zeros((len(Y), 2), np.float32)
    k = min(2, Y.shape[1])
    P[:, :k] = Y[:, :k]
    if len(Y) <= 2:  # one or two images: side by side
        P[:, 0] = np.arange(len(Y), dtype=np.float32)
        P[:, 1] = 0
    return P


def umap_levels(n: int, fit_sample: int, seed: int) -> list[np.ndarray]:
    """Nested sets of rows (sorted) UMAP is laid out on in turn: the sample umap-learn fits, then ×4 as long
    as that stays under half of ``n``, then every row. Each level starts from the one before, so the finest
    level begins with neighbourhoods 4× finer than the sample fit resolves (1M: 50k → 200k → 1M)."""
    if n <= fit_sample:
        return [np.arange(n)]
    order = np.random.default_rng(seed).permutation(n)
    sizes = [fit_sample]
    while sizes[-1] * 8 <= n:
        sizes.append(sizes[-1] * 4)
    return [np.sort(order[:m]) for m in sizes] + [np.arange(n)]


def umap_layout(Y: np.ndarray, p: LayoutParams, wrap: Any = None) -> np.ndarray:
    """``wrap(epochs, description)`` may wrap each refinement's epochs (a progress bar)."""
    n = len(Y)
    if n < SMALL:
        return _pca2(Y)
    try:
        import umap
    except ImportError:
        raise MissingDependency("umap-learn", "pip install umap-learn") from None
    levels = umap_levels(n, p.fit_sample, p.seed)
    idx = levels[0]
    model = umap.UMAP(n_components=2, n_neighbors=min(p.umap_neighbors, len(idx) - 1), min_dist=p.umap_min_dist,
                      metric="euclidean", random_state=p.seed, n_epochs=p.umap_epochs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "n_jobs overridden by random_state", spectral-init fallbacks
        P = model.fit_transform(Y[idx]).astype(np.float32)
    from .umap_refine import refine

    for coarse, fine in zip(levels, levels[1:]):
        known = np.isin(fine, coarse, assume_unique=True)
        start = np.zeros((len(fine), 2), np.float32)
        start[known] = P
        level_wrap = (lambda it, m=len(fine): wrap(it, f"UMAP over {m:,} images")) if wrap else None
        P = refine(Y[fine], start, known, p.seed, n_neighbors=p.umap_neighbors, min_dist=p.umap_min_dist,
                   n_epochs=p.refine_epochs, wrap=level_wrap)
    return P


def tsne_layout(Y: np.ndarray, p: LayoutParams) -> np.ndarray:
    n = len(Y)
    if n < SMALL:
        return _pca2(Y)
    try:
        from openTSNE import TSNE
    except ImportError:
        raise MissingDependency("openTSNE", "pip install openTSNE") from None
    idx = _sample(n, p.fit_sample, p.seed)
    perplexity = float(min(p.tsne_perplexity, max(2.0, (len(idx) - 1) / 3.0 - 1)))
    tsne = TSNE(perplexity=perplexity, n_iter=p.tsne_iter, random_state=p.seed, n_jobs=2,
                initialization="pca", neighbors="exact" if len(idx) < 1000 else "auto")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        emb = tsne.fit(Y[idx])
        if len(idx) == n:
            return np.asarray(emb, np.float32)
        P = np.empty((n, 2), np.float32)
        P[idx] = np.asarray(emb)
        rest = np.setdiff1d(np.arange(n), idx)
        for i in range(0, len(rest), 200_000):
            part = rest[i:i + 200_000]
            P[part] = np.asarray(emb.transform(Y[part]))
    return P


def normalise_positions(P: np.ndarray) -> np.ndarray:
    """Centre on the median and scale so 99 % of the points fall within [-1, 1] (outliers stay visible)."""
    P = np.asarray(P, np.float32)
    if len(P) == 0:
        return P
    c = np.median(P, axis=0)
    Q = P - c
    r = float(np.quantile(np.abs(Q), 0.99)) if len(P) > 20 else float(np.abs(Q).max())
    return (Q / (r if r > 1e-9 else 1.0)).astype(np.float32)


def knn_search(base: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours by L2 (faiss flat when available: BLAS speed, chunked memory)."""
    k = min(k, len(base))
    try:
        import faiss

        index = faiss.IndexFlatL2(base.shape[1])
        index.add(np.ascontiguousarray(base, np.float32))
        d, i = index.search(np.ascontiguousarray(queries, np.float32), k)
        return d, i
    except ImportError:
        from sklearn.neighbors import NearestNeighbors

        nn = NearestNeighbors(n_neighbors=k).fit(base)
        d, i = nn.kneighbors(queries)
        return d ** 2, i


def place_new(Y_old: np.ndarray, P_old: np.ndarray, Y_new: np.ndarray, k: int = 10,
              old_knn: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Positions for new points: a similarity-weighted mean of their nearest old points' positions.
    ``old_knn``: (squared distances, indices) of at least k nearest old points, when already searched."""
    if len(Y_new) == 0:
        return np.zeros((0, 2), np.float32)
    d2, idx = knn_search(Y_old, Y_new, k) if old_knn is None else (old_knn[0][:, :k], old_knn[1][:, :k])
    d = np.sqrt(np.maximum(d2, 0))
    scale = np.maximum(d[:, :1], 1e-6)
    w = np.exp(-(d / scale) ** 2 / 2)  # the nearest neighbour weighs most; far ones fade
    w /= w.sum(1, keepdims=True)
    P = (P_old[idx] * w[..., None]).sum(1)
    # a tiny deterministic offset so identical images do not hide one another exactly
    spread = float(np.median(np.abs(P_old - np.median(P_old, 0)))) if len(P_old) else 1.0
    angle = np.arange(len(Y_new)) * 2.399963  # golden angle
    P += 0.01 * spread * np.stack([np.cos(angle), np.sin(angle)], 1)
    return P.astype(np.float32)


def place_into(layout: str, Y_old: np.ndarray, P_old: np.ndarray, Y_new: np.ndarray, seed: int) -> np.ndarray:
    """New points into an existing scatter layout without moving the old ones: beside their nearest
    neighbours (:func:`place_new`), then, in UMAP, moved by UMAP's objective towards their neighbours old
    and new (on 100k, the new points keep 0.37 of their neighbourhoods instead of 0.18)."""
    if layout != "umap" or not len(Y_new) or len(Y_old) < SMALL:
        return place_new(Y_old, P_old, Y_new)
    from .umap_refine import UMAP_NEIGHBOURS, refine_new

    old_knn = knn_search(Y_old, Y_new, UMAP_NEIGHBOURS)  # one search of the whole map serves both steps
    P = place_new(Y_old, P_old, Y_new, old_knn=old_knn)
    return refine_new(Y_old, P_old, Y_new, P, seed, old_knn=old_knn)


def preservation(Y: np.ndarray, P: np.ndarray, k: int = 10, sample: int = 2000, seed: int = 0) -> float:
    """Mean share of each item's k nearest neighbours in embedding space that are also among its k
    nearest on the map (1.0: every neighbourhood kept), over a sample of items."""
    n = len(Y)
    if n <= k + 1:
        return 1.0
    q = _sample(n, sample, seed)
    _, hi = knn_search(Y, Y[q], k + 1)
    from scipy.spatial import cKDTree

    _, lo = cKDTree(P).query(P[q], k + 1)
    total = 0.0
    for row, item in enumerate(q):
        a = set(hi[row].tolist()) - {item}
        b = set(np.atleast_1d(lo[row]).tolist()) - {item}
        total += len(a & b) / k
    return total / len(q)


# ------------------------------------------------------------------------------------ grid and dates

def grid_layout(P: np.ndarray) -> tuple[np.ndarray, float]:
    """Assign each point a cell of a near-square grid so that map neighbours stay grid neighbours.

    Recursive balanced bisection: split the points at the median of the longer side's axis in
    proportion to the cells on each side; small regions are filled row by row. O(n log^2 n)."""
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
        cap1, cap2 = first * other, (size - first) * other
        n1 = min(cap1, max(m - cap2, round(m * first / size)))
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
    return (np.arctan2(np.sin(angle).mean(0), np.cos(angle).mean(0)) / (2 * np.pi)) % 1.0


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
    return ((out + offset) * step).astype(np.float32)


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


def point_size(P: np.ndarray) -> float:
    """World size of one thumbnail in a scatter layout: about the mean spacing of the densest half."""
    n = len(P)
    if n < 2:
        return 0.5
    q = _sample(n, 5000, 0)
    if n <= 20000:
        # brute force in blocks: for small maps cheaper than importing scipy.spatial (~0.7 s)
        nearest = np.empty(len(q), np.float64)
        for start in range(0, len(q), 128):
            block = P[q[start:start + 128]].astype(np.float64)
            d2 = ((block[:, None, :] - P[None, :, :].astype(np.float64)) ** 2).sum(-1)
            d2[np.arange(len(block)), q[start:start + 128]] = np.inf
            nearest[start:start + len(block)] = np.sqrt(d2.min(1))
    else:
        from scipy.spatial import cKDTree

        d, _ = cKDTree(P).query(P[q], 2)
        nearest = d[:, 1]
    nearest = np.sort(nearest)
    return float(np.clip(np.median(nearest) * 1.2, 1e-4, 0.5))


def morton_order(P: np.ndarray) -> np.ndarray:
    """A permutation that walks the points along a Z-order curve: neighbours on the map end up close in
    index, so a texture page (a run of consecutive indices) covers one small region of the map."""
    if len(P) == 0:
        return np.zeros(0, np.int64)
    lo, hi = P.min(0), P.max(0)
    q = ((P - lo) / np.maximum(hi - lo, 1e-9) * 65535).astype(np.uint64)

    def spread(v: np.ndarray) -> np.ndarray:
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
        v = (v | (v << np.uint64(1))) & np.uint64(0x55555555)
        return v

    code = spread(q[:, 0]) | (spread(q[:, 1]) << np.uint64(1))
    return np.argsort(code, kind="stable")


def scatter_layouts(Y: np.ndarray, names: Sequence[str], p: LayoutParams, wrap: Any = None) -> dict[str, np.ndarray]:
    """``wrap(epochs, description)``: wraps the iterable of each UMAP refinement's epochs (a progress bar)."""
    out: dict[str, Any] = {}
    for name in names:
        if name == "umap":
            out[name] = normalise_positions(umap_layout(Y, p, wrap))
        elif name == "tsne":
            out[name] = normalise_positions(tsne_layout(Y, p))
    return out
