"""Extended description in a real browser: with "Pause the film for long descriptions" the film waits at the
moment a long sentence runs past, while the machine finishes it, then plays on; the setting is a labelled
checkbox, on by default and remembered; off, the film never waits."""

from __future__ import annotations

import subprocess

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # Chromium: the full suite's lane

WAIT_AT, WAIT = 5.0, 1.5  # the second sentence runs 1.5 s past the third cue's start (5.0 s)
WINDOWS = ((0.2, 2.0), (2.6, 5.0), (5.0, 6.6), (7.6, 9.4))


def tone(path, seconds: float, frequency: int) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate=22050",
                    "-t", str(seconds), "-c:a", "aac", "-b:a", "64k", str(path)], check=True)


@pytest.fixture(scope="module")
def extended_site(tmp_path_factory, serve_dir):
    from browser.site_fixtures import make_clip, make_film, make_site, write_tree

    from generator.narration.feature import NarrationFeature
    from generator.narration.stage import ExtendedNarration
    from generator.site.render import RenderStats, render_site
    from generator.stages.render import Rendered

    tmp = tmp_path_factory.mktemp("extended_site")
    clip = make_clip(tmp / "media" / "film.mp4")
    plain, extended = tmp / "media" / "narration.m4a", tmp / "media" / "extended.m4a"
    tone(plain, 10, 440)
    tone(extended, 10 + WAIT, 330)  # as long as the film and its one wait
    film = make_film(tmp, video=clip)
    film.narration = ExtendedNarration(
        track=plain, vtt="WEBVTT\n\n1\n00:00:00.200 --> 00:00:02.000\nA sentence.\n", windows=WINDOWS,
        voice="espeak-ng", sentences=4, duck=0.25, extended=extended,
        extended_name="test-card-narration-extended.m4a", holds=((WAIT_AT, WAIT),),
        extended_windows=WINDOWS)
    site = make_site(tmp, films=[film])
    tree = render_site(site)
    NarrationFeature().after_render(None, site, Rendered(tree, RenderStats()))  # ctx: unused
    write_tree(tree, tmp / "_site")
    return serve_dir(tmp / "_site")


STATE = """() => {
  const v = document.querySelector('video'), a = document.getElementById('narration-audio');
  const box = document.querySelector('[data-narration]');
  return {v: v.currentTime, a: a.currentTime, videoPaused: v.paused, audioPaused: a.paused,
          src: a.getAttribute('src'), waiting: box.classList.contains('is-waiting')};
}"""


def play_from(page, t: float) -> None:
    page.evaluate(f"() => {{ const v = document.querySelector('video'); v.currentTime = {t}; v.play(); }}")


def test_the_film_waits_while_the_machine_finishes_a_long_sentence(page, extended_site):
    page.goto(extended_site + "films/test-card/")
    setting = page.get_by_label("Pause the film for long descriptions")
    assert setting.is_checked()  # on by default
    page.click("#narration-toggle")
    assert page.evaluate(STATE)["src"].endswith("test-card-narration-extended.m4a")

    # when the wait begins and ends, as the page shows it
    page.evaluate("""() => { const box = document.querySelector('[data-narration]'); window.__waits = [];
      new MutationObserver(() => window.__waits.push([box.classList.contains('is-waiting'), performance.now()]))
        .observe(box, {attributes: true, attributeFilter: ['class']}); }""")
    play_from(page, 4.0)
    page.wait_for_function("() => document.querySelector('[data-narration]').classList.contains('is-waiting')",
                           timeout=10_000)
    first = page.evaluate(STATE)
    assert first["videoPaused"] and not first["audioPaused"] and abs(first["v"] - WAIT_AT) < 0.15, first
    page.wait_for_timeout(700)
    held = page.evaluate(STATE)
    assert held["v"] == first["v"] and held["waiting"], held  # the film holds still ...
    assert held["a"] > first["a"] + 0.4 and not held["audioPaused"], held  # ... while the machine speaks
    # then it plays on by itself, the narration a wait ahead of the film on its own clock
    page.wait_for_function(f"() => !document.querySelector('video').paused"
                           f" && document.querySelector('video').currentTime > {WAIT_AT + 0.3}", timeout=10_000)
    after = page.evaluate(STATE)
    assert not after["waiting"] and abs(after["a"] - (after["v"] + WAIT)) < 0.35, after
    marks = page.evaluate("() => window.__waits")
    start = next(t for waiting, t in marks if waiting)
    end = next(t for waiting, t in marks if not waiting and t > start)
    assert WAIT - 0.3 < (end - start) / 1000 < WAIT + 0.5, marks  # as long as the rest of the sentence

    # Play while the film waits skips the rest of the sentence: the narration jumps to the film's time
    play_from(page, 4.6)
    page.wait_for_function("() => document.querySelector('[data-narration]').classList.contains('is-waiting')",
                           timeout=10_000)
    page.evaluate("() => document.querySelector('video').play()")
    page.wait_for_function(f"() => document.querySelector('video').currentTime > {WAIT_AT + 0.3}", timeout=5_000)
    state = page.evaluate(STATE)
    assert not state["waiting"] and abs(state["a"] - (state["v"] + WAIT)) < 0.35, state
    assert page.errors == []


def test_the_setting_is_remembered_and_off_means_no_waiting(page, extended_site):
    page.goto(extended_site + "films/test-card/")
    setting = page.get_by_label("Pause the film for long descriptions")
    setting.focus()
    page.keyboard.press("Space")  # a real checkbox: the keyboard works it
    assert not setting.is_checked()
    page.reload()
    setting = page.get_by_label("Pause the film for long descriptions")
    assert not setting.is_checked()  # remembered
    page.click("#narration-toggle")
    state = page.evaluate(STATE)
    assert state["src"].endswith("test-card-narration.m4a"), state  # the plain track, as the film's clock

    play_from(page, 4.4)
    page.wait_for_function(f"() => document.querySelector('video').currentTime > {WAIT_AT + 0.5}", timeout=10_000)
    state = page.evaluate(STATE)
    assert not state["waiting"] and not state["videoPaused"] and abs(state["a"] - state["v"]) < 0.35, state

    # switched on while the film plays: the extended track takes over at the film's time, a wait ahead
    setting.check()
    page.wait_for_function("() => { const v = document.querySelector('video'),"
                           " a = document.getElementById('narration-audio');"
                           f" return !a.paused && Math.abs(a.currentTime - v.currentTime - {WAIT}) < 0.35; }}",
                           timeout=10_000)
    page.reload()
    assert page.get_by_label("Pause the film for long descriptions").is_checked()
    assert page.errors == []


def test_the_extended_page_has_no_axe_violations(page, extended_site):
    from browser.test_accessibility import axe_violations

    page.goto(extended_site + "films/test-card/")
    page.click("#narration-toggle")
    assert axe_violations(page) == []
