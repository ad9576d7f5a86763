"""'Hear the machine' in a real browser: the narration switch, the audio kept with the video through play,
seek, rate change and pause, the film's sound ducked while the machine speaks, the keyboard."""

from __future__ import annotations

import subprocess

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # Chromium: the full suite's lane

WINDOWS = ((0.2, 2.0), (2.6, 4.4), (5.0, 6.6), (7.6, 9.4))


@pytest.fixture(scope="module")
def narrated_site(tmp_path_factory, serve_dir):
    from browser.site_fixtures import make_clip, make_film, make_site, write_tree

    from generator.model import Narration
    from generator.site.render import render_site

    tmp = tmp_path_factory.mktemp("narrated_site")
    clip = make_clip(tmp / "media" / "film.mp4")
    track = tmp / "media" / "narration.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=22050",
                    "-t", "10", "-c:a", "aac", "-b:a", "64k", str(track)], check=True)
    film = make_film(tmp, video=clip)
    film.narration = Narration(track=track, vtt="WEBVTT\n\n1\n00:00:00.200 --> 00:00:02.000\nA sentence.\n",
                               windows=WINDOWS, voice="espeak-ng", described=None, sentences=4, duck=0.25)
    site = make_site(tmp, films=[film])
    write_tree(render_site(site), tmp / "_site")
    return serve_dir(tmp / "_site")


STATE = """() => {
  const v = document.querySelector('video'), a = document.getElementById('narration-audio');
  return {v: v.currentTime, a: a.currentTime, audioPaused: a.paused, videoPaused: v.paused, volume: v.volume,
          rate: a.playbackRate, pressed: document.getElementById('narration-toggle').getAttribute('aria-pressed')};
}"""


def test_narration_follows_the_video_and_ducks_its_sound(page, narrated_site):
    page.goto(narrated_site + "films/test-card/")
    toggle = page.locator("#narration-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-pressed") == "false"
    assert toggle.get_attribute("aria-describedby") == "narration-help"
    assert page.locator("video track[kind=descriptions]").count() == 1
    toggle.focus()
    page.keyboard.press("Enter")  # a real button: the keyboard works it
    assert page.evaluate(STATE)["pressed"] == "true"

    page.evaluate("() => document.querySelector('video').play()")
    page.wait_for_function("() => !document.getElementById('narration-audio').paused"
                           " && document.getElementById('narration-audio').currentTime > 0.3")
    # seek the film: the narration follows within 0.3 s and keeps playing with it
    page.evaluate("() => { document.querySelector('video').currentTime = 5.2; }")
    page.wait_for_function("() => { const v = document.querySelector('video'); return v.currentTime > 5.6"
                           " && !document.getElementById('narration-audio').paused; }")
    state = page.evaluate(STATE)
    assert abs(state["a"] - state["v"]) < 0.3, state
    assert state["volume"] == pytest.approx(0.25, abs=0.06), state  # the machine speaks from 5.0 to 6.6: ducked
    page.wait_for_function("() => document.querySelector('video').currentTime > 7.05")
    assert page.evaluate(STATE)["volume"] > 0.9  # between two sentences the film's sound is back

    page.evaluate("() => { document.querySelector('video').playbackRate = 1.5; }")
    page.wait_for_timeout(400)
    state = page.evaluate(STATE)
    assert state["rate"] == 1.5 and abs(state["a"] - state["v"]) < 0.3, state

    page.evaluate("() => document.querySelector('video').pause()")
    page.wait_for_function("() => document.getElementById('narration-audio').paused")
    page.evaluate("() => { document.querySelector('video').currentTime = 1.0; }")
    page.wait_for_function("() => Math.abs(document.getElementById('narration-audio').currentTime - 1.0) < 0.3")

    page.keyboard.press("n")  # N switches it off from anywhere on the page; the film's sound is whole again
    state = page.evaluate(STATE)
    assert state["pressed"] == "false" and state["volume"] == 1 and state["audioPaused"]
    page.evaluate("() => document.querySelector('video').play()")
    page.wait_for_timeout(300)
    assert page.evaluate(STATE)["audioPaused"], "off means off"
    assert page.errors == []


def test_the_choice_is_remembered(page, narrated_site):
    page.goto(narrated_site + "films/test-card/")
    page.click("#narration-toggle")
    page.reload()
    assert page.locator("#narration-toggle").get_attribute("aria-pressed") == "true"
    page.click("#narration-toggle")
    assert page.errors == []


def test_the_narrated_page_has_no_axe_violations_with_narration_on(page, narrated_site):
    from browser.test_accessibility import axe_violations

    page.goto(narrated_site + "films/test-card/")
    page.click("#narration-toggle")
    page.evaluate("() => { document.querySelector('video').currentTime = 5.5; }")
    assert axe_violations(page) == []
