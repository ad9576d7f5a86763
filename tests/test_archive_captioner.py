"""The ``archive`` captioner: captions in the curators' words. Rewriting and consensus on their own, then
a site whose archive describes its own film (tests/archive_fixtures.py) built end to end: each distinctive
word on its own shot, the cache keyed by the archive, the map's embeddings shared, clear errors."""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from archive_fixtures import DISTRACTORS, PATTERNS, make_archive, make_site, shot_of

from generator.captions.consensus import TfIdf, choose, terms
from generator.captions.rewrite import MAX_CHARS, as_caption, lower_case_words
from generator.config import load_settings
from generator.errors import ContentError, ElectricSpeechError
from generator.pipeline import BuildOptions, build
from generator.reporter import Reporter

REPO = Path(__file__).resolve().parents[1]
FRONT = "captions:\n  captioner: archive\n"


# ------------------------------------------------------------------------------------------ rewriting

@pytest.mark.parametrize(("description", "caption"), [
    ("Photograph of twenty-four Greek coins from Pompeii, laid out in four rows on black.",
     "twenty-four Greek coins from Pompeii, laid out in four rows on black"),
    ("Black and white photograph of a man filming with a camera on a tripod.",
     "a man filming with a camera on a tripod"),
    ("This image shows a red lighthouse on a rocky shore.", "a red lighthouse on a rocky shore"),
    ("Untitled: a woman at a window © J. Smith", "a woman at a window"),
    ("No. 23: the harbour at dawn.", "the harbour at dawn"),
    ("The red lighthouse at noon (1931). Its keeper lived there alone.", "the red lighthouse at noon"),
    ("St. Paul's Cathedral from the river [restored print] - courtesy of the Museum",
     "St. Paul's Cathedral from the river"),
    ("“A cat asleep on a chair.”", "a cat asleep on a chair"),
    ("Chelsea, a tabby cat, looks at the camera.", "Chelsea, a tabby cat, looks at the camera"),
    ("NASA astronauts in training.", "NASA astronauts in training"),
    ("A man posing for a photo by the river.", "a man posing for a photo by the river"),
])
def test_descriptions_become_captions(description, caption):
    assert as_caption(description) == caption


def test_a_capitalised_common_word_is_lowered_but_a_name_is_not():
    lower = lower_case_words(["The face of astronaut Eileen Collins", "A cat"])
    assert as_caption("Astronaut Eileen Collins in a suit.", lower) == "astronaut Eileen Collins in a suit"
    assert as_caption("Eileen Collins in an orange suit.", lower) == "Eileen Collins in an orange suit"


def test_long_descriptions_are_cut_at_a_clause_or_a_word():
    long = ("A man in a dark coat filming with a camera on a tripod, on a lawn with the buildings of a university "
            "beyond him")
    assert as_caption(long) == "a man in a dark coat filming with a camera on a tripod"
    words = "a field of " + " ".join(["wheat and barley"] * 12)
    cut = as_caption(words)
    assert len(cut) <= MAX_CHARS and not cut.endswith((" and", " of")) and cut.startswith("a field of wheat")


def test_nothing_left_is_empty():
    assert as_caption("Photograph.") == "Photograph"  # a word on its own is kept (a name, for all it knows)
    assert as_caption("(untitled)") == ""


# ------------------------------------------------------------------------------------------ consensus

def test_terms_are_words_and_pairs():
    assert terms("A red Lighthouse") == ["a", "red", "lighthouse", "a red", "red lighthouse"]


def test_the_candidate_the_neighbours_agree_on_wins():
    corpus = ["a red lighthouse on a rock", "the red lighthouse at noon", "a red lighthouse in fog",
              "a green meadow", "a yellow lantern"]
    tfidf = TfIdf(corpus)
    # equally near images: the lighthouse sentences support each other, the meadow stands alone
    assert choose(["a green meadow", "a red lighthouse on a rock", "the red lighthouse at noon"],
                  [0.9, 0.9, 0.9], tfidf) in (1, 2)
    # one image far nearer than the rest: its own description wins unless the others agree
    assert choose(["a green meadow", "a yellow lantern", "a red lighthouse in fog"], [0.95, 0.6, 0.6], tfidf) == 0
    # a tie in agreement goes to the nearer image
    assert choose(["a green meadow", "a yellow lantern"], [0.7, 0.8], tfidf) == 1
    assert choose(["only one"], [0.1], tfidf) == 0


# ----------------------------------------------------------------------------------- end to end

def _build(content: Path, out: Path, **kw):  # noqa: ANN202
    settings = load_settings(content)
    for k, v in kw.items():
        setattr(settings.build, k, v)
    return build(content, out, settings, Reporter(quiet=True), BuildOptions(with_map=False))


@pytest.fixture(scope="module")
def archive_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("archive-site")
    content = make_site(root, front_matter=FRONT)
    result = _build(content, root / "_site")
    return {"root": root, "content": content, "result": result}


@pytest.mark.slow  # shares archive_build: a cold build of the archive site (~20 s)
def test_each_distinctive_word_lands_on_its_shot(archive_build):
    film = archive_build["result"].site.films[0]
    assert len(film.keyframes) == len(PATTERNS) and film.captioner == "archive"
    words = {name: word for name, (word, _) in PATTERNS.items()}
    others = [w for _, (w, _) in DISTRACTORS.items()]
    for kf, caption in zip(film.keyframes, film.captions):
        shot = shot_of(kf.time + 0.01)
        assert words[shot] in caption, (kf.time, caption)
        assert not any(w in caption for name, w in words.items() if name != shot), caption
        assert not any(w in caption for w in others), caption
        assert not caption.endswith(".") and "Photograph" not in caption and "(" not in caption
        assert caption[0].islower()
    vtt = (archive_build["root"] / "_site" / "films" / "shots" / "shots.vtt").read_text()
    assert "NOTE Machine captions by archive" in vtt
    html = (archive_build["root"] / "_site" / "films" / "shots" / "index.html").read_text()
    assert "archive" in html and "lighthouse" in html


@pytest.mark.slow  # shares archive_build: a cold build of the archive site (~20 s)
def test_keyframe_and_archive_embeddings_are_the_maps(archive_build):
    from generator.archive.embed import EmbeddingStore, create_embedder
    from generator.archive.images import make_thumbs
    from generator.cache import Cache

    content = archive_build["content"]
    settings = load_settings(content)
    cache = Cache(content / ".cache")
    store = EmbeddingStore(cache, create_embedder(settings.map.embedder, settings.map).identity())
    frames = [kf.image for kf in archive_build["result"].site.films[0].keyframes]
    images = sorted((content / "archive").glob("*.jpg")) + frames
    keys = [th.key for th in make_thumbs(images, cache, Reporter(quiet=True))]
    assert store.missing(keys) == []  # the map stage will find every vector it needs


@pytest.mark.slow  # shares archive_build: a cold build of the archive site (~20 s)
def test_cached_until_the_archive_changes(archive_build, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(archive_build["content"], content)
    again = _build(content, tmp_path / "_site")
    assert again.stats.cache["captions"] == (len(PATTERNS), 0)
    meta = content / "archive" / "metadata.csv"
    meta.write_text(meta.read_text().replace("A red lighthouse on a rocky shore, painted in bands.",
                                             "A red beacon on a rocky shore, painted in bands."))
    edited = _build(content, tmp_path / "_site")
    assert edited.stats.cache["captions"] == (0, len(PATTERNS))  # the archive is part of every caption's key
    assert edited.stats.cache["map-embed"][1] == 0  # but no image is embedded again
    first = edited.site.films[0].captions[0]
    assert "red beacon" in first or "red lighthouse at noon" in first


def test_a_missing_description_column_is_one_line_before_any_footage(tmp_path):
    content = make_site(tmp_path, column="caption", front_matter=FRONT)
    with pytest.raises(ContentError) as err:
        _build(content, tmp_path / "_site")
    line = err.value.oneline()
    assert line.startswith(str(content / "archive" / "metadata.csv") + ": no `description` column")
    assert "`caption`" in line and "[captions] archive_column" in line and "\n" not in line
    assert not (content / ".cache" / "probe").exists()  # stopped while reading
    proc = subprocess.run([sys.executable, "build.py", "--content", str(content), "--out", str(tmp_path / "o"), "-q"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "no `description` column" in proc.stderr
    # the column named in site.toml is accepted (checked without a build)
    (content / "site.toml").write_text('[captions]\narchive_column = "caption"\n')
    from generator.cache import Cache
    from generator.captions.archive_check import check_archive
    from generator.stages import StageContext
    from generator.stages.read import run as read_run

    settings = load_settings(content)
    ctx = StageContext(content, settings, Cache(content / ".cache"), Reporter(quiet=True))
    found = read_run(ctx)
    check_archive("archive", settings.captions, found.archive, found.archive_columns, content)


def test_no_archive_or_no_metadata_or_empty_column(tmp_path):
    from generator.captions.archive_check import described_items
    from generator.model import ArchiveItem

    with pytest.raises(ContentError, match="no images in archive/"):
        described_items([], [], "description", tmp_path)
    item = ArchiveItem("a.jpg", tmp_path / "archive" / "a.jpg")
    with pytest.raises(ContentError, match="metadata.csv: not found: the archive captioner"):
        described_items([item], [], "description", tmp_path)
    make_archive(tmp_path / "archive")
    with pytest.raises(ContentError, match="the `Description` column is empty for every image"):
        described_items([item], ["Description"], "description", tmp_path)


@pytest.mark.parametrize(("front", "message"), [
    ("captions: archive\n", "`captions:` must be a table"),
    ("captions:\n  captioner: nope\n", "front matter captions: unknown captioner 'nope'"),
    ("captions:\n  reading: sideways\n", "captions: reading must be literal or pareidolia"),
    ("captions:\n  colour: red\n", "unknown setting captions: colour"),
    ("captions:\n  archive_neighbours: many\n", "captions: archive_neighbours must be a whole number"),
])
def test_a_films_caption_settings_are_checked_while_reading(tmp_path, front, message):
    content = tmp_path / "content"
    film = content / "films" / "f"
    film.mkdir(parents=True)
    (film / "f.mp4").write_bytes(b"not a film: never probed")
    (film / "index.md").write_text(f"---\ntitle: F\nvideo: f.mp4\n{front}---\n")
    with pytest.raises(ContentError) as err:
        _build(content, tmp_path / "_site")
    assert err.value.path == film / "index.md" and message in err.value.message


def test_an_unbound_copy_refuses_instead_of_guessing():
    from generator.captions.archive import ArchiveCaptioner
    from generator.config import CaptionSettings
    from generator.executors import PartJob
    from generator.stages.captions import CaptionWorker

    captioner = ArchiveCaptioner("archive", CaptionSettings(captioner="archive"))
    assert captioner.local_only and captioner.uses_site
    worker = pickle.loads(pickle.dumps(PartJob(CaptionWorker, captioner)))()
    with pytest.raises(ElectricSpeechError, match="runs in the build's own process"):
        worker.compute([Path("frame.jpg")])


@pytest.mark.ray
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Ray Data's own
def test_under_ray_the_captions_are_the_local_ones(archive_build, tmp_path):
    pytest.importorskip("ray")
    content = tmp_path / "content"
    shutil.copytree(archive_build["content"], content, ignore=shutil.ignore_patterns(".cache"))
    on_ray = _build(content, tmp_path / "_site", executor="ray")
    assert on_ray.stats.cache["map-embed"][1] > 0  # the embeddings were computed, by Ray actors
    assert on_ray.site.films[0].captions == archive_build["result"].site.films[0].captions
