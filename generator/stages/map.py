"""Map: the archive as a map in which similar images sit together, with the films' keyframes as a second
layer. Read top to bottom, :func:`run` is the whole stage:

thumbnails (which also validate every image) -> embeddings (+ the CNN's labels) -> the layout base (PCA,
UMAP / t-SNE, cached, new images placed into the previous one) -> the arrangement of this build's items
and frames in every layout -> neighbours, clusters, label regions -> atlas pages -> the layers' records.

Every step is cached by its exact inputs; a build with nothing changed reads all of it back without
importing a model, scipy or faiss. The result is rendered by the render stage into ``map/``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..archive.arrange import NAMESPACE as ARRANGE
from ..archive.arrange import VERSION as ARRANGE_VERSION
from ..archive.arrange import Arrangement, arrange
from ..archive.atlas import ATLAS_STAGE, ATLAS_VERSION, LEVELS, AtlasLevel, build_pages, file_cells
from ..archive.clusters import (
    CLUSTERS_VERSION,
    REGIONS_VERSION,
    cluster_map,
    cluster_samples,
    item_labels,
    region_assignments,
    region_levels,
    regions_manifest,
)
from ..archive.embed import EMBED_STAGE, STORE_VERSION, EmbeddingStore, create_embedder, embed_missing
from ..archive.images import THUMB_STAGE, THUMB_VERSION, Thumb, make_thumbs
from ..archive.lattice import find_date_column, parse_year
from ..archive.layout_base import NAMESPACE as LAYOUT
from ..archive.layout_base import LayoutBase, compute_base, project
from ..archive.mapdata import MapResult
from ..archive.naming import NAMESPACE as NAMES
from ..archive.naming import NAMING_VERSION, MapNames, archive_names
from ..archive.neighbours import NEIGHBOURS_VERSION, all_neighbours
from ..archive.records import FrameRef, archive_layer, frame_layer, img_rel
from ..archive.scatter import LAYOUT_VERSION
from ..archive.tiles import TILES_STAGE, TILES_VERSION, build_tiles
from ..cache import hash_parts
from ..config import as_dict
from ..model import ArchiveItem, Film
from ..models.vocabulary import class_names
from ..registry import entries, resolve
from . import StageContext, StageInfo

if TYPE_CHECKING:
    from ..cache import Cache
    from ..model import SiteModel
    from ..reporter import Reporter
    from ..site.output import OutputTree

NEIGHBOURS, CLUSTERS, REGIONS = "map-neighbours", "map-clusters", "map-regions"  # this module's own namespaces
STAGE = StageInfo("map", "the archive (and the films' keyframes) as a zoomable map of similar images",
                  section="map", namespaces=((THUMB_STAGE, THUMB_VERSION), (EMBED_STAGE, STORE_VERSION),
                                             (LAYOUT, LAYOUT_VERSION), (ARRANGE, ARRANGE_VERSION),
                                             (NEIGHBOURS, NEIGHBOURS_VERSION), (CLUSTERS, CLUSTERS_VERSION),
                                             (REGIONS, REGIONS_VERSION), (ATLAS_STAGE, ATLAS_VERSION),
                                             (NAMES, NAMING_VERSION), (TILES_STAGE, TILES_VERSION)))
MANIFEST_VERSION = 2  # goes into the map's cache-busting version


@dataclass
class MapInput:
    archive: list[ArchiveItem]
    columns: list[str]  # metadata.csv columns
    films: list[Film]  # with keyframes and captions
    relayout: bool = False


def run(ctx: StageContext, inp: MapInput) -> MapResult | None:
    """None when no image of the archive can be read (then there is no map)."""
    ms, cache, reporter = ctx.settings.map, ctx.cache, ctx.reporter

    # 1. thumbnails, which also validate every image: unreadable ones leave the archive
    good: list[tuple[ArchiveItem, Thumb]] = []
    max_pixels = ctx.settings.archive.max_megapixels * 1_000_000
    for item, th in zip(inp.archive, make_thumbs([it.path for it in inp.archive], cache, reporter,
                                                 max_pixels=max_pixels)):
        if not th.ok:
            reporter.warn(f"{item.path}: {th.error}")
            continue
        for note in th.notes:
            (reporter.warn if note.startswith("animated") else reporter.info)(f"{item.path}: {note}")
        item.width, item.height, item.format = th.width, th.height, th.format
        good.append((item, th))
    if not good:
        reporter.warn("archive: no readable image, so no map")
        return None
    refs = [FrameRef(film, i, kf) for film in inp.films for i, kf in enumerate(film.keyframes) if kf.image.exists()]
    frame_thumbs = make_thumbs([r.keyframe.image for r in refs], cache, reporter, desc="frame thumbs")
    frames = [(r, th) for r, th in zip(refs, frame_thumbs) if th.ok]

    # 2. embeddings, and the CNN's labels (from a second pass only when the embedder gives none)
    embedder = create_embedder(ms.embedder, ms)
    identity = embedder.identity()
    store = EmbeddingStore(cache, identity)
    jobs = [(th.key, th.large) for _, th in good] + [(th.key, th.large) for _, th in frames]
    done = embed_missing(embedder, store, jobs, reporter, ms.batch_size,  # type: ignore[arg-type]
                         executor=ctx.executor(), device=ms.device)
    label_store = store
    if not embedder.gives_labels:
        cnn = create_embedder("efficientnet", ms)
        label_store = EmbeddingStore(cache, cnn.identity())
        done += embed_missing(cnn, label_store, [(th.key, th.large) for _, th in good], reporter,  # type: ignore[misc]
                              ms.batch_size, desc="labels", executor=ctx.executor(), device=ms.device)
    if done:
        reporter.info(f"map: embedded {done} image(s) with {identity}")

    # 3. the layout base (PCA + scatter layouts), then this build's arrangement in every layout
    scatter = [e.name for e in entries("layout") if e.family == "scatter" and e.name in ms.layouts] or ["umap"]
    base, vectors = compute_base(list(dict.fromkeys(th.key for _, th in good)), store, scatter, ms, identity,
                                 cache, reporter, inp.relayout)
    row_of = {k: i for i, k in enumerate(base.keys)}
    rows = np.array([row_of[th.key] for _, th in good], np.int64)
    date_col = find_date_column(inp.columns)
    years = [parse_year(item.metadata.get(date_col, "")) if date_col else None for item, _ in good]
    frame_keys = [th.key for _, th in frames]
    at = arrange(base, vectors, rows, years, (lambda: project(store, frame_keys, base.pca)) if frames else None,
                 frame_keys, ms.layouts, ms.neighbours, cache)
    for note in at.notes:
        reporter.info(f"map: {note}")
    readable = [item for item, _ in good]  # scan order, for the archive page
    good = [good[i] for i in at.order.tolist()]
    n = len(good)

    # 4. neighbours, clusters, labels
    item_keys = [th.key for _, th in good]
    ns = cache.namespace(NEIGHBOURS, NEIGHBOURS_VERSION)
    nb = ns.cached(ns.key(base.key, item_keys, ms.neighbours),
                   lambda: all_neighbours(vectors()[rows[at.order]], ms.neighbours, ms.seed))
    top_idx, top_p = label_store.labels(item_keys)
    labels = item_labels(top_idx, top_p)
    primary = at.positions[scatter[0]]
    primary_hash = hashlib.sha256(primary.tobytes()).hexdigest()
    ns = cache.namespace(CLUSTERS, CLUSTERS_VERSION)
    assign = ns.cached(ns.key(primary_hash, ms.seed, ms.clusters),
                       lambda: cluster_map(primary, ms.seed, ms.clusters or None))
    region_ks = region_levels(n)
    ns = cache.namespace(REGIONS, REGIONS_VERSION)
    region_assign = ns.cached(ns.key(primary_hash, region_ks, ms.seed),
                              lambda: region_assignments(primary, region_ks, ms.seed))
    missing = [c for c in ms.name_columns if c.lower() not in {col.lower() for col in inp.columns}]
    if missing:
        reporter.warn(f"[map] name_columns: no column {', '.join(map(repr, missing))} in archive/metadata.csv "
                      f"(its columns: {', '.join(inp.columns) or 'none'})")
    names = archive_names(cache, [item.metadata for item, _ in good], inp.columns, ms.name_columns, assign,
                          region_assign, top_idx, top_p)
    # [index, image] of the pictures the list view shows per cluster (no title: they are decorative there,
    # and the manifest carries no metadata text)
    shown = [[[i, img_rel(good[i][1])] for i in members] for members in cluster_samples(assign, primary)]

    # 5. atlas pages and the layers
    levels = [AtlasLevel(c) for c in LEVELS]
    atlas = {lv.cell: build_pages(lv, item_keys, file_cells([th.cell for _, th in good]), cache, reporter)
             for lv in levels}
    layouts = [name for name in ms.layouts if name in at.positions]
    layers = {"archive": archive_layer(good, inp.columns, at.positions, nb, top_idx, top_p, labels, assign,
                                       atlas)}  # type: ignore[arg-type]
    layers["archive"].scales = {name: at.scales[name] for name in layouts if name in at.scales}
    layers["archive"].tiles = build_tiles(layers["archive"], at.sizes, atlas, levels, item_keys, cache, reporter)
    if frames and at.frame_near is not None:
        frame_atlas = {lv.cell: build_pages(lv, frame_keys, file_cells([th.cell for _, th in frames]), cache,
                                            reporter, desc="frame atlas") for lv in levels}
        layers["frames"] = frame_layer(frames, at.frame_positions, at.frame_near, frame_atlas)  # type: ignore[arg-type]
    manifest = _manifest(ctx, inp, base, at, layouts, item_keys, frame_keys, identity, labels, assign,
                         region_assign, region_ks, nb, names, shown)
    scores = ", ".join(f"{resolve('layout', s).label} {v:.2f}" for s, v in base.scores.items())
    reporter.info(f"map: {n} images, {len(manifest['clusters'])} clusters, neighbourhood preservation@10: {scores}")
    for name, st in at.spread.items():
        reporter.info(f"map: {resolve('layout', name).label} as a mosaic (sized by local density, overlaps "
                      f"pushed apart): preservation@10 {st['before']:.3f} -> {st['after']:.3f}, images "
                      f"overlapping {st['overlap_before']:.0%} -> {st['overlap_after']:.0%}")
    return MapResult(archive=readable, layers=layers, levels=levels,
                     manifest=manifest, count=n, frames=len(frames), scores=dict(base.scores), layouts=layouts,
                     keys={item.id: th.key for item, th in good},
                     thumbs={item.id: th.large for item, th in good if th.large is not None})


def _manifest(ctx: StageContext, inp: MapInput, base: LayoutBase, at: Arrangement, layouts: list[str],
              item_keys: list[str], frame_keys: list[str], identity: str, labels: np.ndarray, assign: np.ndarray,
              region_assign: np.ndarray, region_ks: list[int], nb: np.ndarray, named: MapNames,
              shown: list[list[list[Any]]]) -> dict[str, Any]:
    """``named``: the clusters' and regions' names; ``shown``: per cluster [index, image] of the pictures
    the list view shows for it."""
    ms = ctx.settings.map
    names = class_names()
    label_counts = np.bincount(labels[labels != 65535].astype(np.int64), minlength=1000)
    default = ms.layout if ms.layout in layouts else layouts[0]  # only a layout the manifest lists
    return {
        "format": 1,
        "version": hash_parts(MANIFEST_VERSION, base.key, item_keys, identity, as_dict(ms), frame_keys)[:16],
        "title": ctx.settings.site.title,
        "embedder": identity,
        "layouts": [{"name": l, "label": resolve("layout", l).label, "size": round(float(at.sizes[l]), 6),
                     # the score shown is that of the positions drawn: after the mosaic's push
                     "score": at.spread[l]["after"] if l in at.spread else base.scores.get(l),
                     "spread": at.spread.get(l),
                     # lattice layouts are a mosaic of square cells: pictures cropped to fill them
                     "fill": "cover" if resolve("layout", l).family == "arrangement" else "contain",
                     "axis": at.axis.get(l, [])} for l in layouts],
        "default_layout": default,
        "layers": {},  # filled by the render stage, which writes the layers' files
        "clusters": [{"id": c, "name": name.name, "words": list(name.words), "source": name.source,
                      "size": int((assign == c).sum()),
                      "at": {l: [round(float(v), 5) for v in np.median(at.positions[l][assign == c], 0)]
                             for l in layouts}, "show": shown[c]}
                     for c, name in enumerate(named.clusters)],
        "name_columns": named.columns,
        "regions": regions_manifest(region_assign, region_ks, np.zeros((0, 0)), np.zeros((0, 0)),
                                    {l: at.positions[l] for l in layouts}, names=named.regions),
        "labels": [[int(c), names[int(c)], int(label_counts[c])] for c in np.argsort(-label_counts, kind="stable")
                   if label_counts[c] > 0],
        "columns": list(inp.columns),
        "neighbours": int(nb.shape[1]) if nb.ndim == 2 else 0,
        "films": [{"slug": f.slug, "title": f.title, "href": f"../films/{f.slug}/"} for f in inp.films],
        "archive_href": "../archive/",
    }


def build_map(site: SiteModel, cache: Cache, reporter: Reporter, relayout: bool = False) -> OutputTree:
    """The map stage and its rendering for one site model, as the pipeline runs them (tests, benches):
    ``site.archive`` keeps the readable images and ``site.map_url`` is set when there is a map."""
    from ..site.map_page import MAP_URL, render_map
    from ..site.output import OutputTree
    from ..site.render import SiteRenderer, add_assets
    from . import BuildOptions

    ctx = StageContext(site.content_dir, site.settings, cache, reporter, BuildOptions(relayout=relayout))
    result = run(ctx, MapInput(site.archive, site.archive_columns, site.films, relayout))
    tree = OutputTree()
    site.archive[:] = result.archive if result else []
    if result is None:
        return tree
    site.map_url = MAP_URL
    renderer = SiteRenderer(site, tree, add_assets(OutputTree()))
    render_map(result, renderer, tree)
    renderer.finish()
    return tree
