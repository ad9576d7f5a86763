"""Pictures at every zoom in a scatter layout: each image is given a size that follows the local density
of the layout (the spacing of its neighbours), then overlaps are pushed apart so the images tile the map
like a mosaic, and how well neighbourhoods survive the push is measured.

Why sizes from density: one size for every image (the old ``point_size``) is either right for the dense
cores of clusters, leaving the rest of the map as dots far apart (0.9 % of the canvas covered by pictures
at first view on a 2,000-image archive), or right for the sparse parts and a heap of overlaps in the
cores. An image the size of the square its neighbourhood gives it covers the map where there are images
and leaves nothing on top of anything.

Why a push rather than a grid per cluster: moving each image only as far as its overlaps require keeps the
layout's shape (its clusters, the gaps between them, the positions people learned) and costs little
neighbourhood preservation (measured before and after, reported in the manifest and the build summary).
The push works on the whole map at once, so images of two clusters do not overlap either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .geometry import knn_search, sample_rows

DENSITY_K = 8  # neighbours whose spacing sets an image's size
GROW = 1.15  # images a little larger than their share of the area: the push closes the gaps between them
MIN_SCALE, MAX_SCALE = 0.5, 6.0  # sizes clipped to this range around the median (outliers not huge)
PUSH_K = 10  # neighbours checked for overlaps per round
MAX_ROUNDS = 40
STEP = 0.3  # share of a pair's overlap each side moves per round (more oscillates)
REPAIR = 8  # rounds between searches of the neighbour lists
SETTLED = 0.01  # stop once fewer than this share of images overlaps a neighbour (more than a sliver)


@dataclass
class Spread:
    positions: np.ndarray  # (n, 2) float32, overlaps pushed apart
    scales: np.ndarray  # (n,) float32: each image's size as a multiple of ``size``
    size: float  # the median image's world size (the layout's "size" in the manifest)
    overlap_before: float  # share of images overlapping a neighbour, sized as here but before the push
    overlap_after: float
    rounds: int


def _tree(P: np.ndarray):  # type: ignore[no-untyped-def]
    from scipy.spatial import cKDTree

    return cKDTree(P)


def local_sizes(P: np.ndarray, k: int = DENSITY_K) -> np.ndarray:
    """World size of each image's square: the side of the area one image has at the local density
    (k neighbours within distance r: k / (pi r^2) images per unit area), smoothed over the neighbours so
    sizes change gradually, clipped to [MIN_SCALE, MAX_SCALE] times the median."""
    n = len(P)
    if n < 3:
        return np.full(n, 0.5, np.float32)
    k = min(k, n - 1)
    d, idx = _tree(P).query(P, k + 1, workers=-1)
    r = np.maximum(d[:, k], 1e-9)
    spacing = np.log(r * math.sqrt(math.pi / k))
    spacing = 0.5 * spacing + 0.5 * spacing[idx[:, 1:]].mean(1)  # a neighbour's size pulls on one's own
    s = np.exp(spacing)
    med = float(np.median(s))
    out: np.ndarray = np.clip(s, MIN_SCALE * med, MAX_SCALE * med).astype(np.float32)
    return out


def _pairs(P: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) for each image's k nearest others."""
    _, idx = _tree(P).query(P, k + 1, workers=-1)
    i = np.repeat(np.arange(len(P)), k)
    j = idx[:, 1:].reshape(-1)
    ok = j < len(P)
    return i[ok], j[ok]


def _overlapping(P: np.ndarray, half: np.ndarray, pairs: tuple[np.ndarray, np.ndarray]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs whose squares overlap, and their dx, dy."""
    i, j = pairs
    d = P[j] - P[i]
    need = half[i] + half[j]
    hit = (np.abs(d[:, 0]) < need) & (np.abs(d[:, 1]) < need)
    return i[hit], j[hit], d[hit]


def _deep_share(n: int, i: np.ndarray, j: np.ndarray, d: np.ndarray, half: np.ndarray,
                tolerance: float = 0.1) -> float:
    """Share of images overlapping a neighbour by more than ``tolerance`` of the pair's size along both
    axes (a thinner sliver reads as touching)."""
    need = (half[i] + half[j])[:, None]
    deep = ((need - np.abs(d)) > tolerance * need).all(1)
    return len(np.unique(i[deep])) / max(n, 1)


def spread(P: np.ndarray, gap: float = 0.04, grow: float = GROW, rounds: int = MAX_ROUNDS,
           fixed: np.ndarray | None = None, fixed_sizes: np.ndarray | None = None) -> Spread:
    """Sizes from density (times ``grow``), then rounds of pushes: each pair whose squares (plus ``gap``
    of a size between them) overlap moves apart along the line between their centres, each image by
    STEP of the overlap, every pair at once (deterministic). The push spreads dense cores a little; what
    overlap is left is then removed by shrinking (:func:`_fit`), so no two pictures overlap at the end.

    ``fixed`` (a mask) keeps images where they are at their ``fixed_sizes`` (world sizes): new images
    join a map without moving or shrinking the others; only the new ones move and shrink."""
    P = np.asarray(P, np.float64).copy()
    n = len(P)
    if n < 3:
        size = 0.5 if n < 2 else float(np.clip(np.abs(P[1] - P[0]).max() * 0.9, 1e-4, 0.5))
        return Spread(P.astype(np.float32), np.ones(n, np.float32), size, 0.0, 0.0, 0)
    sizes = local_sizes(P) * grow
    if fixed is not None and fixed_sizes is not None:
        sizes[fixed] = np.asarray(fixed_sizes, np.float64)[fixed]
    still = np.zeros(n, bool) if fixed is None else np.asarray(fixed, bool)
    half = sizes * (0.5 + gap / 2)
    # fewer rounds for large maps (each costs a pass over every image): 40 up to 50k, 10 at 1M
    rounds = min(rounds, max(10, int(MAX_ROUNDS * math.sqrt(50_000 / n))))
    # kept images may be much larger than a new one beside them: look further for overlaps
    k = min(PUSH_K * (3 if still.any() else 1), n - 1)
    before = 0.0
    done = 0
    pairs = _pairs(P, k)
    for done in range(1, rounds + 1):
        if done % REPAIR == 0:  # images move little per round: the neighbour lists are searched again now and then
            pairs = _pairs(P, k)
        i, j, d = _overlapping(P, half, pairs)
        if done == 1 or done % 4 == 0:  # the share costs as much as a round: checked now and then
            share = _deep_share(n, i, j, d, half)
            before = share if done == 1 else before
            if share < SETTLED:
                break
        pen = half[i] + half[j] - np.abs(d).max(1)  # how far the pair is from touching
        dist = np.linalg.norm(d, axis=1)
        # exact ties (copies at one spot) still move apart, in a fixed direction
        u = np.where(dist[:, None] > 0, d / np.maximum(dist, 1e-12)[:, None],
                     np.where((i > j)[:, None], 1.0, -1.0) * np.array([[0.6, 0.8]]))
        cos = np.abs(u).max(1)  # moving along u by t widens the Chebyshev distance by t * cos
        push = -u * (pen * STEP / cos * (1 + still[j]))[:, None]  # all of it when the other stays put
        move = np.stack([np.bincount(i, push[:, 0], n), np.bincount(i, push[:, 1], n)], 1)
        move[still] = 0
        P += move
    if still.any():  # a new image still inside a kept one's square steps out beside it
        floor = 0.05 * float(np.median(half))
        for _ in range(6):
            pairs = _pairs(P, k)
            i, j, d = _overlapping(P, half, pairs)
            inside = ~still[i] & still[j] & (np.abs(d).max(1) < half[j] + floor)
            if not inside.any():
                break
            i, j, d = i[inside], j[inside], d[inside]
            first = np.unique(i, return_index=True)[1]  # one kept neighbour per new image per round
            i, j, d = i[first], j[first], d[first]
            axis = np.argmax(np.abs(d), 1)  # out along the axis it is already farthest along
            sign = np.where(d[np.arange(len(d)), axis] > 0, -1.0, 1.0)  # d points from i to j
            P[i, axis] = P[j, axis] + sign * (half[j] + 2 * floor)
    pairs = _pairs(P, k)
    if rounds == 0:  # shrinking only
        before = _deep_share(n, *_overlapping(P, half, pairs), half)
    fitted = _fit(P, half, pairs, still)
    after = _deep_share(n, *_overlapping(P, fitted, pairs), fitted, tolerance=1e-6)  # touching is no overlap
    sizes = fitted / (0.5 + gap / 2)
    if fixed_sizes is not None:
        sizes[still] = np.asarray(fixed_sizes, np.float64)[still]  # exactly as given, not rounded through half
    size = float(np.median(sizes))
    return Spread(P.astype(np.float32), (sizes / size).astype(np.float32), size, round(before, 4),
                  round(after, 4), done)


def _fit(P: np.ndarray, half: np.ndarray, pairs: tuple[np.ndarray, np.ndarray], still: np.ndarray) -> np.ndarray:
    """Half-sizes shrunk just enough that no two squares overlap: an overlapping pair shares the
    Chebyshev distance between its centres in proportion to the two half-sizes (all of it goes to the
    other when one of them stays as it is, ``still``), and each image takes the smallest share any of
    its pairs leaves it."""
    i, j, d = _overlapping(P, half, pairs)
    cheb = np.abs(d).max(1)
    floor = 1e-3 * float(np.median(half))  # a new image with no room left is a speck, not gone
    share_i = np.where(still[j], cheb - half[j], cheb * half[i] / (half[i] + half[j]))
    share_j = np.where(still[i], cheb - half[i], cheb * half[j] / (half[i] + half[j]))
    out = half.copy()
    np.minimum.at(out, i[~still[i]], np.maximum(share_i[~still[i]], floor))
    np.minimum.at(out, j[~still[j]], np.maximum(share_j[~still[j]], floor))
    # then each image grows back towards its own size into the room its neighbours left, by half the
    # gap on each side of a pair (so two neighbours growing at once still only touch)
    ii, jj = pairs
    cheb2 = np.abs(P[jj] - P[ii]).max(1)
    for _ in range(6):
        gap = cheb2 - out[ii] - out[jj]
        room = np.full(len(P), np.inf)
        np.minimum.at(room, ii, gap)
        np.minimum.at(room, jj, gap)
        out = np.minimum(half, out + np.maximum(room, 0) / 2)
    return out


class Preservation:
    """Neighbourhood preservation@k (as :func:`generator.archive.geometry.preservation`) of any number of
    maps of the same items, over one sample and one embedding search: the share of each sampled item's k
    nearest in embedding space that are among its k nearest on the map."""

    def __init__(self, Y: np.ndarray, k: int = 10, sample: int = 2000, seed: int = 0) -> None:
        self.k, self.n = k, len(Y)
        self.q = sample_rows(self.n, sample, seed)
        self.hi = knn_search(Y, Y[self.q], k + 1)[1] if self.n > k + 1 else None

    def __call__(self, P: np.ndarray) -> float:
        if self.hi is None:
            return 1.0
        P = np.asarray(P, np.float64)
        _, lo = _tree(P).query(P[self.q], self.k + 1)
        total = 0.0
        for row, item in enumerate(self.q.tolist()):
            a = set(self.hi[row].tolist()) - {item}
            b = set(np.atleast_1d(lo[row]).tolist()) - {item}
            total += len(a & b) / self.k
        return round(total / len(self.q), 4)


# gentler pushes tried in turn when one costs more neighbourhood than MAX_LOSS: (grow, rounds)
TRIES = ((GROW, MAX_ROUNDS), (1.0, 20), (0.9, 8), (0.8, 0))
MAX_LOSS = 0.04  # preservation@10 given up for the mosaic at most (the issue allows 0.05; sampling noise)


def mosaic(Y: np.ndarray, P: np.ndarray, tries: tuple[tuple[float, int], ...] = TRIES,
           seed: int = 0) -> tuple[Spread, dict[str, float]]:
    """The first of ``tries`` whose push keeps preservation within MAX_LOSS of the layout's own, with what
    it did: preservation before and after, the share of images overlapping before and after, rounds."""
    measure = Preservation(Y, seed=seed)
    before = measure(P)
    for grow, rounds in tries:
        sp = spread(P, grow=grow, rounds=rounds)
        after = measure(sp.positions)
        if before - after <= MAX_LOSS:
            break
    return sp, {"before": before, "after": after, "overlap_before": sp.overlap_before,
                "overlap_after": sp.overlap_after, "rounds": sp.rounds, "grow": grow}
