"""End to end: the shipped demo builds, a second build does nothing, edits redo only what they touch."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from vtt_validator import validate_vtt

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # the demo build (demo_build): minutes cold


def run_build(content: Path, out: Path, *extra: str):
    from generator.cli import make_parser
    from generator.cli import run_build as cli_run_build
    from generator.reporter import Reporter

    args = make_parser().parse_args(["build", "--content", str(content), "--out", str(out), "-q", *extra])
    return cli_run_build(args, Reporter(quiet=True))


def test_demo_output_has_the_contract(demo_build):
    site, content, summary = demo_build["site"], demo_build["content"], demo_build["summary"]
    assert (site / "index.html").is_file() and (site / "map" / "index.html").is_file()
    films = sorted(p.name for p in (content / "films").iterdir() if p.is_dir())
    films += sorted(p.stem for p in (content / "stories").glob("*.md"))  # each story is a film too
    dreamt = ["photographs-dream"]  # [dreams] films: a film of the site made by the machine
    assert len(films) >= 3 and summary["films"] == len(films) + len(dreamt)
    for slug in dreamt:
        assert validate_vtt(site / "films" / slug / f"{slug}.vtt")["errors"] == []
    for slug in films:
        d = site / "films" / slug
        assert (d / "index.html").is_file() and (d / f"{slug}.vtt").is_file() and (d / f"{slug}.srt").is_file()
        parsed = validate_vtt(d / f"{slug}.vtt")
        assert parsed["errors"] == [] and len(parsed["cues"]) >= 3
        html = (d / "index.html").read_text()
        assert f'src="{slug}.vtt"' in html and "<video" in html
    for page in (content / "pages").glob("*.md"):
        assert (site / page.stem / "index.html").is_file()
    assert summary["warnings"] == []


def test_photographs_are_described_in_ordinary_words(demo_build):
    vtt = (demo_build["site"] / "films" / "photographs" / "photographs.vtt").read_text().lower()
    assert "cat" in vtt and "espresso" in vtt
    assert "tabby, tabby cat" not in vtt and "_" not in vtt


def test_every_demo_film_is_narrated(demo_build):
    d = demo_build["site"] / "films" / "photographs"
    assert (d / "photographs-narration.m4a").stat().st_size > 10_000
    assert (d / "photographs-described.mp4").is_file()
    parsed = validate_vtt(d / "photographs-descriptions.vtt")
    assert parsed["errors"] == [] and len(parsed["cues"]) >= 3
    html = (d / "index.html").read_text()
    assert 'kind="descriptions"' in html and "Hear the machine" in html
    for film in (demo_build["site"] / "films").glob("*/index.html"):  # described by default (WCAG 1.2.5)
        assert 'kind="descriptions"' in film.read_text(), film.parent.name


def test_clouds_are_described_as_sky(demo_build):
    vtt = (demo_build["site"] / "films" / "clouds" / "clouds.vtt").read_text().lower()
    assert "sky" in vtt or "cloud" in vtt


def test_clouds_are_read_for_the_shapes_the_network_sees(demo_build):
    vtt = (demo_build["site"] / "films" / "clouds" / "clouds.vtt").read_text()
    assert "NOTE Machine captions by describe, pareidolia reading" in vtt
    cues = [" ".join(b.split("\n")[2:]).lower() for b in vtt.split("\n\n") if "-->" in b]
    doubt = ("almost certainly", "unmistakably", "probably", "most likely", "perhaps", "maybe", "could be",
             "something like", "faintest hint", "just possibly")
    read = [c for c in cues if any(d in c for d in doubt)]
    assert len(read) >= len(cues) // 2, cues  # most frames are cloudy skies, read for a shape


def test_photographs_are_captioned_in_the_archives_words(demo_build):
    import csv

    from generator.captions.rewrite import as_caption, lower_case_words

    vtt = (demo_build["site"] / "films" / "photographs" / "photographs.vtt").read_text()
    assert "NOTE Machine captions by archive" in vtt
    with open(demo_build["content"] / "archive" / "metadata.csv", encoding="utf-8") as fh:
        descriptions = [row["description"] for row in csv.DictReader(fh) if row.get("description")]
    lower = lower_case_words(descriptions)
    captions = {as_caption(d, lower) for d in descriptions}
    cues = [" ".join(b.split("\n")[2:]).strip() for b in vtt.split("\n\n") if "-->" in b]
    assert cues and all(c in captions for c in cues), cues
    assert "Chelsea" in vtt and "Eileen Collins" in vtt  # names no ImageNet class has
    html = (demo_build["site"] / "films" / "photographs" / "index.html").read_text()
    from markupsafe import escape

    from generator.captions.per_film import captioner_words

    assert str(escape(captioner_words("archive"))) in html  # the archive captioner, in a visitor's words


def test_second_build_does_nothing(demo_copy):
    again = run_build(demo_copy / "content", demo_copy / "_site")
    assert all(misses == 0 for _, misses in again.stats.cache.values()), again.stats.cache
    assert again.stats.captions_computed == 0 and again.warnings == []


def test_noop_build_never_loads_a_model(demo_copy):
    code = ("import sys; from generator.cli import main; "
            "rc = main(['--content', sys.argv[1], '--out', sys.argv[2], '-q']);"
            "print(rc, 'torch' in sys.modules, 'umap' in sys.modules, 'openTSNE' in sys.modules,"
            " 'piper' in sys.modules or 'onnxruntime' in sys.modules, 'cv2' in sys.modules or 'dlib' in sys.modules,"
            " 'pagefind' in sys.modules or 'sentence_transformers' in sys.modules or 'pyvips' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code, str(demo_copy / "content"), str(demo_copy / "_site")],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.stdout.split() == ["0", "False", "False", "False", "False", "False", "False"], proc.stderr


def test_demo_collages_credit_their_sources(demo_build):
    page = demo_build["site"] / "dreams" / "collages" / "index.html"
    html = page.read_text()
    assert "Made by the machine" in html and "None has been reviewed yet: all 6 are shown." in html
    assert html.count('class="collage-item"') == 6
    assert 'href="../../map/#item=photographs%2Fcoffee.jpg">Coffee cup</a>' in html
    shown = re.findall(r'src="([^"]+\.thumb\.jpg)"', html)
    assert len(shown) == 6 and all((page.parent / s).is_file() for s in shown)
    assert 'href="../dreams/"' in (demo_build["site"] / "map" / "index.html").read_text()  # nav: Dreams
    assert 'href="../dreams/collages/"' in (demo_build["site"] / "dreams" / "index.html").read_text()  # a section


def test_page_edit_rerenders_without_recaptioning(demo_copy):
    content = demo_copy / "content"
    page = sorted((content / "pages").glob("*.md"))[0]
    page.write_text(page.read_text() + "\n\nA sentence added by the test.\n")
    result = run_build(content, demo_copy / "_site")
    assert result.stats.captions_computed == 0
    # the page's text is searched: the search index is made again, once
    assert all(m == 0 for stage, (_, m) in result.stats.cache.items() if stage not in ("markdown", "search")), \
        result.stats.cache
    assert result.stats.cache["markdown"][1] == 1 and result.stats.cache["search"] == (0, 1)
    assert "A sentence added by the test." in (demo_copy / "_site" / page.stem / "index.html").read_text()


def test_caption_setting_change_recaptions_only(demo_copy, demo_build):
    content = demo_copy / "content"
    toml = content / "site.toml"
    text = toml.read_text()
    if "[captions]" in text:
        text = text.replace("[captions]", "[captions]\nmin_confidence = 0.31", 1)
    else:
        text += "\n[captions]\nmin_confidence = 0.31\n"
    toml.write_text(text)
    result = run_build(content, demo_copy / "_site")
    cache = result.stats.cache
    # only the films describe captions: the one in the archive's words does not use min_confidence
    described = sum(len(f.keyframes) for f in result.site.films if f.captioner.startswith("describe"))
    assert 0 < described < demo_build["summary"]["keyframes"]
    assert cache.get("captions", (0, 0))[1] == described
    for stage, (_, misses) in cache.items():
        # the narration speaks again only the sentences the new setting rewrote
        # the rewritten captions are searched too: the search index is made again; and the story is scored again
        # (the films' keyframe captions are among its candidates' texts): the rewritten captions are embedded,
        # and the choice recomputed from the cached embeddings
        if stage not in ("captions", "markdown", "search", "stories-choice", "stories-texts") and not stage.startswith(
                "narration-"):
            assert misses == 0, (stage, cache)


def test_the_demo_has_a_taught_label(demo_build):
    site = demo_build["site"]
    page = (site / "labels" / "calm" / "index.html").read_text("utf-8")
    assert "Decided by the curator" in page and "Machine's confidence" in page
    assert ">Labels</a>" in (site / "index.html").read_text("utf-8")
    assert list((site / "map" / "data" / "archive" / "taught").glob("calm-*.bin"))


def test_demo_archive_and_films_have_valid_iiif_manifests_linked_from_their_pages(demo_build):
    import json

    from tools.iiif_check import problems

    site = demo_build["site"]
    archive = json.loads((site / "iiif" / "manifest.json").read_text("utf-8"))
    assert problems(archive) == [] and len(archive["items"]) >= 30
    assert 'href="../iiif/manifest.json"' in (site / "archive" / "index.html").read_text("utf-8")
    films = sorted((site / "films").glob("*/index.html"))
    assert films
    for page in films:
        slug = page.parent.name
        manifest = json.loads((site / "iiif" / "films" / f"{slug}.json").read_text("utf-8"))
        assert problems(manifest) == [], slug
        canvas = manifest["items"][0]
        assert canvas["duration"] > 0 and canvas["items"][0]["items"][0]["body"]["type"] == "Video"
        assert f'href="../../iiif/films/{slug}.json"' in page.read_text("utf-8")
