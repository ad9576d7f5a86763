"""The real demo, built by the real pipeline, in Chromium: what a visitor sees and does.

Screenshots are written to the session's temp folder (demo-shots/) for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser.test_film_page import SEEK, STATE

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # Chromium: the full suite's lane
REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def demo_url(demo_build, serve_dir):
    return serve_dir(demo_build["site"])


def test_front_page_lists_films_with_posters(page, demo_url, demo_build):
    page.goto(demo_url)
    links = page.eval_on_selector_all("a[href*='films/']", "els => els.map(e => e.getAttribute('href'))")
    assert any("photographs" in h for h in links) and any("clouds" in h for h in links)
    broken = page.evaluate("() => Array.from(document.images)"
                           ".filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)")
    assert broken == []
    shots = demo_build["root"] / "demo-shots"
    shots.mkdir(exist_ok=True)
    page.screenshot(path=str(shots / "index.png"), full_page=True)


def test_film_page_plays_with_machine_captions(page, demo_url, demo_build):
    page.goto(demo_url + "films/photographs/")
    page.wait_for_function("() => { const t = document.querySelector('video').textTracks[0];"
                           " return t && t.mode === 'showing' && t.cues && t.cues.length > 0; }")
    vtt = (demo_build["site"] / "films" / "photographs" / "photographs.vtt").read_text()
    page.evaluate("() => { document.querySelector('video').muted = true; }")
    page.evaluate(SEEK, 1.0)
    page.wait_for_function("() => document.querySelector('.cue.is-active') !== null")
    state = page.evaluate(STATE)
    assert state["activeCues"] and state["highlighted"]
    first_line = state["activeCues"][0].split("\n")[0]
    assert first_line in vtt and "cat" in " ".join(state["activeCues"]).lower()
    # a click on the third cue seeks there
    cues = page.query_selector_all(".cue")
    assert len(cues) >= 3
    cues[2].click()
    page.wait_for_function("() => document.querySelectorAll('.cue')[2].classList.contains('is-active')")
    page.evaluate("() => document.querySelector('video').pause()")
    page.screenshot(path=str(demo_build["root"] / "demo-shots" / "film.png"))


@pytest.mark.parametrize("path", ["", "films/clouds/", "about/"])
def test_no_accessibility_violations(page, demo_url, path):
    page.goto(demo_url + path)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => { const r = await axe.run(document);"
                           " return r.violations.map(v => v.id + ': ' + v.help); }")
    assert result == []
