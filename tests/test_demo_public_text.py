"""The built demo speaks to visitors: no page shows a file of the archive, a command, a module, or the name
of a setting or a program (the text a visitor reads is checked, not the attributes); each film's length is
one number of whole seconds on all its pages, the one its player counts to; its footer says how that film
was made; and the About page counts the films the front page shows."""

from __future__ import annotations

import json
import math
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the demo build

# what a visitor must not read, and why
FORBIDDEN = [
    (re.compile(r"\b[\w-]+/[\w./-]+\.(?:jpe?g|png|tiff?|webp|gif)\b", re.I), "a path of a file"),
    (re.compile(r"\bpython3? -m\b"), "a command"),
    (re.compile(r"\bgenerator\.\w"), "a module of the code"),
    (re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b"), "the name of a setting"),  # octave_scale, step_size ...
    (re.compile(r"\b(?:isnet|grabcut|piper|espeak-ng|libx264|h264_nvenc)\b|\(auto\b"), "a program's id"),
    (re.compile(r"demo generator", re.I), "a developer's tool"),
]
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}


class VisibleText(HTMLParser):
    """The text of a page as a reader meets it: no attributes, no scripts, styles or templates."""

    HIDDEN = {"script", "style", "template"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in self.HIDDEN

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in self.HIDDEN

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def pages(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.html"))}


def test_no_page_shows_paths_commands_or_names_meant_for_developers(demo_build):
    site, content = demo_build["site"], demo_build["content"]
    archive_files = [p.relative_to(content / "archive").as_posix() for p in (content / "archive").rglob("*")
                     if p.suffix.lower() in (".jpg", ".jpeg", ".png")]
    assert len(archive_files) >= 30
    found = pages(site)
    assert {"archive/index.html", "labels/calm/index.html", "credits/index.html", "about/index.html",
            "dreams/photographs-chelsea/index.html", "dreams/collages/index.html"} <= set(found)
    problems = []
    for rel, html in found.items():
        text = visible_text(html)
        problems += [f"{rel}: {why}: {m.group(0)!r}" for pattern, why in FORBIDDEN for m in pattern.finditer(text)]
        problems += [f"{rel}: the archive's file {f!r}" for f in archive_files if f in text]
    assert problems == []


def _seconds(label: str) -> int:
    """"0:25", "1:02:05", "25 s", "3 min 05 s", "PT25S" -> seconds."""
    if label.startswith("PT"):
        parts = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(\d+)S", label)
        assert parts, label
        h, m, s = (int(x or 0) for x in parts.groups())
        return h * 3600 + m * 60 + s
    if ":" in label:
        total = 0
        for part in label.split(":"):
            total = total * 60 + int(part)
        return total
    units = {"h": 3600, "min": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+) (h|min|s)\b", label))


def _player_seconds(video: Path) -> int:
    """What the browser's own controls count to: the file's length, in whole seconds counted down."""
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(video)],
                         check=True, capture_output=True, text=True).stdout
    return math.floor(float(json.loads(out)["format"]["duration"]) + 1e-3)


def test_every_film_has_one_length_on_all_its_pages_the_one_its_player_shows(demo_build):
    site = demo_build["site"]
    shown: dict[str, list[int]] = {}

    def add(slug: str, *labels: str) -> None:
        shown.setdefault(slug, []).extend(_seconds(label) for label in labels)

    index = (site / "index.html").read_text(encoding="utf-8")
    for card in re.findall(r'<li class="card[^"]*">(.*?)</li>', index, re.S):
        slug = re.search(r'href="films/([^/"]+)/"', card)[1]  # type: ignore[index]
        add(slug, *re.search(r'<time datetime="(PT\w+)">([\d:]+)</time>', card).groups())  # type: ignore[union-attr]
    assert len(shown) == 4
    for slug in list(shown):
        html = (site / "films" / slug / "index.html").read_text(encoding="utf-8")
        head = re.search(r'<header class="film-head">.*?<time datetime="(PT\w+)">([\d:]+)</time>', html, re.S)
        facts = re.search(r"<dt>Duration</dt><dd[^>]*>([^<]+)</dd>", html)
        assert head and facts, slug
        add(slug, *head.groups(), facts[1])
        shown[slug].append(_player_seconds(site / "films" / slug / f"{slug}.mp4"))
    for story in sorted((site / "stories").glob("*/index.html")):
        html = story.read_text(encoding="utf-8")
        slug = re.search(r'films/([^/"]+)/', html)[1]  # type: ignore[index]
        add(slug, re.search(r"<time[^>]*>([\d:]+)</time>", html)[1])  # type: ignore[index]
    lengths = {slug: sorted(set(seconds)) for slug, seconds in shown.items()}
    assert all(len(s) == 1 for s in lengths.values()), lengths
    assert lengths["photographs"] == [25]  # 25.6 s: the player ends at 0:25, and so does every page


def test_each_film_page_footer_says_how_that_film_was_made(demo_build):
    site = demo_build["site"]

    def footer(rel: str) -> str:
        html = (site / rel).read_text(encoding="utf-8")
        return visible_text(re.search(r'<p class="footer-note">(.*?)</p>', html, re.S)[1])  # type: ignore[index]

    assert footer("films/launch-day/index.html") == (
        "The subtitles are the story's sentences; the pictures were chosen by a machine.")
    assert footer("films/clouds/index.html").startswith("Subtitles written by a neural network, one for each keyframe")
    assert footer("films/photographs-dream/index.html").startswith("Dreamt from “Seven Photographs”")
    general = footer("about/index.html")
    assert "keyframe" not in general and "film" in general  # true of every film, the story's too
    facts = (site / "films/launch-day/index.html").read_text(encoding="utf-8")
    assert "<dt>Subtitles</dt><dd>6 sentences of a story" in facts and "Captioner" not in facts


def test_about_counts_the_films_the_front_page_shows(demo_build):
    site = demo_build["site"]
    index = (site / "index.html").read_text(encoding="utf-8")
    cards = len(re.findall(r'<li class="card[^"]*">', index))
    about = visible_text((site / "about" / "index.html").read_text(encoding="utf-8"))
    said = re.search(r"contains (\w+) short films", about)
    assert said and NUMBERS[said[1]] == cards == demo_build["summary"]["films"]
    for title in re.findall(r'<h3 class="card-title"><a href="[^"]+">([^<]+)</a></h3>', index):
        assert title.replace("&#39;", "'") in about, title  # and names each of them
