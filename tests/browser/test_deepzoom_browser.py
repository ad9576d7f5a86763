"""Deep zoom in the map's lightbox, in headless Chromium: a 3000 x 2000 archive picture published as a static
IIIF Image API 3 level-0 pyramid opens in OpenSeadragon (site_src/map/deepzoom.js), zooms to full
resolution from the site's own files only, links the region in view and reopens it from that link, and
goes away with the lightbox. Pictures without a pyramid keep the plain lightbox; a viewer that cannot load
leaves the picture as it was.

Screenshots go to /tmp/deepzoom-*.png (look at them after a change to the viewer's layout)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench" / "map"))
pytestmark = [pytest.mark.browser, pytest.mark.slow]  # Chromium, and a map build

BIG = "detail.png"  # the archive's one large picture
TITLE = "Fine detail"
W, H = 3000, 2000
TILE = 512
LAPTOP, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


def detail_picture(path: Path) -> np.ndarray:
    """A picture whose every part is told apart at full resolution: a checkerboard of 16 px squares over
    colour gradients, and each 250 px cell labelled with its position."""
    from PIL import Image, ImageDraw

    y, x = np.mgrid[0:H, 0:W]
    check = ((x // 16 + y // 16) % 2).astype(np.float32)
    rgb = np.stack([60 + 150 * x / W, 60 + 150 * y / H, 200 - 120 * x / W], axis=-1) * (0.55 + 0.45 * check[..., None])
    im = Image.fromarray(rgb.astype(np.uint8))
    draw = ImageDraw.Draw(im)
    for cy in range(0, H, 250):
        for cx in range(0, W, 250):
            draw.rectangle([cx, cy, cx + 249, cy + 249], outline=(255, 255, 255), width=2)
            draw.text((cx + 10, cy + 10), f"x={cx} y={cy}", fill=(255, 255, 255))
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path)
    return np.asarray(im)


@pytest.fixture(scope="module")
def deepzoom_site(tmp_path_factory, serve_dir):
    """A map of twelve small pictures and the large one: {"url": .../map/, "site", "key", "pixels"}."""
    import synth

    from generator.archive.embed import register_embedder
    from generator.config import Settings

    tmp = tmp_path_factory.mktemp("deepzoom_site")
    content = tmp / "content"
    synth.make_archive(content, 12)
    pixels = detail_picture(content / "archive" / BIG)
    with open(content / "archive" / "metadata.csv", "a", encoding="utf-8") as fh:
        fh.write(f"{BIG},{TITLE},Maker 9,1999\n")
    settings = Settings()
    settings.map.embedder = "colour"
    settings.map.layouts = ["grid"]  # the lightbox is what is tested
    settings.map.layout = "grid"
    settings.search.enabled = False  # the lightbox is what is tested: no index, no faces
    settings.portraits.enabled = False
    site = tmp / "_site"
    from generator.pipeline import build
    from generator.reporter import Reporter

    register_embedder("colour", "synth:ColourEmbedder")
    build(content, site, settings, Reporter(quiet=True))
    key = next(p.parent.name for p in (site / "iiif").glob("*/info.json"))
    return {"url": serve_dir(site) + "map/", "site": site, "key": key, "pixels": pixels}


# ------------------------------------------------------------------ helpers

def new_page(browser, viewport, **options):
    """A page in its own context that records every request and every console error."""
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    page.requests, page.problems = [], []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    return page


def open_viewer(page, url: str):
    page.goto(url)
    page.wait_for_function("window.electricMap && window.electricMap.complete", timeout=30_000)
    page.locator("#map-lightbox").wait_for(state="visible")
    page.locator('#map-dz[data-state="ready"]').wait_for(timeout=15_000)


SETTLED = """() => {
  const v = window.electricMap.deepzoom, vp = v && v.viewport;
  return vp && Math.abs(vp.getZoom(true) / vp.getZoom(false) - 1) < 1e-3 && v.world.getItemAt(0).getFullyLoaded();
}"""
REGION = """() => { const vp = window.electricMap.deepzoom.viewport, r = vp.viewportToImageRectangle(vp.getBounds());
  return [r.x, r.y, r.width, r.height]; }"""


def settle(page):
    page.wait_for_function(SETTLED, timeout=20_000)


def full_resolution_tiles(urls: list[str], key: str) -> list[str]:
    """Requested tiles of scale factor 1: a region as wide as its size (512 px, or less at the right edge)."""
    out = []
    for u in urls:
        m = re.search(rf"/iiif/{key}/(\d+),(\d+),(\d+),(\d+)/(\d+),(\d+)/0/default\.jpg$", u)
        if m and m[3] == m[5] and m[4] == m[6]:
            out.append(u)
    return out


# ------------------------------------------------------------------ tests

def test_zoom_to_full_resolution_link_the_region_and_close(browser, deepzoom_site):
    url, key = deepzoom_site["url"], deepzoom_site["key"]
    page = new_page(browser, LAPTOP)
    open_viewer(page, url + "#item=" + BIG)
    settle(page)
    assert page.get_attribute("#map-lb-img", "alt") == TITLE  # the fallback keeps its text
    canvas = page.locator("#map-dz .openseadragon-canvas")
    assert canvas.get_attribute("tabindex") == "0" and TITLE in canvas.get_attribute("aria-label")
    for name in ("Zoom in", "Zoom out", "Show the whole picture", "Full screen"):
        assert page.locator("#map-dz").get_by_role("button", name=name).is_visible()
    box, fig = page.locator("#map-dz").bounding_box(), page.locator("#map-lb-figure").bounding_box()
    assert box == fig and box["width"] > 300  # the viewer fills the picture's place
    page.screenshot(path="/tmp/deepzoom-open.png")
    assert not full_resolution_tiles(page.requests, key)  # the whole picture needs no full-resolution tile

    home = page.evaluate("window.electricMap.deepzoom.viewport.getZoom()")
    canvas.focus()
    page.keyboard.down("+")  # OpenSeadragon's keyboard navigation zooms while the key is held
    page.wait_for_timeout(400)
    page.keyboard.up("+")
    page.wait_for_function("z => window.electricMap.deepzoom.viewport.getZoom() > z * 1.15", arg=home)
    settle(page)
    zoom = page.evaluate("window.electricMap.deepzoom.viewport.getZoom()")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -200)  # the wheel zooms in at the pointer
    page.wait_for_function("z => window.electricMap.deepzoom.viewport.getZoom() > z * 1.1", arg=zoom)
    page.locator("#map-dz").get_by_role("button", name="Zoom in").click()
    settle(page)
    page.evaluate("(() => { const vp = window.electricMap.deepzoom.viewport; "
                  "vp.zoomTo(vp.imageToViewportZoom(1)); })()")
    settle(page)
    page.wait_for_function("location.hash.includes('&xywh=')")
    page.screenshot(path="/tmp/deepzoom-deep.png")
    assert full_resolution_tiles(page.requests, key), "no full-resolution tile was requested"
    m = re.fullmatch(rf"#item={re.escape(BIG)}&xywh=(\d+),(\d+),(\d+),(\d+)", page.evaluate("location.hash"))
    assert m, page.evaluate("location.hash")
    x, y, w, h = map(int, m.groups())
    assert 0 <= x and x + w <= W and 0 <= y and y + h <= H and w < W / 2
    before = page.evaluate(REGION)

    origin = urlsplit(url)[:2]
    foreign = [u for u in page.requests if urlsplit(u)[:2] != origin]
    assert foreign == []
    assert page.problems == []

    page.reload()  # the permalink shows the same region
    page.wait_for_function("window.electricMap && window.electricMap.complete", timeout=30_000)
    page.locator('#map-dz[data-state="ready"]').wait_for(timeout=15_000)
    settle(page)
    after = page.evaluate(REGION)
    assert all(abs(a - b) <= 0.05 * before[2 + k % 2] for k, (a, b) in enumerate(zip(after, before))), (before, after)
    assert page.evaluate("location.hash") == m[0]
    page.screenshot(path="/tmp/deepzoom-reopened.png")

    page.locator("#map-dz").get_by_role("button", name="Full screen").click()
    page.wait_for_function("document.fullscreenElement && document.fullscreenElement.id === 'map-dz'")
    page.screenshot(path="/tmp/deepzoom-fullscreen.png")
    page.evaluate("document.exitFullscreen()")
    page.wait_for_function("!document.fullscreenElement")

    page.locator("#map-dz .openseadragon-canvas").focus()
    page.keyboard.press("Escape")  # closes the lightbox from inside the viewer too
    page.locator("#map-lightbox").wait_for(state="hidden")
    assert page.locator("#map-dz").count() == 0
    assert page.evaluate("window.electricMap.deepzoom") is None
    assert "map-lb-zoomed" not in (page.get_attribute("#map-lb-figure", "class") or "")
    page.wait_for_function("location.hash.startsWith('#layout=')")
    assert page.problems == []
    page.context.close()


def test_on_a_phone_the_viewer_and_its_buttons_fit(browser, deepzoom_site):
    page = new_page(browser, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, reduced_motion="reduce")
    assert page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")
    open_viewer(page, deepzoom_site["url"] + "#item=" + BIG + "&xywh=1000,700,600,400")
    settle(page)
    x, y, w, h = page.evaluate(REGION)
    assert x <= 1000 + 30 and x + w >= 1600 - 30 and y <= 700 + 30 and y + h >= 1100 - 30  # the region fits
    assert w < 1200
    page.screenshot(path="/tmp/deepzoom-phone.png")
    viewer = page.locator("#map-dz").bounding_box()
    assert viewer["x"] >= 0 and viewer["x"] + viewer["width"] <= PHONE["width"]
    for name in ("Zoom in", "Zoom out", "Show the whole picture", "Full screen"):
        b = page.locator("#map-dz").get_by_role("button", name=name).bounding_box()
        assert b["x"] >= viewer["x"] and b["x"] + b["width"] <= viewer["x"] + viewer["width"] and b["height"] >= 32
    page.locator("#map-dz").get_by_role("button", name="Show the whole picture").click()
    settle(page)
    page.wait_for_function(f"location.hash === '#item={BIG}'")  # the whole picture needs no region
    from browser.test_accessibility import axe_violations

    assert axe_violations(page) == []
    page.click("#map-lb-close")
    page.locator("#map-lightbox").wait_for(state="hidden")
    assert page.locator("#map-dz").count() == 0
    assert page.problems == []
    page.context.close()


def test_a_picture_without_a_pyramid_keeps_the_plain_lightbox(browser, deepzoom_site):
    page = new_page(browser, LAPTOP)
    page.goto(deepzoom_site["url"] + "#item=img00001.jpg&xywh=0,0,10,10")
    page.wait_for_function("window.electricMap && window.electricMap.complete", timeout=30_000)
    page.locator("#map-lightbox").wait_for(state="visible")
    page.wait_for_function("location.hash === '#item=img00001.jpg'")  # a region means nothing here
    assert page.locator("#map-dz").count() == 0 and page.locator("#map-lb-img").is_visible()
    assert not any("openseadragon" in u or "/iiif/" in u for u in page.requests)
    assert page.problems == []
    page.context.close()


def test_a_viewer_that_cannot_load_leaves_the_picture(browser, deepzoom_site):
    page = new_page(browser, LAPTOP)
    page.route("**/openseadragon.min.js*", lambda route: route.abort())
    page.goto(deepzoom_site["url"] + "#item=" + BIG)
    page.wait_for_function("window.electricMap && window.electricMap.complete", timeout=30_000)
    page.locator("#map-lightbox").wait_for(state="visible")
    page.wait_for_function("!document.getElementById('map-dz')")
    assert page.locator("#map-lb-img").is_visible()
    assert page.get_attribute("#map-lb-img", "alt") == TITLE
    assert all("ERR_FAILED" in p for p in page.problems), page.problems  # the blocked script, nothing else
    page.context.close()


def test_full_resolution_tiles_are_the_picture(deepzoom_site):
    """The deepest level is the source's own pixels (JPEG quality 90: within 3 of 255 on average)."""
    from PIL import Image

    root = deepzoom_site["site"] / "iiif" / deepzoom_site["key"]
    info = json.loads((root / "info.json").read_text("utf-8"))
    assert (info["width"], info["height"], info["profile"]) == (W, H, "level0")
    assert info["tiles"][0]["width"] == TILE and 1 in info["tiles"][0]["scaleFactors"]
    for x, y in ((1024, 512), (W - W % TILE, H - H % TILE)):  # an inner tile and the bottom-right corner
        w, h = min(TILE, W - x), min(TILE, H - y)
        tile = np.asarray(Image.open(root / f"{x},{y},{w},{h}" / f"{w},{h}" / "0" / "default.jpg").convert("RGB"))
        src = deepzoom_site["pixels"][y:y + h, x:x + w]
        assert tile.shape == src.shape
        assert np.abs(tile.astype(int) - src.astype(int)).mean() < 3
