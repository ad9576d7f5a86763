"""Footage in and out through ffmpeg: a film decoded to small RGB frames (uint8 arrays), and generated
frames encoded back to an H.264 MP4 (yuv420p, what every browser plays).

The training picture is ``size`` pixels wide and as tall as the film's aspect allows, rounded to a
multiple of the U-Net's ``2**depth`` (its sides halve at every level); the written film is scaled back to
the true aspect, so the rounding never shows as a stretch.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from ..cache import atomic_path
from ..errors import MediaError
from ..media.ffmpeg_bin import FFmpegTools
from ..media.probe import ffmpeg_input, probe


def frame_size(width: int, height: int, size: int, multiple: int) -> tuple[int, int]:
    """(w, h) of the training picture: ``size`` wide (rounded to ``multiple``), the aspect kept as
    closely as the multiple allows."""
    w = max(multiple, round(size / multiple) * multiple)
    h = max(multiple, round(w * height / max(width, 1) / multiple) * multiple)
    return w, h


def film_fps_and_size(video: Path, tools: FFmpegTools) -> tuple[float, int, int]:
    info = probe(video, tools)
    w, h = info.display_size
    return (info.fps if info.fps > 0 else 25.0), w, h


def decode(video: Path, tools: FFmpegTools, width: int, height: int, max_frames: int = 0,
           fps: float = 0.0) -> np.ndarray:
    """Every frame of ``video`` (or the first ``max_frames``; at ``fps`` when given) as (N, h, w, 3) uint8."""
    vf = f"scale={width}:{height}:flags=area,format=rgb24"
    if fps:
        vf = f"fps={fps:g}," + vf
    cmd = [tools.ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-i", ffmpeg_input(video),
           "-an", "-sn", "-vf", vf]
    if max_frames:
        cmd += ["-frames:v", str(max_frames)]
    cmd += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise MediaError(f"ffmpeg could not decode it ({reason[-1] if reason else 'no reason given'})", video)
    n = len(proc.stdout) // (width * height * 3)
    if n < 3:
        raise MediaError(f"has {n} frames; a network needs at least 3 to learn from", video)
    return np.frombuffer(proc.stdout, np.uint8)[: n * width * height * 3].reshape(n, height, width, 3).copy()


def encode(frames: np.ndarray, out: Path, tools: FFmpegTools, fps: float, width: int, height: int,
           crf: int = 18) -> None:
    """Write (N, h, w, 3) uint8 frames as an H.264 MP4 of ``width`` x ``height`` (both even), atomically."""
    n, h, w, _ = frames.shape
    with atomic_path(out) as tmp:
        cmd = [tools.ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
               "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", f"{fps:g}", "-i", "-",
               "-vf", f"scale={width}:{height}:flags=lanczos,setsar=1", "-c:v", "libx264", "-preset", "medium",
               "-crf", str(crf), "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-an", str(tmp)]
        proc = subprocess.run(cmd, input=np.ascontiguousarray(frames).tobytes(), capture_output=True)
        if proc.returncode != 0:
            reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise MediaError(f"ffmpeg could not encode the film ({reason[-1] if reason else 'no reason'})", out)


def output_size(width: int, height: int, out_width: int) -> tuple[int, int]:
    """An even (w, h) ``out_width`` wide with the source film's aspect (yuv420p needs even sides)."""
    w = max(2, out_width - out_width % 2)
    h = max(2, round(w * height / max(width, 1) / 2) * 2)
    return w, h
