"""End to end: the shipped demo builds, a second build does nothing, edits redo only what they touch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from vtt_validator import validate_vtt

REPO = Path(__file__).resolve().parents[1]


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
    assert len(films) >= 2 and summary["films"] == len(films)
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


def test_photographs_are_narrated(demo_build):
    d = demo_build["site"] / "films" / "photographs"
    assert (d / "photographs-narration.m4a").stat().st_size > 10_000
    assert (d / "photographs-described.mp4").is_file()
    parsed = validate_vtt(d / "photographs-descriptions.vtt")
    assert parsed["errors"] == [] and len(parsed["cues"]) >= 3
    html = (d / "index.html").read_text()
    assert 'kind="descriptions"' in html and "Hear the machine" in html
    assert not (demo_build["site"] / "films" / "clouds" / "clouds-narration.m4a").exists()


def test_clouds_are_described_as_sky(demo_build):
    vtt = (demo_build["site"] / "films" / "clouds" / "clouds.vtt").read_text().lower()
    assert "sky" in vtt or "cloud" in vtt


def test_second_build_does_nothing(demo_copy):
    again = run_build(demo_copy / "content", demo_copy / "_site")
    assert all(misses == 0 for _, misses in again.stats.cache.values()), again.stats.cache
    assert again.stats.captions_computed == 0 and again.warnings == []


def test_noop_build_never_loads_a_model(demo_copy):
    code = ("import sys; from generator.cli import main; "
            "rc = main(['--content', sys.argv[1], '--out', sys.argv[2], '-q']);"
            "print(rc, 'torch' in sys.modules, 'umap' in sys.modules, 'openTSNE' in sys.modules,"
            " 'piper' in sys.modules or 'onnxruntime' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code, str(demo_copy / "content"), str(demo_copy / "_site")],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.stdout.split() == ["0", "False", "False", "False", "False"], proc.stderr


def test_page_edit_rerenders_without_recaptioning(demo_copy):
    content = demo_copy / "content"
    page = sorted((content / "pages").glob("*.md"))[0]
    page.write_text(page.read_text() + "\n\nA sentence added by the test.\n")
    result = run_build(content, demo_copy / "_site")
    assert result.stats.captions_computed == 0
    assert all(m == 0 for stage, (_, m) in result.stats.cache.items() if stage != "markdown"), result.stats.cache
    assert result.stats.cache["markdown"][1] == 1
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
    assert cache.get("captions", (0, 0))[1] == demo_build["summary"]["keyframes"]
    for stage, (_, misses) in cache.items():
        # the narration speaks again only the sentences the new setting rewrote
        if stage not in ("captions", "markdown") and not stage.startswith("narration-"):
            assert misses == 0, (stage, cache)
