"""The k most similar images of every item.

Exact search (faiss flat, BLAS speed) up to ``EXACT_LIMIT`` items; above it an HNSW graph (M=32) on the
PCA-50 vectors, which measured recall@10 of 0.99 at 200k items here, where pynndescent's defaults
measured 0.45-0.71 (see bench/map/bench_neighbours.py for this machine's figures).
"""

from __future__ import annotations

import numpy as np

from ..errors import MissingDependency

NEIGHBOURS_VERSION = 1
EXACT_LIMIT = 30_000


def _faiss():  # type: ignore[no-untyped-def]
    try:
        import faiss
    except ImportError:
        raise MissingDependency("faiss-cpu", "pip install faiss-cpu") from None
    return faiss


def _drop_self(idx: np.ndarray, k: int) -> np.ndarray:
    """Remove each row's own index (usually first, not always: duplicates tie) and keep k columns."""
    n = len(idx)
    out = np.empty((n, k), np.int32)
    own = np.arange(n)[:, None]
    for i in range(n):
        row = idx[i][(idx[i] != own[i, 0]) & (idx[i] >= 0)]
        if len(row) < k:  # HNSW may return fewer than asked; pad with the last found
            row = np.concatenate([row, np.full(k - len(row), row[-1] if len(row) else i)])
        out[i] = row[:k]
    return out


def all_neighbours(Y: np.ndarray, k: int, seed: int = 42, exact_limit: int = EXACT_LIMIT) -> np.ndarray:
    """(N, k) int32: for every row of Y, the indices of its k nearest other rows, nearest first."""
    n = len(Y)
    k = min(k, n - 1)
    if k <= 0:
        return np.zeros((n, 0), np.int32)
    faiss = _faiss()
    X = np.ascontiguousarray(Y, np.float32)
    if n <= exact_limit:
        index = faiss.IndexFlatL2(X.shape[1])
    else:
        index = faiss.IndexHNSWFlat(X.shape[1], 32)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = max(64, 4 * k)
    index.add(X)
    _, idx = index.search(X, k + 1)
    return _drop_self(idx, k)


def neighbours_of(base: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Nearest base rows for outside queries (film frames): exact, the queries are few."""
    if len(queries) == 0 or len(base) == 0:
        return np.zeros((len(queries), 0), np.int32)
    faiss = _faiss()
    index = faiss.IndexFlatL2(base.shape[1])
    index.add(np.ascontiguousarray(base, np.float32))
    idx: np.ndarray  # faiss is untyped: search() answers (distances, indices) arrays
    _, idx = index.search(np.ascontiguousarray(queries, np.float32), min(k, len(base)))
    return idx.astype(np.int32)


def recall_at_k(approx: np.ndarray, exact: np.ndarray) -> float:
    k: int = exact.shape[1]
    hits = sum(len(set(a.tolist()) & set(e.tolist())) for a, e in zip(approx, exact))
    return hits / (len(exact) * k)
