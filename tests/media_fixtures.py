"""Synthetic footage for tests, made with ffmpeg's lavfi sources.

``make_clip`` concatenates shots of clearly different lavfi sources, so hard cuts sit at known times
(ffmpeg's scene score at these cuts is 0.45-0.95; within a shot it stays below 0.03). Other test
modules import these helpers; they only need an ffmpeg on PATH or the imageio-ffmpeg wheel.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

# In this order every adjacent pair differs strongly (score > 0.45); some other pairs do not
# (a flat colour followed by mandelbrot scores only ~0.28), so keep the cycle.
SHOT_SOURCES = (
    "testsrc2",
    "smptebars",
    "mandelbrot",
    "rgbtestsrc",
    "color=c=0xd08020",
)


def ffmpeg_exe() -> str:
    """The ffmpeg used to make fixtures: the system one, else the imageio-ffmpeg binary."""
    exe = shutil.which("ffmpeg")
    if exe:
        return exe
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _run(args: Sequence[str]) -> None:
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"fixture ffmpeg failed: {' '.join(cmd)}\n{proc.stderr}")


def _lavfi(source: str, size: str, rate: float) -> str:
    sep = ":" if "=" in source else "="
    return f"{source}{sep}size={size}:rate={rate}"


def shot_boundaries(duration: float, cuts: Sequence[float]) -> list[tuple[float, float]]:
    edges = [0.0, *sorted(c for c in cuts if 0 < c < duration), duration]
    return [(a, b) for a, b in zip(edges, edges[1:]) if b > a]


def make_clip(path: Path, duration: float = 6, size: str = "320x240", rate: float = 25,
              cuts: Sequence[float] = (2.0, 4.0), audio: bool = False, rotate: int | None = None,
              vfr: bool = False, faststart: bool = True, sources: Sequence[str] = SHOT_SOURCES,
              preset: str = "ultrafast", gop_seconds: float = 2.0, audio_duration: float | None = None) -> Path:
    """An H.264 clip with hard cuts at ``cuts`` seconds (each shot a different lavfi source).

    rotate: clockwise display rotation to store in the container (as probe reports it).
    vfr: drop every other frame in the second half, so the clip has variable frame rate
         (frames at even frame numbers keep their time: put cuts there).
    audio_duration: a soundtrack of another length than the picture (implies audio).
    The container follows the suffix (.mp4/.mov/.mkv/.ts).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    shots = shot_boundaries(duration, cuts)
    inputs: list[str] = []
    graph = []
    for i, (start, end) in enumerate(shots):
        inputs += ["-f", "lavfi", "-i", _lavfi(sources[i % len(sources)], size, rate)]
        graph.append(f"[{i}:v]trim=duration={end - start:.6f},setpts=PTS-STARTPTS,format=yuv420p[v{i}]")
    chain = "".join(f"[v{i}]" for i in range(len(shots))) + f"concat=n={len(shots)}:v=1:a=0"
    if vfr:
        half = duration / 2
        chain += f",select='lt(t\\,{half})+not(mod(n\\,2))'"
    graph.append(chain + "[v]")
    args = [*inputs]
    audio = audio or audio_duration is not None
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={audio_duration or duration}"]
    args += ["-filter_complex", ";".join(graph), "-map", "[v]"]
    if audio:
        args += ["-map", f"{len(shots)}:a", "-c:a", "aac", "-b:a", "64k"]
    args += ["-c:v", "libx264", "-preset", preset, "-g", str(max(1, round(rate * gop_seconds))), "-pix_fmt", "yuv420p"]
    if vfr:
        args += ["-fps_mode", "vfr"]
    if path.suffix in (".mp4", ".mov") and faststart:
        args += ["-movflags", "+faststart"]
    target = path if rotate is None else path.with_name(f".unrotated-{path.name}")
    _run([*args, str(target)])
    if rotate is not None:
        _set_rotation(target, path, rotate)
        target.unlink()
    return path


def _set_rotation(src: Path, dst: Path, clockwise: int) -> None:
    """Store a display rotation without re-encoding (ffmpeg >= 6: -display_rotation; 5.x: the tag)."""
    try:
        # -display_rotation is counter-clockwise
        _run(["-display_rotation", str(-clockwise % 360), "-i", str(src), "-c", "copy", str(dst)])
    except RuntimeError:
        # ffmpeg 5.x turns the legacy tag into a display matrix of the same (counter-clockwise) sense
        _run(["-i", str(src), "-c", "copy", "-metadata:s:v:0", f"rotate={-clockwise % 360}", str(dst)])


def make_audio_only(path: Path, duration: float = 2) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    _run(["-f", "lavfi", "-i", f"sine=frequency=330:duration={duration}", "-c:a", "aac", str(path)])
    return path


def make_still(path: Path, size: str = "64x48") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    _run(["-f", "lavfi", "-i", f"testsrc2=size={size}", "-frames:v", "1", "-update", "1", str(path)])
    return path


def make_corrupt(path: Path, size: int = 20_000, seed: int = 0) -> Path:
    """Random bytes under a video name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def make_truncated(path: Path, source: Path | None = None, fraction: float = 0.5,
                   index_at_end: bool = False) -> Path:
    """The first ``fraction`` of an mp4's bytes, as an interrupted copy leaves it.

    With the index (moov atom) at the front the first part still decodes; with ``index_at_end``
    the index is lost and nothing can be read.
    """
    if source is None:
        source = make_clip(path.with_name(f".whole-{path.name}"), duration=8, cuts=(2.0, 4.0, 6.0),
                           faststart=not index_at_end)
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def with_imageio_ffmpeg(monkeypatch: object) -> None:
    """Make find_tools() choose the imageio-ffmpeg binary (pass pytest's monkeypatch)."""
    monkeypatch.setenv("ELECTRIC_SPEECH_FFMPEG", "imageio")  # type: ignore[attr-defined]



# -- camera files and masters, as curators bring them ------------------------------------------------

CAMERA_KINDS = {
    # name: (suffix, encoder arguments, rotation, audio, variable frame rate)
    "phone-hevc10-rotated": (".mov", ["-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
                                      "-tag:v", "hvc1", "-x265-params", "log-level=error"], 90, True, False),
    "prores-master": (".mov", ["-c:v", "prores_ks", "-profile:v", "2", "-pix_fmt", "yuv422p10le"], None, True, False),
    "vp9-webm": (".webm", ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k"],
                 None, True, False),
    "vfr-h264": (".mp4", [], None, False, True),
    "silent-h264": (".mp4", [], None, False, False),
}


def make_camera_file(path: Path, kind: str, duration: float = 6, size: str = "640x360",
                     cuts: Sequence[float] = (2.0, 4.0)) -> Path:
    """A film like the ones curators bring (see CAMERA_KINDS): made as an H.264 clip, then re-encoded.
    ``path`` gets the kind's suffix."""
    suffix, codec, rotate, audio, vfr = CAMERA_KINDS[kind]
    path = path.with_suffix(suffix)
    if not codec:
        return make_clip(path, duration=duration, size=size, cuts=cuts, audio=audio, vfr=vfr, rotate=rotate)
    base = make_clip(path.with_name(f".base-{path.stem}.mp4"), duration=duration, size=size, cuts=cuts, audio=audio,
                     vfr=vfr, preset="ultrafast")
    audio_codec = "libopus" if suffix == ".webm" else "aac" if kind.startswith("phone") else "pcm_s16le"
    audio_args = ["-c:a", audio_codec] if audio else []
    target = path if rotate is None else path.with_name(f".unrotated-{path.name}")
    _run(["-i", str(base), *codec, *audio_args, str(target)])
    base.unlink()
    if rotate is not None:
        _set_rotation(target, path, rotate)
        target.unlink()
    return path
