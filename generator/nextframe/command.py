"""``build.py next-frame-film`` and ``build.py reenact``: their arguments and runs. Neither is part of the
default build: each writes a film folder into the site, which the next build treats like any other."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
from typing import Any

from ..reporter import Reporter

#: the folder a next-frame film of FILM is written to, films/FILM-nextframe/ (the dreams feature's films,
#: dreamt along the optical flow, are FILM-dream: neither ever takes the other's address)
SUFFIX = "-nextframe"

NEXT_FRAME_DESCRIPTION = """\
Dream a film with a next-frame network: train a small U-Net to predict each frame of FILM from the two
before it (on the CPU at 128-256 px in minutes; larger with --device cuda), then run it on its own output
from a start frame for --frames frames. A little noise and a little of the real footage fed back at each
step keep the dream moving (fed only its own pictures, it settles on a still one within a few hundred
frames). Training is kept in the site's cache and resumes: re-running the command continues it (raise
--epochs or --minutes to train longer). Writes films/FILM-nextframe/ (MP4 and index.md, marked synthetic;
not the [dreams] films, FILM-dream); the next build captions it."""

REENACT_DESCRIPTION = """\
Re-enact a face (pix2pix / face2face): train a U-Net to turn drawings of dlib's 68 face landmarks into
TARGET's frames (those with a face), then draw DRIVER's landmarks, moved to the target's face position and
size, and let it paint the target's face moving as the driver's does. Training is kept in the site's cache
and resumes. Writes films/TARGET-reenacted/ (MP4 and index.md; its page says the film is synthetic)."""


def _training_arguments(p: argparse.ArgumentParser, epochs: int, minutes: float) -> None:
    p.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                   help="site folder (default: content); training state lives in its cache")
    p.add_argument("--size", type=int, default=128, metavar="PX",
                   help="width of the pictures the network learns and makes (default: 128; 256 is four "
                        "times slower)")
    p.add_argument("--epochs", type=int, default=epochs, help=f"passes over the footage, at most (default: {epochs})")
    p.add_argument("--minutes", type=float, default=minutes,
                   help=f"stop training after this many minutes in all, every run together (default: {minutes:g};"
                        " 0: no limit)")
    p.add_argument("--max-frames", type=int, default=1500, metavar="N",
                   help="learn from the film's first N frames at most (default: 1500; 0: all)")
    p.add_argument("--width", type=int, default=16, help="channels of the U-Net's first level (default: 16)")
    p.add_argument("--depth", type=int, default=3, help="levels of the U-Net below the first (default: 3)")
    p.add_argument("--batch-size", type=int, default=8, help="pictures per step (default: 8)")
    p.add_argument("--learning-rate", type=float, default=2e-3, help="AdamW's rate (default: 2e-3)")
    p.add_argument("--seed", type=int, default=0, help="weights, order of samples and the dream's noise (default: 0)")
    p.add_argument("--out", type=Path, metavar="DIR", help="film folder to write (default: see above)")
    p.add_argument("--out-width", type=int, default=0, metavar="PX",
                   help="width of the written film (default: twice --size)")
    p.add_argument("--device", choices=["cpu", "cuda", "auto"], default="cpu", help="where to train (default: cpu)")
    p.add_argument("--threads", type=int, default=0,
                   help="CPU threads (default 0: every core; 1-2 is often as fast for a small network)")
    p.add_argument("--restart", action="store_true", help="forget the cached training and start again")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


def add_next_frame_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("film", help="the site film to learn from (its folder name under films/)")
    p.add_argument("--frames", type=int, default=600, help="length of the dream in frames (default: 600)")
    p.add_argument("--start", type=int, default=0, metavar="FRAME", help="the film's frame it starts from (default: 0)")
    p.add_argument("--noise", type=float, default=0.02,
                   help="standard deviation of the noise added to each fed-back frame, pixels 0-1 (default: 0.02)")
    p.add_argument("--reinject", type=float, default=0.05,
                   help="share of the real footage blended into each fed-back frame (default: 0.05)")
    _training_arguments(p, epochs=30, minutes=10)


def add_reenact_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", help="the site film whose face is re-enacted (its folder name under films/)")
    p.add_argument("--driver", required=True, help="the site film whose face moves it")
    p.add_argument("--frames", type=int, default=0, help="length in frames (default: the driver's length)")
    p.add_argument("--detect-width", type=int, default=640, metavar="PX",
                   help="width at which faces are looked for (default: 640; faces need about 80 px)")
    _training_arguments(p, epochs=60, minutes=10)


def _check(args: argparse.Namespace) -> None:
    from ..errors import ConfigError

    for name in ("epochs", "batch_size", "width", "depth"):
        if getattr(args, name) < 1:
            raise ConfigError(f"--{name.replace('_', '-')} must be at least 1")
    if not 16 <= args.size <= 2048:
        raise ConfigError("--size must be between 16 and 2048 pixels")
    for name in ("minutes", "max_frames", "threads", "out_width", "frames"):
        if getattr(args, name) < 0:
            raise ConfigError(f"--{name.replace('_', '-')} must be 0 or more")
    if getattr(args, "noise", 0) < 0 or not 0 <= getattr(args, "reinject", 0) <= 1:
        raise ConfigError("--noise must be 0 or more and --reinject between 0 and 1")
    if args.learning_rate <= 0:
        raise ConfigError("--learning-rate must be more than 0")


def _setup(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    from ..cache import Cache
    from ..config import load_settings
    from .make import Sizes
    from .trainer import NextFrameTrainSettings

    _check(args)
    settings = load_settings(args.content)
    cache = Cache(args.content / settings.build.cache_dir)
    ts = NextFrameTrainSettings(epochs=args.epochs, minutes=args.minutes, batch_size=args.batch_size,
                       learning_rate=args.learning_rate, width=args.width, depth=args.depth, seed=args.seed,
                       device=args.device, threads=args.threads)
    return cache, ts, Sizes(args.size, args.max_frames, args.out_width)


def _maker(name: str) -> Any:
    """The registered film-maker, or one line naming what to install when its packages are missing."""
    from .. import registry
    from ..errors import MissingDependency

    entry = registry.resolve("film-maker", name)
    missing = [m for m in entry.requires if importlib.util.find_spec(m) is None]
    if missing:
        raise MissingDependency(f"{', '.join(missing)} (needed by {name})", entry.install)
    return entry.load()


def run_next_frame(args: argparse.Namespace, reporter: Reporter) -> int:
    from .dream import NextFrameSettings
    from .make import find_film

    next_frame_film = _maker("next-frame-film")

    _check(args)
    film = find_film(args.content, args.film)
    cache, ts, sizes = _setup(args)
    ds = NextFrameSettings(frames=args.frames or 600, start=args.start, noise=args.noise, reinject=args.reinject,
                       seed=args.seed)
    out = args.out or args.content / "films" / f"{film.slug}{SUFFIX}"
    try:
        made = next_frame_film(film, out, ts, ds, sizes, cache, reporter, restart=args.restart)
    finally:
        cache.flush()
    s = made.stats
    print(f"trained {made.trained.steps} steps ({made.trained.seconds / 60:.1f} min), final loss "
          f"{made.trained.losses[-1]:.4f}; loss curve: {made.curve}")
    print(f"dreamt {made.frames} frames: mean change {s['motion']:.4f} per frame (the film's own: "
          f"{s['source_motion']:.4f}), longest still stretch {s['longest_still']} frames, detail "
          f"{s['detail']:.4f} (the film's: {s['source_detail']:.4f})")
    print(f"wrote {made.index.parent}; build the site to caption it and put it on the map")
    return 0


def run_reenact(args: argparse.Namespace, reporter: Reporter) -> int:
    from .make import find_film

    reenact = _maker("reenact")

    _check(args)
    target = find_film(args.content, args.target)
    driver = find_film(args.content, args.driver)
    cache, ts, sizes = _setup(args)
    out = args.out or args.content / "films" / f"{target.slug}-reenacted"
    try:
        made = reenact(target, driver, out, ts, sizes, cache, reporter, frames=args.frames,
                       detect_width=args.detect_width, restart=args.restart)
    finally:
        cache.flush()
    s = made.stats
    print(f"faces: {s['target_faces']} of {s['target_frames']} frames of {target.slug}, {s['driver_faces']} of "
          f"{s['driver_frames']} of {driver.slug}")
    print(f"trained {made.trained.steps} steps ({made.trained.seconds / 60:.1f} min), final loss "
          f"{made.trained.losses[-1]:.4f}; loss curve: {made.curve}")
    print(f"wrote {made.index.parent} ({made.frames} frames); build the site to caption it")
    return 0
