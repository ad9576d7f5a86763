"""Keyframes: the frames the machine will describe, found in one ffmpeg decode pass.

A frame becomes a keyframe when
  * it is the first frame of the film, or
  * the picture changes enough (ffmpeg's scene score > ``scene_threshold``), provided at least
    ``min_interval`` seconds passed since the previous keyframe (flashes and fast cutting do not
    flood the subtitles) -- unless that keyframe was an interval pick, which then gives way to
    the cut (see :func:`settle`), or
  * waiting one more frame would leave more than ``max_interval`` seconds since the previous
    keyframe (long shots still get described; with variable frame rate "one frame" is the average).

All of that is one ``select`` expression, so ffmpeg decodes the film once and only the chosen frames
are scaled, rotated and written as JPEG. Times come from the frames' own presentation timestamps
(rebased to microseconds, counted from the container's start time as ffmpeg does without -copyts),
not from frame counting, so variable frame rate footage gets exact times too.

Speed (bench/bench_keyframes.py): the scene score is computed on the decoded frames at full size,
because on this ffmpeg the SIMD frame difference costs less than scaling every frame down would
(measured: scaling 720p or 1080p frames to 320 px before scoring added ~25-50 % to the decode, the
full-size score ~0-5 %).

Rotation: ffmpeg's autorotate is switched off for the decode, so scoring does not pay for rotating
every frame; the rotation probe found is applied to the selected thumbnails only.

Damaged footage: when decoding stops early (a truncated download, a broken card) and ffmpeg says why
("partial file", "File ended prematurely" ...), the keyframes up to the damage are kept and a
warning says how much of the film could be read. (A picture that simply ends before a longer
soundtrack is not damage, and is not reported.) That way one damaged
film does not stop a whole site build, and ``--strict`` still turns it into a failure. The warning
is stored with the cached result, so a cached build warns exactly like the first one. A file from
which no frame at all can be decoded raises MediaError.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..cache import Cache, atomic_write_json
from ..config import KeyframeSettings
from ..errors import MediaError
from ..model import Keyframe, VideoInfo
from ..reporter import Reporter
from .ffmpeg_bin import FFmpegTools
from .ffmpeg_run import run_ffmpeg
from .probe import ffmpeg_input, main_video_stream

STAGE = "keyframes"
STAGE_VERSION = 2
INDEX = "index.json"
META_FILE = "keyframes.meta"  # ffmpeg's metadata filter writes the chosen frames' pts + scores here
JPEG_PATTERN = "kf%06d.jpg"
_EPSILON = 1e-4  # s; keeps comparisons of times that are equal on paper stable under float rounding

@dataclass
class Extraction:
    frames: list[tuple[float, bool, str]] = field(default_factory=list)  # (time, scene_cut, jpeg name)
    warnings: list[str] = field(default_factory=list)  # without the file name (added when reported)
    decoded_until: float = 0.0  # seconds of the film ffmpeg could decode


# -- the ffmpeg command ------------------------------------------------------------------------------

def _num(x: float) -> str:
    return f"{x:.6g}"


def select_expression(settings: KeyframeSettings, fps: float = 0.0) -> str:
    """The ffmpeg ``select`` expression that picks keyframe candidates in one pass.

    It keeps one piece of state across frames in expression variable 0 (``st``/``ld`` persist
    between evaluations): whether the previous pick was made by the interval rule. A cut that comes
    right after such a pick is taken despite min_interval, because that pick showed the end of the
    old shot, and the new shot deserves its own keyframe; :func:`settle` then drops the interval pick.
    """
    since = "t-prev_selected_t"
    # take the last frame before max_interval would be exceeded: gap + one frame > max_interval
    frame = 1.0 / fps if fps > 0 else 0.0
    longest = _num(settings.max_interval - frame + _EPSILON)
    shortest = _num(settings.min_interval - _EPSILON)
    threshold = _num(settings.scene_threshold)
    return ";".join([
        "st(1,isnan(prev_selected_t))",  # first frame
        f"st(2,gte({since},{longest}))",  # interval rule
        f"st(3,gt(scene,{threshold})*(gte({since},{shortest})+ld(0)))",  # a cut
        "st(4,gt(ld(1)+ld(2)+ld(3),0))",
        "if(ld(4),st(0,ld(2)*not(ld(3))*not(ld(1))),0)",  # remember why this frame was picked
        "ld(4)",
    ])


def settle(picks: list[tuple[float, float]], settings: KeyframeSettings) -> list[tuple[int, bool]]:
    """(index into picks, scene_cut) of the keyframes kept from ffmpeg's picks (time, scene score).

    The first frame opens the first shot and counts as a cut. An interval pick followed by a cut
    less than min_interval later is dropped: it would describe the last instant of a shot that is
    already described. So within a shot the gap never exceeds max_interval, and across such a
    cut it can exceed it by less than min_interval.
    """
    cuts = [i == 0 or score > settings.scene_threshold for i, (_, score) in enumerate(picks)]
    kept = []
    for i, (time, _) in enumerate(picks):
        followed_by_cut = (i + 1 < len(picks) and cuts[i + 1]
                           and picks[i + 1][0] - time < settings.min_interval - _EPSILON)
        if not cuts[i] and followed_by_cut:
            continue
        kept.append((i, cuts[i]))
    return kept


def thumbnail_filters(info: VideoInfo, settings: KeyframeSettings) -> str:
    """Scale (keeping the display aspect, square pixels out) and rotate the selected frames."""
    display_width = info.display_size[0]
    width = max(2, min(settings.thumb_width, display_width) // 2 * 2)
    if info.rotation in (90, 270):
        # the frame is still in its stored orientation: its height becomes the thumbnail's width
        scale = f"scale=w='max(2,2*trunc({width}*iw*sar/ih/2))':h={width}"
    else:
        scale = f"scale=w={width}:h='max(2,2*trunc({width}*ih/(iw*sar)/2))'"
    rotate = {90: ",transpose=clock", 180: ",hflip,vflip", 270: ",transpose=cclock"}.get(info.rotation, "")
    return f"{scale},setsar=1{rotate}"


def build_command(path: Path, info: VideoInfo, settings: KeyframeSettings, tools: FFmpegTools,
                  fps_mode: tuple[str, str] = ("-fps_mode", "passthrough")) -> list[str]:
    stream = main_video_stream(info)
    graph = (f"[0:{stream}]settb=AVTB,split=2[pick][all];"
             f"[pick]select='{select_expression(settings, info.fps)}',"
             f"metadata=mode=print:file={META_FILE},"
             f"{thumbnail_filters(info, settings)}[kf]")
    return [
        # warnings too: that is the level at which ffmpeg reports a file that ends prematurely
        tools.ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "warning",
        "-noautorotate", "-i", ffmpeg_input(path),
        "-filter_complex", graph,
        "-map", "[kf]", *fps_mode, "-q:v", str(settings.jpeg_quality), "-f", "image2", JPEG_PATTERN,
        # every decoded frame also reaches a null output: -progress then reports how far decoding got
        "-map", "[all]", "-f", "null", "-",
        "-progress", "pipe:1",
    ]


# -- running it --------------------------------------------------------------------------------------

_META_BLOCK = re.compile(r"frame:\s*(\d+)\s+pts:\s*(-?\d+)\s+pts_time:\S+\s*(.*?)(?=frame:\s*\d+\s+pts:|\Z)", re.S)
_SCORE = re.compile(r"lavfi\.scene_score=([0-9.eE+-]+)")


def parse_metadata(text: str) -> list[tuple[float, float]]:
    """(time in s, scene score) per selected frame, from the metadata filter's print file."""
    out = []
    for m in _META_BLOCK.finditer(text):
        score = _SCORE.search(m.group(3))
        out.append((round(int(m.group(2)) / 1e6, 6), float(score.group(1)) if score else 0.0))
    return out


# what ffmpeg says (at warning level) about footage that is cut short or damaged; a video stream that
# simply ends before the audio says nothing, so it is not mistaken for damage
_DAMAGE = re.compile(r"partial file|ended prematurely|corrupt|invalid data|error while decoding|invalid nal"
                     r"|truncat|missing picture|end of file", re.I)
_ERROR = re.compile(r"error|invalid|failed|cannot|could not|no such|unrecognized|not found|unable", re.I)


def _lines(stderr: str) -> list[str]:
    return [re.sub(r"^\[[^\]]*\]\s*", "", ln.strip()) for ln in stderr.splitlines() if ln.strip()]


def _reason(stderr: str) -> str:
    """The line of ffmpeg's report that best explains a failure."""
    lines = _lines(stderr)
    errors = [ln for ln in lines if _ERROR.search(ln)]
    return (errors or lines or ["no message"])[-1][:200]


def _damage(stderr: str) -> str | None:
    """ffmpeg's first complaint about damaged data, if any."""
    return next((ln[:200] for ln in _lines(stderr) if _DAMAGE.search(ln)), None)


def _run_ffmpeg(cmd: list[str], cwd: Path, path: Path, duration: float, reporter: Reporter | None,
                desc: str) -> tuple[int, str, float]:
    """Run ffmpeg in cwd; returns (exit code, the tail of its stderr, seconds decoded)."""
    run = run_ffmpeg(cmd, path, duration, reporter, desc, cwd=cwd)
    return run.code, run.stderr, run.seconds


def _extract(path: Path, info: VideoInfo, settings: KeyframeSettings, tools: FFmpegTools, out_dir: Path,
             reporter: Reporter | None = None) -> Extraction:
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in [*out_dir.glob("kf*.jpg"), out_dir / META_FILE]:
        stale.unlink(missing_ok=True)
    desc = f"keyframes {path.name}"[:24]
    code, stderr, decoded = _run_ffmpeg(build_command(path, info, settings, tools), out_dir, path,
                                        info.duration, reporter, desc)
    if code != 0 and "Unrecognized option 'fps_mode'" in stderr:  # ffmpeg older than 5.1
        code, stderr, decoded = _run_ffmpeg(build_command(path, info, settings, tools, ("-vsync", "passthrough")),
                                            out_dir, path, info.duration, reporter, desc)
    if code != 0:
        raise MediaError(f"ffmpeg could not extract keyframes: {_reason(stderr)}", path)

    meta_path = out_dir / META_FILE
    try:
        selected = parse_metadata(meta_path.read_text("utf-8", "replace"))
    except OSError:
        selected = []
    meta_path.unlink(missing_ok=True)
    images = sorted(p.name for p in out_dir.glob("kf*.jpg"))
    if not selected or not images:
        raise MediaError(f"ffmpeg decoded no video frames: {_reason(stderr)}", path)
    if len(images) != len(selected):
        raise MediaError(f"ffmpeg wrote {len(images)} keyframe images for {len(selected)} selected frames", path)

    result = Extraction(decoded_until=decoded)
    kept = settle(selected, settings)
    for i, cut in kept:
        result.frames.append((selected[i][0], cut, images[i]))
    for i in sorted(set(range(len(images))) - {i for i, _ in kept}):
        (out_dir / images[i]).unlink()

    damage = _damage(stderr)
    if damage and info.duration - decoded > 1.0:
        result.warnings.append(f"damaged or truncated: video decodes only up to {decoded:.1f} s of "
                               f"{info.duration:.1f} s; keyframes stop there (ffmpeg: {damage})")
    return result


def extract_keyframes(path: Path, info: VideoInfo, settings: KeyframeSettings, tools: FFmpegTools,
                      out_dir: Path, reporter: Reporter | None = None) -> list[tuple[float, bool, str]]:
    """Write keyframe JPEGs into out_dir; returns (seconds from film start, scene_cut, file name)."""
    result = _extract(path, info, settings, tools, out_dir, reporter)
    if reporter is not None:
        for message in result.warnings:
            reporter.warn(f"{path}: {message}")
    return result.frames


# -- cache -------------------------------------------------------------------------------------------

def cache_key(path: Path, settings: KeyframeSettings, cache: Cache) -> str:
    params: dict[str, Any] = asdict(settings)
    return cache.namespace(STAGE, STAGE_VERSION).key(cache.file_hash(path), params)


def _read_index(folder: Path) -> dict[str, Any] | None:
    try:
        index = json.loads((folder / INDEX).read_text("utf-8"))
        frames = index["frames"]
        if not all((folder / name).is_file() for _, _, name in frames):
            return None
        return index  # type: ignore[no-any-return]
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class KeyframeTask:
    """One film's extraction as a task that pickles: ffmpeg writes the JPEGs and index.json into ``folder``,
    a folder the caller staged in the cache (so the task itself never touches the cache)."""

    path: Path
    info: VideoInfo
    settings: KeyframeSettings
    tools: FFmpegTools
    folder: Path


def make_keyframes(task: KeyframeTask, reporter: Reporter | None = None) -> dict[str, Any]:
    """Extract into ``task.folder``; returns the index written there (warnings are stored, not reported)."""
    result = _extract(task.path, task.info, task.settings, task.tools, task.folder, reporter)
    index = {"frames": [list(f) for f in result.frames], "warnings": result.warnings,
             "decoded_until": result.decoded_until, "version": STAGE_VERSION}
    atomic_write_json(task.folder / INDEX, index)
    return index


def cached_index(path: Path, settings: KeyframeSettings, cache: Cache) -> tuple[str, dict[str, Any] | None]:
    """The film's cache key and its stored index (None when it has to be extracted)."""
    key = cache_key(path, settings, cache)
    found = cache.namespace(STAGE, STAGE_VERSION).folder(key, legacy=INDEX)
    return key, (_read_index(found.path) if found is not None else None)


def keyframes_from(path: Path, key: str, index: dict[str, Any], cache: Cache,
                   reporter: Reporter | None = None) -> list[Keyframe]:
    """The keyframes an index describes (Keyframe.image points into the cache); its warnings reported, so a
    cached build warns exactly like the first one."""
    folder = cache.namespace(STAGE, STAGE_VERSION).path(key)
    if reporter is not None:
        for message in index.get("warnings", []):
            reporter.warn(f"{path}: {message}")
    return [Keyframe(index=i, time=float(t), image=folder / name, scene_cut=bool(cut))
            for i, (t, cut, name) in enumerate(index["frames"])]


def keyframes_cached(path: Path, info: VideoInfo, settings: KeyframeSettings, tools: FFmpegTools,
                     cache: Cache, reporter: Reporter | None = None) -> list[Keyframe]:
    """Keyframes of a film, extracted once per (file content, settings, STAGE_VERSION).

    The artifact is a cache folder with the JPEGs and index.json; Keyframe.image points into it.
    """
    key, index = cached_index(path, settings, cache)
    if index is None:
        return extract_cached(path, info, settings, tools, cache, key, reporter)
    return keyframes_from(path, key, index, cache, reporter)


def extract_cached(path: Path, info: VideoInfo, settings: KeyframeSettings, tools: FFmpegTools, cache: Cache,
                   key: str, reporter: Reporter | None = None) -> list[Keyframe]:
    """Extract the keyframes that :func:`cached_index` found missing under ``key``, into the cache."""
    with cache.namespace(STAGE, STAGE_VERSION).new_dir(key) as tmp:
        index = make_keyframes(KeyframeTask(path, info, settings, tools, tmp), reporter)
    return keyframes_from(path, key, index, cache, reporter)
