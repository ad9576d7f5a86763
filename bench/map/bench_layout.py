"""Layout at scale on synthetic CNN-like embeddings with real neighbourhood structure: our pipeline (PCA-50
fitted on a 50k sample, UMAP fitted on 50k, the rest started from their kNN neighbours and every point
refined over the full kNN graph, ``umap_refine``) vs PixPlot's own settings
(PCA 100 -> UMAP n_neighbors 15, min_dist 0.01, metric correlation, fitted on everything), optionally
t-SNE (openTSNE, same fit-on-a-sample scheme), and adding 1,000 new images to the N-image map.

    .venv/bin/python bench/map/bench_layout.py N [--pixplot] [--tsne] [--full-fit] [--add]
                                                 [--generator realistic|isotropic] [--epochs E]
    e.g.  bench_layout.py 100000 --pixplot --tsne --full-fit   (ours vs PixPlot vs t-SNE vs ours on all)
          bench_layout.py 1000000                              (time and peak RSS at a million)
          bench_layout.py 200000 --add                         (1k new images placed into a 200k map)

What it prints, all measured in this run:
- the data: generation time, "latent recall@10" (share of each item's 10 nearest neighbours in PCA-50
  space that are also its 10 nearest in the generator's own latent space: proof that the data has
  neighbourhoods worth preserving), family purity@10 and the local intrinsic dimension (Levina-Bickel MLE,
  k=10) of the PCA-50 vectors;
- UMAP's numba compile time (a warm-up on 6,000 points, so that ours and PixPlot's are both timed warm),
  then per layout: wall time, peak RSS of the process so far, and preservation@10 =
  ``layout.preservation`` (share of an item's 10 nearest in PCA-50 space that stay among its 10 nearest
  on the map, 2,000 sampled items), plus the same share against the latent neighbours and, up to 200k,
  against exact cosine neighbours of the raw 1280-d vectors (so PixPlot's PCA-100 is not judged only by
  our PCA-50); for ours also split into the items of the 50k sample fit and the others;
- with --full-fit: umap-learn with our settings fitted on all N points (on one core, as umap-learn runs
  when given a seed): the reference our sample fit + refinement tries to match in less time;
- with --add: time to project and place 1,000 new images, whether any existing point moved, and the
  preservation of the new points against that of as many old ones;
- ratios of times and scores measured side by side.

The raw 1280-d vectors are held as float16, as the pipeline's embedding store holds them (2.56 GB at 1M),
so the peak RSS is that of a real build's layout step. ``--generator isotropic`` is the older generator
(isotropic 64-d Gaussian clusters): there every 2-D layout scores ~0.03, because in 64 isotropic
dimensions the nearest neighbours are nearly random and no map can keep them."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from generator.archive import geometry, placement, scatter  # noqa: E402

LATENT = 4  # latent coordinates per item (families use the first 2-4)
HIDDEN = 64  # 64-d "semantic" space, then ReLU'd random projection to the CNN's 1280 dims (as before)


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
        yield geometry.l2_normalise(x)


# ------------------------------------------------------------------------------ the realistic generator

@dataclass
class Batch:
    x: np.ndarray  # (m, d) float32, L2-normalised
    family: np.ndarray  # (m,) int16
    z: np.ndarray  # (m, LATENT) float32 latent coordinates (unused ones 0)


class RealisticWorld:
    """A hierarchy of image "families", each a smooth low-dimensional manifold, like CNN features.

    Real pooled CNN features vary within a kind of image along a few factors (pose, colour, scale,
    lighting), so their local intrinsic dimension is low (Ansuini et al. 2019 measured ~10-20 in the last
    layers of ImageNet networks, of 1280-2048 dims) and their nearest neighbours mean something. Here:

    - ``genres`` (24) groups of ``families`` (300) ("a few hundred" kinds of image). Family sizes are
      lognormal (sigma 1): archives are unbalanced, the largest family (4 % of the items) is ~20x the
      median one.
    - A family has 2-4 latent factors z in [-1, 1]^k (k drawn per genre). Its 64-d image is
      ``centre + A cos(W z + b)``: random Fourier features, i.e. a draw from a Gaussian process with an RBF
      kernel of lengthscale ``ell`` = 0.7, so each factor bends the manifold about once over its range
      (smooth, not folded onto itself). Amplitude 1 per coordinate.
    - Families of a genre share most of their map (``rho`` = 0.95 correlation of W, b, A) and sit close
      (genre centres N(0, 1), family offsets N(0, 0.2)): related kinds vary in the same ways and touch,
      so about 6 % of an item's 10 nearest neighbours at 100k belong to a sibling family (independent
      maps never touch: 2-4-d manifolds in 64-d do not intersect, purity stayed 0.99+).
    - z is a mixture: 40 % uniform over the factor range (continuous variation) and 60 % around 2-6
      modes per family (sigma 0.15; sub-clusters, e.g. series of near-identical shots).
    - Isotropic noise: N(0, 0.1) per coordinate in the 64-d space (nuisance, a tenth of the manifold's
      spread), then the ReLU'd random projection to 1280-d of the older generator with uniform noise of
      std 0.05 per dimension (uniform: 3x cheaper to draw than Gaussian here, and Gaussian anyway once
      projected on 50 PCs), L2-normalised.

    Measured (bench output): exact kNN in PCA-50 space recovers 0.74 of the latent neighbours at 100k and
    0.64 at 1M (neighbours are closer there, so the noise weighs more); the MLE local intrinsic dimension
    is 4.8 at 100k and 7.2 at 1M (the noise shows at short range), against 25 for the isotropic generator
    and 4.5 for EfficientNet features of bench_real_cnn's parametric images. Real photos would sit between:
    this is the easy side of real. In tuning, 64-d noise 0.15 gave latent recall 0.71 / 0.54 and 0.2 gave
    0.67 / 0.46 (100k / 1M). Drawing 1M takes ~35 s on 2 cores (with the float16 copy), in bounded memory
    (chunks of 8,192 rows)."""

    def __init__(self, seed: int = 0, d: int = 1280, families: int = 300, genres: int = 24, ell: float = 0.7,
                 rho: float = 0.95, genre_spread: float = 1.0, family_spread: float = 0.2, amplitude: float = 1.0,
                 noise64: float = 0.1, noise_raw: float = 0.05, uniform_share: float = 0.4,
                 mode_sigma: float = 0.15) -> None:
        rng = np.random.default_rng(seed)
        self.d, self.families = d, families
        self.noise64, self.noise_raw = noise64, noise_raw
        self.uniform_share, self.mode_sigma = uniform_share, mode_sigma
        self.basis = (rng.normal(size=(HIDDEN, d)) / 8).astype(np.float32)
        genre = rng.integers(0, genres, families)
        centres = (rng.normal(size=(genres, HIDDEN))[genre] * genre_spread
                   + rng.normal(size=(families, HIDDEN)) * family_spread)
        self.centres = centres.astype(np.float32)
        self.k = rng.integers(2, LATENT + 1, genres)[genre]
        own = np.sqrt(1 - rho ** 2)
        W = (rng.normal(size=(genres, LATENT, HIDDEN))[genre] * rho
             + rng.normal(size=(families, LATENT, HIDDEN)) * own) / ell
        for f in range(families):
            W[f, self.k[f]:] = 0
        self.W = W.astype(np.float32)
        self.b = (rng.uniform(0, 2 * np.pi, (genres, HIDDEN))[genre]
                  + rng.normal(size=(families, HIDDEN)) * own).astype(np.float32)
        A = rng.normal(size=(genres, HIDDEN, HIDDEN))[genre] * rho + rng.normal(size=(families, HIDDEN, HIDDEN)) * own
        self.A = (A * amplitude * np.sqrt(2 / HIDDEN)).astype(np.float32)
        w = rng.lognormal(0, 1.0, families)
        self.weights = w / w.sum()
        self.modes = [(rng.uniform(-0.8, 0.8, (int(rng.integers(2, 7)), LATENT)) * (np.arange(LATENT) < self.k[f]))
                      .astype(np.float32) for f in range(families)]

    def sample(self, n: int, seed: int = 1, chunk: int = 8192) -> Iterator[Batch]:
        """n items of this world in chunks (chunks of 8k rows stay in cache; 64k ones cost 40 % more).
        ``Batch.x`` is a view of a buffer reused by the next chunk: copy or convert it before moving on."""
        rng = np.random.default_rng(seed)
        x = np.empty((chunk, self.d), np.float32)
        noise = np.empty((chunk, self.d), np.float32)
        half_width = np.float32(self.noise_raw * np.sqrt(3))
        for start in range(0, n, chunk):
            m = min(chunk, n - start)
            fam = rng.choice(self.families, m, p=self.weights)
            z = rng.uniform(-1, 1, (m, LATENT)).astype(np.float32)
            h = np.empty((m, HIDDEN), np.float32)
            order = np.argsort(fam, kind="stable")
            bounds = np.searchsorted(fam[order], np.arange(self.families + 1))
            for f in range(self.families):
                ix = order[bounds[f]:bounds[f + 1]]
                if len(ix) == 0:
                    continue
                zz = z[ix]
                moded = rng.random(len(ix)) >= self.uniform_share
                pick = rng.integers(0, len(self.modes[f]), int(moded.sum()))
                jitter = rng.standard_normal((len(pick), LATENT), dtype=np.float32) * self.mode_sigma
                zz[moded] = self.modes[f][pick] + jitter
                zz[:, self.k[f]:] = 0
                z[ix] = zz
                h[ix] = self.centres[f] + np.cos(zz @ self.W[f] + self.b[f]) @ self.A[f]
            h += rng.standard_normal(h.shape, dtype=np.float32) * np.float32(self.noise64)
            xm, nm = x[:m], noise[:m]
            np.matmul(h, self.basis, out=xm)
            rng.random(out=nm, dtype=np.float32)
            nm -= np.float32(0.5)
            nm *= 2 * half_width
            xm += nm
            np.maximum(xm, 0, out=xm)
            xm /= np.maximum(np.sqrt(np.einsum("ij,ij->i", xm, xm)), 1e-12)[:, None]
            yield Batch(x=xm, family=fam.astype(np.int16), z=z)


def realistic_embeddings(n: int, seed: int = 1, world_seed: int = 0, chunk: int = 8192) -> Iterator[np.ndarray]:
    """Like :func:`synthetic_embeddings` (float32 L2-normalised chunks) but from :class:`RealisticWorld`."""
    for b in RealisticWorld(world_seed).sample(n, seed, chunk):
        yield b.x.copy()


# ------------------------------------------------------------------------------ measuring

@dataclass
class Data:
    raw: list[np.ndarray]  # float16 chunks of the L2-normalised 1280-d vectors (like the embedding store)
    family: np.ndarray | None  # (N,) int16, None for the isotropic generator
    z: np.ndarray | None  # (N, LATENT)

    def raw_f32(self, first: int | None = None) -> np.ndarray:
        """The first ``first`` rows (all by default) as float32, without copying the other chunks."""
        out, have = [], 0
        for c in self.raw:
            if first is not None and have >= first:
                break
            out.append(c.astype(np.float32))
            have += len(c)
        return np.concatenate(out)[:first]


def generate(kind: str, n: int, seed: int) -> Data:
    raw, fams, zs = [], [], []
    if kind == "isotropic":
        for x in synthetic_embeddings(n, seed=seed):
            raw.append(x.astype(np.float16))
        return Data(raw=raw, family=None, z=None)
    for b in RealisticWorld(0).sample(n, seed=seed + 1):
        raw.append(b.x.astype(np.float16))
        fams.append(b.family)
        zs.append(b.z)
    return Data(raw=raw, family=np.concatenate(fams), z=np.concatenate(zs))


def project(pca: geometry.PCAModel, raw: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([pca.project(c.astype(np.float32)) for c in raw])


def latent_neighbours(family: np.ndarray, z: np.ndarray, q: np.ndarray, k: int = 10) -> np.ndarray:
    """For each queried item, its k nearest items of the same family in latent space."""
    order = np.argsort(family, kind="stable")
    bounds = np.searchsorted(family[order], np.arange(int(family.max()) + 2))
    out = np.full((len(q), k), -1, np.int64)
    for r, i in enumerate(q):
        f = int(family[i])
        members = order[bounds[f]:bounds[f + 1]]
        d = ((z[members] - z[i]) ** 2).sum(1)
        d[members == i] = np.inf
        near = members[np.argsort(d)[:k]]
        out[r, :len(near)] = near
    return out


def without_self(idx: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    return np.stack([row[row != i][:k] for row, i in zip(idx, q)])


def overlaps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per row: the share of a's neighbours also in b's."""
    k = a.shape[1]
    return np.array([len(set(x.tolist()) & set(y.tolist())) / k for x, y in zip(a, b)])


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(overlaps(a, b)))


def local_id(dist: np.ndarray) -> float:
    """Levina-Bickel MLE of the intrinsic dimension from each item's k nearest distances (self excluded),
    averaged as MacKay & Ghahramani suggest (mean of the inverse estimates, then inverted)."""
    d = np.sqrt(np.maximum(dist, 1e-20))
    inv = np.log(d[:, -1:] / d[:, :-1]).mean(1)
    return float(1 / np.mean(inv[inv > 0]))


@dataclass
class References:
    q: np.ndarray  # the sampled items (the same ones layout.preservation samples)
    pca: np.ndarray  # their 10 nearest in PCA-50 space
    latent: np.ndarray | None
    raw: np.ndarray | None  # their 10 nearest by cosine in the raw 1280-d space (N <= 200k only)


def references(data: Data, Y: np.ndarray, k: int = 10, sample: int = 2000) -> tuple[References, dict[str, float]]:
    n = len(Y)
    q = geometry.sample_rows(n, sample, 0)
    d2, idx = geometry.knn_search(Y, Y[q], k + 1)
    pca_nb = without_self(idx, q, k)
    stats = {"local_id": local_id(np.stack([row[i != qq][:k] for row, i, qq in zip(d2, idx, q)]))}
    lat = None
    if data.family is not None and data.z is not None:
        lat = latent_neighbours(data.family, data.z, q, k)
        stats["latent_recall"] = overlap(pca_nb, lat)
        stats["purity"] = float((data.family[pca_nb] == data.family[q][:, None]).mean())
    raw = None
    if n <= 200_000:
        X = data.raw_f32()
        _, ridx = geometry.knn_search(X, X[q], k + 1)
        raw = without_self(ridx, q, k)
        stats["raw_recall"] = overlap(pca_nb, raw)
        del X
    return References(q=q, pca=pca_nb, latent=lat, raw=raw), stats


def scores(refs: References, P: np.ndarray, k: int = 10, fitted: np.ndarray | None = None) -> dict[str, float]:
    """Preservation@10 of a map against each reference; with ``fitted`` (a boolean mask of the items
    UMAP was fitted on) also split into fitted items and the others."""
    from scipy.spatial import cKDTree

    _, lo = cKDTree(P).query(P[refs.q], k + 1)
    map_nb = without_self(lo, refs.q, k)
    per_item = overlaps(map_nb, refs.pca)
    out = {"pca": float(per_item.mean())}
    if fitted is not None and 0 < fitted[refs.q].sum() < len(refs.q):
        out["pca_fitted"] = float(per_item[fitted[refs.q]].mean())
        out["pca_placed"] = float(per_item[~fitted[refs.q]].mean())
    if refs.latent is not None:
        out["latent"] = overlap(map_nb, refs.latent)
    if refs.raw is not None:
        out["raw"] = overlap(map_nb, refs.raw)
    return out


def fmt_scores(s: dict[str, float]) -> str:
    parts = [f"preservation@10 {s['pca']:.3f}"]
    if "latent" in s:
        parts.append(f"latent {s['latent']:.3f}")
    if "raw" in s:
        parts.append(f"raw-1280 {s['raw']:.3f}")
    return "   ".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int)
    ap.add_argument("--generator", choices=("realistic", "isotropic"), default="realistic")
    ap.add_argument("--pixplot", action="store_true", help="also run PixPlot's settings on all points")
    ap.add_argument("--tsne", action="store_true")
    ap.add_argument("--add", action="store_true", help="time adding 1,000 new images to the N-image map")
    ap.add_argument("--full-fit", action="store_true",
                    help="also fit our UMAP settings on all N points (separates sampling from settings)")
    ap.add_argument("--epochs", type=int, default=0, help="UMAP epochs (0: umap-learn's default)")
    a = ap.parse_args()
    n = a.n
    print(f"N = {n:,} synthetic 1280-d embeddings ({a.generator} generator), {os.cpu_count()} cores, "
          f"load average at start {os.getloadavg()[0]:.2f}")
    t = time.perf_counter()
    data = generate(a.generator, n, 0)
    print(f"generate            {time.perf_counter() - t:7.1f} s   peak RSS {peak_rss_gb():.2f} GB"
          f"   (raw held as float16, {sum(c.nbytes for c in data.raw) / 1e9:.2f} GB)")
    params = scatter.LayoutParams(umap_epochs=a.epochs or None)
    t = time.perf_counter()
    fit_rows = min(n, params.fit_sample)  # rows are i.i.d., so the first 50k are a random sample
    pca = geometry.fit_pca(data.raw_f32(fit_rows), params.pca_dims, params.seed, params.fit_sample)
    Y = project(pca, data.raw)
    t_pca = time.perf_counter() - t
    print(f"PCA-50 (fit 50k)    {t_pca:7.1f} s   peak RSS {peak_rss_gb():.2f} GB")
    t = time.perf_counter()
    refs, stats = references(data, Y)
    line = f"data: local intrinsic dim (MLE, k=10, PCA-50) {stats['local_id']:.1f}"
    if "latent_recall" in stats:
        line += (f";  latent recall@10 {stats['latent_recall']:.3f} (exact PCA-50 kNN vs latent kNN; random "
                 f"within the family would give ~{10 * 300 / n:.4f});  family purity@10 {stats['purity']:.3f}")
    if "raw_recall" in stats:
        line += f";  PCA-50 kNN vs raw 1280-d kNN {stats['raw_recall']:.3f}"
    print(line + f"   [{time.perf_counter() - t:.1f} s]")

    t = time.perf_counter()
    warm_up(Y, a.pixplot)
    t_warm = time.perf_counter() - t
    print(f"numba warm-up       {t_warm:7.1f} s   (UMAP's JIT compile, paid once per build process; excluded below "
          "so both UMAP settings are timed warm)")
    t = time.perf_counter()
    P = scatter.umap_layout(Y, params)
    t_umap = time.perf_counter() - t
    score = geometry.preservation(Y, P, 10, 2000, 0)
    ours = scores(refs, P)
    assert abs(ours["pca"] - score) < 1e-9, (ours["pca"], score)  # same metric as the pipeline's
    print(f"UMAP (ours)         {t_umap:7.1f} s   peak RSS {peak_rss_gb():.2f} GB   {fmt_scores(ours)}"
          f"   (PCA + UMAP {t_pca + t_umap:.1f} s; with the compile {t_pca + t_warm + t_umap:.1f} s)")
    fitted = np.zeros(n, bool)
    fitted[scatter.umap_levels(n, params.fit_sample, params.seed)[0]] = True  # the rows umap-learn fits on
    split = scores(refs, P, fitted=fitted)
    if "pca_fitted" in split:
        print(f"  preservation@10 of the {fitted.sum():,} items UMAP was fitted on {split['pca_fitted']:.3f}, of the "
              f"{n - fitted.sum():,} others {split['pca_placed']:.3f}")
    if a.full_fit and n > params.fit_sample:
        t = time.perf_counter()
        Pf = scatter.umap_layout(Y, scatter.LayoutParams(fit_sample=n, umap_epochs=a.epochs or None))
        t_full = time.perf_counter() - t
        full = scores(refs, Pf)
        print(f"UMAP (ours, fit all){t_full:7.1f} s   peak RSS {peak_rss_gb():.2f} GB   {fmt_scores(full)}   "
              f"(umap-learn fitted on all {n:,}, one core)")
        print(f"ratio umap-learn on all / ours: time {t_full / t_umap:.2f}x;  preservation@10 {full['pca']:.3f} vs "
              f"{ours['pca']:.3f}")
        del Pf
    if a.tsne:
        t = time.perf_counter()
        T = scatter.tsne_layout(Y, params)
        t_tsne = time.perf_counter() - t
        ts = scores(refs, T)
        print(f"t-SNE (openTSNE)    {t_tsne:7.1f} s   peak RSS {peak_rss_gb():.2f} GB   {fmt_scores(ts)}")
        print(f"ratio t-SNE / UMAP (ours): {t_tsne / t_umap:.2f}x")
        del T
    if a.pixplot:
        import umap
        from sklearn.decomposition import PCA

        X = data.raw_f32()
        t = time.perf_counter()
        Z = PCA(n_components=100, random_state=params.seed).fit_transform(X)
        del X
        model = umap.UMAP(n_neighbors=15, min_dist=0.01, metric="correlation", random_state=params.seed,
                          n_epochs=a.epochs or None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Pp = model.fit_transform(Z)
        t_pix = time.perf_counter() - t
        pix = scores(refs, Pp)
        print(f"PixPlot settings    {t_pix:7.1f} s   peak RSS {peak_rss_gb():.2f} GB   {fmt_scores(pix)}")
        print(f"ratio PixPlot / ours (layout incl. PCA): {t_pix / (t_pca + t_umap):.2f}x;  preservation@10 ours "
              f"{ours['pca']:.3f} vs PixPlot {pix['pca']:.3f}" +
              (f";  latent ours {ours['latent']:.3f} vs PixPlot {pix['latent']:.3f}" if "latent" in ours else "") +
              (f";  raw-1280 ours {ours['raw']:.3f} vs PixPlot {pix['raw']:.3f}" if "raw" in ours else ""))
        del Pp, Z, model
    if a.add:
        add_new(a.generator, data, pca, Y, P)
    print(f"load average at end {os.getloadavg()[0]:.2f} (1 min; above ~2 another process shared the cores)")


def warm_up(Y: np.ndarray, pixplot: bool) -> None:
    """Compile UMAP's numba code on 6,000 points (above 4,096 UMAP switches from exact distances to
    NN-descent, which compiles separately): sample fit + refinement with pynndescent's two-thread graph
    (ours) and the correlation metric."""
    from generator.archive import umap_refine

    small = Y[:6000]
    exact, umap_refine.EXACT_KNN = umap_refine.EXACT_KNN, 0  # the kNN graph a large archive gets
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scatter.umap_layout(small, scatter.LayoutParams(fit_sample=5000, umap_epochs=10, refine_epochs=2))
    finally:
        umap_refine.EXACT_KNN = exact
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if pixplot:
            import umap

            umap.UMAP(n_neighbors=15, min_dist=0.01, metric="correlation", random_state=0,
                      n_epochs=10).fit_transform(small)


def add_new(kind: str, data: Data, pca: geometry.PCAModel, Y: np.ndarray, P: np.ndarray, m: int = 1000) -> None:
    """1,000 new images of the same world (another sample seed) placed into the N-image map, as a later
    build does: projected with the map's PCA, then :func:`layout.place_into` (beside their nearest
    neighbours, then UMAP's objective with every old point fixed), on the stored (normalised) map."""
    n = len(Y)
    P = geometry.normalise_positions(P)
    new = generate(kind, m, 7)
    before = P.copy()
    t = time.perf_counter()
    Y_new = project(pca, new.raw)
    P_new = placement.place_into("umap", Y, P, Y_new, 42)
    t_add = time.perf_counter() - t
    moved = not np.array_equal(before, P)
    Yall = np.concatenate([Y, Y_new])
    Pall = np.concatenate([P, P_new])
    # the new points' neighbourhoods, against the same measure for as many old points (same full map)
    q_new = np.arange(n, n + m)
    q_old = geometry.sample_rows(n, m, 0)
    res = {}
    for name, q in (("new", q_new), ("old", q_old)):
        _, idx = geometry.knn_search(Yall, Yall[q], 11)
        from scipy.spatial import cKDTree

        _, lo = cKDTree(Pall).query(Pall[q], 11)
        res[name] = overlap(without_self(lo, q, 10), without_self(idx, q, 10))
    print(f"add {m:,} to {n:,}  {t_add:7.2f} s (PCA projection + place_into)   existing points moved: {moved};  "
          f"preservation@10 of the new points {res['new']:.3f} vs {res['old']:.3f} for {m:,} sampled old points "
          f"(same map of {n + m:,})")


if __name__ == "__main__":
    main()
