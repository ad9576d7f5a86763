"""The renditions stage: what it decides (pure), what ffmpeg makes of camera files and masters, the cache,
HLS, and what a build publishes."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from media_fixtures import CAMERA_KINDS, make_camera_file

from generator.cache import Cache
from generator.config import Settings, VideoSettings, validate
from generator.errors import ConfigError, MediaError
from generator.media import rendition_plan as rp
from generator.media import renditions
from generator.media.ffmpeg_bin import find_tools
from generator.media.probe import probe_cached
from generator.model import VideoInfo
from generator.reporter import Reporter

WEB = VideoInfo(duration=10.0, fps=25.0, variable_frame_rate=False, width=1920, height=1080, rotation=0,
                codec="h264", has_audio=True, start_time=0.0, pix_fmt="yuv420p", profile="High", audio_codec="aac")


# -- the plan (no ffmpeg) -----------------------------------------------------------------------------

def test_web_ready_footage_is_remuxed_with_its_own_size():
    p = rp.plan(WEB, VideoSettings(), "libx264")
    assert p.remux and p.encoder == "copy" and p.copy_audio and (p.width, p.height) == (1920, 1080)
    assert p.reasons == () and p.rungs == ()  # 10 s: too short for HLS at the default hls_min_duration
    cmd = rp.mp4_command("ffmpeg", "in", WEB, p, VideoSettings(), "out.mp4")
    assert cmd[cmd.index("-c:v") + 1] == "copy" and cmd[cmd.index("-c:a") + 1] == "copy"
    assert "+faststart" in cmd


@pytest.mark.parametrize(("changes", "reason", "size"), [
    ({"codec": "hevc", "profile": "Main 10", "pix_fmt": "yuv420p10le"}, "hevc is not H.264", (1920, 1080)),
    ({"profile": "High 10", "pix_fmt": "yuv420p10le"}, "H.264 High 10 profile", (1920, 1080)),
    ({"pix_fmt": "yuv422p"}, "yuv422p pixels", (1920, 1080)),
    ({"rotation": 90}, "rotated 90°", (1080, 1920)),  # a portrait phone clip keeps its 1080 short side
    ({"width": 3840, "height": 2160}, "larger than 1080p", (1920, 1080)),
    ({"width": 720, "height": 576, "sar": "16:15"}, "non-square pixels (16:15)", (768, 576)),
])
def test_what_needs_re_encoding_and_the_size_it_gets(changes, reason, size):
    p = rp.plan(replace(WEB, **changes), VideoSettings(), "libx264")
    assert not p.remux and reason in p.reasons and (p.width, p.height) == size
    cmd = rp.mp4_command("ffmpeg", "in", replace(WEB, **changes), p, VideoSettings(), "out.mp4")
    assert f"scale={size[0]}:{size[1]}" in cmd[cmd.index("-vf") + 1]
    assert cmd[cmd.index("-profile:v") + 1] == "high" and cmd[cmd.index("-pix_fmt") + 1] == "yuv420p"


def test_a_silent_film_gets_no_audio_and_other_sound_becomes_aac():
    silent = rp.plan(replace(WEB, has_audio=False, audio_codec=""), VideoSettings(), "libx264")
    assert "-c:a" not in rp.mp4_command("ffmpeg", "in", WEB, silent, VideoSettings(), "o.mp4")
    pcm = replace(WEB, audio_codec="pcm_s16le")
    cmd = rp.mp4_command("ffmpeg", "in", pcm, rp.plan(pcm, VideoSettings(), "libx264"), VideoSettings(), "o.mp4")
    assert cmd[cmd.index("-c:a") + 1] == "aac"


def test_long_films_get_an_hls_ladder_that_never_enlarges():
    long = replace(WEB, duration=7200.0, width=1280, height=720, codec="prores", profile="HQ", pix_fmt="yuv422p10le")
    p = rp.plan(long, VideoSettings(), "libx264")
    assert [r.name for r in p.rungs] == ["720p", "360p"]  # no 1080p rung from a 720p master
    assert [(r.width, r.height) for r in p.rungs] == [(1280, 720), (640, 360)]
    assert p.copy_top_rung and [r.name for r in p.encoded_rungs] == ["360p"]
    assert p.rungs[0].maxrate_k > p.rungs[1].maxrate_k
    assert rp.plan(long, VideoSettings(ladder=[]), "libx264").rungs == ()
    remuxed = rp.plan(replace(WEB, duration=7200.0), VideoSettings(), "libx264")
    assert remuxed.remux and not remuxed.copy_top_rung and len(remuxed.encoded_rungs) == 3


def test_levels_codecs_and_the_encoder_choice():
    assert rp.level_for(1920, 1080, 25) == 4.0 and rp.level_for(3840, 2160, 24) == 5.1
    assert rp.codecs(4.0, True) == "avc1.640028,mp4a.40.2" and rp.codecs(3.1, False) == "avc1.64001f"
    assert rp.choose_encoder(VideoSettings(), {"h264_nvenc"}) == "libx264"  # cpu build
    assert rp.choose_encoder(VideoSettings(device="cuda"), {"h264_nvenc"}) == "h264_nvenc"
    assert rp.choose_encoder(VideoSettings(device="cuda"), set()) == "libx264"
    cmd = rp.mp4_command("ffmpeg", "in", replace(WEB, codec="hevc"), rp.plan(replace(WEB, codec="hevc"),
                         VideoSettings(), "h264_nvenc"), VideoSettings(), "o.mp4")
    assert cmd[cmd.index("-c:v") + 1] == "h264_nvenc"


@pytest.mark.parametrize(("field", "value"), [("max_height", 99), ("crf", 60), ("preset", "fastest"),
                                              ("encoder", "x265"), ("ladder", ["720"]), ("audio_bitrate", "loud")])
def test_bad_video_settings_are_found_before_any_work(field, value):
    settings = Settings()
    setattr(settings.video, field, value)
    with pytest.raises(ConfigError, match=r"\[video\]"):
        validate(settings)


# -- real files ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def footage(tmp_path_factory):
    folder = tmp_path_factory.mktemp("footage")
    return {kind: make_camera_file(folder / kind, kind) for kind in CAMERA_KINDS}


def ffprobe(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def top_level_boxes(path: Path) -> list[str]:
    boxes, data = [], path.read_bytes()
    at = 0
    while at + 8 <= len(data):
        size = int.from_bytes(data[at:at + 4], "big")
        boxes.append(data[at + 4:at + 8].decode("latin-1"))
        if size < 8:
            break
        at += size
    return boxes


@pytest.mark.parametrize("kind", list(CAMERA_KINDS))
def test_every_camera_file_becomes_a_web_mp4(footage, kind, tmp_path):
    tools, cache = find_tools(), Cache(tmp_path / "cache")
    info = probe_cached(footage[kind], tools, cache)
    rend = renditions.rendition_cached(footage[kind], info, VideoSettings(), tools, cache, Reporter(quiet=True), kind)
    data = ffprobe(rend.mp4)
    video = next(s for s in data["streams"] if s["codec_type"] == "video")
    audio = [s for s in data["streams"] if s["codec_type"] == "audio"]
    assert video["codec_name"] == "h264" and video["pix_fmt"] == "yuv420p"
    assert video["profile"] in rp.WEB_PROFILES
    assert not any("rotation" in sd for sd in video.get("side_data_list", []))  # the rotation is in the pixels
    assert (video["width"], video["height"]) == info.display_size == (rend.width, rend.height)
    assert [s["codec_name"] for s in audio] == (["aac"] if info.has_audio else [])
    boxes = top_level_boxes(rend.mp4)
    assert boxes.index("moov") < boxes.index("mdat")  # +faststart
    assert rend.remuxed == (kind in ("vfr-h264", "silent-h264"))
    assert abs(float(data["format"]["duration"]) - info.duration) < 0.1


def test_a_remux_copies_the_video_stream_bit_for_bit(footage, tmp_path):
    tools, cache = find_tools(), Cache(tmp_path / "cache")
    src = footage["vfr-h264"]
    rend = renditions.rendition_cached(src, probe_cached(src, tools, cache), VideoSettings(), tools, cache)

    def packets(p: Path) -> str:
        return subprocess.run(["ffmpeg", "-v", "error", "-i", str(p), "-map", "0:v", "-c", "copy", "-f", "streamhash",
                               "-"], capture_output=True, text=True, check=True).stdout

    assert rend.remuxed and packets(rend.mp4) == packets(src)


def test_renditions_are_cached_and_a_failure_leaves_nothing(footage, tmp_path, monkeypatch):
    tools, cache = find_tools(), Cache(tmp_path / "cache")
    src = footage["vp9-webm"]
    info = probe_cached(src, tools, cache)
    first = renditions.rendition_cached(src, info, VideoSettings(preset="ultrafast"), tools, cache)

    def no_ffmpeg(*args, **kwargs):
        raise AssertionError("ffmpeg ran although the rendition is cached")

    monkeypatch.setattr(renditions, "run_ffmpeg", no_ffmpeg)
    assert renditions.rendition_cached(src, info, VideoSettings(preset="ultrafast"), tools, cache) == first
    monkeypatch.undo()

    broken = replace(info, codec="vp9", width=640)
    monkeypatch.setattr(rp, "_scale", lambda w, h: "scale=nonsense")  # ffmpeg fails half-way
    with pytest.raises(MediaError, match="web rendition"):
        renditions.rendition_cached(src, broken, VideoSettings(crf=30), tools, cache)
    leftovers = [p for p in (tmp_path / "cache" / "renditions").rglob("*") if ".tmp" in p.name]
    assert leftovers == [] and len(list((tmp_path / "cache" / "renditions").rglob("rendition.json"))) == 1


def test_hls_ladder_master_playlist_and_aligned_segments(footage, tmp_path):
    tools, cache = find_tools(), Cache(tmp_path / "cache")
    src = footage["phone-hevc10-rotated"]
    settings = VideoSettings(ladder=["360p", "240p"], hls_min_duration=0, hls_segment=2, preset="ultrafast")
    rend = renditions.rendition_cached(src, probe_cached(src, tools, cache), settings, tools, cache)
    assert rend.hls is not None and rend.rungs == ("360p", "240p")
    master = (rend.hls / "master.m3u8").read_text()
    assert master.count("#EXT-X-STREAM-INF") == 2 and "RESOLUTION=360x640" in master and "RESOLUTION=240x426" in master
    lines = [line for line in master.splitlines() if "STREAM-INF" in line]
    bandwidths = [int(line.split("BANDWIDTH=")[1].split(",")[0]) for line in lines]
    assert bandwidths[0] > bandwidths[1] > 0
    durations = {}
    for rung in rend.rungs:
        playlist = (rend.hls / rung / "index.m3u8").read_text()
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist and '#EXT-X-MAP:URI="init.mp4"' in playlist
        durations[rung] = [line for line in playlist.splitlines() if line.startswith("#EXTINF")]
        assert (rend.hls / rung / "init.mp4").is_file()
    assert durations["360p"] == durations["240p"] and len(durations["360p"]) == 3  # segments line up


def test_the_stage_skips_a_film_it_cannot_encode(tmp_path, monkeypatch):
    from media_fixtures import make_clip

    from generator.model import Film
    from generator.stages import StageContext
    from generator.stages import renditions as stage

    clip = make_clip(tmp_path / "ok.mp4", duration=2, cuts=())
    tools, cache = find_tools(), Cache(tmp_path / "cache")
    good = Film("ok", "OK", tmp_path / "ok.md", clip, info=probe_cached(clip, tools, cache))
    bad = Film("bad", "Bad", tmp_path / "bad.md", tmp_path / "missing.mp4", info=good.info)
    reporter = Reporter(quiet=True)
    ctx = StageContext(tmp_path, Settings(), cache, reporter)
    kept = stage.run(ctx, [bad, good])
    assert [f.slug for f in kept] == ["ok"] and kept[0].rendition is not None
    assert any("missing.mp4" in w and "'bad' skipped" in w for w in reporter.warnings)
