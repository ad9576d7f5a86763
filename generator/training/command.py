"""``build.py train-captioner``: its arguments and the run (the summary it prints ends with the CIDEr
table and the ``--captioner`` to use)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..reporter import Reporter

DESCRIPTION = """\
Train a captioner of your own: frozen EfficientNet-Lite0 features and a small transformer decoder trained
from scratch, on a COCO-format captions file (images[id, file_name], annotations[image_id, caption]) or on
the archive's descriptions (--from-archive). Checkpoints after every epoch: the same command resumes an
interrupted run. Evaluated with CIDEr on held-out images against a nearest-neighbour baseline. The folder
it writes is used with --captioner trained:<folder>."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("captions", nargs="?", type=Path, metavar="CAPTIONS_JSON",
                     help="a COCO-format captions file")
    src.add_argument("--from-archive", action="store_true",
                     help="learn from the site archive's metadata.csv descriptions instead")
    p.add_argument("--images", type=Path, metavar="DIR",
                   help="where the COCO file's images are (default: its folder, then its images/ folder)")
    p.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                   help="site folder, for --from-archive and its cache (default: content)")
    p.add_argument("--column", default="description",
                   help="metadata column with the archive's sentences (default: description)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write the captioner into")
    p.add_argument("--epochs", type=int, default=30, help="passes over the captions (default: 30)")
    p.add_argument("--batch-size", type=int, default=64, help="captions per step (default: 64)")
    p.add_argument("--learning-rate", type=float, default=1e-3, help="AdamW's peak rate (default: 1e-3)")
    p.add_argument("--layers", type=int, default=2, help="decoder layers (default: 2)")
    p.add_argument("--width", type=int, default=256, help="decoder width d_model (default: 256)")
    p.add_argument("--holdout", type=float, default=0.1, help="share of images held out for CIDEr (default: 0.1)")
    p.add_argument("--seed", type=int, default=0, help="split, weights and order of samples (default: 0)")
    p.add_argument("--device", choices=["cpu", "cuda", "auto"], default="cpu", help="where to train (default: cpu)")
    p.add_argument("--threads", type=int, default=0,
                   help="CPU threads for training (default 0: torch's choice, every core). A small decoder "
                        "trains faster on 1 thread when other work shares the machine")
    p.add_argument("--restart", action="store_true", help="ignore a checkpoint in --out and start again")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


def run(args: argparse.Namespace, reporter: Reporter) -> int:
    from ..cache import Cache
    from ..config import load_settings
    from ..errors import ConfigError
    from .dataset import check_enough, from_archive, load_coco
    from .trainer import CaptionerTrainSettings, train

    for name in ("epochs", "batch_size", "layers", "width"):
        if getattr(args, name) < 1:
            raise ConfigError(f"--{name.replace('_', '-')} must be at least 1")
    if args.threads < 0:
        raise ConfigError("--threads must be 0 (every core) or more")
    if not 0 < args.holdout < 1:
        raise ConfigError("--holdout must be between 0 and 1")
    if args.width % 4:
        raise ConfigError("--width must be a multiple of 4 (the decoder's attention heads)")
    if args.from_archive:
        settings = load_settings(args.content)
        cache = Cache(args.content / settings.build.cache_dir)
        examples = from_archive(args.content, args.column, reporter)
        where, source = args.content / "archive" / "metadata.csv", f"archive column {args.column!r}"
    else:
        examples = load_coco(args.captions, args.images)
        cache = Cache(args.out.with_name(args.out.name + ".cache"))
        where, source = args.captions, str(args.captions)
    check_enough(examples, where)
    ts = CaptionerTrainSettings(epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.learning_rate,
                       layers=args.layers, d_model=args.width, holdout=args.holdout, seed=args.seed,
                       device=args.device, threads=args.threads)
    result = train(examples, args.out, ts, cache, reporter, source, restart=args.restart)
    cache.flush()
    m = result.metrics
    print(f"trained {args.out}: {result.epochs} epochs, final loss {m['final_loss']:.3f}, "
          f"{m['images_per_second']} images/s ({m['captions_per_second']} captions/s) of training")
    print(f"CIDEr-D on {m['held_out_images']} held-out images: trained {m['cider']:.3f} | "
          f"nearest neighbours {m['cider_nearest_neighbour']:.3f} | shuffled {m['cider_shuffled']:.3f}")
    print(f"use it: python build.py --captioner trained:{args.out}")
    return 0
