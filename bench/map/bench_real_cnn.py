"""Layouts of real CNN features: N synthetic images with continuous parameters (bench/map/synth.py
``rich_image``: 6 pattern families x hue, rotation or position, scale, brightness) embedded by the
project's default embedder (``efficientnet``: EfficientNet-Lite0, offline, CPU) through the pipeline's own
``embed_missing`` (loader thread + sharded float16 store), then laid out three ways:

- ours: PCA-50 + UMAP with the project's default LayoutParams (from the default MapSettings);
- PixPlot's settings: PCA 100 -> UMAP n_neighbors 15, min_dist 0.01, metric correlation;
- t-SNE: openTSNE through ``layout.tsne_layout`` (project defaults).

    .venv/bin/python bench/map/bench_real_cnn.py [N=5000] [--size 224] [--batch 32] [--workdir DIR] [--no-tsne]

Prints the embedding throughput (images/s of the pipeline, after a model warm-up), what the features'
neighbourhoods look like (local intrinsic dimension, how many of an item's 10 nearest in PCA-50 space
share its family and are among its 10 nearest in the 4-parameter space), then per layout its wall time
(UMAP's numba compile paid by a warm-up first, so all are timed warm) and preservation@10: the share of an
item's 10 nearest neighbours (PCA-50 space = ``layout.preservation``; also raw 1280-d cosine, and the
parameter space) that stay among its 10 nearest on the map, over 2,000 sampled items. All numbers and
ratios are measured in this run. With ``--workdir`` the images and embeddings are kept and reused (the
throughput line then says the embeddings came from the cache)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench" / "map"))


def render(root: Path, n: int, size: int) -> tuple[list[Path], np.ndarray, np.ndarray]:
    """Write n JPEGs (skipping ones already there); returns paths, families and parameters."""
    import synth
    from PIL import Image

    root.mkdir(parents=True, exist_ok=True)
    paths, fams, params = [], np.zeros(n, np.int16), np.zeros((n, synth.RICH_PARAMS), np.float32)
    for i in range(n):
        fam, p = synth.rich_params(i)
        fams[i], params[i] = fam, p
        path = root / f"img{i:06d}.jpg"
        if not path.exists():
            tmp = path.with_suffix(".part")
            Image.fromarray(synth.rich_image(fam, p, size, noise_seed=i)).save(tmp, format="JPEG", quality=90)
            tmp.replace(path)
        paths.append(path)
    return paths, fams, params


def main() -> None:
    from bench_layout import (
        References,
        fmt_scores,
        latent_neighbours,
        local_id,
        overlap,
        peak_rss_gb,
        scores,
        warm_up,
        without_self,
    )

    from generator.archive import geometry, scatter
    from generator.archive.embed import EmbeddingStore, create_embedder, embed_missing
    from generator.archive.layout_base import layout_params
    from generator.cache import Cache
    from generator.config import MapSettings
    from generator.reporter import Reporter

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, nargs="?", default=5000)
    ap.add_argument("--size", type=int, default=224, help="pixel size of the rendered images")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--workdir", type=Path, default=None, help="keep images + embeddings here and reuse them")
    ap.add_argument("--no-tsne", action="store_true")
    a = ap.parse_args()
    n = a.n
    work = a.workdir or Path(tempfile.mkdtemp(prefix="realcnn-"))
    print(f"N = {n:,} rendered {a.size}px images, {os.cpu_count()} cores, load average at start "
          f"{os.getloadavg()[0]:.2f}")
    try:
        t = time.perf_counter()
        paths, fams, lat = render(work / "images", n, a.size)
        print(f"render + JPEG        {time.perf_counter() - t:7.1f} s")

        ms = MapSettings(batch_size=a.batch)
        embedder = create_embedder(ms.embedder, ms)
        cache = Cache(work / "cache")
        store = EmbeddingStore(cache, embedder.identity())
        keys = [p.name for p in paths]
        todo = len(store.missing(keys))
        if todo:
            t = time.perf_counter()
            embedder.forward(embedder.preprocess(paths[:2]))  # load the model (not a per-image cost)
            t_load = time.perf_counter() - t
            t = time.perf_counter()
            done = embed_missing(embedder, store, list(zip(keys, paths)), Reporter(quiet=True), a.batch)
            t_embed = time.perf_counter() - t
            print(f"embed ({embedder.identity()})  {done:,} images in {t_embed:.1f} s = {done / t_embed:.1f} img/s "
                  f"(pipeline: decode+preprocess thread, forward, store; model load {t_load:.1f} s excluded)")
        else:
            print(f"embed: all {n:,} embeddings from the cache in {work} (no throughput measured)")
        F = geometry.l2_normalise(store.features(keys))

        params = layout_params(MapSettings())
        t = time.perf_counter()
        pca = geometry.fit_pca(F, params.pca_dims, params.seed, params.fit_sample)
        Y = pca.project(F)
        t_pca = time.perf_counter() - t

        q = geometry.sample_rows(n, 2000, 0)
        d2, idx = geometry.knn_search(Y, Y[q], 11)
        pca_nb = without_self(idx, q, 10)
        _, ridx = geometry.knn_search(F, F[q], 11)
        raw_nb = without_self(ridx, q, 10)
        lat_nb = latent_neighbours(fams, lat, q, 10)
        lid = local_id(np.stack([row[i != qq][:10] for row, i, qq in zip(d2, idx, q)]))
        print(f"features: local intrinsic dim (MLE, k=10, PCA-50) {lid:.1f};  family purity@10 "
              f"{(fams[pca_nb] == fams[q][:, None]).mean():.3f};  parameter-space recall@10 "
              f"{overlap(pca_nb, lat_nb):.3f} (random within the family ~{10 * 6 / n:.4f});  PCA-50 kNN vs raw "
              f"1280-d kNN {overlap(pca_nb, raw_nb):.3f}")
        refs = References(q=q, pca=pca_nb, latent=lat_nb, raw=raw_nb)

        import umap
        from sklearn.decomposition import PCA

        t = time.perf_counter()
        warm_up(Y, pixplot=True)
        print(f"numba warm-up        {time.perf_counter() - t:7.1f} s   (excluded from the timings below)")

        t = time.perf_counter()
        P = scatter.umap_layout(Y, params)
        t_ours = time.perf_counter() - t + t_pca
        ours = scores(refs, P)
        assert abs(ours["pca"] - geometry.preservation(Y, P, 10, 2000, 0)) < 1e-9
        print(f"UMAP (ours)          {t_ours:7.1f} s   {fmt_scores(ours).replace('latent', 'params')}   "
              f"(PCA-{params.pca_dims}, n_neighbors {params.umap_neighbors}, min_dist {params.umap_min_dist})")

        t = time.perf_counter()
        Z = PCA(n_components=min(100, n - 1), random_state=params.seed).fit_transform(F)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Pp = umap.UMAP(n_neighbors=15, min_dist=0.01, metric="correlation",
                           random_state=params.seed).fit_transform(Z)
        t_pix = time.perf_counter() - t
        pix = scores(refs, Pp)
        print(f"PixPlot settings     {t_pix:7.1f} s   {fmt_scores(pix).replace('latent', 'params')}")
        print(f"ratio PixPlot / ours: time {t_pix / t_ours:.2f}x;  preservation@10 ours {ours['pca']:.3f} vs "
              f"PixPlot {pix['pca']:.3f};  raw-1280 ours {ours['raw']:.3f} vs {pix['raw']:.3f};  params ours "
              f"{ours['latent']:.3f} vs {pix['latent']:.3f}")
        if not a.no_tsne:
            t = time.perf_counter()
            T = scatter.tsne_layout(Y, params)
            t_tsne = time.perf_counter() - t + t_pca
            ts = scores(refs, T)
            print(f"t-SNE (openTSNE)     {t_tsne:7.1f} s   {fmt_scores(ts).replace('latent', 'params')}")
            print(f"ratio t-SNE / UMAP (ours): time {t_tsne / t_ours:.2f}x;  preservation@10 {ts['pca']:.3f} vs "
                  f"{ours['pca']:.3f}")
        print(f"peak RSS {peak_rss_gb():.2f} GB;  load average at end {os.getloadavg()[0]:.2f} "
              "(1 min; above ~2 another process shared the cores)")
    finally:
        if a.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
