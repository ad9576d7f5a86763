"""Dream films: footage dreamt frame by frame, the previous frame's dream carried along the optical flow.

Dreaming each frame alone flickers: the forms the network adds are free to land anywhere, and land
somewhere else in the next frame. Here only the first frame is dreamt from nothing (the preset's whole
octave pyramid); for every later frame the *detail* of the previous dream (dream minus its source frame)
is warped along the optical flow from the previous source frame to this one (OpenCV Farneback or DIS),
laid over the new frame (``blend`` of it), and a few gradient steps at full size sharpen it into this
frame's dream. The forms stay on the things they grew on and move with them.

Frames come from ffmpeg as a PPM stream (its header carries the size, rotation already applied) and go
back to ffmpeg as raw RGB; the source's sound for the same span is kept.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

import numpy as np

from ..errors import MediaError
from .presets import FilmDream


def _read_exact(stream: IO[bytes], n: int) -> bytes:
    data = bytearray()
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def _ppm_frames(stream: IO[bytes]) -> Iterator[np.ndarray]:
    """HxWx3 uint8 frames of a stream of binary PPM images (``P6 <w> <h> 255`` then the pixels)."""
    while True:
        fields: list[bytes] = []
        while len(fields) < 4:  # magic, width, height, maxval, separated by whitespace
            token = bytearray()
            while True:
                c = stream.read(1)
                if not c:
                    return
                if c.isspace():
                    if token:
                        break
                    continue
                token += c
            fields.append(bytes(token))
        w, h = int(fields[1]), int(fields[2])
        data = _read_exact(stream, w * h * 3)
        if len(data) < w * h * 3:
            return
        yield np.frombuffer(data, dtype=np.uint8).reshape(h, w, 3)


def read_frames(ffmpeg: str, video: Path, job: FilmDream) -> list[np.ndarray]:
    return list(iter_frames(ffmpeg, video, job))


def iter_frames(ffmpeg: str, video: Path, job: FilmDream) -> Iterator[np.ndarray]:
    """The span of ``video`` to dream, frame by frame (a long film is never all in memory), at ``job.fps``,
    its long side ``job.size`` (even sides)."""
    s = job.size
    scale = f"scale='if(gte(iw,ih),{s},-2)':'if(gte(iw,ih),-2,{s})':flags=area"
    span = ["-t", f"{job.seconds:.3f}"] if job.seconds > 0 else []
    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-ss", f"{job.start:.3f}", *span,
           "-i", str(video), "-an", "-vf", f"fps={job.fps:g},{scale},format=rgb24",
           "-f", "image2pipe", "-c:v", "ppm", "-"]
    with tempfile.TemporaryFile() as err:  # a file, not a pipe: a chatty ffmpeg never blocks on it
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        n, finished = 0, False
        try:
            for frame in _ppm_frames(proc.stdout):
                n += 1
                yield frame.copy()
            finished = True
        finally:
            if not finished:  # the reader stopped early (an error downstream): stop ffmpeg too
                proc.kill()
            proc.stdout.close()
            proc.wait()
        if proc.returncode != 0 or n == 0:
            err.seek(0)
            text = err.read().decode("utf-8", "replace").strip()
            raise MediaError(f"cannot read frames to dream: {text.splitlines()[-1] if text else 'no frames'}", video)


def write_film(ffmpeg: str, frames: Iterable[np.ndarray], fps: float, out: Path, sound: Path | None = None,
               start: float = 0.0) -> int:
    """H.264 MP4 of the frames, written as they come; with ``sound``, its audio from ``start`` for as long as
    the frames last. The number of frames written."""
    it = iter(frames)
    first = next(it, None)
    if first is None:
        raise MediaError("no frames to write", out)
    h, w = first.shape[:2]
    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "-s", f"{w}x{h}", "-r", f"{fps:g}", "-i", "-"]
    if sound is not None:
        cmd += ["-ss", f"{start:.3f}", "-i", str(sound), "-map", "0:v:0", "-map", "1:a:0?", "-c:a", "aac",
                "-b:a", "128k", "-shortest"]
    cmd += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-movflags", "+faststart",
            str(out)]
    n = 0
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=err)
        assert proc.stdin is not None
        try:
            for frame in itertools.chain([first], it):
                proc.stdin.write(np.ascontiguousarray(frame).tobytes())
                n += 1
        except BrokenPipeError:
            pass  # ffmpeg stopped: its message says why
        except BaseException:
            proc.kill()
            raise
        finally:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
            proc.wait()
        if proc.returncode != 0:
            err.seek(0)
            text = err.read().decode("utf-8", "replace").strip()
            raise MediaError(f"cannot write the dream film: {text.splitlines()[-1] if text else 'ffmpeg failed'}",
                             out)
    return n


def _flow_fn(kind: str) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """(grey current, grey previous) -> the backward flow: where each pixel of the current frame was."""
    import cv2

    if kind == "dis":
        dis = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
        return lambda cur, prev: np.asarray(dis.calc(cur, prev, _no_flow(cur)))
    return lambda cur, prev: np.asarray(cv2.calcOpticalFlowFarneback(cur, prev, _no_flow(cur), 0.5, 3, 15, 3, 5, 1.2,
                                                                     0))


def _no_flow(grey: np.ndarray) -> np.ndarray:
    """A zero flow field: the starting point (unused as a guess without OPTFLOW_USE_INITIAL_FLOW)."""
    return np.zeros((*grey.shape[:2], 2), dtype=np.float32)


def warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """``image`` (HxWxC float32) pulled along a backward flow: pixel p takes the value at p + flow(p)."""
    import cv2

    h, w = flow.shape[:2]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(image, gx + flow[..., 0], gy + flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def dream_frames(frames: list[np.ndarray], job: FilmDream, threads: int = 0, device: str = "cpu") -> list[np.ndarray]:
    return list(iter_dreams(frames, job, threads, device))


def iter_dreams(frames: Iterable[np.ndarray], job: FilmDream, threads: int = 0,
                device: str = "cpu") -> Iterator[np.ndarray]:
    """The dream of each frame, one by one (a progress bar wraps it). ``job.blend`` 0 dreams each frame alone
    (the flickering baseline the tests compare with); otherwise the previous detail is carried along the flow.
    Frame t's jitter comes from seed ``preset.seed + t``: a film is one seeded run, the same every time."""
    import cv2

    from .ascent import Dreamer

    dreamer = Dreamer.get(device)
    flow_of = _flow_fn(job.flow)
    prev_grey: np.ndarray | None = None
    detail: np.ndarray | None = None
    for t, frame in enumerate(frames):
        preset = dataclasses.replace(job.preset, seed=job.preset.seed + t)
        grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        if detail is None or prev_grey is None or job.blend <= 0:
            dream = dreamer.dream(frame, preset, threads)
        else:
            carried = warp(detail, flow_of(grey, prev_grey)) * job.blend
            start = np.clip(frame.astype(np.float32) + carried, 0, 255).round().astype(np.uint8)
            dream = dreamer.dream(frame, preset, threads, start=start, steps=job.carry_steps, octaves=1)
        detail = dream.astype(np.float32) - frame.astype(np.float32)
        prev_grey = grey
        yield dream


def flicker(frames: list[np.ndarray]) -> float:
    """Mean absolute difference of consecutive frames, in grey levels."""
    if len(frames) < 2:
        return 0.0
    return float(np.mean([np.abs(a.astype(np.int16) - b.astype(np.int16)).mean() for a, b in zip(frames, frames[1:])]))
