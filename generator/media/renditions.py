"""Make a film's web renditions (see :mod:`.rendition_plan` for what they are) into the cache.

One artifact folder per (footage content, plan, settings): ``film.mp4``, ``rendition.json`` and, for
long films, ``hls/master.m3u8`` with one folder of fMP4 segments per rung. ffmpeg writes into the
cache's temporary folder, which becomes the artifact only when every command succeeded, so an
interrupted encode leaves nothing half-made behind and the next build starts it again.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..cache import Cache, atomic_write_json, atomic_write_text
from ..config import VideoSettings
from ..errors import MediaError
from ..model import Rendition, VideoInfo
from ..reporter import Reporter
from . import rendition_plan as rp
from .ffmpeg_bin import FFmpegTools
from .ffmpeg_run import last_error_line, run_ffmpeg
from .probe import ffmpeg_input

STAGE = "renditions"
STAGE_VERSION = 1
MP4 = "film.mp4"
INDEX = "rendition.json"
HLS_DIR = "hls"
MASTER = "master.m3u8"


@functools.lru_cache(maxsize=4)
def encoders_of(ffmpeg: str) -> frozenset[str]:
    """The video encoders this ffmpeg was built with (asked once per process)."""
    try:
        out = subprocess.run([ffmpeg, "-hide_banner", "-encoders"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(m.group(1) for m in re.finditer(r"^\s*V\S*\s+(\S+)", out, re.M))


def resolve_encoder(settings: VideoSettings, tools: FFmpegTools) -> str:
    wants_gpu = settings.encoder == "h264_nvenc" or (settings.encoder == "auto" and settings.device.startswith("cuda"))
    encoders = encoders_of(tools.ffmpeg) if wants_gpu else frozenset()
    if settings.encoder == "h264_nvenc" and "h264_nvenc" not in encoders:
        raise MediaError("[video] encoder = h264_nvenc, but this ffmpeg was built without NVENC", Path(tools.ffmpeg))
    return rp.choose_encoder(settings, set(encoders))


def _params(p: rp.Plan, settings: VideoSettings) -> dict[str, Any]:
    """What decides the bytes of the renditions: the plan and the encoder's settings (not the device)."""
    return {"plan": asdict(p), "crf": settings.crf, "preset": settings.preset, "audio": settings.audio_bitrate,
            "segment": settings.hls_segment, "keyframes": rp.KEYFRAME_EVERY}


def _run(cmd: list[str], source: Path, duration: float, reporter: Reporter | None, desc: str, cwd: Path,
         what: str) -> None:
    run = run_ffmpeg(cmd, source, duration, reporter, desc, cwd=cwd)
    if run.code != 0:
        raise MediaError(f"ffmpeg could not make its {what}: {last_error_line(run.stderr)}", source)


def _playlist(path: Path) -> list[tuple[float, str]]:
    """(duration, segment file) of each segment of a rung's playlist."""
    out, duration = [], 0.0
    for line in path.read_text("utf-8").splitlines():
        if line.startswith("#EXTINF:"):
            duration = float(line[8:].split(",")[0])
        elif line and not line.startswith("#"):
            out.append((duration, line))
    return out


def master_playlist(hls: Path, rungs: tuple[rp.Rung, ...], has_audio: bool) -> str:
    """The master playlist, with each rung's measured peak and average bandwidth (as Apple's spec asks:
    BANDWIDTH is the largest segment bit rate, not the encoder's target)."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for rung in rungs:
        folder = hls / rung.name
        segments = _playlist(folder / "index.m3u8")
        sizes = [(d, (folder / name).stat().st_size) for d, name in segments]
        total = sum(d for d, _ in sizes) or 1.0
        peak = max((8 * size / d for d, size in sizes if d > 0.5), default=8 * sum(s for _, s in sizes) / total)
        average = 8 * (sum(s for _, s in sizes) + (folder / "init.mp4").stat().st_size) / total
        lines.append(f"#EXT-X-STREAM-INF:BANDWIDTH={int(peak)},AVERAGE-BANDWIDTH={int(average)},"
                     f"RESOLUTION={rung.width}x{rung.height},CODECS=\"{rp.codecs(rung.level, has_audio)}\"")
        lines.append(f"{rung.name}/index.m3u8")
    return "\n".join(lines) + "\n"


def _make(source: Path, info: VideoInfo, p: rp.Plan, settings: VideoSettings, tools: FFmpegTools, tmp: Path,
          reporter: Reporter | None, slug: str) -> None:
    src = ffmpeg_input(source)
    _run(rp.mp4_command(tools.ffmpeg, src, info, p, settings, MP4), source, info.duration, reporter,
         f"encode {slug}"[:24], tmp, "web rendition")
    if not p.rungs:
        return
    hls = tmp / HLS_DIR
    for rung in p.rungs:
        (hls / rung.name).mkdir(parents=True)
    if p.copy_top_rung:
        _run(rp.hls_copy_command(tools.ffmpeg, str(tmp / MP4), p.rungs[0], settings), source, info.duration, None,
             "", hls, "HLS segments")
    if p.encoded_rungs:
        _run(rp.hls_ladder_command(tools.ffmpeg, src, info, p, settings, p.encoded_rungs), source, info.duration,
             reporter, f"ladder {slug}"[:24], hls, "HLS renditions")
    atomic_write_text(hls / MASTER, master_playlist(hls, p.rungs, p.has_audio))


def _load(folder: Path) -> Rendition | None:
    try:
        meta = json.loads((folder / INDEX).read_text("utf-8"))
        hls = folder / HLS_DIR if meta["rungs"] else None
        if not (folder / MP4).is_file() or (hls is not None and not (hls / MASTER).is_file()):
            return None
        return Rendition(mp4=folder / MP4, width=int(meta["width"]), height=int(meta["height"]),
                         remuxed=bool(meta["remuxed"]), encoder=str(meta["encoder"]), hls=hls,
                         rungs=tuple(str(r) for r in meta["rungs"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class RenditionTask:
    """One film's renditions as a task that pickles: ffmpeg writes them into ``folder``, staged in the cache
    by the caller."""

    source: Path
    info: VideoInfo
    plan: rp.Plan
    settings: VideoSettings
    tools: FFmpegTools
    folder: Path
    slug: str = ""


def make_rendition(task: RenditionTask, reporter: Reporter | None = None) -> None:
    """Encode (or remux) into ``task.folder`` and write its index last: a folder without one is unfinished."""
    p = task.plan
    _make(task.source, task.info, p, task.settings, task.tools, task.folder, reporter, task.slug)
    atomic_write_json(task.folder / INDEX, {"width": p.width, "height": p.height, "remuxed": p.remux,
                                            "encoder": p.encoder, "reasons": list(p.reasons),
                                            "rungs": [r.name for r in p.rungs], "version": STAGE_VERSION})


@dataclass(frozen=True)
class Lookup:
    """Where a film's renditions are, or will be: its plan, cache key, and what is stored (None: to make)."""

    plan: rp.Plan
    key: str
    found: Rendition | None


def lookup(source: Path, info: VideoInfo, settings: VideoSettings, tools: FFmpegTools, cache: Cache) -> Lookup:
    ns = cache.namespace(STAGE, STAGE_VERSION)
    p = rp.plan(info, settings, resolve_encoder(settings, tools))
    try:
        digest = ns.file_hash(source)
    except OSError as exc:  # moved or deleted since the media stage probed it
        raise MediaError(f"could not be read: {exc.strerror}", source) from None
    key = ns.key(digest, _params(p, settings))
    found = ns.folder(key, legacy=INDEX)
    return Lookup(p, key, _load(found.path) if found is not None else None)


def load_made(source: Path, key: str, cache: Cache) -> Rendition:
    """The renditions just made under ``key``."""
    loaded = _load(cache.namespace(STAGE, STAGE_VERSION).path(key))
    if loaded is None:
        raise MediaError("its web rendition vanished from the cache right after it was made", source)
    return loaded


def say_why(p: rp.Plan, slug: str, reporter: Reporter | None) -> None:
    if reporter is not None and not p.remux:
        reporter.info(f"film '{slug}': encoding H.264 {p.width}x{p.height} with {p.encoder} ({', '.join(p.reasons)})")


def rendition_cached(source: Path, info: VideoInfo, settings: VideoSettings, tools: FFmpegTools, cache: Cache,
                     reporter: Reporter | None = None, slug: str = "") -> Rendition:
    """The film's renditions, made once per (footage content, plan, settings, STAGE_VERSION)."""
    where = lookup(source, info, settings, tools, cache)
    if where.found is not None:
        return where.found
    return make_cached(source, info, settings, tools, cache, where, reporter, slug)


def make_cached(source: Path, info: VideoInfo, settings: VideoSettings, tools: FFmpegTools, cache: Cache,
                where: Lookup, reporter: Reporter | None = None, slug: str = "") -> Rendition:
    """Make the renditions :func:`lookup` found missing into the cache (on the CPU if NVENC fails)."""
    ns = cache.namespace(STAGE, STAGE_VERSION)
    p = where.plan
    say_why(p, slug, reporter)
    try:
        with ns.new_dir(where.key) as tmp:
            make_rendition(RenditionTask(source, info, p, settings, tools, tmp, slug), reporter)
    except MediaError:
        fallback = cpu_fallback(p, settings)
        if fallback is None:
            raise
        if reporter is not None:  # NVENC listed but no usable GPU/driver: the CPU encoder always works
            reporter.warn(f"{source}: NVENC failed, encoding with libx264 instead")
        return rendition_cached(source, info, fallback, tools, cache, reporter, slug)
    return load_made(source, where.key, cache)


def cpu_fallback(p: rp.Plan, settings: VideoSettings) -> VideoSettings | None:
    """The settings to retry a failed NVENC encode with on the CPU, or None when that is no option (the
    encode did not use NVENC, or the user asked for NVENC and nothing else)."""
    if p.encoder != "h264_nvenc" or settings.encoder == "h264_nvenc":
        return None
    return VideoSettings(**{**asdict(settings), "encoder": "libx264"})
