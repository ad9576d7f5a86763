"""A film with thousands of cues (what hours of footage give) keeps a usable page: the browser lays out
only the cues near the view, while the search and seeking still reach every cue."""

from __future__ import annotations

import shutil

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # Chromium: the full suite's lane

CUES = 3000


@pytest.fixture(scope="module")
def long_site(tmp_path_factory, serve_dir):
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg is not installed")
    from browser.site_fixtures import make_clip, make_film, make_site, write_tree

    from generator.site.render import render_site

    tmp = tmp_path_factory.mktemp("long_transcript")
    clip = make_clip(tmp / "media" / "long.mp4", seconds=10)
    step = 10.0 / CUES
    texts = [(i * step, (i + 1) * step, f"moment {i + 1} seen by the machine") for i in range(CUES)]
    texts[2499] = (2499 * step, 2500 * step, "a heron standing in the reeds")
    site = make_site(tmp, films=[make_film(tmp, slug="long", title="Long", video=clip, texts=texts)], map_url="")
    write_tree(render_site(site), tmp / "_site")
    return serve_dir(tmp / "_site")


def test_thousands_of_cues_render_lazily_and_stay_searchable(browser, long_site):
    page = browser.new_page()
    try:
        page.goto(long_site + "films/long/")
        facts = page.evaluate("""() => {
            const items = document.querySelectorAll('.cues > li');
            return {count: items.length, lazy: getComputedStyle(items[0]).contentVisibility}; }""")
        assert facts == {"count": CUES, "lazy": "auto"}
        page.fill("#cue-search", "heron")
        page.wait_for_function("() => document.querySelectorAll('.cues > li:not([hidden])').length === 1")
        page.click("#cue-2500")
        start = 2499 * 10.0 / CUES
        # the click seeks there and plays: the time is past the cue's start, not back at the beginning
        page.wait_for_function(f"() => {{ const t = document.querySelector('video').currentTime;"
                               f" return t >= {start - 0.05} && t < {start + 1.5}; }}")
    finally:
        page.close()
