"""Pictures at every zoom, in headless Chromium: the share of the canvas covered by pictures at first view
and zoomed in, on a 1,000-image archive built by the map stage and on a 100k synthetic map whose overview
is a pyramid of mosaic tiles; the grid as a mosaic; the manifest's preservation numbers.

Screenshots of each view go to $ES_SHOTS (when set) to be looked at."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench" / "map"))
pytestmark = [pytest.mark.browser, pytest.mark.slow]  # Chromium: the full suite's lane
BACKGROUND = np.array([14, 13, 12])  # the canvas's clear colour (renderer.js)
SHOTS = os.environ.get("ES_SHOTS")


@pytest.fixture(scope="module")
def archive_1k(tmp_path_factory, serve_dir):
    """A 1,000-image synthetic archive through the real map stage (colour-histogram embedder, UMAP)."""
    import synth
    from browser.site_fixtures import write_colour_map

    from generator.config import Settings

    tmp = tmp_path_factory.mktemp("mosaic_1k")
    content = tmp / "content"
    synth.make_archive(content, 1000)
    settings = Settings()
    settings.map.layouts = ["umap", "grid"]
    write_colour_map(content, tmp, settings)
    return serve_dir(tmp / "_site") + "map/", tmp / "_site"


@pytest.fixture(scope="module")
def synthetic_100k(tmp_path_factory, serve_dir):
    import mosaic_site

    root = tmp_path_factory.mktemp("mosaic_100k") / "site"
    stats = mosaic_site.make_site(100_000, root)
    return serve_dir(root) + "map/", stats


def open_settled(page, url: str):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(url)
    page.wait_for_function("window.electricMap && window.electricMap.complete", timeout=60_000)
    settle(page)
    return page


def settle(page) -> None:
    """Until every picture on screen is drawn: no point stands in for a page not loaded, no tile pending."""
    page.wait_for_timeout(400)
    page.wait_for_function("() => { const s = window.electricMap.stats;"
                           " return s.points === 0 && !(s.tilesPending > 0) && (s.quads > 0 || s.tiles > 0); }",
                           timeout=60_000)
    page.wait_for_timeout(300)


def coverage(page, name: str = "") -> float:
    """Share of the canvas's pixels that are not its background."""
    from PIL import Image

    png = page.locator("#map-canvas").screenshot()
    if SHOTS and name:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))
    a = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), np.int16)
    return float((np.abs(a - BACKGROUND).max(2) > 6).mean())


def zoom(page, steps: int) -> None:
    box = page.locator("#map-canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.45)
    for _ in range(steps):
        page.mouse.wheel(0, -240)
        page.wait_for_timeout(100)
    settle(page)


def test_1k_archive_opens_as_a_mosaic_and_pictures_grow_as_you_zoom(page, archive_1k):
    url, _ = archive_1k
    open_settled(page, url)
    first = coverage(page, "test-1k-first")
    stats = page.evaluate("window.electricMap.stats")
    assert stats["quads"] == 1000 and stats["points"] == 0  # every image a picture from the first view
    assert first >= 0.25, f"pictures cover {first:.1%} of the canvas at first view"
    zoom(page, 2)
    closer = coverage(page, "test-1k-zoomed")
    assert closer > first
    assert page.errors == []
    print(f"1k coverage: first view {first:.3f}, two steps in {closer:.3f}")


def test_1k_grid_is_a_mosaic(page, archive_1k):
    url, _ = archive_1k
    open_settled(page, url + "#layout=grid")
    first = coverage(page, "test-1k-grid")
    assert first >= 0.35
    zoom(page, 3)  # in the middle of the grid: cells touch, no gaps, no holes
    assert coverage(page, "test-1k-grid-zoomed") > 0.97
    assert page.errors == []


def test_1k_manifest_reports_preservation_before_and_after(archive_1k):
    _, site = archive_1k
    m = json.loads((site / "map" / "manifest.json").read_text("utf-8"))
    umap = next(layout for layout in m["layouts"] if layout["name"] == "umap")
    st = umap["spread"]
    assert 0 < st["after"] <= st["before"] + 0.01 and st["before"] - st["after"] <= 0.05
    assert umap["score"] == st["after"] and st["overlap_after"] == 0.0
    assert next(layout for layout in m["layouts"] if layout["name"] == "grid")["fill"] == "cover"
    assert m["layers"]["archive"]["positions"]["umap"]["scale"] == "scale-umap.bin"


@pytest.mark.slow
def test_100k_map_opens_as_pictures_from_its_tile_pyramid(page, synthetic_100k):
    url, stats = synthetic_100k
    assert stats["tiles"]["umap"]["levels"] >= 4
    open_settled(page, url)
    first = coverage(page, "test-100k-first")
    s = page.evaluate("window.electricMap.stats")
    assert s["tiles"] >= 1 and s["points"] == 0 and s["quads"] == 0  # the overview is the pyramid's tiles
    assert first >= 0.25, f"pictures cover {first:.1%} of the canvas at first view"
    zoom(page, 3)
    mid = coverage(page, "test-100k-mid")
    assert page.evaluate("window.electricMap.stats.tiles") >= 1
    zoom(page, 3)  # close: the thumbnail atlases take over from the tiles
    close = coverage(page, "test-100k-close")
    s = page.evaluate("window.electricMap.stats")
    assert s["quads"] > 0 and not s.get("tiles")
    assert min(mid, close) >= 0.25
    assert page.errors == []
    print(f"100k coverage: first view {first:.3f}, mid {mid:.3f}, close {close:.3f}")
