"""A synthetic map of N images as the map stage would write it, pictures at every zoom included: clustered
positions (the viewer bench's), each image sized by the local density and pushed apart
(generator/archive/mosaic.py), a grid, the coarse and sharp atlases (16 distinct pages per level, the rest
hard links, as in bench_browser.py) and, above the stage's threshold, the overview pyramid of mosaic tiles
(generator/archive/tiles.py), cached under ``OUT.cache``.

    .venv/bin/python bench/map/mosaic_site.py 100000 bench/out/mosaic-100k

Prints the time and peak memory of each step, and the mosaic's numbers. Used by tests/browser/test_map_mosaic.py.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench" / "map"))


def synthetic_positions(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """300 clusters of different sizes and spreads over a disc, as UMAP spreads clusters (its repulsion
    keeps them apart), normalised like a layout (99 % within [-1, 1])."""
    from generator.archive import geometry

    rng = np.random.default_rng(seed)
    k = 300
    r, a = 3 * np.sqrt(rng.random(k)), rng.random(k) * 2 * np.pi
    centres = np.stack([r * np.cos(a), r * np.sin(a)], 1)
    spread = rng.uniform(0.15, 0.45, k)
    c = rng.integers(0, k, n)
    P = (centres[c] + rng.normal(size=(n, 2)) * spread[c, None]).astype(np.float32)
    return geometry.normalise_positions(P), c


def make_site(n: int, out: Path, tiles_min: int | None = None) -> dict:
    import synth
    from PIL import Image

    from generator.archive import geometry, lattice
    from generator.archive.atlas import LEVELS, AtlasLevel, render_page
    from generator.archive.mapdata import LayerData, write_layer, write_manifest
    from generator.archive.mosaic import Preservation, spread
    from generator.archive.tiles import TILE_MIN, build_tiles
    from generator.cache import Cache
    from generator.config import Settings
    from generator.model import SiteModel
    from generator.reporter import Reporter
    from generator.site.map_page import first_data
    from generator.site.output import OutputTree
    from generator.site.render import add_assets, render_template

    stats: dict = {"n": n}
    reporter = Reporter(quiet=True)
    t = time.perf_counter()
    P0, c = synthetic_positions(n)
    sp = spread(P0)
    stats["mosaic_s"] = round(time.perf_counter() - t, 1)
    # the "embedding" is the layout itself here: this says how many of each image's ten nearest on the map
    # stay its ten nearest after the push (a stricter measure than the stage's, against the embedding)
    st = {"before": 1.0, "after": Preservation(P0)(sp.positions), "overlap_before": sp.overlap_before,
          "overlap_after": sp.overlap_after, "rounds": sp.rounds}
    stats["mosaic"] = st
    order = geometry.morton_order(sp.positions)
    P, c, scales = sp.positions[order], c[order], sp.scales[order]
    G, gstep = lattice.grid_layout(P)
    rng = np.random.default_rng(1)
    palette = rng.uniform(40, 230, size=(300, 3)).astype(np.uint8)
    tiles = [Image.fromarray(synth.synth_image(i, 64)) for i in range(64)]
    levels = [AtlasLevel(cell) for cell in LEVELS]
    pages_dir = out.parent / (out.name + ".pages")
    pages_dir.mkdir(parents=True, exist_ok=True)
    atlas: dict[int, list] = {}
    t = time.perf_counter()
    for lv in levels:
        distinct = []
        for j in range(min(16, lv.pages_for(n))):
            p = pages_dir / f"{lv.cell}-{j}.jpg"
            if not p.exists():
                p.write_bytes(render_page(lv, 0, lv.per_page, lambda i, j=j: tiles[(i * 7 + j) % 64]))
            distinct.append(p)
        atlas[lv.cell] = [distinct[p % len(distinct)] for p in range(lv.pages_for(n))]
    records = [{"id": f"img{i:07d}.jpg", "t": f"Synthetic image {i}", "m": [["creator", f"Maker {i % 50}"]],
                "img": "img/x.jpg", "o": "#", "w": 64, "h": 64, "l": [],
                "nb": [(i + d) % n for d in range(1, 9)], "c": int(c[i] % 40)} for i in range(n)]
    layer = LayerData(name="archive", count=n, positions={"umap": P, "grid": G}, colors=palette[c],
                      aspect=np.full((n, 2), 255, np.uint8), records=records,
                      search=[[r["t"], r["id"], f"Maker {i % 50}"] for i, r in enumerate(records)],
                      ids=[r["id"] for r in records], atlas=atlas, clusters=(c % 40).astype(np.uint16),
                      labels=np.full((n, 3), 65535, np.uint16), scales={"umap": scales})
    sizes = {"umap": sp.size, "grid": gstep}
    fills = {"umap": "contain", "grid": "cover"}
    t = time.perf_counter()
    layer.tiles = build_tiles(layer, sizes, atlas, levels, [f"synthetic-{i % 64}" for i in range(n)],
                              Cache(out.parent / (out.name + ".cache")), reporter,
                              minimum=TILE_MIN if tiles_min is None else tiles_min, fills=fills)
    stats["tiles_s"] = round(time.perf_counter() - t, 1)
    stats["tiles"] = {k: {"levels": v.levels, "tiles": v.tiles} for k, v in layer.tiles.items()}
    tree = OutputTree()
    entry = write_layer(tree, "map/data/archive/", layer, levels)
    manifest = {"format": 1, "version": f"mosaic-{n}", "title": "mosaic", "embedder": "synthetic",
                "layouts": [{"name": "umap", "label": "UMAP", "size": sp.size, "score": st["after"], "spread": st,
                             "fill": "contain", "axis": []},
                            {"name": "grid", "label": "Grid", "size": gstep, "score": None, "fill": "cover",
                             "axis": []}],
                "default_layout": "umap", "layers": {"archive": entry},
                "clusters": [{"id": j, "name": f"cluster {j}", "size": int((c % 40 == j).sum()),
                              "at": {"umap": np.median(P[c % 40 == j], 0).tolist(),
                                     "grid": np.median(G[c % 40 == j], 0).tolist()}} for j in range(40)],
                "regions": [], "labels": [], "columns": ["creator"], "neighbours": 8, "films": [],
                "archive_href": "../archive/"}
    write_manifest(tree, manifest)
    site = SiteModel(settings=Settings(), content_dir=out)
    site.map_url = "map/"
    render_template(site, "map.html", "map/index.html", tree, current="map", page_title="Map",
                    body_class="dark map-page", map_version=manifest["version"], item_count=n, frame_count=0,
                    description="",
                    layouts=[(lay["name"], lay.get("label", lay["name"])) for lay in manifest["layouts"]],
                    default_layout=manifest["default_layout"], facets=[], taught=[], first_data=first_data(manifest))
    add_assets(tree)
    for rel, v in tree.files.items():
        dest = out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            dest.unlink()
        if isinstance(v, bytes):
            dest.write_bytes(v)
        else:
            os.link(v, dest)
    stats["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="images on the map")
    ap.add_argument("out", type=Path, help="folder for the site (OUT/map/...)")
    a = ap.parse_args()
    t = time.perf_counter()
    stats = make_site(a.n, a.out)
    stats["total_s"] = round(time.perf_counter() - t, 1)
    print(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main()
