"""The layout base: the PCA model and the scatter layouts (UMAP, t-SNE) of one set of embeddings, cached.

A named pointer remembers the latest base of the same settings, so that the next build places new images
into it without moving the others (``--relayout`` recomputes from scratch). The PCA vectors of the
base's images are computed only when something downstream needs them: a build whose neighbours, clusters
and arrangement are all cached never projects an embedding.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..cache import Cache, Namespace
from ..config import MapSettings, as_dict
from ..registry import resolve
from ..reporter import Reporter
from .embed import EmbeddingStore
from .geometry import PCAModel, fit_pca, l2_normalise, preservation, sample_rows
from .placement import place_into
from .scatter import LAYOUT_VERSION, LayoutParams, scatter_layouts

NAMESPACE = "map-layout"


def layout_params(ms: MapSettings) -> LayoutParams:
    return LayoutParams(seed=ms.seed, pca_dims=ms.pca_dims, fit_sample=ms.fit_sample,
                        umap_neighbors=ms.umap_neighbors, umap_min_dist=ms.umap_min_dist,
                        umap_epochs=ms.umap_epochs or None, refine_epochs=ms.refine_epochs,
                        tsne_perplexity=ms.tsne_perplexity, tsne_iter=ms.tsne_iter)


@dataclass
class LayoutBase:
    key: str
    keys: list[str]  # unique embedding keys, in the base's row order
    pca: PCAModel
    positions: dict[str, np.ndarray]  # scatter layout -> (len(keys), 2)
    scores: dict[str, float] = field(default_factory=dict)
    placed: int = 0  # how many rows were placed into an earlier fit rather than fitted
    # the mosaic (generator/archive/mosaic.py): positions above are after its push; per layout each
    # image's world size and what the push did (preservation before and after ...)
    sizes: dict[str, np.ndarray] = field(default_factory=dict)
    spread: dict[str, dict[str, float]] = field(default_factory=dict)

    def save(self, ns: Namespace) -> None:
        meta = json.dumps({"scores": self.scores, "placed": self.placed, "spread": self.spread}).encode()
        ns.put_arrays(self.key, {"keys": np.array(self.keys, dtype="S64"), "mean": self.pca.mean,
                                 "components": self.pca.components, "meta": np.frombuffer(meta, np.uint8),
                                 **{f"pos_{k}": v for k, v in self.positions.items()},
                                 **{f"size_{k}": v for k, v in self.sizes.items()}})

    @classmethod
    def load(cls, ns: Namespace, key: str, counted: bool = True) -> LayoutBase | None:
        z = ns.get_arrays(key, counted=counted)
        if z is None:
            return None
        try:
            meta = json.loads(bytes(z["meta"]).decode())
            return cls(key=key, keys=[k.decode("ascii") for k in z["keys"]],
                       pca=PCAModel(mean=z["mean"], components=z["components"]),
                       positions={f[4:]: v for f, v in z.items() if f.startswith("pos_")},
                       scores=meta.get("scores", {}), placed=int(meta.get("placed", 0)),
                       sizes={f[5:]: v for f, v in z.items() if f.startswith("size_")},
                       spread=meta.get("spread", {}))
        except (KeyError, ValueError, UnicodeDecodeError):
            return None


def project(store: EmbeddingStore, keys: Sequence[str], pca: PCAModel, chunk: int = 65536) -> np.ndarray:
    """PCA vectors of stored embeddings, a chunk at a time: the full float32 matrix of a million
    1280-d embeddings (5 GB) is never built."""
    out = np.empty((len(keys), pca.components.shape[0]), np.float32)
    for i in range(0, len(keys), chunk):
        out[i:i + chunk] = pca.project(l2_normalise(store.features(keys[i:i + chunk])))
    return out


class Vectors:
    """The base's PCA vectors (row order = ``base.keys``), projected on first use."""

    def __init__(self, compute: Callable[[], np.ndarray]) -> None:
        self._compute = compute
        self._value: np.ndarray | None = None

    def __call__(self) -> np.ndarray:
        if self._value is None:
            self._value = self._compute()
        return self._value


def compute_base(keys: list[str], store: EmbeddingStore, scatter: list[str], ms: MapSettings, identity: str,
                 cache: Cache, reporter: Reporter, relayout: bool) -> tuple[LayoutBase, Vectors]:
    """The layout base for exactly ``keys`` and (lazily) the PCA vectors of its rows."""
    ns = cache.namespace(NAMESPACE, LAYOUT_VERSION)
    params = layout_params(ms)
    family = ns.key(identity, as_dict(params), sorted(scatter))
    key = ns.key(family, sorted(keys))
    base = None if relayout else LayoutBase.load(ns, key)
    if base is not None and set(base.keys) == set(keys):
        found = base
        if all(s in found.sizes for s in scatter if s in found.positions):
            return found, Vectors(lambda: project(store, found.keys, found.pca))
        # a base cached before the mosaic: made into one once (its UMAP is kept)
        Y0 = project(store, found.keys, found.pca)
        _make_mosaic(found, Y0, scatter, params.seed, reporter)
        found.save(ns)
        return found, Vectors(lambda: Y0)
    previous = None
    if not relayout:
        pointed = ns.pointer(family)
        previous = LayoutBase.load(ns, pointed, counted=False) if pointed else None
    built = _add_to(previous, key, keys, store, scatter, params, reporter) if previous is not None else None
    if built is None:
        built = _fit(key, keys, store, scatter, params, reporter)
    base, Y = built
    _make_mosaic(base, Y, scatter, params.seed, reporter)
    for s in scatter:
        base.scores[s] = round(preservation(Y, base.positions[s], k=10, seed=params.seed), 4)
        if base.spread.get(s, {}).get("placed"):  # new images joined: the layout as drawn now
            base.spread[s]["after"] = base.scores[s]
    base.save(ns)
    ns.set_pointer(family, key)
    return base, Vectors(lambda: Y)


def _make_mosaic(base: LayoutBase, Y: np.ndarray, scatter: list[str], seed: int, reporter: Reporter) -> None:
    """Each scatter layout as a mosaic (sizes from density, overlaps pushed apart) where it is not one yet:
    the whole layout after a fit; after new images joined (``_add_to`` kept the old ones' sizes), only
    the new ones move and are sized."""
    from .mosaic import mosaic, spread

    for s in scatter:
        if s not in base.positions:
            continue
        P = base.positions[s]
        if s in base.sizes and len(base.sizes[s]) == len(P):
            continue
        if s in base.sizes and 0 < len(base.sizes[s]) < len(P):
            old = len(base.sizes[s])
            fixed = np.arange(len(P)) < old
            sizes = np.concatenate([base.sizes[s], np.zeros(len(P) - old, np.float32)])
            sp = spread(P, rounds=20, fixed=fixed, fixed_sizes=sizes)
            base.positions[s], base.sizes[s] = sp.positions, (sp.scales * sp.size).astype(np.float32)
            base.spread[s] = {**base.spread.get(s, {}), "placed": len(P) - old}
            continue
        reporter.info(f"map: {resolve('layout', s).label} as a mosaic of {len(P)} images")
        sp, st = mosaic(Y, P, seed=seed)
        base.positions[s], base.sizes[s], base.spread[s] = sp.positions, (sp.scales * sp.size).astype(np.float32), st


def _add_to(previous: LayoutBase, key: str, keys: list[str], store: EmbeddingStore, scatter: list[str],
            params: LayoutParams, reporter: Reporter) -> tuple[LayoutBase, np.ndarray] | None:
    """New images placed into the previous base without moving the others; None when too much changed."""
    wanted, had = set(keys), set(previous.keys)
    kept = [k for k in previous.keys if k in wanted]
    new = [k for k in keys if k not in had]
    if not kept or len(new) > len(kept) or not all(s in previous.positions for s in scatter):
        return None
    row = {k: i for i, k in enumerate(previous.keys)}
    kept_rows = np.array([row[k] for k in kept], np.int64)
    Y_kept = project(store, kept, previous.pca)
    Y_new = project(store, new, previous.pca)
    positions, sizes = {}, {}
    for s in scatter:
        P_kept = previous.positions[s][kept_rows]
        if s in previous.sizes and len(previous.sizes[s]) == len(previous.keys):
            sizes[s] = previous.sizes[s][kept_rows]  # the kept images keep their places and sizes
        positions[s] = (np.concatenate([P_kept, place_into(s, Y_kept, P_kept, Y_new, params.seed)])
                        if new else P_kept)
    reporter.info(f"map: {len(new)} new image(s) placed into the existing layout, "
                  f"{len(previous.keys) - len(kept)} removed; nothing else moved (--relayout recomputes)")
    base = LayoutBase(key=key, keys=kept + new, pca=previous.pca, positions=positions,
                      placed=previous.placed + len(new), sizes=sizes,
                      spread={s: dict(v) for s, v in previous.spread.items()})
    return base, (np.concatenate([Y_kept, Y_new]) if new else Y_kept)


def _fit(key: str, keys: list[str], store: EmbeddingStore, scatter: list[str], params: LayoutParams,
         reporter: Reporter) -> tuple[LayoutBase, np.ndarray]:
    sample = sample_rows(len(keys), params.fit_sample, params.seed)
    pca = fit_pca(l2_normalise(store.features([keys[i] for i in sample])), params.pca_dims, params.seed,
                  params.fit_sample)
    Y = project(store, keys, pca)

    def wrap(epochs: Any, desc: str) -> Any:  # a progress bar per UMAP refinement level
        return reporter.progress(epochs, total=params.refine_epochs, desc=desc, unit="epoch")

    positions: dict[str, np.ndarray] = {}
    for s in scatter:
        reporter.info(f"map: {resolve('layout', s).label} layout of {len(keys)} images")
        positions.update(scatter_layouts(Y, [s], params, wrap))
    return LayoutBase(key=key, keys=list(keys), pca=pca, positions=positions), Y
