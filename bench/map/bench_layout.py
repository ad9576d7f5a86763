"""Layout at scale on synthetic CNN-like embeddings: our pipeline (PCA-50 fitted on a sample, UMAP fitted
on 50k and the rest placed by transform) vs PixPlot's own settings (PCA 100 -> UMAP n_neighbors 15,
min_dist 0.01, metric correlation, fitted on everything), plus adding 1k images to a 200k map.

    .venv/bin/python bench/map/bench_layout.py 100000 [--pixplot] [--tsne] [--add]

Prints wall times, peak RSS and neighbourhood preservation@10 (sampled), all measured in this run."""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from generator.archive import layout as L  # noqa: E402


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def synthetic_embeddings(n: int, d: int = 1280, clusters: int = 200, seed: int = 0, chunk: int = 65536):
    """Yields float32 chunks of L2-normalised vectors: a mixture of clusters on a 64-d manifold, ReLU'd
    like pooled CNN features (so 'correlation' and euclidean differ as they do on real features)."""
    rng = np.random.default_rng(seed)
    basis = rng.normal(size=(64, d)).astype(np.float32) / 8
    centres = rng.normal(size=(clusters, 64)).astype(np.float32) * 2
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        c = rng.integers(0, clusters, m)
        z = centres[c] + rng.normal(size=(m, 64)).astype(np.float32)
        x = np.maximum(z @ basis + rng.normal(size=(m, d)).astype(np.float32) * 0.05, 0)
        yield L.l2_normalise(x)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--pixplot", action="store_true", help="also run PixPlot's settings on all points")
    ap.add_argument("--tsne", action="store_true")
    ap.add_argument("--add", action="store_true", help="time adding 1,000 images to a 200k map")
    ap.add_argument("--epochs", type=int, default=0)
    a = ap.parse_args()
    n = a.n
    print(f"N = {n:,} synthetic 1280-d embeddings, {__import__('os').cpu_count()} cores")
    t = time.perf_counter()
    chunks = list(synthetic_embeddings(n))
    print(f"generate            {time.perf_counter() - t:7.1f} s   peak RSS {peak_rss_gb():.2f} GB")
    params = L.LayoutParams(umap_epochs=a.epochs or None)
    t = time.perf_counter()
    first = chunks[0] if len(chunks[0]) >= min(n, 50_000) else np.concatenate(chunks)[:50_000]
    pca = L.fit_pca(first, 50, params.seed, params.fit_sample)
    Y = np.concatenate([pca.project(c) for c in chunks])
    t_pca = time.perf_counter() - t
    print(f"PCA-50 (fit 50k)    {t_pca:7.1f} s   peak RSS {peak_rss_gb():.2f} GB")
    t = time.perf_counter()
    P = L.umap_layout(Y, params)
    t_umap = time.perf_counter() - t
    score = L.preservation(Y, P, 10, 2000, 0)
    print(f"UMAP (ours)         {t_umap:7.1f} s   peak RSS {peak_rss_gb():.2f} GB   preservation@10 {score:.3f}"
          f"   (total with PCA {t_pca + t_umap:.1f} s; includes numba compile)")
    if a.tsne:
        t = time.perf_counter()
        T = L.tsne_layout(Y, params)
        print(f"t-SNE (openTSNE)    {time.perf_counter() - t:7.1f} s   peak RSS {peak_rss_gb():.2f} GB   "
              f"preservation@10 {L.preservation(Y, T, 10, 2000, 0):.3f}")
    if a.pixplot:
        import umap
        from sklearn.decomposition import PCA

        X = np.concatenate(chunks)
        t = time.perf_counter()
        Z = PCA(n_components=100, random_state=params.seed).fit_transform(X)
        model = umap.UMAP(n_neighbors=15, min_dist=0.01, metric="correlation", random_state=params.seed,
                          n_epochs=a.epochs or None)
        Pp = model.fit_transform(Z)
        t_pix = time.perf_counter() - t
        sp = L.preservation(Y, Pp, 10, 2000, 0)
        print(f"PixPlot settings    {t_pix:7.1f} s   peak RSS {peak_rss_gb():.2f} GB   preservation@10 {sp:.3f}")
        print(f"ratio PixPlot / ours (layout incl. PCA): {t_pix / (t_pca + t_umap):.2f}x;  preservation "
              f"ours {score:.3f} vs PixPlot {sp:.3f} (both measured against our PCA-50 neighbours)")
    if a.add:
        base_n = 200_000
        Yb = np.concatenate([pca.project(c) for c in synthetic_embeddings(base_n + 1000, seed=1)])
        Pb = L.umap_layout(Yb[:base_n], L.LayoutParams(fit_sample=20_000, umap_epochs=a.epochs or None))
        before = Pb.copy()
        t = time.perf_counter()
        Pn = L.place_new(Yb[:base_n], Pb, Yb[base_n:])
        t_add = time.perf_counter() - t
        assert np.array_equal(before, Pb)
        full = np.concatenate([Pb, Pn])
        print(f"add 1,000 to 200k   {t_add:7.2f} s   nothing else moved: {np.array_equal(before, full[:base_n])}; "
              f"preservation@10 of the new points {L.preservation(Yb, full, 10, 1000, 0):.3f} (sampled over all)")


if __name__ == "__main__":
    main()
