"""The viewer at scale in headless Chromium: synthetic map data of N items written by the real writer
(generator/archive/mapdata.py), served on localhost; measures time to first paint, frame times during a
scripted pan and zoom, and the JS heap.

    .venv/bin/python bench/map/bench_browser.py 100000 [--keep DIR] [--shots] [--baseline OLD_MAP_DIR]

Frame times come from ``bench/map/bench.js``, which no published page carries: the bench injects it once the map
is complete. While it measures, every frame is redrawn and ends with a 1-pixel read that waits for the
GPU, so each sample is the real cost of one frame (``cost``) and the interval between frames
(``interval``), per phase of the gesture (overview pan, zoom in, pan among thumbnails, deep zoom, zoom
out), with the slowest frames and what they drew. ``--baseline`` measures another version of the
viewer's modules first on the same data, side by side: a folder laid out like ``site_src/map/`` from a
revision whose viewer is ES modules (e.g. DIR/site_src/map after ``git archive REV site_src/map | tar -x -C DIR``).

Chromium runs with --disable-gpu: WebGL on SwiftShader, i.e. on the CPU's two cores, the worst case.
Atlas pages: 16 distinct pages per level are drawn and the rest are hard links to them (encoding 15k
distinct 1024 px JPEGs for 1M items would take longer than the measurement); the browser still fetches,
decodes and uploads every page it shows.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
BENCH_JS = Path(__file__).resolve().parent / "bench.js"  # the frame timing, injected into the page
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench" / "map"))


def make_site(n: int, out: Path) -> None:
    import synth
    from PIL import Image

    from generator.archive import geometry, lattice
    from generator.archive.atlas import LEVELS, AtlasLevel, render_page
    from generator.archive.mapdata import LayerData, write_layer, write_manifest
    from generator.config import Settings
    from generator.model import SiteModel
    from generator.site.map_page import first_data
    from generator.site.output import OutputTree
    from generator.site.render import add_assets, render_template

    rng = np.random.default_rng(0)
    k = 300
    centres = rng.normal(size=(k, 2)) * 3
    c = rng.integers(0, k, n)
    P = (centres[c] + rng.normal(size=(n, 2)) * 0.25).astype(np.float32)
    P = geometry.normalise_positions(P)
    order = geometry.morton_order(P)
    P, c = P[order], c[order]
    G, gstep = lattice.grid_layout(P)
    palette = (rng.uniform(40, 230, size=(k, 3))).astype(np.uint8)
    tiles = [Image.fromarray(synth.synth_image(i, 64)) for i in range(64)]
    levels = [AtlasLevel(cell) for cell in LEVELS]
    tmp = out.parent / (out.name + ".pages")
    tmp.mkdir(parents=True, exist_ok=True)
    atlas = {}
    for lv in levels:
        distinct = []
        for j in range(min(16, lv.pages_for(n))):
            p = tmp / f"{lv.cell}-{j}.jpg"
            p.write_bytes(render_page(lv, 0, lv.per_page, lambda i, j=j: tiles[(i + j) % 64]))
            distinct.append(p)
        atlas[lv.cell] = [distinct[p % len(distinct)] for p in range(lv.pages_for(n))]
    records = [{"id": f"img{i:07d}.jpg", "t": f"Synthetic image {i}", "m": [["creator", f"Maker {i % 50}"]],
                "img": "img/x.jpg", "o": "#", "w": 64, "h": 64, "l": [],
                "nb": [(i + d) % n for d in range(1, 9)], "c": int(c[i] % 40)}
               for i in range(n)]
    layer = LayerData(name="archive", count=n, positions={"umap": P, "grid": G}, colors=palette[c],
                      aspect=np.full((n, 2), 255, np.uint8), records=records,
                      search=[[r["t"], r["id"], f"Maker {i % 50}"] for i, r in enumerate(records)],
                      ids=[r["id"] for r in records], atlas=atlas, clusters=(c % 40).astype(np.uint16),
                      labels=np.full((n, 3), 65535, np.uint16))
    tree = OutputTree()
    entry = write_layer(tree, "map/data/archive/", layer, levels)
    manifest = {"format": 1, "version": "bench", "title": "bench", "embedder": "synthetic",
                "layouts": [{"name": "umap", "label": "UMAP", "size": geometry.point_size(P), "score": None,
                             "axis": []},
                            {"name": "grid", "label": "Grid", "size": gstep, "score": None, "axis": []}],
                "default_layout": "umap", "layers": {"archive": entry},
                "clusters": [{"id": j, "name": f"cluster {j}", "size": int((c % 40 == j).sum()),
                              "at": {"umap": np.median(P[c % 40 == j], 0).tolist(),
                                     "grid": np.median(G[c % 40 == j], 0).tolist()}}
                             for j in range(40)],
                "labels": [], "columns": ["creator"], "neighbours": 8, "films": [], "archive_href": "../archive/"}
    from generator.archive.clusters import region_assignments, region_levels, regions_manifest

    ks = region_levels(n)  # cluster labels at several zoom levels, named from made-up labels
    fake_idx = np.stack([c % 1000, (c * 7 + 3) % 1000, (c * 13 + 5) % 1000], 1)
    fake_p = np.tile(np.array([[0.6, 0.25, 0.15]], np.float32), (n, 1))
    manifest["regions"] = regions_manifest(region_assignments(P, ks, 0), ks, fake_idx, fake_p, {"umap": P, "grid": G})
    write_manifest(tree, manifest)
    site = SiteModel(settings=Settings(), content_dir=out)
    site.map_url = "map/"
    render_template(site, "map.html", "map/index.html", tree, current="map", page_title="Map",
                    body_class="dark map-page", map_version="bench", item_count=n, frame_count=0, description="",
                    layouts=[(lay["name"], lay.get("label", lay["name"])) for lay in manifest["layouts"]],
                    default_layout=manifest["default_layout"], facets=[], taught=[], first_data=first_data(manifest))
    add_assets(tree)
    for rel, v in tree.files.items():
        dest = out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(v, bytes):
            dest.write_bytes(v)
        else:
            os.link(v, dest)


def drag(page, cx: float, cy: float, i: int) -> None:
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + (60 if i % 4 < 2 else -60), cy + (40 if i % 2 else -40), steps=4)
    page.mouse.up()


def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return round(v[min(len(v) - 1, int(len(v) * q))], 1) if v else 0.0


def summarise(samples: list[dict]) -> dict:
    costs = [s["cost"] for s in samples]
    dts = [s["dt"] for s in samples if s["dt"] > 0]
    return {"n": len(samples), "cost_ms_median": pct(costs, 0.5), "cost_ms_p95": pct(costs, 0.95),
            "interval_ms_median": pct(dts, 0.5), "interval_ms_p95": pct(dts, 0.95),
            "points_median": int(pct([s["points"] for s in samples], 0.5)),
            "slowest": [{k: round(s[k], 1) if isinstance(s[k], float) else s[k]
                         for k in ("cost", "points", "quads", "up", "calls")}
                        for s in sorted(samples, key=lambda s: -s["cost"])[:3]]}


class Quiet(http.server.SimpleHTTPRequestHandler):
    viewer: Path | None = None  # serve this folder as assets/map/ (to measure another version side by side)

    def log_message(self, *a: object) -> None:
        pass

    def translate_path(self, path: str) -> str:
        _, sep, rest = path.split("?")[0].partition("/assets/map/")
        if self.viewer is not None and sep and "/" not in rest and rest.endswith(".js"):
            return str(self.viewer / rest)
        return super().translate_path(path)


def measure(root: Path, shots: bool, viewer: Path | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    handler = type("Handler", (Quiet,), {"viewer": viewer})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_port}/map/"
    res: dict = {}
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        page = b.new_page(viewport={"width": 1366, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        t = time.perf_counter()
        page.goto(url)
        page.wait_for_function("window.electricMap && window.electricMap.firstPaint > 0", timeout=120_000)
        res["first_paint_ms"] = page.evaluate("window.electricMap.firstPaint")
        res["first_paint_wall_s"] = time.perf_counter() - t
        page.wait_for_function("window.electricMap.complete", timeout=120_000)
        if shots:
            page.screenshot(path=str(root / "overview.png"))
        cdp = page.context.new_cdp_session(page)
        # every frame is redrawn during the gesture and the GPU is waited for, so each sample is the cost
        # of one frame (not idle time between input events): bench.js, which only the bench loads
        page.add_script_tag(content=BENCH_JS.read_text("utf-8"), type="module")
        page.wait_for_function("window.electricMapBench !== undefined")
        page.evaluate("electricMapBench.start()")
        box = page.locator("#map-canvas").bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(cx, cy)
        phase = lambda name: page.evaluate("name => electricMapBench.phase(name)", name)  # noqa: E731
        t = time.perf_counter()
        phase("overview")
        for i in range(8):  # pan the whole map
            drag(page, cx, cy, i)
        phase("zoom in")
        for _ in range(10):  # zoom in: thumbnails of ~60 px
            page.mouse.wheel(0, -240)
            page.wait_for_timeout(60)
        phase("pan thumbnails")
        for i in range(20):  # pan around
            drag(page, cx, cy, i)
        phase("deep")
        for _ in range(3):  # deeper: sharp thumbnails
            page.mouse.wheel(0, -240)
            page.wait_for_timeout(60)
        page.wait_for_timeout(1500)
        for i in range(8):
            drag(page, cx, cy, i)
        if shots:
            page.screenshot(path=str(root / "zoomed.png"))
        phase("zoom out")
        for _ in range(13):  # back out
            page.mouse.wheel(0, 240)
            page.wait_for_timeout(40)
        res["gesture_s"] = time.perf_counter() - t
        samples = page.evaluate("electricMapBench.stop()")
        res["frames"] = len(samples)
        res["phases"] = {}
        for name in dict.fromkeys(s["phase"] for s in samples):
            sel = [s for s in samples if s["phase"] == name]
            res["phases"][name] = summarise(sel)
        res["all"] = summarise(samples)
        cdp.send("HeapProfiler.collectGarbage")  # count what is kept, not garbage awaiting collection
        heap = cdp.send("Runtime.getHeapUsage")  # V8 heap; typed arrays live outside it, in backing stores
        res["v8_heap"] = {k: round(v / 2**20, 1) for k, v in heap.items()}
        cdp.send("Performance.enable")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        res["js_heap_used_mb"] = round(metrics.get("JSHeapUsedSize", 0) / 2**20, 1)
        res["js_heap_total_mb"] = round(metrics.get("JSHeapTotalSize", 0) / 2**20, 1)
        res["typed_array_mb"] = round(page.evaluate(
            "Object.values(window.electricMap.layers || {}).reduce((n, L) => n"
            " + [L.color, L.aspect, L.flags, L.cluster, L.labels, ...Object.values(L.pos)]"
            ".reduce((m, a) => m + (a ? a.byteLength : 0), 0), 0)") / 2**20, 1)
        res["textures"] = page.evaluate("window.electricMap.stats.textures")
        t = time.perf_counter()
        page.click("label[for=map-layout-grid]")
        page.wait_for_function("location.hash.startsWith('#layout=grid')", timeout=60_000)
        res["layout_switch_s"] = time.perf_counter() - t
        t = time.perf_counter()
        page.fill("#map-search-input", "maker 7")
        page.wait_for_function("document.querySelector('#map-search-count').textContent.includes('found')",
                               timeout=120_000)
        res["search_s"] = time.perf_counter() - t
        res["search_count"] = page.text_content("#map-search-count")
        res["page_errors"] = errors
        b.close()
    srv.shutdown()
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--shots", action="store_true")
    ap.add_argument("--baseline", type=Path, help="a folder of another version of site_src/map/ to measure "
                    "first, side by side (e.g. DIR/site_src/map after `git archive REV site_src/map | tar -x -C DIR`)")
    a = ap.parse_args()
    root = a.keep or Path(tempfile.mkdtemp(prefix="mapbench-"))
    t = time.perf_counter()
    if not (root / "map" / "manifest.json").exists():
        make_site(a.n, root)
    print(f"N = {a.n:,}: data written in {time.perf_counter() - t:.1f} s to {root}")
    sizes = {p.name: p.stat().st_size for p in (root / "map" / "data" / "archive").glob("*.bin")}
    print("binary data (bytes):", json.dumps(sizes))
    if a.baseline:
        base = measure(root, False, a.baseline)
        print("baseline viewer", a.baseline, json.dumps(base, indent=1))
    res = measure(root, a.shots, REPO / "site_src" / "map")  # the working copy, even in a kept old site
    print("this viewer", json.dumps(res, indent=1))
    if a.baseline:
        for key in ("cost_ms_median", "cost_ms_p95", "interval_ms_median", "interval_ms_p95"):
            print(f"{key}: baseline {base['all'][key]} ms, this {res['all'][key]} ms, "
                  f"ratio {base['all'][key] / max(res['all'][key], 0.1):.1f}x")
        print(f"first paint: baseline {base['first_paint_ms']:.0f} ms, this {res['first_paint_ms']:.0f} ms")
    if not a.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
