"""The art map stage: archive images -> thumbnails -> embeddings -> layouts, neighbours, clusters ->
atlases and data files under ``map/``. Read top to bottom, :func:`build_map` is the whole stage.

Caching: thumbnails and embeddings per image hash (+ model); the layout "base" (PCA + UMAP/t-SNE
positions) per set of embeddings, with a pointer to the latest base of the same settings so that new
images are placed into it without moving the others (``--relayout`` recomputes from scratch);
neighbours, clusters and atlas pages per exact input. A second build recomputes nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..cache import Cache, atomic_write_bytes, atomic_write_json, hash_parts
from ..config import MapSettings, as_dict
from ..errors import ConfigError
from ..reporter import Reporter
from ..site.model import ArchiveItem, SiteModel
from ..site.output import OutputTree
from . import layout as L
from .atlas import LEVELS, AtlasLevel, build_pages, file_cells
from .clusters import (REGIONS_VERSION, class_names, cluster_map, item_labels, name_clusters, region_assignments,
                       region_levels, regions_manifest)
from .embed import EmbeddingStore, create_embedder, embed_missing
from .images import Thumb, make_thumb, make_thumbs
from .mapdata import LayerData, facet_codes, write_layer, write_manifest
from .neighbours import NEIGHBOURS_VERSION, all_neighbours, neighbours_of

STAGE_VERSION = 1
LAYOUT_STAGE = "map-layout"
SCATTER = ("umap", "tsne")
KNOWN_LAYOUTS = ("umap", "tsne", "grid", "date")
LAYOUT_LABELS = {"umap": "UMAP", "tsne": "t-SNE", "grid": "Grid", "date": "Timeline"}


# ------------------------------------------------------------------------------------ settings

def check_settings(ms: MapSettings) -> None:
    unknown = [l for l in ms.layouts if l not in KNOWN_LAYOUTS]
    if unknown or not ms.layouts:
        raise ConfigError(f"[map] layouts: unknown {unknown or 'empty list'}; choose from {', '.join(KNOWN_LAYOUTS)}")
    if ms.layout not in KNOWN_LAYOUTS:
        raise ConfigError(f"[map] layout must be one of {', '.join(KNOWN_LAYOUTS)}, got {ms.layout!r}")
    if ms.neighbours < 1 or ms.batch_size < 1 or ms.pca_dims < 2 or ms.fit_sample < 100 or ms.refine_epochs < 0:
        raise ConfigError("[map] needs neighbours >= 1, batch_size >= 1, pca_dims >= 2, fit_sample >= 100, "
                          "refine_epochs >= 0")
    if ms.device not in ("cpu", "auto") and not ms.device.startswith("cuda"):
        raise ConfigError("[map] device must be cpu, cuda or auto")


def layout_params(ms: MapSettings) -> L.LayoutParams:
    return L.LayoutParams(seed=ms.seed, pca_dims=ms.pca_dims, fit_sample=ms.fit_sample,
                          umap_neighbors=ms.umap_neighbors, umap_min_dist=ms.umap_min_dist,
                          umap_epochs=ms.umap_epochs or None, refine_epochs=ms.refine_epochs,
                          tsne_perplexity=ms.tsne_perplexity,
                          tsne_iter=ms.tsne_iter)


# ------------------------------------------------------------------------------------ layout base

@dataclass
class LayoutBase:
    key: str
    keys: list[str]  # unique embedding keys, in the base's row order
    pca: L.PCAModel
    positions: dict[str, np.ndarray]  # scatter layout -> (len(keys), 2)
    scores: dict[str, float] = field(default_factory=dict)
    placed: int = 0  # how many rows were placed into an earlier fit rather than fitted

    def save(self, cache: Cache) -> None:
        buf = io.BytesIO()
        arrays = {f"pos_{k}": v for k, v in self.positions.items()}
        np.savez(buf, keys=np.array(self.keys, dtype="S64"), mean=self.pca.mean, components=self.pca.components,
                 meta=np.frombuffer(json.dumps({"scores": self.scores, "placed": self.placed}).encode(), np.uint8),
                 **arrays)
        atomic_write_bytes(cache.path(LAYOUT_STAGE, self.key, ".npz"), buf.getvalue())

    @classmethod
    def load(cls, cache: Cache, key: str) -> "LayoutBase | None":
        path = cache.path(LAYOUT_STAGE, key, ".npz")
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(bytes(z["meta"]).decode())
                return cls(key=key, keys=[k.decode("ascii") for k in z["keys"]],
                           pca=L.PCAModel(mean=z["mean"], components=z["components"]),
                           positions={f[4:]: z[f] for f in z.files if f.startswith("pos_")},
                           scores=meta.get("scores", {}), placed=int(meta.get("placed", 0)))
        except (OSError, ValueError, KeyError, EOFError):
            return None


def _latest_pointer(cache: Cache, family: str) -> Path:
    return cache.root / LAYOUT_STAGE / f"latest-{family[:32]}.json"


def compute_base(keys: list[str], store: EmbeddingStore, scatter: list[str], ms: MapSettings, identity: str,
                 cache: Cache, reporter: Reporter, relayout: bool) -> tuple[LayoutBase, np.ndarray]:
    """The layout base for exactly ``keys`` and the PCA vectors of those keys (row order = keys)."""
    params = layout_params(ms)
    family = hash_parts(LAYOUT_STAGE, L.LAYOUT_VERSION, identity, as_dict(params), sorted(scatter))
    key = hash_parts(family, sorted(keys))
    pointer = _latest_pointer(cache, family)
    base = None if relayout else LayoutBase.load(cache, key)
    if base is not None and set(base.keys) == set(keys):
        cache._count(LAYOUT_STAGE, True)
        return base, _project(store, base.keys, base.pca)
    cache._count(LAYOUT_STAGE, False)
    previous = None
    if not relayout and pointer.exists():
        try:
            previous = LayoutBase.load(cache, json.loads(pointer.read_text("utf-8"))["key"])
        except (OSError, ValueError, KeyError):
            previous = None
    base = None
    if previous is not None:
        kept = [k for k in previous.keys if k in set(keys)]
        new = [k for k in keys if k not in set(previous.keys)]
        if kept and len(new) <= len(kept) and all(s in previous.positions for s in scatter):
            row = {k: i for i, k in enumerate(previous.keys)}
            kept_rows = np.array([row[k] for k in kept], np.int64)
            Y_kept = _project(store, kept, previous.pca)
            Y_new = _project(store, new, previous.pca)
            positions = {}
            for s in scatter:
                P_kept = previous.positions[s][kept_rows]
                positions[s] = (np.concatenate([P_kept, L.place_into(s, Y_kept, P_kept, Y_new, params.seed)])
                                if new else P_kept)
            base = LayoutBase(key=key, keys=kept + new, pca=previous.pca, positions=positions,
                              placed=previous.placed + len(new))
            reporter.info(f"map: {len(new)} new image(s) placed into the existing layout, "
                          f"{len(previous.keys) - len(kept)} removed; nothing else moved (--relayout recomputes)")
            Y = np.concatenate([Y_kept, Y_new]) if new else Y_kept
    if base is None:
        sample = L._sample(len(keys), params.fit_sample, params.seed)
        pca = L.fit_pca(L.l2_normalise(store.features([keys[i] for i in sample])), params.pca_dims, params.seed,
                        params.fit_sample)
        Y = _project(store, keys, pca)
        positions = {}

        def wrap(epochs: Any, desc: str) -> Any:  # a progress bar per UMAP refinement level
            return reporter.progress(epochs, total=params.refine_epochs, desc=desc, unit="epoch")

        for s in scatter:
            reporter.info(f"map: {LAYOUT_LABELS[s]} layout of {len(keys)} images")
            positions.update(L.scatter_layouts(Y, [s], params, wrap))
        base = LayoutBase(key=key, keys=list(keys), pca=pca, positions=positions)
    for s in scatter:
        base.scores[s] = round(L.preservation(Y, base.positions[s], k=10, seed=params.seed), 4)
    base.save(cache)
    atomic_write_json(pointer, {"key": key})
    return base, Y


# ------------------------------------------------------------------------------------ helpers

def _project(store: EmbeddingStore, keys: Sequence[str], pca: L.PCAModel, chunk: int = 65536) -> np.ndarray:
    """PCA vectors of stored embeddings, a chunk at a time: the full float32 matrix of a million
    1280-d embeddings (5 GB) is never built."""
    out = np.empty((len(keys), pca.components.shape[0]), np.float32)
    for i in range(0, len(keys), chunk):
        out[i:i + chunk] = pca.project(L.l2_normalise(store.features(keys[i:i + chunk])))
    return out


def _cached_array(cache: Cache, stage: str, key: str, compute: Any) -> np.ndarray:
    path = cache.path(stage, key, ".npy")
    try:
        arr = np.load(path, allow_pickle=False)
        cache._count(stage, True)
        return arr
    except (OSError, ValueError, EOFError):
        pass
    cache._count(stage, False)
    arr = compute()
    buf = io.BytesIO()
    np.save(buf, arr)
    atomic_write_bytes(path, buf.getvalue())
    return arr


def _title(item: ArchiveItem) -> str:
    for k, v in item.metadata.items():
        if k.lower() == "title" and v:
            return v
    return item.title


def _aspect(th: Thumb) -> tuple[int, int]:
    w, h = th.cell_size
    m = max(w, h, 1)
    return max(1, round(w / m * 255)), max(1, round(h / m * 255))


def _clock(t: float) -> str:
    t = int(t)
    return f"{t // 3600}:{t // 60 % 60:02d}:{t % 60:02d}" if t >= 3600 else f"{t // 60}:{t % 60:02d}"


def _img_rel(th: Thumb) -> str:
    return f"img/{th.key[:2]}/{th.key[:24]}.jpg"


def _url_path(rel: str) -> str:
    from urllib.parse import quote

    return quote(rel, safe="/")


# ------------------------------------------------------------------------------------ the stage

def build_map(site: SiteModel, cache: Cache, reporter: Reporter, relayout: bool = False) -> OutputTree:
    ms = site.settings.map
    check_settings(ms)
    tree = OutputTree()

    # 1. thumbnails (also the validation of every image: unreadable ones leave the archive)
    thumbs = make_thumbs([it.path for it in site.archive], cache, reporter)
    good: list[tuple[ArchiveItem, Thumb]] = []
    for item, th in zip(site.archive, thumbs):
        if not th.ok:
            reporter.warn(f"{item.path}: {th.error}")
            continue
        for note in th.notes:
            (reporter.warn if note.startswith("animated") else reporter.info)(f"{item.path}: {note}")
        item.width, item.height, item.format = th.width, th.height, th.format
        good.append((item, th))
    site.archive[:] = [item for item, _ in good]
    if not good:
        reporter.warn("archive: no readable image, so no map")
        return tree

    frames = [(film, i, kf) for film in site.films for i, kf in enumerate(film.keyframes) if kf.image.exists()]
    frame_thumbs = make_thumbs([kf.image for _, _, kf in frames], cache, reporter, desc="frame thumbs")
    frames_ok = [(f, th) for f, th in zip(frames, frame_thumbs) if th.ok]

    # 2. embeddings (+ the CNN's labels, from a second pass only when the embedder has none)
    embedder = create_embedder(ms.embedder, ms)
    identity = embedder.identity()
    store = EmbeddingStore(cache, identity)
    jobs = [(th.key, th.large) for _, th in good] + [(th.key, th.large) for _, th in frames_ok]
    done = embed_missing(embedder, store, jobs, reporter, ms.batch_size)  # type: ignore[arg-type]
    if embedder.gives_labels:
        label_store = store
    else:
        cnn = create_embedder("efficientnet", ms)
        label_store = EmbeddingStore(cache, cnn.identity())
        done += embed_missing(cnn, label_store, [(th.key, th.large) for _, th in good], reporter, ms.batch_size,  # type: ignore[misc]
                              desc="labels")
    if done:
        reporter.info(f"map: embedded {done} image(s) with {identity}")

    # 3. layouts: PCA, UMAP / t-SNE (cached base), then grid and timeline derived per build
    unique = list(dict.fromkeys(th.key for _, th in good))
    scatter = [s for s in SCATTER if s in ms.layouts] or ["umap"]
    base, Y_unique = compute_base(unique, store, scatter, ms, identity, cache, reporter, relayout)
    row_of = {k: i for i, k in enumerate(base.keys)}
    rows = np.array([row_of[th.key] for _, th in good], np.int64)
    Y = Y_unique[rows]
    positions = {s: base.positions[s][rows].copy() for s in scatter}
    _separate_duplicates(rows, positions)
    primary = scatter[0]
    order = L.morton_order(positions[primary])  # item numbering along the map: coherent atlas pages
    good = [good[i] for i in order]
    Y = Y[order]
    positions = {s: P[order] for s, P in positions.items()}
    n = len(good)
    sizes = {s: L.point_size(P) for s, P in positions.items()}
    axis: dict[str, list[tuple[float, str]]] = {}
    # film frames go where their nearest images are; in the grid they take cells among the archive's, so
    # the grid is laid out for both (a grid is recomputed on every change anyway)
    frame_preset: dict[str, np.ndarray] = {}
    Yf = base.pca.project(L.l2_normalise(store.features([th.key for _, th in frames_ok]))) if frames_ok else None
    if Yf is not None:
        frame_knn = L.knn_search(Y, Yf, 10)  # the same neighbours serve every scatter layout
        frame_preset = {s: L.place_new(Y, positions[s], Yf, old_knn=frame_knn) for s in scatter}
    if "grid" in ms.layouts:
        joint = np.concatenate([positions[primary], frame_preset[primary]]) if frames_ok else positions[primary]
        G, sizes["grid"] = L.grid_layout(joint)
        positions["grid"] = G[:n]
        if frames_ok:
            frame_preset["grid"] = G[n:]
    date_col = L.find_date_column(site.archive_columns)
    if "date" in ms.layouts:
        years = [L.parse_year(item.metadata.get(date_col, "")) if date_col else None for item, _ in good]
        if sum(y is not None for y in years) >= 2:
            positions["date"], sizes["date"], date_axis = L.date_layout(years, np.arange(n))
            axis["date"] = date_axis.ticks
        else:
            reporter.info("map: no timeline layout (metadata.csv has no date column with at least two dates)")
    layouts = [l for l in ms.layouts if l in positions]
    default = ms.layout if ms.layout in positions else layouts[0]

    # 4. neighbours, clusters, labels
    k = ms.neighbours
    item_keys = [th.key for _, th in good]
    nb_key = hash_parts(NEIGHBOURS_VERSION, base.key, item_keys, k)
    nb = _cached_array(cache, "map-neighbours", nb_key, lambda: all_neighbours(Y, k, ms.seed))
    top_idx, top_p = label_store.labels(item_keys)
    labels = item_labels(top_idx, top_p)
    primary_hash = hashlib.sha256(positions[primary].tobytes()).hexdigest()
    cl_key = hash_parts("clusters", STAGE_VERSION, primary_hash, ms.seed, ms.clusters)
    assign = _cached_array(cache, "map-clusters", cl_key, lambda: cluster_map(positions[primary], ms.seed, ms.clusters or None))
    cluster_names = name_clusters(assign, top_idx, top_p)
    # label levels for zooming in (coarse to fine); "clusters" above stays the list view's grouping
    region_ks = region_levels(n)
    rg_key = hash_parts("regions", REGIONS_VERSION, STAGE_VERSION, primary_hash, region_ks, ms.seed)
    region_assign = _cached_array(cache, "map-regions", rg_key,
                                  lambda: region_assignments(positions[primary], region_ks, ms.seed))
    names = class_names()

    # 5. frames of the films, placed into the same map
    frame_layer = _frame_layer(frames_ok, Yf, Y, positions, sizes, frame_preset, k) if Yf is not None else None

    # 6. atlases
    levels = [AtlasLevel(c) for c in LEVELS]
    archive_atlas = {lv.cell: build_pages(lv, item_keys, file_cells([th.cell for _, th in good]), cache, reporter)
                     for lv in levels}

    # 7. data files
    records, search, ids = [], [], []
    for i, (item, th) in enumerate(good):
        item_labels_named = [[int(c), names[int(c)], round(float(p), 3)]
                             for c, p in zip(top_idx[i], top_p[i]) if int(c) in set(labels[i].tolist())]
        records.append({
            "id": item.id, "t": _title(item), "m": [[c, v] for c, v in item.metadata.items()],
            "img": _img_rel(th), "o": "../archive/files/" + _url_path(item.id),
            "w": th.width, "h": th.height, "l": item_labels_named, "nb": nb[i].tolist(), "c": int(assign[i]),
        })
        search.append([_title(item), item.id, *item.metadata.values(), *(n_ for _, n_, _ in item_labels_named)])
        ids.append(item.id)
    facets = []
    for column in site.archive_columns:
        coded = facet_codes([item.metadata.get(column, "") for item, _ in good])
        if coded is not None:
            facets.append((column, coded[0], coded[1]))
    archive = LayerData(
        name="archive", count=n, positions=positions, colors=np.array([th.color for _, th in good], np.uint8),
        aspect=np.array([_aspect(th) for _, th in good], np.uint8), records=records, search=search, ids=ids,
        atlas=archive_atlas, images={_img_rel(th): th.large for _, th in good if th.large},  # type: ignore[misc]
        clusters=assign.astype(np.uint16), labels=labels, facets=facets)
    layers = {"archive": write_layer(tree, "map/data/archive/", archive, levels)}
    if frame_layer is not None:
        frame_data, frame_atlas_levels = frame_layer
        frame_data.atlas = {lv.cell: build_pages(lv, [th.key for _, th in frames_ok],
                                                 file_cells([th.cell for _, th in frames_ok]), cache, reporter,
                                                 desc="frame atlas") for lv in frame_atlas_levels}
        layers["frames"] = write_layer(tree, "map/data/frames/", frame_data, frame_atlas_levels)

    label_counts = np.bincount(labels[labels != 65535].astype(np.int64), minlength=1000)
    manifest = {
        "format": 1,
        "version": hash_parts(STAGE_VERSION, base.key, item_keys, identity, as_dict(ms),
                              [th.key for _, th in frames_ok])[:16],
        "title": site.settings.site.title,
        "embedder": identity,
        "layouts": [{"name": l, "label": LAYOUT_LABELS[l], "size": round(float(sizes[l]), 6),
                     "score": base.scores.get(l), "axis": axis.get(l, [])} for l in layouts],
        "default_layout": default,
        "layers": layers,
        "clusters": [{"id": c, "name": cluster_names[c], "size": int((assign == c).sum()),
                      "at": {l: [round(float(v), 5) for v in np.median(positions[l][assign == c], 0)] for l in layouts}}
                     for c in range(len(cluster_names))],
        "regions": regions_manifest(region_assign, region_ks, top_idx, top_p, {l: positions[l] for l in layouts}),
        "labels": [[int(c), names[int(c)], int(label_counts[c])] for c in np.argsort(-label_counts, kind="stable")
                   if label_counts[c] > 0],
        "columns": list(site.archive_columns),
        "neighbours": int(nb.shape[1]) if nb.ndim == 2 else 0,
        "films": [{"slug": f.slug, "title": f.title, "href": f"../films/{f.slug}/"} for f in site.films],
        "archive_href": "../archive/",
    }
    write_manifest(tree, manifest)
    site.extras["map_url"] = "map/"  # before rendering: the map page's own nav shows the map link
    from ..site.render import render_template

    render_template(site, "map.html", "map/index.html", tree, current="map", page_title="Map",
                    body_class="dark map-page", wide=True, map_version=manifest["version"], item_count=n,
                    frame_count=len(frames_ok), description=f"{n} archive images arranged by visual similarity.")
    scores = ", ".join(f"{LAYOUT_LABELS[s]} {v:.2f}" for s, v in base.scores.items())
    reporter.info(f"map: {n} images, {len(cluster_names)} clusters, neighbourhood preservation@10: {scores}")
    site.extras["map_url"] = "map/"
    site.extras["map"] = {"count": n, "frames": len(frames_ok), "scores": dict(base.scores), "layouts": layouts}
    return tree


def _separate_duplicates(rows: np.ndarray, positions: dict[str, np.ndarray]) -> None:
    """Identical files share one embedding and so one spot: fan the copies out a little."""
    seen: dict[int, int] = {}
    for i, r in enumerate(rows.tolist()):
        c = seen.get(r, 0)
        seen[r] = c + 1
        if c:
            for P in positions.values():
                spread = float(np.ptp(P, 0).max()) or 1.0
                P[i] += 0.004 * spread * np.array([np.cos(c * 2.4), np.sin(c * 2.4)], np.float32)


def _frame_layer(frames_ok: Sequence[tuple[Any, Thumb]], Yf: np.ndarray, Y: np.ndarray,
                 positions: dict[str, np.ndarray], sizes: dict[str, float], preset: dict[str, np.ndarray],
                 k: int) -> tuple[LayerData, list[AtlasLevel]]:
    near = neighbours_of(Y, Yf, max(k, 8))
    fpos: dict[str, np.ndarray] = {}
    for name, P in positions.items():
        if name in preset:  # scatter layouts and the grid, decided with the archive's positions
            fpos[name] = preset[name]
        else:  # timeline: a free cell of the same lattice, nearest the most similar archive image
            fpos[name] = L.free_cells_near(P, sizes[name], P[near[:, 0]])
    records, search, ids = [], [], []
    for j, ((film, i, kf), th) in enumerate(frames_ok):
        caption = film.captions[i] if i < len(film.captions) else ""
        records.append({"id": f"{film.slug}/{i}", "t": f"{film.title} at {_clock(kf.time)}", "film": film.slug,
                        "ft": film.title, "time": round(kf.time, 3), "cap": caption,
                        "href": f"../films/{film.slug}/#t={kf.time:.2f}", "img": _img_rel(th),
                        "w": th.width, "h": th.height, "nb": near[j].tolist()})
        search.append([f"{film.title} at {_clock(kf.time)}", f"{film.slug}/{i}", caption])
        ids.append(f"{film.slug}/{i}")
    layer = LayerData(name="frames", count=len(frames_ok), positions=fpos,
                      colors=np.array([th.color for _, th in frames_ok], np.uint8),
                      aspect=np.array([_aspect(th) for _, th in frames_ok], np.uint8), records=records,
                      search=search, ids=ids, images={_img_rel(th): th.large for _, th in frames_ok if th.large})  # type: ignore[misc]
    return layer, [AtlasLevel(c) for c in LEVELS]
