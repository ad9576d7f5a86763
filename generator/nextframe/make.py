"""The two films a network makes from a site's film: :func:`next_frame_film` and :func:`reenact` (what the
``film-maker`` registry entries name; :mod:`.command` gives them their command lines).

Each finds its training state in the build cache (namespace ``nextframe``) by the footage's bytes, the
sizes and training settings and the versions of this code, trains or resumes there, then generates and
writes the film into the site's ``films/`` folder (:mod:`.output`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..cache import Cache
from ..errors import ConfigError, ContentError
from ..media.ffmpeg_bin import find_tools
from ..model import Film
from ..reporter import Reporter
from .dream import NextFrameSettings, detail, dream, longest_still, motion, next_frame_pairs
from .frames import decode, film_fps_and_size, frame_size, output_size
from .output import FilmText, check_folder, write_film
from .trainer import VERSION, NextFrameTrainSettings, Pairs, Trained, to_tensor, train

NAMESPACE = "nextframe"  # the training states (VERSION: the trainer's)
LANDMARKS = "nextframe-landmarks"  # a film's face landmarks (version: landmarks.VERSION)


@dataclass(frozen=True)
class Sizes:
    size: int = 128  # training picture's width
    max_frames: int = 1500  # of the footage to learn from (0: all)
    out_width: int = 0  # the written film's width; 0: twice the training width


@dataclass
class Made:
    index: Path  # the written film's index.md
    trained: Trained
    frames: int
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def curve(self) -> Path:
        from .trainer import CURVE

        return self.trained.folder / CURVE


def find_film(content_dir: Path, name: str) -> Film:
    """The site film ``name`` (its folder under films/): one clear line naming the choices when unknown."""
    from ..site.content import film_from, read_document

    films = content_dir / "films"
    index = films / name / "index.md"
    if not name or "/" in name or not index.is_file():
        have = sorted(p.parent.name for p in films.glob("*/index.md")) if films.is_dir() else []
        raise ConfigError(f"unknown film {name!r}: {films} has " + (", ".join(have) if have else "no films"))
    return film_from(read_document(index))


@contextmanager
def ticker(reporter: Reporter, total: int, desc: str) -> Iterator[Callable[[int], None]]:
    """A callback that advances a tqdm bar (at a terminal; nothing elsewhere)."""
    stream = reporter.stream or sys.stderr
    if reporter.quiet or total < 2 or not getattr(stream, "isatty", lambda: False)():
        yield lambda n: None
        return
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit="frame", file=stream, leave=False, dynamic_ncols=True)
    def advance(n: int) -> None:
        bar.update(n)

    try:
        yield advance
    finally:
        bar.close()


def _state_folder(cache: Cache, kind: str, *parts: Any) -> Path:
    ns = cache.namespace(NAMESPACE, VERSION)
    return ns.path(ns.key(kind, *parts))


def next_frame_film(film: Film, out: Path, ts: NextFrameTrainSettings, ds: NextFrameSettings, sizes: Sizes,
                    cache: Cache, reporter: Reporter, context: int = 2, restart: bool = False) -> Made:
    """Train (or resume) a next-frame U-Net on ``film`` and write its dream of ``ds.frames`` frames to ``out``."""
    check_folder(out)
    tools = find_tools(reporter)
    fps, fw, fh = film_fps_and_size(film.video, tools)
    w, h = frame_size(fw, fh, sizes.size, 2 ** ts.depth)
    footage = decode(film.video, tools, w, h, sizes.max_frames)
    if len(footage) < context + 2:
        raise ContentError(f"has {len(footage)} frames; a dream needs at least {context + 2}", film.video)
    pairs = next_frame_pairs(footage, context)
    folder = _state_folder(cache, "dream", cache.file_hash(film.video), w, h, sizes.max_frames, context,
                           ts.fingerprint_fields())
    trained = train(pairs, folder, ts, reporter, f"dream {film.slug}", restart=restart)
    with ticker(reporter, ds.frames, "dreaming") as tick:
        frames = dream(trained.model, footage, context, ds, _device(ts), tick)
    source_motion = float(np.median(motion(footage)))
    stats = {"frames": len(frames), "motion": float(motion(frames).mean()), "source_motion": source_motion,
             "longest_still": longest_still(frames, 0.5 * source_motion), "detail": detail(frames),
             "source_detail": detail(footage)}
    blurb = (f"noise {ds.noise:g} and {ds.reinject:.0%} of the real footage fed back at every step"
             if ds.noise or ds.reinject else "nothing fed back but its own pictures")
    synthetic = (f"This film is synthetic: it was dreamt by a next-frame network trained on the footage of "
                 f"\u201c{film.title}\u201d, fed its own pictures from a start frame ({blurb}).")
    essay = (f"Every frame of this film after the first {context} was predicted by a small U-Net from the "
             f"frames before it. The network was trained for {trained.steps} steps ({trained.seconds / 60:.1f} "
             f"minutes) to predict the next frame of [{film.title}](../{film.slug}/) at {w} \u00d7 {h} pixels, "
             f"then given its own predictions back, with {blurb} so that the dream keeps moving instead of "
             f"settling on a still picture. Seed {ds.seed}; final training loss {trained.losses[-1]:.4f}.")
    text = FilmText(title=f"{film.title}, dreamt", summary=f"A machine's dream of \u201c{film.title}\u201d: "
                    f"{len(frames) / fps:.0f} seconds predicted frame by frame by a network that watched it.",
                    synthetic=synthetic, source=film.slug, essay=essay, tags=("synthetic", "dream"),
                    extra={"made_by": "nextframe"})
    index = write_film(out, frames, fps, output_size(fw, fh, sizes.out_width or 2 * w), text, tools)
    return Made(index, trained, len(frames), stats)


def _device(ts: NextFrameTrainSettings) -> str:
    from ..models.efficientnet import resolve_device

    return resolve_device(ts.device)


def _landmarks(film: Film, cache: Cache, reporter: Reporter, detect_width: int,
               max_frames: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(the first ``max_frames`` frames (0: all) at the detection size, their landmarks), the landmarks
    cached by the footage's bytes."""
    from . import landmarks

    tools = find_tools(reporter)
    _, fw, fh = film_fps_and_size(film.video, tools)
    dw = min(detect_width, fw) // 2 * 2
    dh = max(2, round(dw * fh / fw / 2) * 2)
    frames = decode(film.video, tools, dw, dh, max_frames)
    ns = cache.namespace(LANDMARKS, landmarks.VERSION)
    key = ns.key(cache.file_hash(film.video), dw, dh, len(frames))

    def compute() -> np.ndarray:
        reporter.info(f"finding faces in {len(frames)} frames of {film.slug} ({dw} \u00d7 {dh} px, dlib HOG)")
        with ticker(reporter, len(frames), "faces") as tick:
            return landmarks.detect(frames, tick)

    points = ns.cached(key, compute)
    if not landmarks.found(points).any():
        raise ContentError(f"no face found in any of its {len(frames)} frames (dlib's frontal face detector "
                           "needs a face turned towards the camera, about 80 px or more)", film.video)
    return frames, points


def _resize(frames: np.ndarray, w: int, h: int) -> np.ndarray:
    from PIL import Image

    return np.stack([np.asarray(Image.fromarray(f).resize((w, h), Image.Resampling.BOX)) for f in frames])


def reenact(target: Film, driver: Film, out: Path, ts: NextFrameTrainSettings, sizes: Sizes, cache: Cache,
            reporter: Reporter, frames: int = 0, detect_width: int = 640, restart: bool = False) -> Made:
    """Train (or resume) a landmarks-to-frame U-Net on ``target``'s frames with a face, then drive it with
    ``driver``'s landmarks (the first ``frames`` of them; 0: all) into a film written to ``out``."""
    from . import landmarks

    check_folder(out)
    tools = find_tools(reporter)
    t_frames, t_points = _landmarks(target, cache, reporter, detect_width, sizes.max_frames)
    ok = np.flatnonzero(landmarks.found(t_points))
    dh, dw = t_frames.shape[1:3]
    w, h = frame_size(dw, dh, sizes.size, 2 ** ts.depth)
    scale = (w / dw, h / dh)
    targets = _resize(t_frames[ok], w, h)
    drawings = np.stack([landmarks.draw(t_points[i], w, h, scale) for i in ok])
    k = np.arange(len(ok), dtype=np.int64)
    pairs = Pairs(drawings, k[:, None], targets, k)
    folder = _state_folder(cache, "reenact", cache.file_hash(target.video), w, h, detect_width,
                           sizes.max_frames, ts.fingerprint_fields())
    trained = train(pairs, folder, ts, reporter, f"reenact {target.slug}", restart=restart)

    if driver.video == target.video and not frames:
        d_points = t_points
    else:
        d_points = _landmarks(driver, cache, reporter, detect_width, frames)[1]
    moved = landmarks.normalise(d_points, t_points)
    fps, _, _ = film_fps_and_size(driver.video, tools)
    made = _drive(trained.model, moved, w, h, scale, _device(ts), reporter)
    stats = {"frames": len(made), "target_faces": int(len(ok)), "target_frames": int(len(t_frames)),
             "driver_faces": int(landmarks.found(d_points).sum()), "driver_frames": int(len(d_points))}
    same = driver.slug == target.slug
    synthetic = (f"This film is synthetic: the face of \u201c{target.title}\u201d was generated by a network "
                 f"trained on that film's frames, moved by the face landmarks of "
                 + ("the same film." if same else f"\u201c{driver.title}\u201d.") + " None of it was filmed.")
    essay = (f"A pix2pix-style U-Net learned, from {len(ok)} frames of [{target.title}](../{target.slug}/) "
             f"with a face, to turn a drawing of dlib's 68 face landmarks into that film's picture at {w} \u00d7 "
             f"{h} pixels ({trained.steps} steps, {trained.seconds / 60:.1f} minutes; L1 and image-gradient "
             f"loss, no adversary). The landmarks of [{driver.title}](../{driver.slug}/), moved to where the "
             f"target's face usually is and scaled to its size, were then drawn frame by frame and given to it.")
    text = FilmText(title=f"{target.title}, re-enacted", synthetic=synthetic, source=target.slug, essay=essay,
                    summary=f"A face re-enacted by a machine: \u201c{target.title}\u201d moved by "
                            f"\u201c{driver.title}\u201d.", tags=("synthetic", "re-enactment"),
                    extra={"driver": driver.slug, "made_by": "reenact"})
    index = write_film(out, made, fps, output_size(dw, dh, sizes.out_width or 2 * w), text, tools)
    return Made(index, trained, len(made), stats)


def _drive(model: Any, moved: np.ndarray, w: int, h: int, scale: tuple[float, float], device: str,
           reporter: Reporter, batch: int = 16) -> np.ndarray:
    import torch

    from . import landmarks

    out = np.empty((len(moved), h, w, 3), np.uint8)
    with ticker(reporter, len(moved), "re-enacting") as tick, torch.no_grad():
        for a in range(0, len(moved), batch):
            drawn = np.stack([landmarks.draw(p, w, h, scale) for p in moved[a:a + batch]])
            y = model(to_tensor(drawn, device)).clamp(0, 1)
            out[a:a + len(drawn)] = (y * 255 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
            tick(len(drawn))
    return out

