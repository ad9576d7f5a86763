"""Scatter layouts of the PCA vectors: UMAP and t-SNE, each registered by name in
:mod:`generator.registry` (family "scatter").

Scale: UMAP and t-SNE are fitted on a sample of at most ``fit_sample`` points (50k by default). For UMAP
the others start at the mean of their placed kNN neighbours and every point is then refined with UMAP's
own objective over the full kNN graph (:mod:`.umap_refine`, both cores, reproducible), through
intermediate levels 4x apart (:func:`umap_levels`); t-SNE places the others with openTSNE's
``transform``. A million images take minutes on two cores. New images of a later build are placed by
:mod:`.placement`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import registry
from ..errors import MissingDependency
from .geometry import normalise_positions, sample_rows

LAYOUT_VERSION = 3  # 2: UMAP above fit_sample refined over all points instead of transform; 3: UMAP starts from PCA


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
        from .umap_lib import import_umap

        umap = import_umap()
    except ImportError:
        raise MissingDependency("umap-learn", "pip install umap-learn") from None
    levels = umap_levels(n, p.fit_sample, p.seed)
    idx = levels[0]
    # init="pca": umap-learn's spectral start places the kNN graph's components (when there are more than
    # four) by a spectral embedding of a matrix that underflows to the identity, which gives another
    # layout on every run whatever the seed
    model = umap.UMAP(n_components=2, n_neighbors=min(p.umap_neighbors, len(idx) - 1), min_dist=p.umap_min_dist,
                      metric="euclidean", random_state=p.seed, n_epochs=p.umap_epochs, init="pca")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "n_jobs overridden by random_state", spectral-init fallbacks
        P = model.fit_transform(Y[idx]).astype(np.float32)
    from .umap_refine import refine

    for coarse, fine in zip(levels, levels[1:]):
        known = np.isin(fine, coarse, assume_unique=True)
        start = np.zeros((len(fine), 2), np.float32)
        start[known] = P
        level_wrap = _level_wrap(wrap, len(fine))
        P = refine(Y[fine], start, known, p.seed, n_neighbors=p.umap_neighbors, min_dist=p.umap_min_dist,
                   n_epochs=p.refine_epochs, wrap=level_wrap)
    out: np.ndarray = P
    return out


def _level_wrap(wrap: Any, size: int) -> Any:
    """The progress wrapper of one UMAP refinement level (None when there is no bar)."""
    if wrap is None:
        return None
    return lambda epochs: wrap(epochs, f"UMAP over {size:,} images")


def tsne_layout(Y: np.ndarray, p: LayoutParams, wrap: Any = None) -> np.ndarray:
    n = len(Y)
    if n < SMALL:
        return _pca2(Y)
    try:
        from openTSNE import TSNE
    except ImportError:
        raise MissingDependency("openTSNE", "pip install openTSNE") from None
    idx = sample_rows(n, p.fit_sample, p.seed)
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


def scatter_layouts(Y: np.ndarray, names: Sequence[str], p: LayoutParams, wrap: Any = None) -> dict[str, np.ndarray]:
    """Each named scatter layout of ``Y``, normalised to the map's units. ``wrap(epochs, description)``
    wraps the iterable of each UMAP refinement's epochs (a progress bar)."""
    out: dict[str, np.ndarray] = {}
    for name in names:
        layout = registry.resolve("layout", name).load()
        out[name] = normalise_positions(layout(Y, p, wrap))
    return out
