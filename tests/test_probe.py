"""probe(): facts about footage, one-line errors for bad files, the cache, the ffmpeg-only fallback."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from media_fixtures import make_audio_only, make_clip, make_corrupt, make_still, make_truncated, with_imageio_ffmpeg

from generator.cache import Cache
from generator.errors import MediaError, MissingDependency
from generator.media import ffmpeg_bin
from generator.media.ffmpeg_bin import find_tools
from generator.media.probe import parse_ffmpeg_banner, probe, probe_cached, video_info
from generator.reporter import Reporter


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("probe")
    return {
        "basic": make_clip(d / "basic.mp4", duration=6, size="320x240", rate=25, cuts=(2, 4), audio=True),
        "rot90": make_clip(d / "rot90.mp4", duration=1, cuts=(), rotate=90),
        "rot180": make_clip(d / "rot180.mp4", duration=1, cuts=(), rotate=180),
        "rot270": make_clip(d / "rot270.mp4", duration=1, cuts=(), rotate=270),
        "vfr": make_clip(d / "vfr.mp4", duration=4, cuts=(2,), vfr=True),
        "ts": make_clip(d / "offset.ts", duration=2, cuts=(1,)),
        "ntsc": make_clip(d / "ntsc.mp4", duration=2, size="160x120", rate=30000 / 1001, cuts=()),
    }


@pytest.fixture
def tools():
    return find_tools(Reporter(quiet=True))


def test_basic_facts(clips, tools):
    info = probe(clips["basic"], tools)
    assert info.duration == pytest.approx(6.0, abs=0.05)
    assert info.fps == pytest.approx(25.0)
    assert not info.variable_frame_rate
    assert (info.width, info.height, info.rotation) == (320, 240, 0)
    assert info.codec == "h264" and info.has_audio
    assert [s.kind for s in info.streams] == ["video", "audio"]
    assert info.start_time == pytest.approx(0.0, abs=0.05)


@pytest.mark.parametrize("name,degrees", [("rot90", 90), ("rot180", 180), ("rot270", 270)])
def test_rotation_is_the_clockwise_display_angle(clips, tools, name, degrees):
    info = probe(clips[name], tools)
    assert info.rotation == degrees
    assert info.display_size == ((240, 320) if degrees % 180 else (320, 240))


def test_variable_frame_rate(clips, tools):
    info = probe(clips["vfr"], tools)
    assert info.variable_frame_rate
    assert info.fps < 25


def test_ntsc_rate_is_constant(clips, tools):
    info = probe(clips["ntsc"], tools)
    assert info.fps == pytest.approx(29.97, abs=0.01) and not info.variable_frame_rate


def test_container_start_time(clips, tools):
    info = probe(clips["ts"], tools)
    assert info.start_time > 0.5  # mpegts starts at 1.4 s
    assert info.duration == pytest.approx(2.0, abs=0.1)


def _empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


@pytest.mark.parametrize("make,expected", [
    (lambda d: d / "missing.mp4", "file not found"),
    (lambda d: make_corrupt(d / "noise.mp4"), "could not read it: Invalid data"),
    (lambda d: make_audio_only(d / "speech.m4a"), "has no video stream (audio only?)"),
    (lambda d: make_truncated(d / "cut.mp4", index_at_end=True), "is truncated"),
    (lambda d: make_still(d / "photo.jpg"), "is a still image"),
    (lambda d: _empty(d / "empty.mp4"), "is empty"),
])
@pytest.mark.parametrize("fallback", [False, True], ids=["ffprobe", "ffmpeg-only"])
def test_bad_files_give_one_line_media_errors(tmp_path, monkeypatch, make, expected, fallback):
    if fallback:
        with_imageio_ffmpeg(monkeypatch)
    tools = find_tools(Reporter(quiet=True))
    path = make(tmp_path)
    with pytest.raises(MediaError) as err:
        probe(path, tools)
    line = err.value.oneline()
    assert expected in line and path.name in line and "\n" not in line


def test_zero_and_unknown_duration_are_errors(tmp_path):
    streams = [{"index": 0, "codec_type": "video", "codec_name": "h264", "width": 8, "height": 8}]
    with pytest.raises(MediaError, match="zero duration"):
        video_info({"format": {"duration": "0.0"}, "streams": streams}, tmp_path / "z.mp4")
    with pytest.raises(MediaError, match="duration is unknown"):
        video_info({"format": {}, "streams": streams}, tmp_path / "u.mp4")


def test_cover_art_is_not_the_film(tmp_path):
    data = {"format": {"duration": "3", "format_name": "mp3"}, "streams": [
        {"index": 0, "codec_type": "audio", "codec_name": "mp3"},
        {"index": 1, "codec_type": "video", "codec_name": "png", "width": 500, "height": 500,
         "disposition": {"attached_pic": 1}}]}
    with pytest.raises(MediaError, match="no video stream"):
        video_info(data, tmp_path / "song.mp3")


def test_cached_probe_runs_no_tool_the_second_time(clips, tools, tmp_path, monkeypatch):
    cache = Cache(tmp_path / "cache")
    first = probe_cached(clips["basic"], tools, cache)
    assert cache.misses["probe"] == 1

    def no_subprocess(*args, **kwargs):
        raise AssertionError("ffprobe ran although the probe was cached")

    monkeypatch.setattr(subprocess, "Popen", no_subprocess)
    monkeypatch.setattr(subprocess, "run", no_subprocess)
    assert probe_cached(clips["basic"], tools, cache) == first
    assert cache.hits["probe"] == 1


def test_imageio_fallback_agrees_with_ffprobe(clips, tools, monkeypatch):
    with_imageio_ffmpeg(monkeypatch)
    said = io.StringIO()
    reporter = Reporter(stream=said)
    fallback = find_tools(reporter)
    find_tools(reporter)
    assert fallback.source == "imageio-ffmpeg" and fallback.ffprobe is None
    assert said.getvalue().count("imageio-ffmpeg") == 1  # said once per build
    for name in ("basic", "rot90", "rot270", "vfr", "ts"):
        a, b = probe(clips[name], tools), probe(clips[name], fallback)
        assert b.duration == pytest.approx(a.duration, abs=0.011), name  # the report rounds to 1/100 s
        assert b.start_time == pytest.approx(a.start_time, abs=0.001)
        assert b.fps == pytest.approx(a.fps, rel=0.01)
        assert (b.width, b.height, b.rotation, b.codec, b.has_audio, b.variable_frame_rate) == \
               (a.width, a.height, a.rotation, a.codec, a.has_audio, a.variable_frame_rate), name
        assert [(s.index, s.kind) for s in b.streams] == [(s.index, s.kind) for s in a.streams]


def test_banner_parser_reads_both_ffmpeg_generations():
    old = """Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/x/phone.mp4':
  Duration: 00:01:02.50, start: 0.000000, bitrate: 2547 kb/s
  Stream #0:0[0x1](und): Video: hevc (Main) (hvc1 / 0x31637668), yuv420p(tv, bt709), 1920x1080, 16000 kb/s, 24.5 fps, 30 tbr, 600 tbn (default)
    Metadata:
      rotate          : 90
    Side data:
      displaymatrix: rotation of -90.00 degrees
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 96 kb/s (default)
"""  # noqa: E501 - ffmpeg's banner verbatim
    data = parse_ffmpeg_banner(old)
    info = video_info(data, Path("phone.mp4"))
    assert info.duration == pytest.approx(62.5)
    assert (info.width, info.height, info.rotation, info.codec) == (1920, 1080, 90, "hevc")
    assert info.fps == pytest.approx(24.5) and info.variable_frame_rate  # average 24.5, timestamps at 1/30 s
    new = old.replace("displaymatrix:", "Display Matrix:").replace("      rotate          : 90\n", "")
    assert video_info(parse_ffmpeg_banner(new), Path("phone.mp4")).rotation == 90


def test_no_ffmpeg_at_all_is_a_missing_dependency(monkeypatch):
    monkeypatch.setattr(ffmpeg_bin.shutil, "which", lambda name: None)
    monkeypatch.setattr(ffmpeg_bin, "_imageio", lambda: None)
    with pytest.raises(MissingDependency, match="ffmpeg is not installed"):
        find_tools(Reporter(quiet=True))
