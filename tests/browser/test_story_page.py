"""The story page in Chromium: every sentence beside its picture, the story film plays with the sentences
as its captions, and a picture's link opens that very item in the map's lightbox."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from story_fixtures import STORY, make_site  # noqa: E402

from generator.cli import main  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # Chromium: the full suite's lane


@pytest.fixture(scope="module")
def story_site(tmp_path_factory, serve_dir) -> str:
    root = tmp_path_factory.mktemp("story-site")
    content = make_site(root)
    assert main(["--content", str(content), "--out", str(root / "_site"), "-q"]) == 0
    return serve_dir(root / "_site")


def test_the_story_page_shows_each_sentence_beside_its_picture_and_the_film_plays(page, story_site):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(story_site + "stories/day/")
    shots = page.locator(".story-shot")
    assert shots.count() == len(STORY)
    for i, (sentence, file) in enumerate(STORY):
        shot = shots.nth(i)
        assert sentence in shot.locator(".story-sentence").inner_text()
        shot.scroll_into_view_if_needed()  # the pictures load lazily, and reserve their size until they do
        shot.locator("img").evaluate("img => img.decode()")  # rejects when the picture does not load
        assert shot.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
        assert shot.locator("a.story-map-link").get_attribute("href") == f"../../map/#item={file}"
    played = page.evaluate("""async () => {
      const v = document.querySelector('#story-video');
      v.muted = true;
      await v.play();
      await new Promise(r => { const check = () => v.currentTime > 1.3 ? r() : setTimeout(check, 50); check(); });
      v.pause();
      const track = v.textTracks[0];
      track.mode = 'hidden';
      await new Promise(r => setTimeout(r, 200));
      return {t: v.currentTime, d: v.duration, cues: track.cues ? [...track.cues].map(c => c.text) : [],
              w: v.videoWidth, h: v.videoHeight};
    }""")
    assert played["t"] > 1.3 and abs(played["d"] - len(STORY)) < 0.2
    assert (played["w"], played["h"]) == (320, 180)
    assert [c.replace("\n", " ") for c in played["cues"]] == [s for s, _ in STORY]
    assert all(u.startswith(story_site) for u in requests)
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_pictures_link_opens_its_item_on_the_map(page, story_site):
    page.goto(story_site + "stories/day/")
    page.locator(".story-shot").nth(0).locator("a.story-map-link").click()
    page.wait_for_url("**/map/#item=cat.jpg")
    page.wait_for_function("window.electricMap && window.electricMap.complete", timeout=30_000)
    dialog = page.locator("#map-lightbox")
    dialog.wait_for(state="visible", timeout=15_000)
    assert "Chelsea" in dialog.inner_text()


def test_the_story_page_and_its_film_page_have_no_axe_violations(page, story_site):
    from browser.test_accessibility import axe_violations

    for path in ("stories/day/", "films/day/"):
        page.goto(story_site + path)
        page.wait_for_load_state("load")
        assert axe_violations(page) == [], path
