"""The dreams stages in a build: a dreamt image gets its page (before/after, parameters, credit), the channel
atlas its page, a dream film becomes a film of the site, captioned, with its page saying the machine made it;
the dreams index lists the sections; a second build takes everything from the cache and imports no torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from dream_fixtures import make_dream_site

pytest.importorskip("torch")
pytest.importorskip("cv2")

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # a cold build of a tiny site: dreams, captions and renditions (~20 s idle)


def build(content: Path, out: Path, *extra: str):
    from generator.cli import make_parser
    from generator.reporter import Reporter
    from generator.runner import run_build

    args = make_parser().parse_args(["build", "--content", str(content), "--out", str(out), "-q", "--no-map", *extra])
    return run_build(args, Reporter(quiet=True))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("dreams")
    content = make_dream_site(root)
    out = root / "_site"
    assert build(content, out).warnings == []
    return content, out


def test_dream_pages_films_and_index(built):
    content, out = built
    index = (out / "dreams" / "index.html").read_text("utf-8")
    assert 'href="../dreams/atlas/"' in index and "Channel atlas" in index
    assert 'href="../films/clip-dream/"' in index and "Clip, dreamt" in index
    assert 'href="pattern/"' in index and "Made by the machine" in index
    page = (out / "dreams" / "pattern" / "index.html").read_text("utf-8")
    assert 'src="before.jpg"' in page and 'src="dream.jpg"' in page and "Made by the machine" in page
    assert "block 3" in page and "starting number (0)" in page  # the preset's layer and seed, in plain words
    assert 'href="../../archive/files/pattern.jpg"' in page
    assert (out / "dreams" / "pattern" / "dream.jpg").stat().st_size > 500
    atlas = (out / "dreams" / "atlas" / "index.html").read_text("utf-8")
    assert atlas.count("<figcaption>") == 4 and (out / "dreams" / "atlas" / "c003.jpg").is_file()
    film = (out / "films" / "clip-dream" / "index.html").read_text("utf-8")
    assert '<p class="synthetic">Made by the machine: 1 seconds of “Clip”' in film
    assert 'href="../clip/"' in film
    assert (out / "films" / "clip-dream" / "clip-dream.vtt").is_file()  # captioned like any film
    home = (out / "index.html").read_text("utf-8")
    assert 'href="dreams/"' in home and ">Dreams<" in home


def test_a_rebuild_dreams_nothing_and_imports_no_torch(built):
    content, out = built
    code = ("import sys; from generator.cli import main; rc = main(['--content', sys.argv[1], '--out', sys.argv[2], "
            "'-q', '--no-map']); print(rc, sorted(m for m in ('torch', 'cv2', 'sentence_transformers', 'dlib', "
            "'onnxruntime', 'efficientnet_lite_pytorch') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code, str(content), str(out)], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert proc.stdout.split() == ["0", "[]"], proc.stderr


def test_a_new_seed_dreams_again_and_a_bad_front_matter_preset_is_named(built, tmp_path, capsys):
    from generator.cache import Cache
    from generator.config import load_settings
    from generator.dreams.stage import STILLS

    content, out = built
    toml = (content / "site.toml").read_text("utf-8")
    (content / "site.toml").write_text(toml + "seed = 5\n", encoding="utf-8")  # [dreams.presets.tiny] seed
    try:
        build(content, out)
        cache = Cache(content / load_settings(content).build.cache_dir)
        assert len(list((cache.root / STILLS).glob("*/*.json"))) == 2
    finally:
        (content / "site.toml").write_text(toml, encoding="utf-8")
    md = content / "films" / "clip" / "index.md"
    text = md.read_text("utf-8")
    md.write_text(text.replace("video: clip.mp4\n", "video: clip.mp4\ndream: nightmare\n"), encoding="utf-8")
    try:
        from generator.cli import main

        capsys.readouterr()
        assert main(["build", "--content", str(content), "--out", str(tmp_path / "o"), "-q", "--no-map"]) != 0
        err = capsys.readouterr().err
        assert "index.md" in err and "dream: 'nightmare' is not a preset" in err
    finally:
        md.write_text(text, encoding="utf-8")
