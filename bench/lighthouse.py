"""Lighthouse's default (mobile, simulated slow 4G and 4x CPU throttling) run on one page of each kind of a
built site, served on loopback, printing the four category scores and LCP, CLS and TBT per page.

    .venv/bin/python build.py build --content content --out /tmp/e3-site
    .venv/bin/python bench/lighthouse.py --site /tmp/e3-site                 # every kind, one run each
    .venv/bin/python bench/lighthouse.py --site /tmp/e3-site --kinds map film --runs 3 --why
    .venv/bin/python bench/lighthouse.py --site /tmp/e3-site --json out.json --reports bench/out/lh

Lighthouse is the npm devDependency (``npm ci``: node_modules/.bin/lighthouse, 12.2.3, the last release
that runs on Node 20); Chromium is Debian's (``CHROME_PATH``, default /usr/bin/chromium). Goal (issue "A
museum-grade site on every device", "Fast on a phone"): performance >= 95 on every kind, the other three 100.

The site is served by Python's http.server from this process, as a static host serves it: HTTP/1.1 with
kept-alive connections, text gzipped, byte ranges (a film's metadata without its whole file). ``--plain``
serves it as ``python -m http.server`` does (HTTP/1.0, a connection a request, nothing compressed; byte
ranges kept): the simulated slow 4G then pays a connection and the uncompressed bytes of every request.
Either way the performance score rests on Lighthouse's simulation of a 4x slower CPU than the one that ran
the page: on a shared 2-core machine, and with WebGL drawn in software (SwiftShader), the map's blocking
time is mostly the compositor waiting for the software-drawn canvas. With ``--runs N`` each page is audited
N times and the run of median performance is kept (Lighthouse's own advice against its run-to-run variance).

Known: with Chromium 156, Lighthouse 12.2.3's trace engine fails a few audits that read screenshots from the
trace (largest-contentful-paint-element, layout-shifts, lcp-lazy-loaded, prioritize-lcp-image); they are
left unscored, and the metrics and the four categories are unaffected.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from browser.conftest import RangeRequestHandler  # noqa: E402 (the tests' server, found through the path above)

LIGHTHOUSE = REPO / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
KINDS = ("front", "film", "archive", "map", "search", "story", "dream", "credits")
TYPES = {".webp": "image/webp", ".avif": "image/avif", ".vtt": "text/vtt", ".mjs": "text/javascript",
         ".js": "text/javascript", ".json": "application/json", ".wasm": "application/wasm",
         ".m3u8": "application/vnd.apple.mpegurl", ".svg": "image/svg+xml", ".woff2": "font/woff2"}
COMPRESSIBLE = (".html", ".css", ".js", ".mjs", ".json", ".svg", ".vtt", ".txt", ".xml", ".m3u8")


def pages(site: Path) -> dict[str, str]:
    """Kind -> path below the root of the first page of that kind the site has (kinds it lacks left out)."""
    def first(parent: str, skip: tuple[str, ...] = ()) -> str:
        folder = site / parent
        found = sorted(p.parent.name for p in folder.glob("*/index.html") if p.parent.name not in skip)
        return f"{parent}/{found[0]}/" if found else ""

    found = {"front": "", "film": first("films"), "archive": "archive/", "map": "map/", "search": "search/",
             "story": first("stories"), "dream": first("dreams", ("atlas", "collages")),
             "credits": "credits/" if (site / "credits").is_dir() else "about/"}
    return {k: v for k, v in found.items() if (site / v / "index.html").is_file()}


class Handler(RangeRequestHandler):
    """The browser tests' file server (http.server with byte ranges, so a film's metadata is read without its
    whole file), with the types a browser needs (WebP, AVIF, modules, VTT); as a static host serves them
    (``host``): over kept-alive HTTP/1.1 connections and with text compressed; else as ``python -m
    http.server`` does (HTTP/1.0, a connection a request, nothing compressed)."""

    extensions_map = {**RangeRequestHandler.extensions_map, **TYPES}
    compress = False

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's own name)
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?", 1)[0].endswith("/"):
            path = path / "index.html"  # (without the slash: http.server's redirect to it)
        if not (self.compress and path.suffix in COMPRESSIBLE and path.is_file()
                and "gzip" in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        data = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        return io.BytesIO(data)


def serve(site: Path, host: bool) -> http.server.ThreadingHTTPServer:
    handler = type("SiteHandler", (Handler,), {"compress": host,
                                               "protocol_version": "HTTP/1.1" if host else "HTTP/1.0"})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def audit(url: str, chrome: str, keep: Path | None, name: str) -> dict[str, Any]:
    """One Lighthouse run of ``url``: its JSON report (Lighthouse's defaults: mobile, simulated throttling)."""
    with tempfile.TemporaryDirectory(prefix="lh-") as tmp:
        out = Path(tmp) / "report.json"
        cmd = [str(LIGHTHOUSE), url, "--output=json", f"--output-path={out}", "--quiet",
               f"--chrome-path={chrome}", "--chrome-flags=--headless=new --no-sandbox",
               "--only-categories=" + ",".join(CATEGORIES)]
        env = {**os.environ, "CHROME_PATH": chrome}
        run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        if run.returncode != 0 or not out.is_file():
            raise RuntimeError(f"lighthouse failed on {url} ({run.returncode}): {run.stderr[-2000:]}")
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out, keep / f"{name}.json")
        report: dict[str, Any] = json.loads(out.read_text("utf-8"))
        return report


def summary(report: dict[str, Any]) -> dict[str, Any]:
    cats, audits = report["categories"], report["audits"]

    def score(c: str) -> int | None:
        s = cats.get(c, {}).get("score")
        return None if s is None else round(s * 100)

    return {**{c: score(c) for c in CATEGORIES},
            "lcp_s": audits["largest-contentful-paint"]["numericValue"] / 1000,
            "cls": audits["cumulative-layout-shift"]["numericValue"],
            "tbt_ms": audits["total-blocking-time"]["numericValue"],
            "fcp_s": audits["first-contentful-paint"]["numericValue"] / 1000,
            "si_s": audits["speed-index"]["numericValue"] / 1000}


def blame(report: dict[str, Any]) -> list[str]:
    """What costs points: every weighted audit below full marks in the three 0/1 categories, the
    performance metrics below 0.9, and the opportunities Lighthouse estimates to save time."""
    audits, lines = report["audits"], []
    for cat in CATEGORIES:
        for ref in report["categories"][cat]["auditRefs"]:
            a = audits[ref["id"]]
            if a.get("score") is None or a["score"] >= (0.9 if cat == "performance" else 1):
                continue
            if cat == "performance" and ref.get("weight", 0) > 0:
                lines.append(f"{cat}: {a['id']} = {a.get('displayValue', '')} (score {a['score']:.2f})")
            elif cat != "performance" and ref.get("weight", 0) > 0:
                lines.append(f"{cat}: {a['id']}: {a['title']}")
    for a in audits.values():
        saving = (a.get("metricSavings") or {}).get("LCP", 0) or (a.get("details") or {}).get("overallSavingsMs", 0)
        if a.get("score") is not None and a["score"] < 0.9 and saving and saving >= 50:
            lines.append(f"opportunity: {a['id']} ({a.get('displayValue', '')}) ~{saving:.0f} ms")
    lcp = audits.get("largest-contentful-paint-element", {}).get("details", {})
    for item in (lcp.get("items") or [])[:1]:  # (with Chromium 156, Lighthouse 12.2's trace engine fails this audit)
        rows = item.get("items") or [{}] if item.get("type") == "table" else [item]
        node = rows[0].get("node") or {}
        if node:
            lines.append(f"LCP element: {node.get('snippet', '')[:140]}")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--site", type=Path, default=Path("/tmp/e3-site"), help="a built site folder")
    ap.add_argument("--kinds", nargs="*", default=list(KINDS), choices=KINDS)
    ap.add_argument("--runs", type=int, default=1, help="runs per page; the median performance run is kept")
    ap.add_argument("--plain", action="store_true", help="serve as `python -m http.server` does (HTTP/1.0, "
                    "no compression) rather than as a static host does (HTTP/1.1 kept alive, gzip)")
    ap.add_argument("--why", action="store_true", help="print what costs each page its points")
    ap.add_argument("--json", type=Path, help="write the table as JSON")
    ap.add_argument("--reports", type=Path, help="keep every Lighthouse report (JSON) in this folder")
    ap.add_argument("--chrome", default=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    args = ap.parse_args(argv)
    if not LIGHTHOUSE.exists():
        print("lighthouse is not installed: run `npm ci` in the repository", file=sys.stderr)
        return 2
    found = pages(args.site)
    kinds = [k for k in args.kinds if k in found]
    server = serve(args.site, not args.plain)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    rows: dict[str, dict[str, Any]] = {}
    print(f"{'page':<9} {'path':<30} {'perf':>4} {'a11y':>4} {'bp':>4} {'seo':>4} {'LCP s':>6} {'CLS':>6} "
          f"{'TBT ms':>6}")
    try:
        for kind in kinds:
            runs = [audit(base + found[kind], args.chrome, args.reports, f"{kind}-{i + 1}") for i in range(args.runs)]
            perf = [summary(r)["performance"] or 0 for r in runs]
            report = runs[perf.index(sorted(perf)[(len(perf) - 1) // 2])] if len(runs) > 1 else runs[0]
            row = {"path": found[kind], **summary(report), "runs": perf}
            rows[kind] = row
            print(f"{kind:<9} /{found[kind]:<29} {row['performance']:>4} {row['accessibility']:>4} "
                  f"{row['best-practices']:>4} {row['seo']:>4} {row['lcp_s']:>6.2f} {row['cls']:>6.3f} "
                  f"{row['tbt_ms']:>6.0f}" + (f"  (perf runs {perf})" if len(runs) > 1 else ""), flush=True)
            if args.why:
                for line in blame(report):
                    print(f"    {line}")
    finally:
        server.shutdown()
    if rows:
        print(f"median performance {statistics.median(r['performance'] for r in rows.values()):.0f}, "
              f"lowest {min(r['performance'] for r in rows.values())}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
