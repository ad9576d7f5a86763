"""render_site: escaping, relative links that resolve, caption tracks, assets, player modes."""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from browser.site_fixtures import HOSTILE, make_film, make_site

from generator.config import Settings
from generator.model import Film
from generator.site.output import OutputTree
from generator.site.render import render_site, render_template
from generator.site.views import date_label
from generator.timefmt import clock, iso_duration, short_duration

ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt; &#34;&amp;&#39;"
URL_ATTRS = {"href", "src", "poster"}


class LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        for name, value in attrs:
            if name in URL_ATTRS and value is not None:
                self.links.append((tag, name, value))


def parse(html: str) -> LinkParser:
    p = LinkParser()
    p.feed(html)
    return p


def html_files(out: OutputTree) -> dict[str, str]:
    return {rel: data.decode("utf-8") for rel, data in out.files.items()
            if rel.endswith(".html") and isinstance(data, bytes)}


@pytest.fixture
def hostile(tmp_path):
    site = make_site(tmp_path, hostile=True, map_url="map/")
    return site, render_site(site)


@pytest.fixture
def plain(tmp_path):
    site = make_site(tmp_path, map_url="map/")
    return site, render_site(site)


def test_tree_has_every_page_and_file(plain):
    site, out = plain
    film = site.films[0]
    expected = {
        "index.html", "404.html", "about/index.html", "archive/index.html",
        "films/test-card/index.html", "films/test-card/test-card.vtt", "films/test-card/test-card.srt",
        "films/test-card/test-card.mp4", "films/test-card/poster.jpg",
        "archive/files/photos/harbour 1.jpg", "archive/files/field.jpg",
        "assets/site.css", "assets/player.js", "assets/favicon.svg",
    }
    assert expected <= set(out.files)
    assert not any(rel.startswith("map/") for rel in out.files), "the map is another stage's"
    assert out.files["films/test-card/test-card.mp4"] == film.video
    assert out.files["films/test-card/test-card.vtt"] == film.vtt.encode()
    assert out.files["films/test-card/test-card.srt"] == film.srt.encode()
    frames = [rel for rel in out.files if rel.startswith("films/test-card/frames/")]
    assert len(frames) == len(film.keyframes)


def test_visitor_visible_text_is_escaped_everywhere(hostile):
    _, out = hostile
    pages = html_files(out)
    assert len(pages) == 5
    for rel, html in pages.items():
        assert "alert(1)</script>" not in html, rel
        assert "\"&'" not in html, rel
        # the only scripts are ours: the header's menu (menu.js) and a film page's player
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert len(scripts) == (2 if rel.startswith("films/") else 1), rel
        assert all(re.search(r'src="[./]*assets/(menu|player)\.js\?v=', tag) for tag in scripts), (rel, scripts)
    film = pages["films/test-card/index.html"]
    assert film.count(ESCAPED) >= 4 + 1 + 1  # every cue, the title, the summary
    assert f'<h1 class="film-title">Test Card {ESCAPED}</h1>' in film
    index = pages["index.html"]
    assert f"Test Card {ESCAPED}" in index and f"Patterns, watched. {ESCAPED}" in index
    assert f"About {ESCAPED}" in pages["about/index.html"]
    archive = pages["archive/index.html"]
    assert f"Harbour {ESCAPED}" in archive and f"Ostend {ESCAPED}" in archive
    assert f'alt="Harbour {ESCAPED}"' in archive


def test_curator_html_is_kept(hostile):
    _, out = hostile
    pages = html_files(out)
    assert '<p>Curator <strong class="raw">HTML</strong> stays.</p>' in pages["films/test-card/index.html"]
    assert '<h2 id="why">Why</h2><p>Because <a href="https://example.org/">machines</a> speak.</p>' \
        in pages["about/index.html"]


@pytest.mark.parametrize("which", ["plain", "hostile"])
def test_links_are_relative_and_resolve_to_files_in_the_tree(which, request):
    site, out = request.getfixturevalue(which)
    present = set(out.files) | {"map/index.html"}  # the map stage adds it
    checked = 0
    for rel, html in html_files(out).items():
        if rel == "404.html":
            continue
        for tag, attr, value in parse(html).links:
            parts = urlsplit(value)
            if parts.scheme or parts.netloc:
                assert parts.scheme in ("http", "https"), value
                continue
            assert not value.startswith("/"), f"{rel}: absolute path {value}"
            if not parts.path:
                continue  # a fragment on the same page
            target = urlsplit(urljoin("http://x/" + rel, value)).path.lstrip("/")
            target = unquote(target)
            if target == "" or target.endswith("/"):
                target += "index.html"
            assert target in present, f"{rel}: <{tag} {attr}={value!r}> -> {target} is not in the tree"
            checked += 1
    assert checked > 40


def test_film_page_has_default_caption_track_and_downloads(plain):
    site, out = plain
    html = html_files(out)["films/test-card/index.html"]
    tags = parse(html).tags
    video = [a for t, a in tags if t == "video"]
    assert len(video) == 1
    assert {"controls", "playsinline", "poster"} <= set(video[0]) and video[0]["preload"] == "metadata"
    tracks = [a for t, a in tags if t == "track"]
    assert tracks == [{"kind": "captions", "srclang": "en", "label": "Machine captions",
                       "src": "test-card.vtt", "default": None}]
    assert '<a href="test-card.vtt" download>WebVTT</a>' in html
    assert '<a href="test-card.srt" download>SRT</a>' in html
    cue_links = [a for t, a in tags if t == "a" and a.get("class") == "cue"]
    assert [(a["data-start"], a["href"]) for a in cue_links] == [
        (f"{c.start:.3f}", f"test-card.mp4#t={c.start:.3f}") for c in site.films[0].cues]
    assert "00:02" in html and "00:07" in html


def test_asset_urls_carry_a_content_hash(plain):
    _, out = plain
    html = html_files(out)["films/test-card/index.html"]
    for name in ("site.css", "player.js", "favicon.svg"):
        m = re.search(rf'"\.\./\.\./assets/{re.escape(name)}\?v=([0-9a-f]{{8}})"', html)
        assert m, name
        assert m.group(1) == hashlib.sha256(Path(out.files[f"assets/{name}"]).read_bytes()).hexdigest()[:8]
    fonts = [rel for rel in out.files if rel.startswith("assets/fonts/")]
    assert any(rel.endswith(".woff2") for rel in fonts) and any("LICENSE" in rel for rel in fonts)


def test_index_lists_films_pages_and_archive(plain):
    site, out = plain
    html = html_files(out)["index.html"]
    assert '<h1 id="site-title">Electric Speech</h1>' in html
    assert "Films with subtitles written by a machine." in html
    assert 'href="films/test-card/"' in html and 'src="films/test-card/poster.jpg"' in html
    assert '<time datetime="PT10S">0:10</time>' in html and "4 machine captions" in html
    assert '<time datetime="2024-05-01">1 May 2024</time>' in html
    assert 'href="about/"' in html and "What this is." in html
    assert 'href="map/"' in html and 'href="archive/"' in html and ">2</span>" in html


def test_map_link_only_when_the_map_exists(tmp_path):
    out = render_site(make_site(tmp_path))
    for rel, html in html_files(out).items():
        assert "map/" not in html, rel


def test_archive_page(plain):
    _, out = plain
    html = html_files(out)["archive/index.html"]
    imgs = [a for t, a in parse(html).tags if t == "img"]
    assert {a["src"] for a in imgs} == {"files/photos/harbour%201.jpg", "files/field.jpg"}
    for a in imgs:
        assert a["loading"] == "lazy" and int(a["width"]) > 0 and int(a["height"]) > 0
    assert "<dt>year</dt><dd>1931</dd>" in html and "<dt>place</dt><dd>Ostend</dd>" in html
    assert 'id="item-photos-harbour-1-jpg"' in html
    assert '<a href="../map/">' in html


def test_language_and_canonical_urls(tmp_path):
    settings = Settings()
    settings.site.language = "fr"
    settings.site.base_url = "https://example.org/expo/"
    out = render_site(make_site(tmp_path, settings=settings))
    pages = html_files(out)
    film = pages["films/test-card/index.html"]
    assert film.startswith('<!doctype html>\n<html lang="fr">')
    assert 'srclang="fr"' in film
    assert '<link rel="canonical" href="https://example.org/expo/films/test-card/">' in film
    assert '<meta property="og:image" content="https://example.org/expo/films/test-card/poster.jpg">' in film
    assert '<meta property="og:type" content="video.other">' in film
    assert '<time datetime="2024-05-01">2024-05-01</time>' in film  # no English month names
    assert '<link rel="canonical" href="https://example.org/expo/">' in pages["index.html"]


def test_404_page_works_at_any_address(tmp_path):
    settings = Settings()
    settings.site.base_url = "https://example.org/expo"
    html = html_files(render_site(make_site(tmp_path, settings=settings)))["404.html"]
    links = [v for _, _, v in parse(html).links]
    assert links and all(v.startswith("https://example.org/expo/") or v == "#main" for v in links), links
    assert "<style>" in html and 'url("https://example.org/expo/assets/fonts/' in html
    assert '<link rel="stylesheet"' not in html
    html = html_files(render_site(make_site(tmp_path / "b")))["404.html"]
    assert 'href="/"' in html


def test_youtube_player_modes(tmp_path):
    def film_page(player: str, youtube_id: str) -> str:
        settings = Settings()
        settings.youtube.player = player
        film = make_film(tmp_path / player, youtube_id=youtube_id)
        out = render_site(make_site(tmp_path / player, films=[film], settings=settings))
        return html_files(out)["films/test-card/index.html"]

    self_hosted = film_page("self", "abc123XYZ_-")
    assert "<video" in self_hosted and "<iframe" not in self_hosted and 'data-mode="self"' in self_hosted
    assert "youtube.com" not in self_hosted.replace("data-youtube", "")

    youtube = film_page("youtube", "abc123XYZ_-")
    assert "<video" not in youtube and 'data-mode="youtube"' in youtube
    assert 'src="https://www.youtube-nocookie.com/embed/abc123XYZ_-?enablejsapi=1' in youtube
    assert 'href="https://www.youtube.com/watch?v=abc123XYZ_-&amp;t=5s"' in youtube
    assert "iframe_api" not in youtube  # player.js loads the API only when needed

    both = film_page("both", "abc123XYZ_-")
    assert "<video" in both and 'data-mode="both"' in both and 'class="source-switch"' in both
    assert "<iframe" not in both  # the YouTube player is created when the visitor switches

    unpublished = film_page("both", "")
    assert 'data-mode="self"' in unpublished and "source-switch" not in unpublished


def test_film_without_media_facts_still_renders(tmp_path):
    video = tmp_path / "bare.webm"
    video.write_bytes(b"x")
    film = Film(slug="bare", title="Bare", source=tmp_path / "index.md", video=video)
    out = render_site(make_site(tmp_path, films=[film]))
    html = html_files(out)["films/bare/index.html"]
    assert "<track" not in html and "poster=" not in html
    assert 'type="video/webm"' in html and "no machine captions yet" in html
    assert "films/bare/bare.webm" in out.files and "films/bare/poster.jpg" not in out.files


def test_render_template_shares_the_layout(tmp_path):
    site = make_site(tmp_path, map_url="map/")
    (tmp_path / "tpl").mkdir()
    out = OutputTree()
    render_template(site, "page.html", "map/index.html", out, current="map",
                    page=site.pages[0], body="", summary="", page_title="Map")
    html = out.files["map/index.html"].decode()
    assert 'href="../assets/site.css?v=' in html
    assert '<a href="../map/" aria-current="page">Map</a>' in html


def test_formatting_helpers():
    assert clock(0) == "00:00" and clock(75.9) == "01:15" and clock(3725) == "1:02:05"
    assert short_duration(192.4) == "3:12" and short_duration(3600) == "1:00:00"
    assert iso_duration(192.4) == "PT3M12S" and iso_duration(3600) == "PT1H0S"
    assert date_label("2024-05-01", "en").text == "1 May 2024"
    assert date_label("2024-13-01", "en").text == "2024-13-01"
    assert date_label("spring 1931", "en").iso == "" and date_label("1931", "de").iso == "1931"


def test_hostile_fixture_really_is_hostile():
    assert "<script>" in HOSTILE and "\"&'" in HOSTILE


def test_player_script_parses():
    import shutil
    import subprocess

    from generator.site.render import SITE_SRC

    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed")
    result = subprocess.run([node, "--check", str(SITE_SRC / "player.js")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
