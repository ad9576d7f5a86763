"""Keyframes: cuts found to the frame, intervals honoured, thumbnails, cache, damaged footage."""

from __future__ import annotations

import dataclasses
import io
import subprocess
from pathlib import Path

import numpy as np
import pytest
from media_fixtures import make_clip, make_corrupt, make_truncated, with_imageio_ffmpeg
from PIL import Image

from generator.cache import Cache
from generator.config import KeyframeSettings
from generator.errors import MediaError
from generator.media import keyframes as keyframes_module
from generator.media.ffmpeg_bin import find_tools
from generator.media.keyframes import extract_keyframes, keyframes_cached
from generator.media.probe import probe
from generator.reporter import Reporter

FRAME = 1 / 25  # every fixture clip runs at 25 fps


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("keyframes")
    return {
        # shots 0-2, 2-4 and a 10 s long shot 4-14 (max_interval keyframes at 8 and 12)
        "long": make_clip(d / "long.mp4", duration=14, cuts=(2.0, 4.0)),
        # a cut only 0.2 s after the previous one
        "flash": make_clip(d / "flash.mp4", duration=6, cuts=(2.0, 2.2, 4.0)),
        "cuts_off_grid": make_clip(d / "grid.mp4", duration=5, cuts=(1.24, 3.56)),
        # a cut one frame after the interval rule fires (at 4.0)
        "cut_after_interval": make_clip(d / "late.mp4", duration=7, cuts=(4.04,)),
        "rot90": make_clip(d / "rot90.mp4", duration=1, cuts=(), rotate=90),
        "plain": make_clip(d / "plain.mp4", duration=1, cuts=()),
        "vfr": make_clip(d / "vfr.mp4", duration=6, cuts=(2.0, 4.0), vfr=True),
        "ts": make_clip(d / "offset.ts", duration=5, cuts=(2.0, 4.0)),
        "truncated": make_truncated(d / "truncated.mp4", fraction=0.5),
        "truncated_mkv": make_truncated(d / "truncated.mkv", make_clip(d / "whole.mkv", duration=8, cuts=(4,))),
        "long_audio": make_clip(d / "long-audio.mp4", duration=3, cuts=(1.5,), audio_duration=8),
    }


@pytest.fixture
def tools():
    return find_tools(Reporter(quiet=True))


def settings(**changes) -> KeyframeSettings:
    base = KeyframeSettings(scene_threshold=0.3, max_interval=4.0, min_interval=0.5, thumb_width=160)
    return dataclasses.replace(base, **changes)


def run(path: Path, tools, out: Path, **changes):
    return extract_keyframes(path, probe(path, tools), settings(**changes), tools, out)


def assert_times(found: list[float], expected: list[float]) -> None:
    assert len(found) == len(expected), (found, expected)
    for f, e in zip(found, expected):
        assert abs(f - e) <= FRAME + 1e-6, (found, expected)


def test_cuts_and_max_interval(clips, tools, tmp_path):
    frames = run(clips["long"], tools, tmp_path)
    assert_times([t for t, _, _ in frames], [0, 2, 4, 8, 12])
    assert [cut for _, cut, _ in frames] == [True, True, True, False, False]
    for _, _, name in frames:
        with Image.open(tmp_path / name) as im:
            assert im.format == "JPEG" and im.size == (160, 120)


def test_cuts_between_frame_boundaries(clips, tools, tmp_path):
    frames = run(clips["cuts_off_grid"], tools, tmp_path)
    # shots start on the first frame at or after the cut time
    assert_times([t for t, _, _ in frames], [0, 1.24, 3.56])


def test_max_interval_is_honoured(clips, tools, tmp_path):
    times = [t for t, _, _ in run(clips["long"], tools, tmp_path, max_interval=1.5)]
    gaps = np.diff(times)
    assert gaps.max() <= 1.5 + 1e-6 and len(times) >= 14 / 1.5


def test_min_interval_drops_cuts_too_close(clips, tools, tmp_path):
    assert_times([t for t, _, _ in run(clips["flash"], tools, tmp_path / "a", min_interval=0.5)], [0, 2.0, 4.0])
    assert_times([t for t, _, _ in run(clips["flash"], tools, tmp_path / "b", min_interval=0.1)], [0, 2.0, 2.2, 4.0])


def test_a_cut_just_after_an_interval_pick_replaces_it(clips, tools, tmp_path):
    frames = run(clips["cut_after_interval"], tools, tmp_path)
    assert_times([t for t, _, _ in frames], [0, 4.04])
    assert [cut for _, cut, _ in frames] == [True, True]
    assert sorted(p.name for p in tmp_path.glob("*.jpg")) == sorted(name for _, _, name in frames)


def test_settle_rules():
    s = settings(min_interval=0.5, scene_threshold=0.3)
    picks = [(0.0, 0.0), (4.0, 0.01), (4.04, 0.6), (8.0, 0.0), (8.2, 0.9), (12.0, 0.0)]
    # the interval picks at 4.0 and 8.0 give way to the cuts less than min_interval after them
    assert keyframes_module.settle(picks, s) == [(0, True), (2, True), (4, True), (5, False)]


def test_variable_frame_rate_keeps_exact_times(clips, tools, tmp_path):
    info = probe(clips["vfr"], tools)
    assert info.variable_frame_rate
    assert_times([t for t, _, _ in run(clips["vfr"], tools, tmp_path)], [0, 2.0, 4.0])


def test_times_count_from_the_container_start(clips, tools, tmp_path):
    info = probe(clips["ts"], tools)
    assert info.start_time > 0.5
    assert_times([t for t, _, _ in run(clips["ts"], tools, tmp_path)], [0, 2.0, 4.0])


def test_thumbnails_are_turned_upright(clips, tools, tmp_path):
    upright = run(clips["rot90"], tools, tmp_path / "r")[0][2]
    plain = run(clips["plain"], tools, tmp_path / "p")[0][2]
    with Image.open(tmp_path / "r" / upright) as r, Image.open(tmp_path / "p" / plain) as p:
        assert r.size == (160, 214) or r.size == (160, 212)  # 240x320 portrait scaled to 160 wide
        expected = np.asarray(p.convert("L").rotate(-90, expand=True).resize(r.size), dtype=float)
        got = np.asarray(r.convert("L"), dtype=float)
        wrong_way = np.asarray(p.convert("L").rotate(90, expand=True).resize(r.size), dtype=float)
        assert np.abs(got - expected).mean() < np.abs(got - wrong_way).mean() / 2


def test_truncated_file_gives_keyframes_up_to_the_damage_and_a_warning(clips, tools, tmp_path):
    path = clips["truncated"]
    info = probe(path, tools)  # the index is intact: probe still sees the whole 8 s
    said = io.StringIO()
    reporter = Reporter(stream=said)
    frames = extract_keyframes(path, info, settings(), tools, tmp_path, reporter)
    assert frames and frames[-1][0] < info.duration / 2 + 0.5
    assert len(reporter.warnings) == 1
    assert "truncated.mp4" in reporter.warnings[0] and "damaged or truncated" in reporter.warnings[0]


def test_truncated_matroska_is_reported_too(clips, tools, tmp_path):
    reporter = Reporter(quiet=True)
    path = clips["truncated_mkv"]
    frames = extract_keyframes(path, probe(path, tools), settings(), tools, tmp_path, reporter)
    assert frames and len(reporter.warnings) == 1 and "ended prematurely" in reporter.warnings[0]


def test_picture_shorter_than_soundtrack_is_not_damage(clips, tools, tmp_path):
    reporter = Reporter(quiet=True)
    path = clips["long_audio"]
    info = probe(path, tools)
    assert info.duration > 7
    frames = extract_keyframes(path, info, settings(), tools, tmp_path, reporter)
    assert_times([t for t, _, _ in frames], [0, 1.5])
    assert reporter.warnings == []


def test_undecodable_file_is_a_media_error(clips, tools, tmp_path):
    info = probe(clips["plain"], tools)
    bad = make_corrupt(tmp_path / "broken.mp4")
    with pytest.raises(MediaError) as err:
        extract_keyframes(bad, info, settings(), tools, tmp_path / "out")
    assert "broken.mp4" in err.value.oneline()


def test_cached_second_call_runs_no_ffmpeg(clips, tools, tmp_path, monkeypatch):
    cache = Cache(tmp_path / "cache")
    path = clips["long"]
    info = probe(path, tools)
    first = keyframes_cached(path, info, settings(), tools, cache)
    assert cache.misses["keyframes"] == 1 and len(first) == 5
    for kf in first:
        assert kf.image.is_file() and (tmp_path / "cache") in kf.image.parents
    assert [kf.index for kf in first] == list(range(5))

    def no_ffmpeg(*args, **kwargs):
        raise AssertionError("ffmpeg ran although the keyframes were cached")

    monkeypatch.setattr(subprocess, "Popen", no_ffmpeg)
    monkeypatch.setattr(subprocess, "run", no_ffmpeg)
    assert keyframes_cached(path, info, settings(), tools, cache) == first
    assert cache.hits["keyframes"] == 1 and cache.misses["keyframes"] == 1


def test_settings_change_the_cache_key(clips, tools, tmp_path):
    cache = Cache(tmp_path / "cache")
    a = keyframes_module.cache_key(clips["long"], settings(), cache)
    assert a != keyframes_module.cache_key(clips["long"], settings(max_interval=3.0), cache)
    assert a != keyframes_module.cache_key(clips["flash"], settings(), cache)


def test_cached_result_repeats_the_damage_warning(clips, tools, tmp_path):
    cache = Cache(tmp_path / "cache")
    path = clips["truncated"]
    info = probe(path, tools)
    for _ in range(2):
        reporter = Reporter(quiet=True)
        keyframes_cached(path, info, settings(), tools, cache, reporter)
        assert len(reporter.warnings) == 1  # --strict must fail the cached build too
    assert cache.hits["keyframes"] == 1


def test_imageio_ffmpeg_fallback(clips, tools, tmp_path, monkeypatch):
    expected = [(round(t, 3), cut) for t, cut, _ in run(clips["long"], tools, tmp_path / "system")]
    with_imageio_ffmpeg(monkeypatch)
    fallback = find_tools(Reporter(quiet=True))
    assert fallback.ffprobe is None
    frames = run(clips["long"], fallback, tmp_path / "imageio")
    assert [(round(t, 3), cut) for t, cut, _ in frames] == expected
    rotated = run(clips["rot90"], fallback, tmp_path / "imageio-rot")
    with Image.open(tmp_path / "imageio-rot" / rotated[0][2]) as im:
        assert im.width < im.height
