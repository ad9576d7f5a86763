"""Probe a film: duration, frame rate, size, rotation, codecs.

ffprobe (through ffmpeg-python) is the source when it exists. With only the ffmpeg of imageio-ffmpeg,
the same facts are read from the report ``ffmpeg -i`` prints; that report rounds the duration to
1/100 s and gives no exact frame-rate fractions, which is enough for keyframes and subtitles.

Both paths build the same ffprobe-shaped dict, and one interpreter turns it into a
:class:`~generator.model.VideoInfo`, so the rules (which stream is the film, what counts as
variable frame rate, how rotation is normalised) live in one place.

Rotation: ``VideoInfo.rotation`` is the clockwise angle a player turns the picture, as ffmpeg's own
autorotate does: ``-displaymatrix rotation`` (ffprobe reports the counter-clockwise angle), or the
legacy ``rotate`` tag, which was already clockwise.

Cover art (an ``attached_pic`` stream, as in audio files with an album image) is listed with kind
``"attachment"`` so that it is never mistaken for the film's video stream.
"""

from __future__ import annotations

import re
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..cache import Cache
from ..errors import MediaError
from ..model import StreamInfo, VideoInfo
from .ffmpeg_bin import FFmpegTools

STAGE = "probe"
STAGE_VERSION = 2  # 2: pixel format, profile, pixel aspect, audio codec, container

# Frame rates closer than this (relative) count as constant; timestamps rounded to the container's
# time base make avg_frame_rate drift a little from r_frame_rate even in constant-rate files.
VFR_TOLERANCE = 0.015

_IMAGE_FORMATS = ("image2", "gif_pipe")  # plus every "*_pipe" demuxer (png_pipe, jpeg_pipe, ...)


def ffmpeg_input(path: Path) -> str:
    """The path as an ffmpeg input URL: ``file:`` keeps names with ':' or a leading '-' literal."""
    return "file:" + str(path.resolve())


# -- running the tools -------------------------------------------------------------------------------

def _run_ffprobe(path: Path, tools: FFmpegTools) -> dict[str, Any]:
    import ffmpeg  # ffmpeg-python; light, but only needed here

    assert tools.ffprobe is not None
    try:
        return ffmpeg.probe(ffmpeg_input(path), cmd=tools.ffprobe, v="error")  # type: ignore[no-any-return]
    except ffmpeg.Error as exc:
        raise _unreadable(path, exc.stderr.decode("utf-8", "replace"), "ffprobe") from None
    except ValueError:  # JSON that does not parse: ffprobe crashed half-way
        raise MediaError("ffprobe could not read it: garbled ffprobe output", path) from None
    except OSError as exc:
        raise MediaError(f"could not run ffprobe ({tools.ffprobe}): {exc.strerror}", path) from None


def _run_ffmpeg_banner(path: Path, tools: FFmpegTools) -> dict[str, Any]:
    try:
        proc = subprocess.run([tools.ffmpeg, "-hide_banner", "-nostdin", "-i", ffmpeg_input(path)],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    except OSError as exc:
        raise MediaError(f"could not run ffmpeg ({tools.ffmpeg}): {exc.strerror}", path) from None
    except subprocess.TimeoutExpired:
        raise MediaError("ffmpeg took more than 2 minutes to open it", path) from None
    report = proc.stderr.decode("utf-8", "replace")
    if "Input #0" not in report:  # ffmpeg always exits 1 here (no output given): judge by the report
        raise _unreadable(path, report, "ffmpeg")
    return parse_ffmpeg_banner(report)


def _unreadable(path: Path, stderr: str, tool: str) -> MediaError:
    """The one-line error for a file ffprobe/ffmpeg could not open."""
    if "moov atom not found" in stderr and _looks_like_mp4(path):
        return MediaError("is truncated: its index (moov atom) is missing, so the copy or recording "
                          "was probably interrupted", path)
    return MediaError(f"{tool} could not read it: {_short_reason(stderr)}", path)


def _looks_like_mp4(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except OSError:
        return False
    return head[4:8] in (b"ftyp", b"mdat", b"wide", b"free", b"moov")


def _short_reason(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for line in reversed(lines):
        if line.startswith(("Error opening input file", "At least one output")):
            continue
        # drop "[mov,mp4 @ 0x...]" and "file:/path: " prefixes: the path is already in the message
        line = re.sub(r"^\[[^\]]*\]\s*", "", line)
        line = re.sub(r"^(Error opening input(?: files)?:\s*)", "", line)
        line = re.sub(r"^file:.*?:\s+(?=[A-Z])", "", line)
        return line[:200]
    return "unknown error"


# -- the fallback parser -----------------------------------------------------------------------------

_DURATION = re.compile(r"^\s*Duration:\s*(N/A|(\d+):(\d\d):(\d\d(?:\.\d+)?))(?:,\s*start:\s*(-?[\d.]+))?", re.M)
_STREAM = re.compile(r"^\s*Stream #0:(\d+)[^:]*:\s*(Video|Audio|Subtitle|Data|Attachment):\s*(.*)$", re.M)
_SIZE = re.compile(r"(?:^|,\s*)(\d{1,5})x(\d{1,5})(?=[\s,\[]|$)")
_RATE = re.compile(r"([\d.]+)(k?)\s+(fps|tbr)")
_ROTATION = re.compile(r"display\s*matrix:\s*rotation of\s*(-?[\d.]+)\s*degrees", re.I)
_INPUT = re.compile(r"^Input #0,\s*(.+?), from ", re.M)


def parse_ffmpeg_banner(report: str) -> dict[str, Any]:
    """Turn the report of ``ffmpeg -i file`` into the subset of ffprobe's JSON that probe reads."""
    fmt: dict[str, Any] = {}
    m = _INPUT.search(report)
    if m:
        fmt["format_name"] = m.group(1)
    m = _DURATION.search(report)
    if m and m.group(1) != "N/A":
        h, mi, s = int(m.group(2)), int(m.group(3)), float(m.group(4))
        fmt["duration"] = str(h * 3600 + mi * 60 + s)
    if m and m.group(5):
        fmt["start_time"] = m.group(5)

    streams: list[dict[str, Any]] = []
    matches = list(_STREAM.finditer(report))
    for i, sm in enumerate(matches):
        index, kind, desc = int(sm.group(1)), sm.group(2).lower(), sm.group(3)
        # the stream's own block (Metadata, Side data) runs until the next stream line
        block_end = matches[i + 1].start() if i + 1 < len(matches) else len(report)
        block = report[sm.end():block_end]
        stream: dict[str, Any] = {"index": index, "codec_type": kind,
                                  "codec_name": desc.split()[0].rstrip(",") if desc.split() else "",
                                  "disposition": {"attached_pic": int("(attached pic)" in desc)}}
        if kind == "video":
            profile = re.match(r"\S+\s+\(([^)/]+)\)", desc)  # "h264 (High) (avc1 / 0x31637661), ..."
            if profile:
                stream["profile"] = profile.group(1).strip()
            pix = re.search(r",\s*([a-z0-9_]+)(?:\([^)]*\))?,\s*\d{1,5}x\d{1,5}", desc)
            if pix:
                stream["pix_fmt"] = pix.group(1)
            sar = re.search(r"\[SAR (\d+):(\d+)", desc)
            if sar:
                stream["sample_aspect_ratio"] = f"{sar.group(1)}:{sar.group(2)}"
            size = _SIZE.search(desc)
            if size:
                stream["width"], stream["height"] = int(size.group(1)), int(size.group(2))
            for value, kilo, which in _RATE.findall(desc):
                rate = float(value) * (1000 if kilo else 1)
                stream["avg_frame_rate" if which == "fps" else "r_frame_rate"] = str(rate)
            rot = _ROTATION.search(block)
            if rot:
                stream["side_data_list"] = [{"side_data_type": "Display Matrix", "rotation": float(rot.group(1))}]
            tag = re.search(r"^\s*rotate\s*:\s*(-?\d+)", block, re.M)
            if tag:
                stream["tags"] = {"rotate": tag.group(1)}
        streams.append(stream)
    return {"format": fmt, "streams": streams}


# -- interpretation ----------------------------------------------------------------------------------

def _rate(text: Any) -> float:
    """'30000/1001' or '29.97' -> float; 0.0 for unknown ('0/0', missing, garbage)."""
    if text in (None, "", "N/A"):
        return 0.0
    try:
        value = Fraction(str(text))
    except (ValueError, ZeroDivisionError):
        return 0.0
    return float(value) if value > 0 else 0.0


def _float(text: Any) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value == value else None  # NaN -> None


def _rotation(stream: dict[str, Any]) -> int:
    """Clockwise display rotation in {0, 90, 180, 270}."""
    angle: float | None = None
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            # ffprobe gives the counter-clockwise angle of the display matrix
            angle = -float(side["rotation"])
            break
    if angle is None:
        tag = (stream.get("tags") or {}).get("rotate")
        angle = _float(tag) if tag is not None else None  # legacy tag: already clockwise
    if angle is None:
        return 0
    return int(round(angle / 90.0)) % 4 * 90


def _is_attached_picture(stream: dict[str, Any]) -> bool:
    return bool((stream.get("disposition") or {}).get("attached_pic"))


def video_info(data: dict[str, Any], path: Path) -> VideoInfo:
    """Interpret ffprobe-shaped JSON; raises MediaError for files that are not usable films."""
    fmt = data.get("format") or {}
    streams = data.get("streams") or []
    infos: list[StreamInfo] = []
    for s in streams:
        kind = str(s.get("codec_type") or "data")
        if kind == "video" and _is_attached_picture(s):
            kind = "attachment"
        infos.append(StreamInfo(index=int(s.get("index", len(infos))), kind=kind,
                                codec=str(s.get("codec_name") or "unknown")))
    videos = [s for s in streams if s.get("codec_type") == "video" and not _is_attached_picture(s)]
    if not videos:
        raise MediaError("has no video stream (audio only?)", path)
    video = videos[0]

    format_name = str(fmt.get("format_name") or "")
    if format_name in _IMAGE_FORMATS or format_name.endswith("_pipe"):
        raise MediaError(f"is a still image ({video.get('codec_name', format_name)}), not a video", path)

    duration = _float(fmt.get("duration"))
    if duration is None:
        duration = _float(video.get("duration"))
    if duration is None:
        raise MediaError("its duration is unknown: the file looks truncated or is still being written", path)
    if duration <= 0:
        raise MediaError("has zero duration", path)

    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if width <= 0 or height <= 0:
        raise MediaError("ffprobe could not read it: the video stream has no picture size", path)

    avg, real = _rate(video.get("avg_frame_rate")), _rate(video.get("r_frame_rate"))
    fps = avg or real
    if not fps:
        frames = _float(video.get("nb_frames"))
        fps = frames / duration if frames else 0.0
    vfr = bool(avg and real and abs(avg - real) > VFR_TOLERANCE * max(avg, real))

    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    return VideoInfo(
        duration=duration,
        fps=fps,
        variable_frame_rate=vfr,
        width=width,
        height=height,
        rotation=_rotation(video),
        codec=str(video.get("codec_name") or "unknown"),
        has_audio=any(s.get("codec_type") == "audio" for s in streams),
        start_time=_float(fmt.get("start_time")) or 0.0,
        streams=tuple(infos),
        pix_fmt=str(video.get("pix_fmt") or ""),
        profile=str(video.get("profile") or ""),
        sar=_sar(video.get("sample_aspect_ratio")),
        audio_codec=str(audio.get("codec_name") or "unknown") if audio else "",
        format_name=format_name,
    )


def _sar(text: Any) -> str:
    """"1:1" for square pixels, also when the file does not say ("0:1", "N/A", missing)."""
    num, _, den = str(text or "").partition(":")
    if not (num.isdigit() and den.isdigit()) or int(num) == 0 or int(den) == 0:
        return "1:1"
    return f"{num}:{den}"


def main_video_stream(info: VideoInfo) -> int:
    """Index of the stream probe chose as the film (the first video stream that is not cover art)."""
    for s in info.streams:
        if s.kind == "video":
            return s.index
    return 0


def _check_file(path: Path) -> None:
    if not path.exists():
        raise MediaError("file not found", path)
    if not path.is_file():
        raise MediaError("is not a file", path)
    if path.stat().st_size == 0:
        raise MediaError("is empty (0 bytes)", path)


def probe(path: Path, tools: FFmpegTools) -> VideoInfo:
    """Facts about a film file; MediaError (naming the file) when it is missing or unusable."""
    _check_file(path)
    data = _run_ffprobe(path, tools) if tools.ffprobe else _run_ffmpeg_banner(path, tools)
    return video_info(data, path)


# -- cache -------------------------------------------------------------------------------------------

def info_to_json(info: VideoInfo) -> dict[str, Any]:
    return {
        "duration": info.duration, "fps": info.fps, "variable_frame_rate": info.variable_frame_rate,
        "width": info.width, "height": info.height, "rotation": info.rotation, "codec": info.codec,
        "has_audio": info.has_audio, "start_time": info.start_time,
        "streams": [[s.index, s.kind, s.codec] for s in info.streams],
        "pix_fmt": info.pix_fmt, "profile": info.profile, "sar": info.sar, "audio_codec": info.audio_codec,
        "format_name": info.format_name,
    }


def info_from_json(data: dict[str, Any]) -> VideoInfo:
    fields = dict(data)
    fields["streams"] = tuple(StreamInfo(int(i), str(k), str(c)) for i, k, c in data["streams"])
    return VideoInfo(**fields)


def probe_cached(path: Path, tools: FFmpegTools, cache: Cache) -> VideoInfo:
    """probe(), remembered by the file's content hash. Errors are not cached: a fixed file is re-read."""
    _check_file(path)
    # the fallback parser reads rounded values, so its results are kept apart from ffprobe's
    method = "ffprobe" if tools.ffprobe else "ffmpeg-banner"
    ns = cache.namespace(STAGE, STAGE_VERSION)
    key = ns.key(cache.file_hash(path), method)
    stored = ns.get_json(key)
    if stored is not None:
        try:
            return info_from_json(stored)
        except (KeyError, TypeError, ValueError):
            pass  # an artifact from an incompatible build: probe again
    info = probe(path, tools)
    ns.put_json(key, info_to_json(info))
    return info
