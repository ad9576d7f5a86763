"""Golden VTT/SRT for a synthetic clip, end to end through keyframes, captions and cues.

Regenerate: ES_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden_subtitles.py
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from vtt_validator import validate_vtt

from generator.captions.base import register_captioner
from generator.config import Settings
from generator.pipeline import BuildOptions, build
from generator.reporter import Reporter

GOLDEN = Path(__file__).parent / "golden" / "subtitles"
# shots: red 0-2.5 s, white 2.5-4 s, a 10 s moving test pattern (max_interval keyframes), green 1.5 s
SEGMENTS = [("color=c=0xC81E1E:s=320x180:r=25", 2.5), ("color=c=0xF0F0F0:s=320x180:r=25", 1.5),
            ("testsrc2=s=320x180:r=25", 10.0), ("color=c=0x1EA03C:s=320x180:r=25", 1.5)]


def make_golden_clip(path: Path) -> None:
    inputs: list[str] = []
    for src, dur in SEGMENTS:
        inputs += ["-f", "lavfi", "-t", str(dur), "-i", src]
    n = len(SEGMENTS)
    graph = "".join(f"[{i}:v]" for i in range(n)) + f"concat=n={n}:v=1:a=0,format=yuv420p[v]"
    subprocess.run(["ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex", graph, "-map", "[v]",
                    "-c:v", "libx264", "-g", "50", "-preset", "veryfast", "-bitexact", str(path)], check=True)


@pytest.fixture(scope="module")
def golden_build(tmp_path_factory):
    register_captioner("test-colour", "colour_captioner:ColourCaptioner")
    root = tmp_path_factory.mktemp("golden")
    film = root / "content" / "films" / "shots"
    film.mkdir(parents=True)
    make_golden_clip(film / "shots.mp4")
    (film / "index.md").write_text("---\ntitle: Shots\nvideo: shots.mp4\n---\n")
    settings = Settings()
    settings.captions.captioner = "test-colour"
    result = build(root / "content", root / "_site", settings, Reporter(quiet=True), BuildOptions(with_map=False))
    return result, root / "_site" / "films" / "shots"


@pytest.mark.parametrize("name", ["shots.vtt", "shots.srt"])
def test_golden(golden_build, name):
    _, out = golden_build
    produced = (out / name).read_text(encoding="utf-8")
    golden = GOLDEN / name
    if os.environ.get("ES_REGEN_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(produced, encoding="utf-8")
    assert produced == golden.read_text(encoding="utf-8")


def test_keyframes_at_cuts_and_intervals(golden_build):
    result, _ = golden_build
    times = [round(k.time, 2) for k in result.site.films[0].keyframes]
    assert times[0] == 0.0
    # lavfi rounds each segment up to whole frames at 25 fps: cuts at 2.52, 4.04 and 14.04 s
    for cut in (2.52, 4.04, 14.04):
        assert any(abs(t - cut) <= 0.005 for t in times), (cut, times)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert max(gaps) <= 4.0 + 0.05


def test_golden_vtt_is_valid_for_a_strict_parser(golden_build):
    _, out = golden_build
    parsed = validate_vtt(out / "shots.vtt")
    assert parsed["errors"] == []
    texts = [c["text"] for c in parsed["cues"]]
    assert texts[0].startswith("A red field") and any("white" in t for t in texts)
    assert all(len(line) <= 42 for t in texts for line in t.split("\n"))
