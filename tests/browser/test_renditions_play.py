"""Camera files and masters, built by the real pipeline and played in Chromium: every film page plays
its web rendition at the displayed size with the transcript in step, long films stream as HLS through
hls.js, and the published folder holds no master."""

from __future__ import annotations

from pathlib import Path

import pytest
from media_fixtures import CAMERA_KINDS, make_camera_file

from generator.captions.base import register_captioner
from generator.cli import main

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # Chromium: the full suite's lane

HLS_FILM = "long-prores"
# Chromium plays HLS natively since 2025 (canPlayType says "maybe"); this hides it, as older browsers
# and Firefox do, so the page must take the hls.js path
NO_NATIVE_HLS = """(() => { const own = HTMLMediaElement.prototype.canPlayType;
  HTMLMediaElement.prototype.canPlayType = function (t) { return /mpegurl/i.test(t) ? '' : own.call(this, t); }; })()"""


@pytest.fixture(scope="module")
def camera_site(tmp_path_factory) -> Path:
    register_captioner("test-colour", "colour_captioner:ColourCaptioner")
    root = tmp_path_factory.mktemp("camera-site")
    content = root / "content"
    for kind in [*CAMERA_KINDS, HLS_FILM]:
        folder = content / "films" / kind
        folder.mkdir(parents=True)
        source = "prores-master" if kind == HLS_FILM else kind
        clip = make_camera_file(folder / "footage", source, duration=8 if kind == HLS_FILM else 6)
        (folder / "index.md").write_text(f"---\ntitle: {kind}\nvideo: {clip.name}\n---\nFootage as it came.\n")
    # HLS for every film of at least 8 s here, in short segments, so a test film exercises it
    (content / "site.toml").write_text('[video]\npreset = "ultrafast"\nladder = ["360p", "240p"]\n'
                                       "hls_min_duration = 8\nhls_segment = 2\n")
    assert main(["build", "--content", str(content), "--out", str(root / "_site"), "--captioner", "test-colour",
                 "-q", "--no-map"]) == 0
    return root / "_site"


def test_the_published_folder_holds_no_master(camera_site):
    published = [p.name for p in camera_site.rglob("*") if p.is_file()]
    assert not [n for n in published if n.endswith((".mov", ".webm"))]
    assert sorted(n for n in published if n.endswith(".mp4") and n != "init.mp4") == sorted(
        f"{k}.mp4" for k in [*CAMERA_KINDS, HLS_FILM])
    assert (camera_site / "films" / HLS_FILM / "hls" / "master.m3u8").is_file()
    assert not (camera_site / "films" / "vp9-webm" / "hls").exists()  # 6 s: below hls_min_duration


PLAY = """async () => {
  const v = document.querySelector('video');
  v.muted = true;
  await v.play();
  await new Promise(r => { const check = () => v.currentTime > 1.2 ? r() : setTimeout(check, 50); check(); });
  v.pause();
  const active = document.querySelector('a.cue.is-active, a.cue[aria-current]');
  const cue = [...document.querySelectorAll('a.cue')].find(
    el => v.currentTime >= +el.dataset.start && v.currentTime < +el.dataset.end);
  return {t: v.currentTime, w: v.videoWidth, h: v.videoHeight, attrW: +v.getAttribute('width'),
          attrH: +v.getAttribute('height'), stream: v.getAttribute('data-stream') || 'mp4',
          active: active ? active.id : null, expected: cue ? cue.id : null, error: v.error && v.error.code};
}"""


@pytest.mark.parametrize("kind", [*CAMERA_KINDS, HLS_FILM, HLS_FILM + ":hls.js"])
def test_every_film_plays_at_its_displayed_size(browser, serve_dir, camera_site, kind):
    url = serve_dir(camera_site)
    page = browser.new_page()
    kind, _, via = kind.partition(":")
    try:
        if via:
            page.add_init_script(NO_NATIVE_HLS)
        page.goto(url + f"films/{kind}/")
        if via:
            page.wait_for_function("() => document.querySelector('video').getAttribute('data-stream') === 'hls.js'")
        state = page.evaluate(PLAY)
    finally:
        page.close()
    displayed = (360, 640) if kind.startswith("phone") else (640, 360)
    assert state["error"] is None and state["t"] > 1.2
    assert (state["w"], state["h"]) == displayed == (state["attrW"], state["attrH"]) or (
        kind == HLS_FILM and (state["attrW"], state["attrH"]) == displayed and state["h"] in (240, 360))
    assert state["active"] == state["expected"] and state["active"] is not None
    assert state["stream"] == (via or "native-hls" if kind == HLS_FILM else "mp4")


@pytest.mark.parametrize("via", ["native", "hls.js"])
def test_seeking_a_streamed_film_moves_the_transcript(browser, serve_dir, camera_site, via):
    page = browser.new_page()
    try:
        if via == "hls.js":
            page.add_init_script(NO_NATIVE_HLS)
        page.goto(serve_dir(camera_site) + f"films/{HLS_FILM}/#t=5")
        page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 5) < 0.3")
        page.wait_for_function("""() => { const v = document.querySelector('video');
            const a = document.querySelector('a.cue.is-active, a.cue[aria-current]');
            return a && v.currentTime >= +a.dataset.start - 0.05 && v.currentTime < +a.dataset.end; }""")
    finally:
        page.close()
