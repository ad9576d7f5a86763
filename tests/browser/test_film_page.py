"""The film page in a real browser: the caption track, the transcript highlight, seeking, search, keys."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # Chromium: the full suite's lane

SEEK = """async t => {
  const v = document.querySelector('video');
  if (v.readyState < 1) await new Promise(r => v.addEventListener('loadedmetadata', r, {once: true}));
  await new Promise(r => { v.addEventListener('seeked', r, {once: true}); v.currentTime = t; });
  return v.currentTime;
}"""

# the caption the browser itself shows (TextTrack.activeCues) and the transcript's highlighted cue
STATE = """() => {
  const v = document.querySelector('video');
  const track = v.textTracks[0];
  const active = track && track.activeCues ? Array.from(track.activeCues).map(c => c.text) : [];
  const el = document.querySelector('.cue.is-active');
  return {
    time: v.currentTime,
    trackMode: track ? track.mode : null,
    trackCues: track && track.cues ? track.cues.length : 0,
    activeCues: active,
    highlighted: el ? el.querySelector('.cue-text').textContent : null,
    highlightedCurrent: el ? el.getAttribute('aria-current') : null,
    currentCount: document.querySelectorAll('.cue[aria-current]').length,
  };
}"""


def open_film(page, film_site, slug: str = "test-card", hash: str = ""):
    url, _ = film_site
    page.goto(f"{url}films/{slug}/{hash}")
    # the default caption track loads lazily: wait until the browser has parsed its cues
    page.wait_for_function("() => { const t = document.querySelector('video').textTracks[0];"
                           " return t && t.mode === 'showing' && t.cues && t.cues.length > 0; }")
    page.evaluate("() => { document.querySelector('video').muted = true; }")


def state_at(page, t: float) -> dict:
    page.evaluate(SEEK, t)
    page.wait_for_function(
        """t => { const v = document.querySelector('video'); const n = v.textTracks[0].activeCues.length;
                  const el = document.querySelector('.cue.is-active');
                  // settled when the track and the transcript agree about whether a cue is showing
                  return Math.abs(v.currentTime - t) < 0.05 && (n > 0) === (el !== null); }""",
        arg=t,
    )
    return page.evaluate(STATE)


def test_track_and_transcript_agree_while_seeking(page, film_site):
    _, site = film_site
    cues = site.films[0].cues
    open_film(page, film_site)
    state = page.evaluate(STATE)
    assert state["trackMode"] == "showing" and state["trackCues"] == len(cues)
    for t, expected in ((1.0, cues[0]), (3.7, cues[1]), (6.0, cues[2]), (8.8, cues[3]), (2.0, cues[0])):
        state = state_at(page, t)
        assert state["activeCues"] == [expected.text], (t, state)
        assert state["highlighted"] == expected.text, (t, state)
        assert state["highlightedCurrent"] == "true" and state["currentCount"] == 1
    # between the third and fourth cue nothing is shown, and nothing is highlighted
    state = state_at(page, 7.25)
    assert state["activeCues"] == [] and state["highlighted"] is None and state["currentCount"] == 0
    assert page.errors == []


def test_playing_moves_the_highlight_and_scrolls_only_the_panel(page, film_site):
    open_film(page, film_site, "many-cues")
    page.evaluate(SEEK, 0.1)
    assert page.evaluate("() => document.querySelector('.cues').scrollTop") == 0
    # play at 4x from the top until the 25th of 40 cues, then stop (the clip must not run out)
    page.evaluate("() => { const v = document.querySelector('video'); v.playbackRate = 4; return v.play(); }")
    page.wait_for_function("() => { const el = document.querySelector('.cue.is-active');"
                           " return el && parseFloat(el.dataset.start) >= 6.0; }")
    page.evaluate("() => document.querySelector('video').pause()")
    inside = """() => {
      const list = document.querySelector('.cues'), el = document.querySelector('.cue.is-active');
      const a = list.getBoundingClientRect(), b = el.getBoundingClientRect();
      return list.scrollTop > 0 && b.top >= a.top - 1 && b.bottom <= a.bottom + 1;
    }"""
    page.wait_for_function(inside)  # a smooth scroll may still be under way
    assert page.evaluate("() => document.querySelector('.cues').scrollHeight"
                         " > document.querySelector('.cues').clientHeight")
    assert page.evaluate("() => window.scrollY") == 0, "the page itself must not scroll with the transcript"
    assert page.errors == []


def test_clicking_a_cue_seeks_and_plays(page, film_site):
    _, site = film_site
    target = site.films[0].cues[2]
    open_film(page, film_site)
    page.click(f"#cue-{target.index}")
    page.wait_for_function("() => !document.querySelector('video').paused")
    state = page.evaluate(STATE)
    assert target.start - 0.05 <= state["time"] < target.start + 1.0, state
    assert state["highlighted"] == target.text
    assert page.url.endswith("/films/test-card/"), "the no-JavaScript link must not be followed"


def test_search_filters_the_transcript(page, film_site):
    open_film(page, film_site)
    count = page.locator("#cue-count")
    assert page.locator(".transcript-search").is_visible()
    assert count.text_content().strip() == "4 captions"
    page.fill("#cue-search", "TEST card")
    assert count.text_content().strip() == "2 of 4"
    assert page.locator(".cues li:visible").count() == 2
    assert page.locator(".cues mark").all_text_contents() == ["test card", "test card"]
    page.fill("#cue-search", "nothing like this")
    assert count.text_content().strip() == "0 of 4"
    assert page.locator(".cue-empty").is_visible()
    page.press("#cue-search", "Escape")
    assert count.text_content().strip() == "4 captions"
    assert page.locator(".cues li:visible").count() == 4 and page.locator(".cues mark").count() == 0


def test_keyboard_tab_to_a_cue_and_enter_seeks(page, film_site):
    _, site = film_site
    cues = site.films[0].cues
    open_film(page, film_site)
    page.focus("#cue-search")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.id")
    assert focused == f"cue-{cues[0].index}", "the transcript is one tab stop, starting at the first cue"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.id") == f"cue-{cues[2].index}"
    near = "([t, end]) => { const x = document.querySelector('video').currentTime; return x >= t - 0.05 && x < end; }"
    page.keyboard.press("Enter")
    page.wait_for_function(near, arg=[cues[2].start, cues[2].end])
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Space")
    page.wait_for_function(near, arg=[cues[1].start, cues[1].end - 0.5])
    assert page.evaluate(STATE)["highlighted"] == cues[1].text
    # Tab leaves the transcript in one step instead of walking through every cue
    page.keyboard.press("Tab")
    assert "cue" not in (page.evaluate("() => document.activeElement.className") or "")
    assert page.errors == []


def test_time_in_the_address_starts_there(page, film_site):
    _, site = film_site
    open_film(page, film_site, hash="#t=6")
    page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 6) < 0.05")
    page.wait_for_function("() => document.querySelector('.cue.is-active') !== null")
    assert page.evaluate(STATE)["highlighted"] == site.films[0].cues[2].text


def test_subtitle_files_are_served(page, film_site):
    url, site = film_site
    for name, text in (("test-card.vtt", site.films[0].vtt), ("test-card.srt", site.films[0].srt)):
        response = page.request.get(f"{url}films/test-card/{name}")
        assert response.ok and response.text() == text


def test_without_javascript_the_transcript_still_links_to_moments(browser, film_site):
    url, _ = film_site
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(url + "films/test-card/")
        assert page.locator(".transcript-search").is_hidden()
        assert page.locator(".cue").count() == 4
        assert page.get_attribute("#cue-3", "href") == "test-card.mp4#t=5.000"
    finally:
        context.close()


def test_self_hosted_page_never_contacts_youtube(page, film_site):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    open_film(page, film_site)
    page.click("#cue-2")
    assert not [u for u in requests if "youtube" in u]


def test_youtube_player_drives_the_transcript(page, youtube_sites, fake_youtube, film_site):
    _, site = film_site
    cues = site.films[0].cues
    page.goto(youtube_sites["youtube"] + "films/test-card/")
    assert page.locator("video").count() == 0
    page.wait_for_function("() => window.__yt !== undefined")
    assert any(u.endswith("/iframe_api") for u in fake_youtube)
    assert any("youtube-nocookie.com/embed/TESTVIDEO01" in u for u in fake_youtube)
    # the transcript follows the time the API reports (polled)
    page.evaluate("() => { window.__yt.t = 6.0; }")
    page.wait_for_function("() => { const el = document.querySelector('.cue.is-active');"
                           " return el && el.id === 'cue-3'; }")
    # a click on a cue seeks the YouTube player and plays
    page.click("#cue-2")
    calls = page.evaluate("() => window.__ytCalls")
    assert calls[-2][0] == "seekTo" and abs(calls[-2][1] - cues[1].start) < 0.01 and calls[-1] == ["playVideo"]
    assert page.evaluate("() => document.querySelector('.cue.is-active').id") == "cue-2"
    assert page.errors == []


def test_both_offers_a_switch_that_keeps_the_time(page, youtube_sites, fake_youtube):
    page.goto(youtube_sites["both"] + "films/test-card/")
    page.evaluate(SEEK, 3.0)
    assert not fake_youtube, "YouTube is contacted only when the visitor asks for it"
    switch = page.locator(".source-switch")
    assert switch.is_visible()
    page.click("button[data-source=youtube]")
    page.wait_for_function("() => window.__yt !== undefined && window.__ytCalls.length > 0")
    assert page.locator("video").is_hidden() and page.locator("iframe.youtube-frame").is_visible()
    assert page.get_attribute("button[data-source=youtube]", "aria-pressed") == "true"
    seek = page.evaluate("() => window.__ytCalls.find(c => c[0] === 'seekTo')")
    assert abs(seek[1] - 3.0) < 0.05
    page.evaluate("() => { window.__yt.t = 8.0; }")
    page.wait_for_function("() => document.querySelector('.cue.is-active')?.id === 'cue-4'")
    page.click("button[data-source=self]")
    assert page.locator("video").is_visible() and page.locator("iframe.youtube-frame").is_hidden()
    page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 8.0) < 0.05")
    assert page.errors == []
