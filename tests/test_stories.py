"""Stories: sentences made into films. A story naming the things of a fixture archive (scikit-image's
photographs) gets a picture of each named thing, no picture twice; its film lasts sentences x seconds,
is the same for the same inputs, has the sentences as valid WebVTT cues; the story page links each
picture to its item on the map; a rebuild with nothing changed imports no model; bad story files stop
the build with one line."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin

import numpy as np
import pytest
from story_fixtures import STORY, make_site, write_story
from vtt_validator import validate_vtt

from generator.cli import main
from generator.errors import ContentError
from generator.stories.choose import choose

REPO = Path(__file__).resolve().parents[1]


def build(content: Path, out: Path) -> int:
    return main(["--content", str(content), "--out", str(out), "-q"])


def top_level_boxes(data: bytes) -> list[str]:
    """The types of an MP4's top-level boxes, in file order (ISO/IEC 14496-12: 32-bit size, 4-byte type; a
    size of 1 means a 64-bit size follows, 0 means the box runs to the end of the file)."""
    out, i = [], 0
    while i + 8 <= len(data):
        size, kind = int.from_bytes(data[i:i + 4], "big"), data[i + 4:i + 8].decode("latin-1")
        if size == 1:
            size = int.from_bytes(data[i + 8:i + 16], "big")
        elif size == 0:
            size = len(data) - i
        assert size >= 8, f"box {kind!r} at {i} has size {size}"
        out.append(kind)
        i += size
    return out


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.srcs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"] or "")
        if tag in ("img", "source", "track") and a.get("src"):
            self.srcs.append(a["src"] or "")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("stories")
    content = make_site(root)
    out = root / "_site"
    assert build(content, out) == 0
    return content, out


def page_links(out: Path) -> Links:
    parser = Links()
    parser.feed((out / "stories" / "day" / "index.html").read_text("utf-8"))
    return parser


def chosen_items(out: Path) -> list[str]:
    ids = []
    for href in page_links(out).hrefs:
        m = re.fullmatch(r"\.\./\.\./map/#item=(.+)", href)
        if m and unquote(m[1]) not in ids[-1:]:
            ids.append(unquote(m[1]))
    return ids


def test_a_story_gets_a_picture_of_each_named_thing_and_none_twice(site):
    _, out = site
    ids = chosen_items(out)
    assert ids == [file for _, file in STORY]
    assert len(set(ids)) == len(ids)


def test_the_film_lasts_sentences_times_seconds_and_its_cues_are_the_sentences(site):
    _, out = site
    film = out / "films" / "day" / "day.mp4"
    probe = json.loads(subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                                       "format=duration:stream=codec_name,pix_fmt,width,height", "-of", "json",
                                       str(film)], capture_output=True, text=True, check=True).stdout)
    assert abs(float(probe["format"]["duration"]) - len(STORY) * 1.0) < 0.15
    stream = probe["streams"][0]
    assert (stream["codec_name"], stream["pix_fmt"], stream["width"], stream["height"]) == ("h264", "yuv420p",
                                                                                           320, 180)
    boxes = top_level_boxes(film.read_bytes())
    assert "moov" in boxes and "mdat" in boxes, boxes
    assert boxes.index("moov") < boxes.index("mdat"), boxes  # +faststart: the index before the media data
    report = validate_vtt(out / "films" / "day" / "day.vtt")
    assert report["errors"] == [] and len(report["cues"]) >= len(STORY)
    vtt = (out / "films" / "day" / "day.vtt").read_text("utf-8")
    for sentence, _ in STORY:
        assert " ".join(sentence.split()) in " ".join(re.sub(r"\n(?!\n)", " ", vtt).split())
    html = (out / "films" / "day" / "index.html").read_text("utf-8")
    assert 'class="synthetic"' in html and "../../stories/day/" in html


def test_the_story_page_links_each_picture_to_its_item_on_the_map(site):
    content, out = site
    page = out / "stories" / "day" / "index.html"
    links = page_links(out)
    base = "http://x/stories/day/"
    items = {p.name for p in (content / "archive").iterdir() if p.suffix in (".jpg", ".png")}
    map_links = [h for h in links.hrefs if "#item=" in h]
    assert map_links and all(h.startswith("../../map/#item=") for h in map_links)
    for href in map_links:
        target = urljoin(base, href.split("#")[0])
        assert (out / target.removeprefix("http://x/") / "index.html").is_file()
        assert unquote(href.split("#item=")[1]) in items
    for src in links.srcs:  # pictures, the film and its captions are all there
        assert (page.parent / unquote(src)).resolve().is_file(), src
    nav = (out / "index.html").read_text("utf-8")
    assert 'href="stories/day/"' in nav and ">Stories<" in nav


def test_the_same_story_renders_the_same_film(site):
    content, out = site
    before = hashlib.sha256((out / "films" / "day" / "day.mp4").read_bytes()).hexdigest()
    shutil.rmtree(content / ".cache" / "stories-film")
    second = out.parent / "_second"
    assert build(content, second) == 0
    assert hashlib.sha256((second / "films" / "day" / "day.mp4").read_bytes()).hexdigest() == before


def test_a_rebuild_with_nothing_changed_imports_no_model(site):
    content, out = site
    code = ("import sys; from generator.cli import main; rc = main(['--content', sys.argv[1], '--out', sys.argv[2], "
            "'-q']); print(rc, sorted(m for m in ('torch', 'sentence_transformers', 'transformers',"
            " 'all_minilm_l6_v2') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code, str(content), str(out)], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert proc.stdout.split() == ["0", "[]"], proc.stderr


@pytest.mark.parametrize(("text", "message"), [
    ("---\ntitle: Empty\n---\n\n# only a heading\n", r"empty\.md: no sentences"),
    ("---\ntitle: Odd\ncolour: red\n---\nA cat.\n", r"odd\.md:2: unknown front matter key 'colour'"),
    ("---\nsummary: no title\n---\nA cat.\n", r"untitled\.md:1: front matter needs a `title"),
    ("---\ntitle: Slow\nseconds_per_sentence: 0\n---\nA cat.\n", r"slow\.md: seconds_per_sentence must be"),
])
def test_a_bad_story_stops_the_build_with_one_line(tmp_path, text, message):
    content = tmp_path / "content"
    (content / "stories").mkdir(parents=True)
    name = re.search(r"(\w+)\\\.md", message)[1]  # type: ignore[index]
    (content / "stories" / f"{name}.md").write_text(text, encoding="utf-8")
    from generator.cache import Cache
    from generator.config import Settings
    from generator.reporter import Reporter
    from generator.stages import StageContext
    from generator.stories.stage import check

    ctx = StageContext(content, Settings(), Cache(tmp_path / "cache"), Reporter(quiet=True))
    with pytest.raises(ContentError, match=message) as err:
        check(ctx, [])
    assert "\n" not in err.value.oneline()


def test_sentences_are_lines_or_paragraphs():
    from generator.stories.story import parse_sentences

    body = "A cat looks up.\nA cup of\nespresso cools.\n\n- The rocket\n\nwaits.\n"
    assert [s.text for s in parse_sentences(body)] == ["A cat looks up.", "A cup of espresso cools.", "The rocket",
                                                       "waits."]


def test_choose_never_repeats_and_prefers_neighbours():
    scores = np.array([[0.9, 0.8, 0.1], [0.9, 0.85, 0.8]], np.float32)  # picture 0 is best for both
    vectors = np.eye(3, dtype=np.float32)
    path = choose(scores, vectors, smoothness=0.0)
    assert path == [0, 1]
    # two near-equal second choices: smoothness takes the one like the first picture
    scores = np.array([[0.9, 0.1, 0.1], [0.1, 0.7, 0.71]], np.float32)
    vectors = np.array([[1, 0], [1, 0.05], [0, 1]], np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert choose(scores, vectors, smoothness=0.0) == [0, 2]
    assert choose(scores, vectors, smoothness=0.5) == [0, 1]
    with pytest.raises(ValueError, match="cannot show a picture twice"):
        choose(np.zeros((3, 2), np.float32), np.eye(2, dtype=np.float32), 0.1)


def test_a_story_slug_taken_by_a_film_is_one_line(tmp_path):
    from generator.cache import Cache
    from generator.config import Settings
    from generator.model import Film
    from generator.reporter import Reporter
    from generator.stages import StageContext
    from generator.stories.stage import check

    content = tmp_path / "content"
    write_story(content, slug="shots")
    ctx = StageContext(content, Settings(), Cache(tmp_path / "cache"), Reporter(quiet=True))
    film = Film("shots", "Shots", content / "films" / "shots" / "index.md", content / "films" / "shots" / "a.mp4")
    with pytest.raises(ContentError, match=r"shots\.md: a story's film would take the address films/shots/"):
        check(ctx, [film])


@pytest.mark.slow
def test_without_descriptions_the_networks_classes_find_the_named_things(tmp_path):
    """Titles that name nothing: only the CNN's classes (weighted by its probabilities) can match."""
    content = make_site(tmp_path, described=False)
    write_story(content, sentences=("A tabby cat looks up at us.", "Someone has left a cup of espresso.",
                                    "An old camera on a tripod."))
    out = tmp_path / "_site"
    assert build(content, out) == 0
    assert chosen_items(out) == ["cat.jpg", "cup.jpg", "filming.png"]


def test_several_stories_get_an_index(site):
    content, out = site
    extra = write_story(content, slug="night", sentences=("Thousands of galaxies in the dark.", "A brick wall."))
    try:
        again = out.parent / "_several"
        assert build(content, again) == 0
        index = (again / "stories" / "index.html").read_text("utf-8")
        assert 'href="day/"' in index and 'href="night/"' in index
        assert 'href="stories/"' in (again / "index.html").read_text("utf-8")
        assert chosen_items(again)[:1] == ["cat.jpg"]
    finally:
        extra.unlink()
