"""Nearest-neighbour index choice, measured: exact faiss vs faiss HNSW (M=32, efConstruction 80,
efSearch 64: what ``generator/archive/neighbours.py`` uses above 30k items) vs pynndescent's defaults (if
installed; it comes with umap-learn), recall@10 against exact, on PCA-50 vectors of synthetic embeddings
from bench_layout's realistic generator (families of smooth low-dimensional manifolds; see
``bench_layout.RealisticWorld``).

    .venv/bin/python bench/map/bench_neighbours.py [N=50000] [--generator realistic|isotropic] [--sweep]

Prints wall times (index build + all-pairs query) and recall@10 of each, measured in this run. ``--sweep``
also measures other HNSW settings (efSearch 32-256 on the same M=32 graph, and M=16/48/64), to show
what a recall target costs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench" / "map"))


def hnsw(Y: np.ndarray, k: int, M: int, ef_construction: int, ef_searches: list[int]):  # type: ignore[no-untyped-def]
    """Build once, then query every point with each efSearch: yields (efSearch, build s, query s, idx)."""
    import faiss

    from generator.archive.neighbours import _drop_self

    index = faiss.IndexHNSWFlat(Y.shape[1], M)
    index.hnsw.efConstruction = ef_construction
    t = time.perf_counter()
    index.add(Y)
    t_build = time.perf_counter() - t
    for ef in ef_searches:
        index.hnsw.efSearch = ef
        t = time.perf_counter()
        _, idx = index.search(Y, k + 1)
        yield ef, t_build, time.perf_counter() - t, _drop_self(idx, k)


def main() -> None:
    from bench_layout import realistic_embeddings, synthetic_embeddings

    from generator.archive import geometry
    from generator.archive.neighbours import all_neighbours, recall_at_k

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, nargs="?", default=50_000)
    ap.add_argument("--generator", choices=("realistic", "isotropic"), default="realistic")
    ap.add_argument("--sweep", action="store_true", help="also measure other HNSW settings")
    a = ap.parse_args()
    n, k = a.n, 10
    gen = realistic_embeddings if a.generator == "realistic" else synthetic_embeddings
    head: list[np.ndarray] = []
    parts: list[np.ndarray] = []
    pca = None
    for chunk in gen(n):  # projected chunk by chunk: the 1280-d vectors are never all in memory
        if pca is None:
            head.append(chunk)
            if sum(len(h) for h in head) < min(n, 50_000):
                continue
            first = np.concatenate(head)
            head = []
            pca = geometry.fit_pca(first, 50, 42)
            parts.append(pca.project(first))
        else:
            parts.append(pca.project(chunk))
    Y = np.ascontiguousarray(np.concatenate(parts), np.float32)
    print(f"N = {n:,} x 50-d (PCA of {a.generator} 1280-d embeddings), k = {k}, {os.cpu_count()} cores, "
          f"load average at start {os.getloadavg()[0]:.2f}")
    t = time.perf_counter()
    exact = all_neighbours(Y, k, exact_limit=n)
    t_exact = time.perf_counter() - t
    print(f"faiss exact                      {t_exact:6.1f} s   recall 1.000")
    t = time.perf_counter()
    approx = all_neighbours(Y, k, exact_limit=0)
    t_hnsw = time.perf_counter() - t
    print(f"faiss HNSW M=32 (neighbours.py)  {t_hnsw:6.1f} s   recall {recall_at_k(approx, exact):.3f}   "
          f"({t_exact / t_hnsw:.1f}x faster than exact)")
    if a.sweep:
        for M, efc, efs in ((32, 80, [32, 128, 256]), (16, 80, [64, 128]), (48, 80, [64, 128]), (64, 80, [64, 128])):
            for ef, tb, tq, idx in hnsw(Y, k, M, efc, efs):
                print(f"  HNSW M={M:<2} efC={efc} efSearch={ef:<3}   build {tb:6.1f} s + query {tq:6.1f} s = "
                      f"{tb + tq:6.1f} s   recall {recall_at_k(idx, exact):.3f}")
    try:
        from pynndescent import NNDescent
    except ImportError:
        print("pynndescent not installed")
    else:
        t = time.perf_counter()
        _ = NNDescent(Y[:3000], n_neighbors=k + 1, random_state=0).neighbor_graph  # numba compile
        t_warm = time.perf_counter() - t
        t = time.perf_counter()
        idx, _ = NNDescent(Y, n_neighbors=k + 1, random_state=0).neighbor_graph
        t_nnd = time.perf_counter() - t
        print(f"pynndescent (defaults)           {t_nnd:6.1f} s   recall "
              f"{recall_at_k(without_self(idx, k), exact):.3f}   (after a {t_warm:.1f} s numba warm-up)")
    print(f"load average at end {os.getloadavg()[0]:.2f} (1 min; above ~2 another process shared the cores)")


def without_self(idx: np.ndarray, k: int) -> np.ndarray:
    """pynndescent lists the point itself first, except among exact duplicates: drop it wherever it is."""
    own = np.arange(len(idx))[:, None]
    return np.stack([row[row != i][:k] for row, i in zip(idx, own[:, 0])])


if __name__ == "__main__":
    main()
