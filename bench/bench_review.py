"""Review decisions per hour the UI allows: the review page of a synthetic 400-image archive served by the
real `build.py serve`, driven in headless Chromium as fast as it accepts decisions (a key as soon as an image
is on screen). Prints decisions per hour against the reference: Mario Klingemann reviewed about 1,000
images an hour with his own tool (issue 12); the UI must not be what limits a curator.

    .venv/bin/python bench/bench_review.py [--decisions 300] [--images 400]

Also printed: the page-measured time from a decision to the next image painted, and each decision's round
trip to the server (POST until the CSV is written and fsynced), median and 90th percentile.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))
REFERENCE_PER_HOUR = 1000  # Klingemann's reported pace with his review tool
CHROMIUM = "/usr/bin/chromium"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--decisions", type=int, default=300)
    ap.add_argument("--images", type=int, default=400)
    ap.add_argument("--work", type=Path, default=REPO / "bench" / "out" / "review")
    args = ap.parse_args()
    from label_fixtures import SITE_TOML, make_mood_archive, start_serve
    from playwright.sync_api import sync_playwright

    from generator.labels.decisions import read_decisions, write_decisions

    shutil.rmtree(args.work, ignore_errors=True)
    content = args.work / "content"
    truth = make_mood_archive(content, args.images)
    (content / "site.toml").write_text(SITE_TOML)
    ids = list(truth)
    write_decisions(content / "labels" / "warm.csv", {i: "yes" if truth[i] else "no" for i in ids[:6]})
    print(f"building and serving a {args.images}-image archive ...", flush=True)
    proc, url = start_serve(content, args.work / "_site")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.goto(url + "review/warm/")
            page.wait_for_function("window.__reviewState && window.__reviewState.showing")
            start = time.perf_counter()
            for _ in range(args.decisions):
                page.wait_for_function("window.__reviewState.showing")
                key = page.evaluate("window.__reviewState.showing")
                page.keyboard.press("ArrowRight" if truth[key] else "ArrowLeft")
            page.wait_for_function(f"window.__reviewState.acknowledged === {args.decisions}", timeout=120000)
            elapsed = time.perf_counter() - start
            shown = page.evaluate("window.__reviewTimings")
            trips = page.evaluate("window.__reviewRoundTrips")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    written = len(read_decisions(content / "labels" / "warm.csv")) - 6
    per_hour = args.decisions / elapsed * 3600
    print(f"{args.decisions} decisions in {elapsed:.2f} s ({written} written to the CSV): "
          f"{per_hour:,.0f} decisions/hour the UI allows")
    print(f"reference: ~{REFERENCE_PER_HOUR:,} reviewed per hour by a curator (issue 12): "
          f"ratio {per_hour / REFERENCE_PER_HOUR:.1f}x")
    print(f"next image painted after a decision: median {statistics.median(shown):.1f} ms, "
          f"p90 {pct(shown, 0.9):.1f} ms, worst {max(shown):.1f} ms (target < 100 ms)")
    print(f"decision round trip (POST, CSV written and fsynced): median {statistics.median(trips):.1f} ms, "
          f"p90 {pct(trips, 0.9):.1f} ms")
    return 0 if written == args.decisions else 1


if __name__ == "__main__":
    sys.exit(main())
