"""Fast on a phone (issue "A museum-grade site on every device"): a phone-width page loads narrow WebP
variants of its pictures and a desktop page wider ones (never the JPEGs), and the map page keeps its layout
while its data arrives (the sum of its layout shifts, as the browser reports them, stays under 0.05)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.browser]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SHIFTS = """window.__shift = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
}).observe({ type: "layout-shift", buffered: true });"""


@pytest.fixture(scope="module")
def picture_site(tmp_path_factory, serve_dir):
    """The render tests' site, its keyframes 640 x 360, rendered with a cache (so with WebP variants)."""
    from browser.site_fixtures import make_film, make_image, make_site, write_tree

    from generator.cache import Cache
    from generator.model import Keyframe
    from generator.site.render import render_site

    tmp = tmp_path_factory.mktemp("picture_site")
    film = make_film(tmp)
    film.keyframes = [Keyframe(k.index, k.time, make_image(tmp / "big" / f"{k.index}.jpg", (640, 360),
                                                           (40 * k.index, 90, 160)), k.scene_cut)
                      for k in film.keyframes]
    write_tree(render_site(make_site(tmp, films=[film]), Cache(tmp / "cache")), tmp / "_site")
    return serve_dir(tmp / "_site")


def pictures_loaded(browser, url: str, viewport: dict[str, int]) -> list[str]:
    """The picture requests of ``url`` seen at ``viewport`` (one device pixel per CSS pixel), scrolled through."""
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    page = context.new_page()
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if r.resource_type == "image" else None)
    page.goto(url, wait_until="load")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(300)
    context.close()
    return [u for u in seen if not u.endswith(".svg") and "favicon" not in u]


def widths(urls: list[str]) -> list[int]:
    return sorted(int(m[1]) for u in urls if (m := re.search(r"-(\d+)w\.webp$", u)))


def test_a_phone_loads_narrow_webp_pictures_and_a_desktop_wider_ones(browser, picture_site):
    phone = pictures_loaded(browser, picture_site, PHONE)
    desktop = pictures_loaded(browser, picture_site, DESKTOP)
    # the front page's film card: 92% of a phone's width (480 px will do), 40rem on a desktop (640 px)
    posters = [u for u in phone + desktop if "poster" in u]
    assert not posters, f"the JPEG fallback was loaded: {posters}"
    assert widths([u for u in phone if "/assets/pictures/" in u]) == [480], phone
    assert widths([u for u in desktop if "/assets/pictures/" in u]) == [640], desktop
    # the film page: its transcript's thumbnails (4.75rem wide) at 320 px, never the keyframes' JPEGs
    film_phone = pictures_loaded(browser, picture_site + "films/test-card/", PHONE)
    assert not [u for u in film_phone if u.endswith(".jpg")], film_phone
    assert 320 in widths(film_phone) and 480 not in widths(film_phone), film_phone


@pytest.fixture(scope="module")
def map_page(tmp_path_factory, serve_dir):
    """A map of 24 images in every default layout (each a radio button in the toolbar) with the colour
    embedder."""
    sys.path.insert(0, str(REPO / "bench" / "map"))
    import synth
    from browser.site_fixtures import write_colour_map

    from generator.config import Settings

    tmp = tmp_path_factory.mktemp("fast_map")
    synth.make_archive(tmp / "content", 24)
    settings = Settings()
    settings.map.umap_epochs = 60
    settings.map.tsne_iter = 120
    write_colour_map(tmp / "content", tmp, settings)
    return serve_dir(tmp / "_site") + "map/"


@pytest.mark.slow  # UMAP and t-SNE of the map: ~20 s on two cores
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_map_keeps_its_layout_while_it_loads(browser, map_page, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.add_init_script(SHIFTS)
    page.goto(map_page)
    page.wait_for_function("window.electricMap && window.electricMap.complete", timeout=30_000)
    page.wait_for_timeout(300)  # a shift of the last frame is reported after it
    shift = page.evaluate("window.__shift")
    toolbar = page.evaluate("document.querySelectorAll('#map-layouts input[type=radio]').length")
    context.close()
    assert toolbar >= 2  # the layouts' buttons, written by the page and wired by the script
    assert shift < 0.05, f"the map page shifted by {shift:.3f} while it loaded"
