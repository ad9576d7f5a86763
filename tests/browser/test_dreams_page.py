"""The demo's dreams section in Chromium: the index lists its sections and dreamt images, the atlas shows a
numbered grid of tiles, a dreamt image's page shows before and after, every image loads, nav says Dreams."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # Chromium: the full suite's lane
BROKEN = "() => Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"


@pytest.fixture(scope="module")
def demo_url(demo_build, serve_dir):
    return serve_dir(demo_build["site"])


def _loaded(page) -> None:
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)")
    assert page.evaluate(BROKEN) == []


def test_dreams_index_and_atlas_render(page, demo_url, demo_build):
    shots = demo_build["root"] / "demo-shots"
    shots.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(demo_url + "dreams/")
    assert page.locator(".site-nav a[aria-current='page']").inner_text() == "Dreams"
    titles = page.locator(".dream-card-title").all_inner_texts()
    assert "Channel atlas" in titles and "Seven Photographs, dreamt" in titles and "Chelsea the cat" in titles
    page.evaluate("() => document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
    _loaded(page)
    page.screenshot(path=str(shots / "dreams.png"), full_page=True)

    page.click("text=Channel atlas")
    page.wait_for_url("**/dreams/atlas/")
    numbers = page.locator(".atlas-grid figcaption").all_inner_texts()
    assert numbers == [str(n) for n in range(len(numbers))] and len(numbers) >= 8
    page.evaluate("() => document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
    _loaded(page)
    boxes = [page.locator(".atlas-grid img").nth(i).bounding_box() for i in range(2)]
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[0]["width"] > 60  # a grid, tiles side by side
    page.screenshot(path=str(shots / "dreams-atlas.png"), full_page=True)


def test_a_dreamt_image_page_shows_before_and_after_and_credits(page, demo_url, demo_build):
    page.goto(demo_url + "dreams/photographs-chelsea/")
    _loaded(page)
    assert page.locator(".dream-pair img").count() == 2
    assert "Made by the machine" in page.locator(".synthetic").inner_text()
    href = page.locator(".dream-credit a").nth(1).get_attribute("href")
    assert href == "../../map/#item=photographs/chelsea.jpg"
    page.screenshot(path=str(demo_build["root"] / "demo-shots" / "dream-chelsea.png"), full_page=True)
