"""Geometry of embeddings and maps: normalising, PCA, exact nearest neighbours, a Z-order numbering, the
size of a thumbnail in a layout and how well a layout keeps neighbourhoods. Shared by the layouts, the
placement of new images and the map stage; imports nothing of theirs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class PCAModel:
    mean: np.ndarray  # (D,)
    components: np.ndarray  # (d, D)

    def project(self, X: np.ndarray, chunk: int = 65536) -> np.ndarray:
        out = np.empty((len(X), self.components.shape[0]), np.float32)
        for i in range(0, len(X), chunk):
            out[i:i + chunk] = (X[i:i + chunk] - self.mean) @ self.components.T
        return out


def l2_normalise(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, np.float32)
    n = np.linalg.norm(X, axis=1, keepdims=True)
    out: np.ndarray = X / np.maximum(n, 1e-12)
    return out


def sample_rows(n: int, size: int, seed: int) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def fit_pca(X: np.ndarray, dims: int, seed: int, sample: int = 50_000) -> PCAModel:
    """PCA fitted on a sample (enough for 50 components), projecting all points later in chunks."""
    n, D = X.shape
    idx = sample_rows(n, sample, seed)
    S = X[idx].astype(np.float32)
    mean = S.mean(0)
    d = max(1, min(dims, len(S) - 1, D))
    if len(S) < 2:
        return PCAModel(mean=mean, components=np.eye(1, D, dtype=np.float32))
    from sklearn.decomposition import PCA

    pca = PCA(n_components=d, svd_solver="randomized" if d < min(S.shape) - 1 else "full", random_state=seed)
    pca.fit(S)
    return PCAModel(mean=pca.mean_.astype(np.float32), components=pca.components_.astype(np.float32))


def normalise_positions(P: np.ndarray) -> np.ndarray:
    """Centre on the median and scale so 99 % of the points fall within [-1, 1] (outliers stay visible)."""
    P = np.asarray(P, np.float32)
    if len(P) == 0:
        return P
    c = np.median(P, axis=0)
    Q = P - c
    r = float(np.quantile(np.abs(Q), 0.99)) if len(P) > 20 else float(np.abs(Q).max())
    out: np.ndarray = (Q / (r if r > 1e-9 else 1.0)).astype(np.float32)
    return out


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


def preservation(Y: np.ndarray, P: np.ndarray, k: int = 10, sample: int = 2000, seed: int = 0) -> float:
    """Mean share of each item's k nearest neighbours in embedding space that are also among its k
    nearest on the map (1.0: every neighbourhood kept), over a sample of items."""
    n = len(Y)
    if n <= k + 1:
        return 1.0
    q = sample_rows(n, sample, seed)
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


def point_size(P: np.ndarray) -> float:
    """World size of one thumbnail in a scatter layout: about the mean spacing of the densest half."""
    n = len(P)
    if n < 2:
        return 0.5
    q = sample_rows(n, 5000, 0)
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
