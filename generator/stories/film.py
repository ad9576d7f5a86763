"""Render a story's pictures into a film with ffmpeg: each picture shown for ``seconds`` with a slow pan
or zoom (Ken Burns, chosen by a seed from the story and the shot, so the same story gives the same film),
cross-dissolves (``xfade``) of ``dissolve`` seconds between them, H.264 yuv420p MP4 with ``+faststart``,
silent; and one keyframe per shot, taken from the film in the middle of the shot.

Timing: shot i begins to dissolve in at ``i * seconds`` and is the only picture from ``i * seconds +
dissolve`` to ``(i + 1) * seconds``, so the film lasts ``len(shots) * seconds``. Its sentence (cue) and its
keyframe's time start in the middle of its dissolve.

Efficient on two cores: Pillow scales each picture once, to just the size its motion needs (a pan crops
a moving window out of it, which costs nothing per frame; a zoom runs ``zoompan`` on a picture only 1.5x
the film's size), and the whole film is one ffmpeg run with x264 ``veryfast`` by default."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import MediaError
from ..reporter import Reporter

MOTIONS = ("zoom-in", "zoom-out", "pan-left", "pan-right", "pan-up", "pan-down")
PAN_MARGIN = 1.12  # a pan's picture is this much larger than the frame (it travels the difference)
ZOOM = 0.12  # a zoom goes from 1 to 1 + ZOOM (or back)
ZOOM_SOURCE = 1.5  # zoompan's input is this much larger than the frame (less jitter, cheap enough)
FADE_IN, FADE_OUT = 0.5, 0.8  # seconds from and to black at the film's ends


@dataclass(frozen=True)
class Shot:
    image: Path
    motion: str  # one of MOTIONS, or "still"


@dataclass(frozen=True)
class FilmSpec:
    width: int
    height: int
    fps: int
    seconds: float
    dissolve: float
    preset: str
    crf: int
    thumb_width: int  # keyframes' JPEG width ([keyframes] thumb_width)


def pick_motion(seed: str, index: int, size: tuple[int, int], frame: tuple[int, int], style: str) -> str:
    """The shot's movement: along the picture's long side when its shape differs much from the frame's
    (a portrait is panned down its height), else one of the six, by the seed (never the previous one's)."""
    if style == "still":
        return "still"
    aspect, frame_aspect = size[0] / max(1, size[1]), frame[0] / frame[1]
    h = int(hashlib.sha256(f"{seed}/{index}".encode()).hexdigest()[:8], 16)
    if aspect < frame_aspect * 0.8:
        return ("pan-down", "pan-up")[h % 2]
    if aspect > frame_aspect * 1.25:
        return ("pan-right", "pan-left")[h % 2]
    return MOTIONS[h % len(MOTIONS)]


def shot_starts(n: int, seconds: float, dissolve: float) -> list[float]:
    """When each shot's sentence starts: the middle of its dissolve (0 for the first)."""
    return [0.0] + [i * seconds + dissolve / 2 for i in range(1, n)]


def _prepare(shot: Shot, spec: FilmSpec, out: Path) -> tuple[int, int]:
    """The picture scaled (and centre-cropped) to what its motion needs, saved as PNG at ``out``."""
    from ..archive.images import open_rgb

    W, H = spec.width, spec.height
    scale = ZOOM_SOURCE if shot.motion.startswith("zoom") else PAN_MARGIN if shot.motion.startswith("pan") else 1.0
    tw, th = _even(W * scale), _even(H * scale)
    im, _ = open_rgb(shot.image, target=max(tw, th) * 2)
    w, h = im.size
    if shot.motion in ("pan-up", "pan-down"):  # keep up to 1.6 frames of height to travel over
        tw, th = _even(W * PAN_MARGIN), min(_even(W * PAN_MARGIN * h / w), _even(H * 1.6))
        th = max(th, _even(H * PAN_MARGIN))
    elif shot.motion in ("pan-left", "pan-right"):
        th, tw = _even(H * PAN_MARGIN), min(_even(H * PAN_MARGIN * w / h), _even(W * 1.6))
        tw = max(tw, _even(W * PAN_MARGIN))
    cover = max(tw / w, th / h)
    sw, sh = max(tw, round(w * cover)), max(th, round(h * cover))
    from PIL import Image

    im = im.resize((sw, sh), Image.Resampling.LANCZOS)
    left, top = (sw - tw) // 2, (sh - th) // 2
    im = im.crop((left, top, left + tw, top + th))
    im.save(out, format="PNG", compress_level=1)
    return tw, th


def _even(v: float) -> int:
    return max(2, int(round(v / 2)) * 2)


def _shot_filter(i: int, shot: Shot, size: tuple[int, int], length: float, spec: FilmSpec) -> str:
    W, H, fps = spec.width, spec.height, spec.fps
    pw, ph = size
    frames = max(1, round(length * fps))
    L = f"{length:.4f}"
    if shot.motion.startswith("zoom"):
        z = f"1+{ZOOM}*on/{frames}" if shot.motion == "zoom-in" else f"{1 + ZOOM}-{ZOOM}*on/{frames}"
        # one decoded picture in, ``frames`` frames out
        return (f"[{i}:v]format=yuv420p,zoompan=z='{z}':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':d={frames}:"
                f"s={W}x{H}:fps={fps},setsar=1,format=yuv420p,trim=duration={L},setpts=PTS-STARTPTS,fps={fps}[v{i}]")
    elif shot.motion.startswith("pan"):
        dx, dy = pw - W, ph - H
        x = {"pan-left": f"{dx}*(1-t/{L})", "pan-right": f"{dx}*t/{L}"}.get(shot.motion, f"{dx // 2}")
        y = {"pan-up": f"{dy}*(1-t/{L})", "pan-down": f"{dy}*t/{L}"}.get(shot.motion, f"{dy // 2}")
        move = f"crop={W}:{H}:x='{x}':y='{y}':exact=1"
    else:
        move = f"scale={W}:{H}"
    # the picture is decoded once and repeated (an image input looped by the demuxer decodes it every frame)
    # and converted to yuv420p once, before it is repeated
    return (f"[{i}:v]format=yuv420p,loop=loop={frames - 1}:size=1:start=0,setpts=N/{fps}/TB,{move},setsar=1,"
            f"trim=duration={L},setpts=PTS-STARTPTS,fps={fps}[v{i}]")


def render_film(shots: list[Shot], spec: FilmSpec, ffmpeg: str, folder: Path, reporter: Reporter | None,
                desc: str) -> tuple[Path, list[Path]]:
    """``folder/film.mp4`` and one keyframe JPEG per shot (``folder/frames/<i>.jpg``)."""
    from ..media.ffmpeg_run import last_error_line, run_ffmpeg

    n, S, D = len(shots), spec.seconds, spec.dissolve
    work = folder / "work"
    work.mkdir(parents=True, exist_ok=True)
    cmd = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-y"]
    parts = []
    for i, shot in enumerate(shots):
        length = S + D if i < n - 1 else S
        png = work / f"{i}.png"
        size = _prepare(shot, spec, png)
        cmd += ["-i", str(png)]
        parts.append(_shot_filter(i, shot, size, length, spec))
    last = "v0"
    for i in range(1, n):
        label = f"x{i}"
        parts.append(f"[{last}][v{i}]xfade=transition=fade:duration={D:.4f}:offset={i * S:.4f}[{label}]"
                     if D > 0 else f"[{last}][v{i}]concat=n=2:v=1:a=0[{label}]")
        last = label
    total = n * S
    fade_out = min(FADE_OUT, S / 2)
    parts.append(f"[{last}]fade=t=in:st=0:d={min(FADE_IN, S / 2):.3f},"
                 f"fade=t=out:st={total - fade_out:.4f}:d={fade_out:.3f},trim=duration={total:.4f}[out]")
    mp4 = folder / "film.mp4"
    frames = folder / "frames"
    frames.mkdir(exist_ok=True)
    # the keyframes come out of the same graph (a second output): the middle of the time each picture is
    # alone on screen, before the encoder, so the film is not decoded again for them
    middles = [((i * S + (D if i else 0)) + (i + 1) * S) / 2 for i in range(n)]
    picks = "+".join(f"eq(n\\,{round(t * spec.fps)})" for t in middles)
    # the dissolves of panned shots leave gaps in the timestamps (8 pans at 10 fps: 73 frames over 8 s), and
    # the keyframes are picked by frame number: the fps filter fills the gaps first (the encoder's -r did the same)
    parts[-1] = parts[-1].replace("[out]", f",fps={spec.fps}[full]")
    parts.append(f"[full]split[out][pick];[pick]select='{picks}',scale={spec.thumb_width}:-2[frames]")
    cmd += ["-filter_complex", ";".join(parts), "-map", "[out]", "-c:v", "libx264", "-preset", spec.preset,
            "-crf", str(spec.crf), "-pix_fmt", "yuv420p", "-profile:v", "high", "-r", str(spec.fps),
            "-g", str(spec.fps * 2), "-threads", "2", "-movflags", "+faststart", "-map_metadata", "-1",
            "-fflags", "+bitexact", "-flags:v", "+bitexact", "-an", str(mp4),
            "-map", "[frames]", "-fps_mode", "passthrough", "-q:v", "3", "-start_number", "0",
            str(frames / "%d.jpg")]
    run = run_ffmpeg(cmd, mp4, total, reporter, desc)
    paths = [frames / f"{i}.jpg" for i in range(n)]
    if run.code != 0 or not mp4.is_file() or not all(p.is_file() for p in paths):
        raise MediaError(f"ffmpeg could not render the story film: {last_error_line(run.stderr)}", shots[0].image)
    for f in work.iterdir():
        f.unlink()
    work.rmdir()
    return mp4, paths
