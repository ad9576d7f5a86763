"""UMAP's layout optimisation over every point, deterministic on any number of threads.

umap-learn fits a million points on one core when a seed is set (its parallel optimiser lets threads race
on shared positions, so it is only used unseeded): 28 minutes here. Fitting a 50k sample and placing the
rest keeps the time but loses the fine neighbourhoods (preservation@10 0.27 at 100k, 0.05 at 1M, against
0.40 for a fit on everything). This module refines such a start with the same objective as UMAP (fuzzy
kNN graph, attraction along its edges, sampled repulsion, the same a/b curve and learning-rate schedule)
over all points, in parallel and reproducibly:

- within an epoch every point reads the others' positions from the previous epoch and writes only its own,
  so the result does not depend on the order in which threads run;
- negative samples come from a counter-based hash of (seed, epoch, edge, draw), not a shared generator.

The graph is the one umap-learn builds (``fuzzy_simplicial_set``) from a kNN graph made by pynndescent,
which is itself reproducible with a seed on two threads. Points are renumbered along a Z-order curve of
their start so that a point's neighbours sit close in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numba
import numpy as np

from .geometry import knn_search, morton_order

EpochWrap = Callable[[Iterable[int]], Iterable[int]]  # e.g. a progress bar around the epochs
REFINE_RATE = 0.1  # learning rate of the refinement: the start is already close, UMAP's 1.0 would scatter it


@dataclass
class FuzzyGraph:
    indptr: np.ndarray  # CSR rows: the edges of point i are indptr[i]:indptr[i + 1]
    indices: np.ndarray
    weights: np.ndarray


EXACT_KNN = 20_000  # up to this many points the kNN graph is exact (faiss, seconds; no JIT compile)


def knn_graph(Y: np.ndarray, k: int, seed: int, jobs: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """k nearest neighbours of every point, itself first (as UMAP expects), and their distances.
    Above ``EXACT_KNN`` points: pynndescent (recall@15 0.999 on 100k realistic vectors, 37 s at 1M once
    its JIT code is compiled, the same graph on every run for a given seed)."""
    Y = np.ascontiguousarray(Y, np.float32)
    k = min(k, len(Y))
    if len(Y) <= EXACT_KNN:
        d2, idx = knn_search(Y, Y, k)
        return idx.astype(np.int32), np.sqrt(np.maximum(d2, 0)).astype(np.float32)
    from pynndescent import NNDescent

    nnd = NNDescent(Y, n_neighbors=k, metric="euclidean", random_state=seed, n_jobs=jobs, low_memory=True,
                    verbose=False)
    idx, dist = nnd.neighbor_graph
    return idx, dist


def fuzzy_graph(Y: np.ndarray, idx: np.ndarray, dist: np.ndarray, seed: int) -> FuzzyGraph:
    from .umap_lib import import_umap

    U = import_umap()

    graph, _, _ = U.fuzzy_simplicial_set(Y, idx.shape[1], np.random.RandomState(seed), "euclidean",
                                         knn_indices=idx, knn_dists=dist)
    g = graph.tocsr()
    g.sum_duplicates()
    g.sort_indices()
    return FuzzyGraph(indptr=g.indptr.astype(np.int64), indices=g.indices.astype(np.int32),
                      weights=g.data.astype(np.float32))


def fill_from_neighbours(P: np.ndarray, known: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Positions for the unknown points: the mean of their already placed kNN neighbours, spreading
    outward through the graph; points never reached keep the mean of all known ones."""
    P = P.copy()
    known = known.copy()
    for _ in range(64):
        todo = np.where(~known)[0]
        if len(todo) == 0:
            break
        nb = idx[todo]
        ok = known[nb] & (nb >= 0)
        cnt = ok.sum(1)
        reach = cnt > 0
        if not reach.any():
            break
        w = ok[reach].astype(np.float32)
        P[todo[reach]] = (P[nb[reach]] * w[..., None]).sum(1) / cnt[reach, None]
        known[todo[reach]] = True
    if (~known).any():
        P[~known] = P[known].mean(0) if known.any() else 0.0
    return P


def optimise(P0: np.ndarray, g: FuzzyGraph, n_epochs: int, seed: int, min_dist: float = 0.1,
             learning_rate: float = 1.0, negative_rate: int = 5, wrap: EpochWrap | None = None) -> np.ndarray:
    """UMAP's stochastic optimisation of ``P0`` over graph ``g`` for ``n_epochs`` epochs."""
    a, b = ab_params(min_dist)
    # points renumbered along a Z-order curve of their start, so that graph neighbours sit close in memory
    order, g = renumber(g, _z_order(P0))
    w = g.weights.copy()
    w[w < w.max() / float(n_epochs)] = 0.0  # as umap-learn: edges too weak to be sampled once are dropped
    # an edge of weight w is sampled every max(w) / w epochs, as in umap-learn; weight 0: never
    eps = np.where(w > 0, float(w.max()) / np.where(w > 0, w, 1.0), -1.0).astype(np.float64)
    eps_neg = eps / negative_rate
    next_s = eps.copy()
    next_neg = eps_neg.copy()
    pos = np.ascontiguousarray(P0[order], np.float32)
    new = pos.copy()
    for epoch in (wrap or iter)(range(n_epochs)):
        alpha = learning_rate * (1.0 - epoch / float(n_epochs))
        epoch_step(pos, new, g.indptr, g.indices, eps, next_s, eps_neg, next_neg, np.float32(a), np.float32(b),
                   np.float32(alpha), epoch, np.uint64(seed))
        pos, new = new, pos
    out = np.empty_like(pos)
    out[order] = pos
    return out


def ab_params(min_dist: float, spread: float = 1.0) -> tuple[float, float]:
    """UMAP's curve 1 / (1 + a d^2b) fitted to 1 within min_dist and exp(-(d - min_dist) / spread) beyond
    (umap-learn's find_ab_params; here to spare placing a few new images umap-learn's 3 s import)."""
    from scipy.optimize import curve_fit

    x = np.linspace(0, spread * 3, 300)
    y = np.where(x < min_dist, 1.0, np.exp(-(x - min_dist) / spread))
    (a, b), _ = curve_fit(lambda d, a, b: 1.0 / (1.0 + a * d ** (2 * b)), x, y)
    return float(a), float(b)


def _z_order(P: np.ndarray) -> np.ndarray:

    return morton_order(P)


def renumber(g: FuzzyGraph, order: np.ndarray) -> tuple[np.ndarray, FuzzyGraph]:
    """The graph with point ``order[r]`` renamed ``r``."""
    import scipy.sparse as sp

    n = len(g.indptr) - 1
    m = sp.csr_matrix((g.weights, g.indices, g.indptr), shape=(n, n))
    m = m[order][:, order].tocsr()
    # within a row, edges in an order unrelated to the numbering (see the kernel's rotating start)
    rows = np.repeat(np.arange(n, dtype=np.uint64), np.diff(m.indptr))
    key = (m.indices.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)
    perm = np.lexsort((key, rows))
    return order, FuzzyGraph(indptr=m.indptr.astype(np.int64), indices=m.indices[perm].astype(np.int32),
                             weights=m.data[perm].astype(np.float32))


@numba.njit(inline="always")
def clip(v: float) -> float:
    return 4.0 if v > 4.0 else (-4.0 if v < -4.0 else v)


@numba.njit(inline="always")
def mix(z: np.uint64) -> np.uint64:  # splitmix64 finaliser
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


# at module level (not built on first use) so that numba's on-disk cache spares later processes the compile
@numba.njit(parallel=True, fastmath=True, nogil=True, cache=True)
def epoch_step(pos: np.ndarray, new: np.ndarray, indptr: np.ndarray, indices: np.ndarray, eps: np.ndarray,
               next_s: np.ndarray, eps_neg: np.ndarray, next_neg: np.ndarray, a: np.float32, b: np.float32,
               alpha: np.float32, epoch: int, seed: np.uint64) -> None:
    n = pos.shape[0]
    ep = np.float64(epoch)
    base = mix(seed * np.uint64(0x9E3779B97F4A7C15) + np.uint64(epoch))
    for i in numba.prange(n):
        x0 = pos[i, 0]
        x1 = pos[i, 1]
        lo = indptr[i]
        deg = indptr[i + 1] - lo
        # each step moves x towards one neighbour, so the last ones visited pull hardest. Were they
        # always the same, a numbering that follows the map would drag every point one way: a row's
        # edges are in hashed order (renumber) and each epoch starts at a different one
        start = np.int64(mix(base + np.uint64(i)) % np.uint64(max(deg, 1)))
        for t in range(deg):
            e = lo + (start + t) % deg
            if eps[e] <= 0.0 or next_s[e] > ep:
                continue
            j = indices[e]
            d0 = x0 - pos[j, 0]
            d1 = x1 - pos[j, 1]
            d2 = d0 * d0 + d1 * d1
            if d2 > 0.0:
                g = -2.0 * a * b * d2 ** (b - 1.0) / (a * d2 ** b + 1.0)
                # the graph holds (i, j) and (j, i); umap-learn moves both ends of each, so each end
                # is pulled twice per epoch: here once, twice as far
                x0 += 2.0 * clip(g * d0) * alpha
                x1 += 2.0 * clip(g * d1) * alpha
            next_s[e] += eps[e]
            n_neg = int((ep - next_neg[e]) / eps_neg[e])
            h = mix(base ^ (np.uint64(e) * np.uint64(0xD1B54A32D192ED03)))
            for p in range(n_neg):
                h = mix(h + np.uint64(p + 1))
                k = np.int64(h % np.uint64(n))
                if k == i:
                    continue
                d0 = x0 - pos[k, 0]
                d1 = x1 - pos[k, 1]
                d2 = d0 * d0 + d1 * d1
                if d2 > 0.0:
                    g = 2.0 * b / ((0.001 + d2) * (a * d2 ** b + 1.0))
                    x0 += clip(g * d0) * alpha
                    x1 += clip(g * d1) * alpha
            next_neg[e] += n_neg * eps_neg[e]
        new[i, 0] = x0
        new[i, 1] = x1


def refine(Y: np.ndarray, P_start: np.ndarray, known: np.ndarray, seed: int, n_neighbors: int = 15,
           min_dist: float = 0.1, n_epochs: int = 100, learning_rate: float = REFINE_RATE,
           wrap: EpochWrap | None = None) -> np.ndarray:
    """The layout of all of ``Y``: positions ``P_start[known]`` (a fit on a sample) spread to the other
    points through the kNN graph, then optimised over every point."""
    idx, dist = knn_graph(Y, n_neighbors, seed)
    P0 = fill_from_neighbours(P_start, known, idx)
    if n_epochs <= 0:
        return P0
    g = fuzzy_graph(Y, idx, dist, seed)
    del idx, dist
    return optimise(P0, g, n_epochs, seed, min_dist, learning_rate, wrap=wrap)


UMAP_SCALE = 15.0  # a UMAP map's 99 % radius in its own units (14.7 at 100k, 14.9 at 1M): stored maps are
# normalised to 1, and the a/b curve and clipping only make sense in UMAP's units


def membership(dist: np.ndarray) -> np.ndarray:
    """UMAP's fuzzy membership of each kNN edge (the directed half of ``fuzzy_simplicial_set``): 1 for the
    nearest other point, decaying at a per-point rate chosen so the weights sum to log2(k), k the number of
    columns. An infinite distance (a point listed as its own neighbour) weighs 0."""
    finite = np.isfinite(dist)
    k = max(dist.shape[1], 2)
    positive = np.where((dist > 0) & finite, dist, np.inf)
    nearest = positive.min(1, keepdims=True)
    rho = np.where(np.isfinite(nearest), nearest, 0.0)
    excess = np.where(finite, np.maximum(dist - rho, 0.0), np.inf)
    lo, hi = np.zeros((len(dist), 1)), np.full((len(dist), 1), np.inf)
    sigma = np.ones((len(dist), 1))
    for _ in range(64):  # bisection on the rate, as smooth_knn_dist does
        over = np.exp(-excess / sigma).sum(1, keepdims=True) > np.log2(k)
        hi = np.where(over, sigma, hi)
        lo = np.where(over, lo, sigma)
        sigma = np.where(np.isinf(hi), sigma * 2, (lo + hi) / 2)
    floor = 1e-3 * float(np.mean(dist[finite])) if finite.any() else 1e-12
    return np.exp(-excess / np.maximum(sigma, max(floor, 1e-12)))


UMAP_NEIGHBOURS = 15  # kNN per new point when placing new images (umap-learn's default n_neighbors)


def refine_new(Y_old: np.ndarray, P_old: np.ndarray, Y_new: np.ndarray, P_new: np.ndarray, seed: int,
               n_neighbors: int = UMAP_NEIGHBOURS, min_dist: float = 0.1, n_epochs: int = 60,
               old_knn: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """New points moved by UMAP's objective towards their nearest neighbours (old and new) while every old
    point stays where it is. Positions are in the stored, normalised units. ``old_knn``: (squared
    distances, indices) of the new points' n_neighbors nearest old points, when already searched."""

    n, m = len(Y_old), len(Y_new)
    if m == 0 or n + m <= n_neighbors:
        return P_new
    d2_old, i_old = knn_search(Y_old, Y_new, n_neighbors) if old_knn is None else old_knn
    d2_new, i_new = knn_search(Y_new, Y_new, min(n_neighbors, m))  # itself included, as in UMAP's graph
    # the nearest among old and new together, without copying the whole map into one index
    d2 = np.concatenate([d2_old[:, :n_neighbors], d2_new], 1)
    idx = np.concatenate([i_old[:, :n_neighbors], i_new + n], 1)
    best = np.argsort(d2, axis=1, kind="stable")[:, :n_neighbors]
    d2, idx = np.take_along_axis(d2, best, 1), np.take_along_axis(idx, best, 1)
    dist = np.sqrt(np.maximum(d2, 0))
    dist[idx == (np.arange(m)[:, None] + n)] = np.inf  # itself
    w = membership(dist)
    indptr = np.concatenate([np.zeros(n + 1, np.int64), np.cumsum(np.full(m, idx.shape[1], np.int64))])
    g = FuzzyGraph(indptr=indptr, indices=idx.ravel().astype(np.int32), weights=w.ravel().astype(np.float32))
    P = np.concatenate([P_old, P_new]).astype(np.float32) * UMAP_SCALE
    out = optimise(P, g, n_epochs, seed, min_dist, REFINE_RATE) / UMAP_SCALE
    out[:n] = P_old  # untouched by construction; exact, not scaled back and forth
    return out[n:].astype(np.float32)
