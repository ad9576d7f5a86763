"""Nearest-neighbour index choice, measured: exact faiss vs faiss HNSW (M=32, what the pipeline uses above
30k items) vs pynndescent's defaults, recall@10 against exact, on PCA-50 vectors of synthetic embeddings.

    .venv/bin/python bench/map/bench_neighbours.py [N=50000]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench" / "map"))


def main() -> None:
    from bench_layout import synthetic_embeddings

    from generator.archive import layout as L
    from generator.archive.neighbours import all_neighbours, recall_at_k

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    chunks = list(synthetic_embeddings(n))
    pca = L.fit_pca(chunks[0], 50, 42)
    Y = np.concatenate([pca.project(c) for c in chunks])
    t = time.perf_counter()
    exact = all_neighbours(Y, 10, exact_limit=n)
    t_exact = time.perf_counter() - t
    t = time.perf_counter()
    hnsw = all_neighbours(Y, 10, exact_limit=0)
    t_hnsw = time.perf_counter() - t
    print(f"N = {n:,} x 50-d, k = 10")
    print(f"faiss exact      {t_exact:6.1f} s   recall 1.000")
    print(f"faiss HNSW M=32  {t_hnsw:6.1f} s   recall {recall_at_k(hnsw, exact):.3f}")
    try:
        from pynndescent import NNDescent
    except ImportError:
        return
    t = time.perf_counter()
    idx, _ = NNDescent(Y, n_neighbors=11, random_state=0).neighbor_graph
    t_nnd = time.perf_counter() - t
    print(f"pynndescent      {t_nnd:6.1f} s   recall {recall_at_k(idx[:, 1:], exact):.3f}  (defaults)")


if __name__ == "__main__":
    main()
