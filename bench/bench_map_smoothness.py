"""How smooth the map is to use at scale: frame times during a scripted pan and zoom at 100k and 1M images
in headless Chromium, with time to first paint and memory.

    .venv/bin/python bench/bench_map_smoothness.py                  # 100k and 1M, software GL (SwiftShader)
    .venv/bin/python bench/bench_map_smoothness.py 100000 --gpu     # on the machine's GPU (ANGLE on Vulkan/EGL)
    .venv/bin/python bench/bench_map_smoothness.py 1000000 --shots  # screenshots of each phase into the data folder

The map data are synthesised with the real writer (``bench/map/bench_browser.py: make_site``: 300 clusters,
every layer file the build writes, atlas pages that repeat 16 distinct pages) into ``bench/out/smooth-<N>/``
and kept there (rebuilt when the writer's code is newer, or with ``--fresh``). The page is opened as a visitor
opens it and driven only by real input (mouse drags and wheel steps through Playwright) and the page's public
``window.electricMap`` (``firstPaint``, ``invalidate``, ``stats``, ``renderer``), so it measures any version of
the viewer that keeps that API.

Frame times are the intervals between animation frames (requestAnimationFrame) while the gesture runs, with a
redraw asked for on every frame (``electricMap.invalidate()``), so an interval is what one frame of the map
costs the visitor: drawing, uploads, input and compositing. Reported per phase (overview pan, zoom in, pan at
mid zoom, zoom deeper, pan close up, zoom out) and overall: median, p95, max, and the frames over 16.7 ms
(a missed frame at 60 Hz) and over 33.3 ms (two missed). First paint is the page's own ``firstPaint``
(performance.now() of the first map frame, from navigation start). Memory: the JS heap (V8's used and total,
after a garbage collection) and the resident memory of every Chromium process (browser, renderer, GPU),
sampled every 0.2 s, peak and at the end. No target is asserted: numbers are printed, with a JSON copy
next to the data.

Software GL is the worst case (SwiftShader renders WebGL on the CPU cores); ``--gpu`` drops
``--disable-gpu`` and asks Chromium for ANGLE on the GPU (for a machine with one).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench" / "map"))

VIEWPORT = {"width": 1366, "height": 900}
CHROMIUM = os.environ.get("ES_CHROMIUM", "/usr/bin/chromium")

# rAF intervals, a redraw asked for every frame; only the page's public window.electricMap is used
PROBE = """
(() => {
  const map = window.electricMap;
  let on = false, phase = "", last = 0;
  const frames = [];
  const tick = (now) => {
    if (!on) return;
    if (last) frames.push([phase, now - last]);
    last = now;
    if (map && map.invalidate) map.invalidate();
    requestAnimationFrame(tick);
  };
  window.__smooth = {
    start() { on = true; last = 0; frames.length = 0; requestAnimationFrame(tick); },
    phase(name) { phase = name; },
    stop() { on = false; return frames.slice(); },
  };
})();
"""


def site_for(n: int, fresh: bool) -> Path:
    """The synthetic map of n images, written once and kept under bench/out/."""
    import bench_browser

    root = OUT / f"smooth-{n}"
    stamp = root / "map" / "manifest.json"
    sources = [Path(bench_browser.__file__), *(REPO / "generator" / "archive").glob("*.py"),
               *(REPO / "templates").glob("*.html")]
    writer = max(p.stat().st_mtime for p in sources)
    if fresh or not stamp.exists() or stamp.stat().st_mtime < writer:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(root.parent / (root.name + ".pages"), ignore_errors=True)
        t = time.perf_counter()
        print(f"N = {n:,}: writing the synthetic map to {root} ...", flush=True)
        bench_browser.make_site(n, root)
        print(f"N = {n:,}: written in {time.perf_counter() - t:.1f} s", flush=True)
    # the viewer's modules are always this working copy's (a kept site may hold older ones)
    bench_browser_assets(root)
    return root


def bench_browser_assets(root: Path) -> None:
    from generator.site.output import OutputTree
    from generator.site.render import add_assets

    tree = OutputTree()
    add_assets(tree)
    for rel, v in tree.files.items():
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(v, bytes):
            if not dest.exists() or dest.read_bytes() != v:
                dest.write_bytes(v)
        elif not dest.exists() or dest.stat().st_size != Path(v).stat().st_size:
            shutil.copyfile(v, dest)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a: object) -> None:
        pass


def _mem_kib(pid: str) -> tuple[int, int]:
    """(RSS, PSS) of a process in KiB; PSS shares each shared page among the processes that map it, so
    the PSS of Chromium's processes adds up to what they take together (their RSS counts libraries and
    shared memory once per process)."""
    rss = pss = 0
    for line in (Path("/proc") / pid / "smaps_rollup").read_text().splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1])
        elif line.startswith("Pss:"):
            pss = int(line.split()[1])
    return rss, pss


def memory_by_kind(marker: str) -> dict[str, dict[str, float]]:
    """MiB resident (rss) and proportional (pss) per Chromium process kind (browser, renderer, gpu-process,
    utility...), for the processes whose command line carries ``marker`` (the run's own --user-data-dir)."""
    out: dict[str, dict[str, float]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace").split()
            if not any(marker in c for c in cmd):
                continue
            rss, pss = _mem_kib(d.name)
        except (OSError, ValueError):
            continue
        kind = next((c.split("=", 1)[1] for c in cmd if c.startswith("--type=")), "browser")
        if kind == "utility":  # network, storage, audio: each names itself
            kind = next((c.split("=", 1)[1].split(".")[-1] for c in cmd if c.startswith("--utility-sub-type=")),
                        kind)
        got = out.setdefault(kind, {"rss": 0.0, "pss": 0.0})
        got["rss"] += rss / 1024
        got["pss"] += pss / 1024
    return out


def total(kinds: dict[str, dict[str, float]], what: str = "pss") -> float:
    return round(sum(k[what] for k in kinds.values()), 1)


class MemorySampler(threading.Thread):
    """The peak of Chromium's memory (PSS summed over its processes), sampled every 0.2 s."""

    def __init__(self, marker: str) -> None:
        super().__init__(daemon=True)
        self.marker, self.running = marker, True
        self.peak: dict[str, dict[str, float]] = {}

    def run(self) -> None:
        while self.running:
            kinds = memory_by_kind(self.marker)
            if total(kinds) > total(self.peak):
                self.peak = kinds
            time.sleep(0.2)


def stats(intervals: list[float]) -> dict[str, Any]:
    if not intervals:
        return {"frames": 0}
    v = sorted(intervals)
    return {"frames": len(v), "median_ms": round(statistics.median(v), 1),
            "p95_ms": round(v[min(len(v) - 1, int(0.95 * len(v)))], 1), "max_ms": round(v[-1], 1),
            "fps": round(1000 * len(v) / sum(v), 1),
            "over_16.7ms": sum(1 for x in v if x > 1000 / 60 + 0.5),  # a frame missed at 60 Hz (0.5 ms slack)
            "over_33.3ms": sum(1 for x in v if x > 2000 / 60 + 0.5)}


def drag(page: Any, cx: float, cy: float, dx: float, dy: float, steps: int = 20) -> None:
    page.mouse.move(cx, cy)
    page.mouse.down()
    for s in range(1, steps + 1):
        page.mouse.move(cx + dx * s / steps, cy + dy * s / steps)
        page.wait_for_timeout(16)
    page.mouse.up()


def wheel(page: Any, dy: float, count: int) -> None:
    for _ in range(count):
        page.mouse.wheel(0, dy)
        page.wait_for_timeout(50)


def measure(root: Path, gpu: bool, shots: bool, timeout_s: float) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_port}/map/"
    profile = root.parent / f"{root.name}.profile-{os.getpid()}"
    shutil.rmtree(profile, ignore_errors=True)
    args = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
            "--enable-precise-memory-info"]
    args += (["--ignore-gpu-blocklist", "--enable-gpu-rasterization", "--use-angle=vulkan",
              "--enable-features=Vulkan"] if gpu else ["--disable-gpu"])
    res: dict[str, Any] = {"url": url, "gl": "gpu" if gpu else "software (SwiftShader)"}
    sampler = MemorySampler(str(profile))
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, headless=True,
                                                   args=args, viewport=VIEWPORT)
        sampler.start()
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        t = time.perf_counter()
        page.goto(url)
        page.wait_for_function("window.electricMap && window.electricMap.firstPaint > 0", timeout=timeout_s * 1000)
        res["first_paint_ms"] = round(page.evaluate("window.electricMap.firstPaint"), 1)
        res["first_paint_wall_s"] = round(time.perf_counter() - t, 2)
        page.wait_for_function("window.electricMap.complete", timeout=timeout_s * 1000)
        res["complete_wall_s"] = round(time.perf_counter() - t, 2)
        res["renderer"] = page.evaluate("window.electricMap.renderer || ''")
        res["pss_after_load_mb"] = total(memory_by_kind(str(profile)))
        if shots:
            page.screenshot(path=str(root / "smooth-0-overview.png"))
        page.add_script_tag(content=PROBE)
        box = page.locator("#map-canvas").bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        phase = lambda name: page.evaluate("n => window.__smooth.phase(n)", name)  # noqa: E731
        page.evaluate("window.__smooth.start()")
        t = time.perf_counter()
        pans = lambda moves: lambda: [drag(page, cx, cy, dx, dy) for dx, dy in moves]  # noqa: E731
        plan = [("overview pan", pans(((300, 0), (-300, 150), (0, -150)))),
                ("zoom in", lambda: wheel(page, -120, 14)),
                ("pan mid zoom", pans(((250, 80), (-250, -80), (120, -160)))),
                ("zoom deeper", lambda: wheel(page, -120, 8)),
                ("pan close up", pans(((200, 0), (-200, 120), (0, -120)))),
                ("zoom out", lambda: wheel(page, 120, 22))]
        for j, (name, run) in enumerate(plan, 1):
            phase(name)
            run()
            page.wait_for_timeout(300)  # what settles after the gesture (textures arriving) belongs to it too
            if shots:  # outside any phase: taking a screenshot holds frames up
                phase("")
                page.screenshot(path=str(root / f"smooth-{j}-{name.replace(' ', '-')}.png"))
        res["gesture_s"] = round(time.perf_counter() - t, 1)
        frames = page.evaluate("window.__smooth.stop()")
        res["all"] = stats([dt for ph, dt in frames if ph])
        res["phases"] = {name: stats([dt for ph, dt in frames if ph == name]) for name, _ in plan}
        res["stats_last_frame"] = page.evaluate("window.electricMap.stats")
        cdp = ctx.new_cdp_session(page)
        cdp.send("HeapProfiler.collectGarbage")
        heap = cdp.send("Runtime.getHeapUsage")
        res["js_heap_used_mb"] = round(heap["usedSize"] / 2**20, 1)
        res["js_heap_total_mb"] = round(heap["totalSize"] / 2**20, 1)
        # typed arrays (positions, colours...) live outside V8's heap, in backing stores (newer Chromium says)
        res["array_buffers_mb"] = round(heap.get("backingStorageSize", 0) / 2**20, 1)
        end = memory_by_kind(str(profile))
        sampler.running = False
        peak = sampler.peak if total(sampler.peak) > total(end) else end
        res["memory_end_mb"] = {k: {m: round(x, 1) for m, x in v.items()} for k, v in sorted(end.items())}
        res["memory_peak_mb"] = {k: {m: round(x, 1) for m, x in v.items()} for k, v in sorted(peak.items())}
        res["pss_end_total_mb"], res["rss_end_total_mb"] = total(end), total(end, "rss")
        res["pss_peak_total_mb"], res["rss_peak_total_mb"] = total(peak), total(peak, "rss")
        res["page_errors"] = errors
        ctx.close()
    srv.shutdown()
    shutil.rmtree(profile, ignore_errors=True)
    return res


def report(n: int, r: dict[str, Any]) -> None:
    a = r["all"]
    print(f"\nN = {n:,} ({r['gl']}; renderer {r['renderer'] or '?'})")
    print(f"  first paint {r['first_paint_ms']:.0f} ms (page), {r['first_paint_wall_s']:.2f} s wall; "
          f"complete {r['complete_wall_s']:.2f} s")
    print(f"  {'phase':<14} {'frames':>6} {'median':>7} {'p95':>7} {'max':>7} {'fps':>6} {'>16.7':>6} {'>33.3':>6}")
    for name, s in [*r["phases"].items(), ("all", a)]:
        if s["frames"]:
            print(f"  {name:<14} {s['frames']:>6} {s['median_ms']:>7} {s['p95_ms']:>7} {s['max_ms']:>7} "
                  f"{s['fps']:>6} {s['over_16.7ms']:>6} {s['over_33.3ms']:>6}")
    print(f"  gesture {r['gesture_s']} s; JS heap {r['js_heap_used_mb']} MiB used / {r['js_heap_total_mb']} MiB "
          f"(after GC), array buffers {r['array_buffers_mb']} MiB")
    peak = r["memory_peak_mb"]
    print(f"  Chromium memory peak: PSS {r['pss_peak_total_mb']} MiB (RSS summed {r['rss_peak_total_mb']} MiB): "
          + ", ".join(f"{k} {v['pss']}" for k, v in sorted(peak.items(), key=lambda kv: -kv[1]["pss"])))
    print(f"  at the end: PSS {r['pss_end_total_mb']} MiB, RSS summed {r['rss_end_total_mb']} MiB; after load "
          f"PSS {r['pss_after_load_mb']} MiB")
    if r["page_errors"]:
        print("  page errors:", r["page_errors"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sizes", nargs="*", type=int, default=[100_000, 1_000_000], help="map sizes (images)")
    ap.add_argument("--gpu", action="store_true", help="draw on the GPU (no --disable-gpu; ANGLE on Vulkan)")
    ap.add_argument("--shots", action="store_true", help="a screenshot after each phase, into the data folder")
    ap.add_argument("--fresh", action="store_true", help="write the synthetic maps again")
    ap.add_argument("--timeout", type=float, default=300, help="seconds to wait for the first paint (default 300)")
    a = ap.parse_args()
    results = {}
    for n in a.sizes:
        root = site_for(n, a.fresh)
        r = measure(root, a.gpu, a.shots, a.timeout)
        report(n, r)
        results[n] = r
        (root / f"smooth-{'gpu' if a.gpu else 'cpu'}.json").write_text(json.dumps(r, indent=1), "utf-8")
    if len(results) > 1:
        small, big = min(results), max(results)
        ms, mb = results[small]["all"], results[big]["all"]
        if ms.get("median_ms") and mb.get("median_ms"):
            print(f"\n{big:,} against {small:,}: median frame {mb['median_ms'] / ms['median_ms']:.1f}x, "
                  f"p95 {mb['p95_ms'] / max(ms['p95_ms'], 0.1):.1f}x, first paint "
                  f"{results[big]['first_paint_ms'] / max(results[small]['first_paint_ms'], 1):.1f}x, "
                  f"memory peak {results[big]['pss_peak_total_mb'] / max(results[small]['pss_peak_total_mb'], 1):.1f}x")


if __name__ == "__main__":
    main()
