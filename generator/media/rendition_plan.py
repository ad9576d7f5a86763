"""What the web renditions of a film must be, and the ffmpeg commands that make them (no I/O here).

Every film is published as an MP4 that every current browser plays: H.264 High, 8-bit 4:2:0, square
pixels, the rotation applied, AAC sound when the film has sound, the index (moov) first. Footage that
already is such a file is remuxed (streams copied, only the container rewritten), not re-encoded.

Long films also stream as HLS: fMP4 segments per rung of ``[video] ladder`` and a master playlist.
The MP4 is encoded with a keyframe every :data:`KEYFRAME_EVERY` seconds, the rungs too, so segment
boundaries line up across rungs (a player switches rung cleanly) and the top rung is the MP4 itself cut
into segments, with no second encode of the largest picture.

Sizes: ``max_height`` limits the picture's shorter side, so a portrait phone clip keeps 1080 x 1920 at
the default; odd sizes are rounded to even numbers, which 4:2:0 needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..config import VideoSettings
from ..model import VideoInfo
from .probe import main_video_stream

KEYFRAME_EVERY = 2.0  # s: forced keyframes, for seeking and for segment boundaries shared by every rung
WEB_PROFILES = ("High", "Main", "Constrained Baseline", "Baseline")  # H.264 profiles every browser decodes
LADDER_AUDIO = "128k"  # AAC bit rate in the lower HLS rungs
# H.264 levels: (level, max macroblocks per second, max frame size in macroblocks)
_LEVELS = ((3.0, 40_500, 1_620), (3.1, 108_000, 3_600), (3.2, 216_000, 5_120), (4.0, 245_760, 8_192),
           (4.1, 245_760, 8_192), (4.2, 522_240, 8_704), (5.0, 589_824, 22_080), (5.1, 983_040, 36_864),
           (5.2, 2_073_600, 36_864), (6.0, 4_177_920, 139_264), (6.1, 8_355_840, 139_264),
           (6.2, 16_711_680, 139_264))


@dataclass(frozen=True)
class Rung:
    name: str  # "720p": its shorter side
    width: int
    height: int
    maxrate_k: int  # kbit/s cap, so the rungs really differ in bandwidth
    level: float


@dataclass(frozen=True)
class Plan:
    width: int  # the rendition's displayed size (rotation applied)
    height: int
    remux: bool  # the video stream is copied as it is
    copy_audio: bool  # the sound is already AAC
    has_audio: bool
    encoder: str  # "copy", "libx264" or "h264_nvenc"
    level: float  # H.264 level of an encoded rendition (0 when remuxed)
    reasons: tuple[str, ...]  # why the footage is re-encoded (empty when remuxed)
    rungs: tuple[Rung, ...] = ()  # HLS rungs, largest first (empty: no HLS)

    @property
    def copy_top_rung(self) -> bool:
        """The top rung is the MP4 cut into segments (only when we encoded it, with aligned keyframes)."""
        return bool(self.rungs) and not self.remux

    @property
    def encoded_rungs(self) -> tuple[Rung, ...]:
        return self.rungs[1:] if self.copy_top_rung else self.rungs


def _even(x: float) -> int:
    return max(2, int(round(x / 2.0)) * 2)


def display_size(info: VideoInfo) -> tuple[float, float]:
    """The picture as a player shows it: pixel aspect applied, then the rotation."""
    w, h = info.width * info.pixel_aspect, float(info.height)
    return (h, w) if info.rotation % 180 == 90 else (w, h)


def fit(size: tuple[float, float], short_side: int) -> tuple[int, int]:
    """``size`` scaled so that its shorter side is at most ``short_side`` (never enlarged), even numbers."""
    w, h = size
    scale = min(1.0, short_side / max(1.0, min(w, h)))
    return _even(w * scale), _even(h * scale)


def level_for(width: int, height: int, fps: float) -> float:
    """The smallest H.264 level (3.1 at least) that holds this picture size and frame rate."""
    frame_mbs = math.ceil(width / 16) * math.ceil(height / 16)
    rate = frame_mbs * max(fps, 30.0)
    for level, max_rate, max_frame in _LEVELS:
        if level >= 3.1 and frame_mbs <= max_frame and rate <= max_rate:
            return level
    return _LEVELS[-1][0]


def maxrate_k(width: int, height: int) -> int:
    """A bandwidth cap that grows with the picture: ~6 Mbit/s at 1080p, ~1 Mbit/s at 360p."""
    pixels = width * height
    return int(round(6000 * (pixels / (1920 * 1080)) ** 0.75 / 50.0)) * 50 or 200


def reencode_reasons(info: VideoInfo, max_height: int) -> list[str]:
    """Why this footage cannot be published as it is (empty: a remux is enough)."""
    out = []
    if info.codec != "h264":
        out.append(f"{info.codec} is not H.264")
    elif info.profile and info.profile not in WEB_PROFILES:
        out.append(f"H.264 {info.profile} profile")
    if info.pix_fmt and info.pix_fmt != "yuv420p":
        out.append(f"{info.pix_fmt} pixels")
    if info.sar != "1:1":
        out.append(f"non-square pixels ({info.sar})")
    if info.rotation:
        out.append(f"rotated {info.rotation}°")
    if min(info.width, info.height) > max_height:
        out.append(f"larger than {max_height}p")
    return out


def plan(info: VideoInfo, settings: VideoSettings, encoder: str) -> Plan:
    """The renditions of one film; ``encoder`` is the resolved one (see :func:`choose_encoder`)."""
    reasons = reencode_reasons(info, settings.max_height)
    remux = not reasons
    width, height = (info.width, info.height) if remux else fit(display_size(info), settings.max_height)
    level = 0.0 if remux else level_for(width, height, info.fps)
    rungs: list[Rung] = []
    if settings.ladder and info.duration >= settings.hls_min_duration:
        top = min(width, height)
        heights = [top] + sorted({int(r[:-1]) for r in settings.ladder if int(r[:-1]) < top}, reverse=True)
        for h in heights:
            w2, h2 = fit((width, height), h)
            rungs.append(Rung(f"{h}p", w2, h2, maxrate_k(w2, h2), level_for(w2, h2, info.fps)))
    return Plan(width, height, remux, info.audio_codec == "aac", info.has_audio,
                "copy" if remux else encoder, level, tuple(reasons), tuple(rungs))


def choose_encoder(settings: VideoSettings, encoders: set[str]) -> str:
    """``auto``: NVENC when the build runs with --device cuda and this ffmpeg has it, else libx264."""
    if settings.encoder != "auto":
        return settings.encoder
    if settings.device.startswith("cuda") and "h264_nvenc" in encoders:
        return "h264_nvenc"
    return "libx264"


# -- commands -----------------------------------------------------------------------------------------

def _head(ffmpeg: str, source: str) -> list[str]:
    return [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1",
            "-i", source]


def _video_codec(encoder: str, settings: VideoSettings, level: float, maxrate: int = 0) -> list[str]:
    keys = ["-force_key_frames", f"expr:gte(t,n_forced*{KEYFRAME_EVERY:g})"]
    if encoder == "h264_nvenc":
        args = ["-c:v", "h264_nvenc", "-preset", "p5", "-tune", "hq", "-rc", "vbr", "-cq", str(settings.crf),
                "-b:v", "0", "-forced-idr", "1"]
    else:
        args = ["-c:v", "libx264", "-preset", settings.preset, "-crf", str(settings.crf)]
    args += ["-profile:v", "high", "-level:v", f"{level:.1f}", "-pix_fmt", "yuv420p", *keys]
    if maxrate:
        args += ["-maxrate", f"{maxrate}k", "-bufsize", f"{2 * maxrate}k"]
    return args


def _scale(width: int, height: int) -> str:
    # autorotate (ffmpeg's default) has already turned the picture upright before this filter
    return f"scale={width}:{height}:flags=bicubic,setsar=1,format=yuv420p"


def mp4_command(ffmpeg: str, source: str, info: VideoInfo, p: Plan, settings: VideoSettings,
                out: str) -> list[str]:
    """The MP4 rendition: remuxed or encoded, ``+faststart`` so playback starts before it has loaded."""
    cmd = _head(ffmpeg, source) + ["-map", f"0:{main_video_stream(info)}"]
    if p.has_audio:
        cmd += ["-map", "0:a:0"]
    cmd += ["-dn", "-sn", "-map_chapters", "-1"]
    if p.remux:
        cmd += ["-c:v", "copy"]
    else:
        cmd += ["-vf", _scale(p.width, p.height), *_video_codec(p.encoder, settings, p.level)]
        cmd += ["-fps_mode", "passthrough"]  # keep the footage's own frame times (variable rate stays exact)
    if p.has_audio:
        cmd += ["-c:a", "copy"] if p.copy_audio else ["-c:a", "aac", "-b:a", settings.audio_bitrate, "-ac", "2"]
    return cmd + ["-movflags", "+faststart", "-f", "mp4", out]


def _hls_output(rung: str, settings: VideoSettings) -> list[str]:
    return ["-f", "hls", "-hls_time", f"{settings.hls_segment:g}", "-hls_playlist_type", "vod",
            "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
            "-hls_segment_filename", f"{rung}/s%05d.m4s", f"{rung}/index.m3u8"]


def hls_copy_command(ffmpeg: str, mp4: str, rung: Rung, settings: VideoSettings) -> list[str]:
    """The top rung: the MP4 rendition cut into segments at its keyframes, streams copied."""
    return _head(ffmpeg, mp4) + ["-map", "0", "-c", "copy", *_hls_output(rung.name, settings)]


def hls_ladder_command(ffmpeg: str, source: str, info: VideoInfo, p: Plan, settings: VideoSettings,
                       rungs: tuple[Rung, ...]) -> list[str]:
    """The other rungs from the footage in one run: decoded once, split, scaled and encoded per rung."""
    names = [f"s{i}" for i in range(len(rungs))]
    graph = f"[0:{main_video_stream(info)}]split={len(rungs)}" + "".join(f"[{n}]" for n in names)
    for i, (n, rung) in enumerate(zip(names, rungs)):
        graph += f";[{n}]{_scale(rung.width, rung.height)}[v{i}]"
    cmd = _head(ffmpeg, source) + ["-filter_complex", graph]
    for i, rung in enumerate(rungs):
        cmd += ["-map", f"[v{i}]"]
        if p.has_audio:
            cmd += ["-map", "0:a:0", "-c:a", "aac", "-b:a", LADDER_AUDIO, "-ac", "2"]
        cmd += _video_codec(p.encoder if p.encoder != "copy" else "libx264", settings, rung.level, rung.maxrate_k)
        cmd += ["-fps_mode", "passthrough", *_hls_output(rung.name, settings)]
    return cmd


def codecs(level: float, has_audio: bool) -> str:
    """The CODECS attribute of a rung: H.264 High at ``level`` (and AAC-LC)."""
    video = f"avc1.6400{int(round(level * 10)):02x}"
    return f"{video},mp4a.40.2" if has_audio else video
