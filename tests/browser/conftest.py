"""Browser fixtures: one headless Chromium per test session and a static file server per folder.

Reusable by any browser test:
    def test_x(browser, serve_dir, tmp_path):
        url = serve_dir(tmp_path / "_site")      # "http://127.0.0.1:<port>/"
        page = browser.new_page(); page.goto(url + "films/x/")
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("ES_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--autoplay-policy=no-user-gesture-required",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: runs headless Chromium (tests/browser)")


class RangeRequestHandler(http.server.SimpleHTTPRequestHandler):
    """SimpleHTTPRequestHandler with single-range ``Range:`` support (what a static host does), so
    the browser can seek in a film without downloading all of it; quiet in test output."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - signature from the base class
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "").strip())
        path = Path(self.translate_path(self.path))
        if not match or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        else:  # "bytes=-N": the last N bytes
            start, end = max(0, size - int(last or 0)), size - 1
        if start >= size or start > end:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.end_headers()
            return None
        f = path.open("rb")
        f.seek(start)
        self._range_left = end - start + 1
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        return f

    def copyfile(self, source, outputfile):  # type: ignore[no-untyped-def]
        left = getattr(self, "_range_left", None)
        self._range_left = None
        try:
            if left is None:
                return super().copyfile(source, outputfile)
            while left > 0:
                chunk = source.read(min(64 * 1024, left))
                if not chunk:
                    break
                outputfile.write(chunk)
                left -= len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser dropped a media request it no longer needs (a seek): normal

    def end_headers(self) -> None:
        if not self.headers.get("Range"):
            self.send_header("Accept-Ranges", "bytes")
        super().end_headers()


RangeRequestHandler.extensions_map = {
    **http.server.SimpleHTTPRequestHandler.extensions_map,
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
}


@pytest.fixture(scope="session")
def playwright_driver():
    """The session's one Playwright (a second ``sync_playwright()`` in the same process fails: it finds the
    first one's event loop running). Tests that need a Chromium with other flags launch it from this."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_driver):
    """One Chromium for the whole session (Debian's, never a downloaded build)."""
    instance = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield instance
    finally:
        instance.close()


@pytest.fixture(scope="session")
def serve_dir() -> Iterator[Callable[[Path], str]]:
    """``serve_dir(path) -> "http://127.0.0.1:<port>/"``: serve a folder on a free loopback port
    until the session ends."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def serve(path: Path) -> str:
        handler = functools.partial(RangeRequestHandler, directory=str(path))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name=f"serve {path}", daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def page(browser):
    """A fresh page (own context) per test; console errors are collected on ``page.errors``."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    pg = context.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))  # type: ignore[attr-defined]
    yield pg
    context.close()


@pytest.fixture(scope="session")
def film_site(tmp_path_factory, serve_dir):
    """A rendered site with a real 10 s H.264 clip, served: (base url, SiteModel).

    Two films share the clip: ``test-card`` with four cues (and a gap between the third and fourth)
    and ``many-cues`` with forty short cues, so its transcript has to scroll."""
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg is not installed")
    from browser.site_fixtures import make_clip, make_film, make_site, write_tree

    from generator.site.render import render_site

    tmp = tmp_path_factory.mktemp("film_site")
    clip = make_clip(tmp / "media" / "test-card.mp4")
    many = [(i * 0.25, (i + 1) * 0.25, f"moment number {i + 1} of the test card") for i in range(40)]
    films = [
        make_film(tmp, video=clip),
        make_film(tmp, slug="many-cues", title="Many Cues", video=clip, texts=many),
    ]
    site = make_site(tmp, films=films, map_url="")
    write_tree(render_site(site), tmp / "_site")
    return serve_dir(tmp / "_site"), site


@pytest.fixture(scope="session")
def youtube_sites(tmp_path_factory, serve_dir, film_site):
    """The test film, published (a YouTube id), rendered with [youtube] player = "youtube" and "both":
    {mode: base url}. Tests stand in for YouTube with ``fake_youtube``."""
    from browser.site_fixtures import make_film, make_site, write_tree

    from generator.config import Settings
    from generator.site.render import render_site

    _, site = film_site
    urls = {}
    for mode in ("youtube", "both"):
        tmp = tmp_path_factory.mktemp(f"youtube_{mode}")
        settings = Settings()
        settings.youtube.player = mode
        film = make_film(tmp, video=site.films[0].video, youtube_id="TESTVIDEO01")
        write_tree(render_site(make_site(tmp, films=[film], settings=settings)), tmp / "_site")
        urls[mode] = serve_dir(tmp / "_site")
    return urls


# A stand-in for the YouTube IFrame API: a player whose clock the test sets (window.__yt.t) and whose
# calls it records (window.__ytCalls). Enough to prove the page reads time from, and seeks, the API.
FAKE_IFRAME_API = """
window.__ytCalls = [];
window.YT = {
  PlayerState: {ENDED: 0, PLAYING: 1, PAUSED: 2},
  Player: function (el, opts) {
    var self = this;
    self.t = 0; self.state = -1; self.el = el;
    self.getCurrentTime = function () { return self.t; };
    self.seekTo = function (t) { window.__ytCalls.push(["seekTo", t]); self.t = t; };
    self.playVideo = function () { window.__ytCalls.push(["playVideo"]); self.state = 1; };
    self.pauseVideo = function () { window.__ytCalls.push(["pauseVideo"]); self.state = 2; };
    self.getPlayerState = function () { return self.state; };
    window.__yt = self;
    setTimeout(function () { opts.events.onReady({target: self}); }, 10);
  }
};
if (window.onYouTubeIframeAPIReady) window.onYouTubeIframeAPIReady();
"""


@pytest.fixture
def fake_youtube(page):
    """Route YouTube's API script and embeds to local stand-ins; returns the list of requested URLs."""
    requested: list[str] = []

    def api(route):
        requested.append(route.request.url)
        route.fulfill(status=200, content_type="text/javascript", body=FAKE_IFRAME_API)

    def embed(route):
        requested.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>player</title>")

    page.route("https://www.youtube.com/iframe_api", api)
    page.route("https://www.youtube-nocookie.com/**", embed)
    return requested
