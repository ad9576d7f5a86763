"""Command line: ``build`` (the default), ``serve`` and ``publish``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from . import __version__
from .errors import ConfigError, ElectricSpeechError
from .features.base import Command
from .reporter import Reporter
from .runner import print_summary, run_build

CORE_COMMANDS = ("build", "serve", "publish", "list", "train-captioner")
RENAMED = {"dream-film": "next-frame-film"}  # old command -> its name now


def feature_commands() -> dict[str, Command]:
    """The commands the features bring (``build.py next-frame-film`` ...), by name."""
    from .features import create_features

    return {c.name: c for f in create_features() for c in f.commands()}


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                   help="site folder with site.toml, films/, pages/, archive/ (default: content)")
    p.add_argument("--out", type=Path, default=Path("_site"), metavar="DIR",
                   help="output folder, replaced atomically on success (default: _site)")
    p.add_argument("--captioner", metavar="NAME",
                   help="'describe' (offline CNN, default), 'archive' (the curators' descriptions of the nearest "
                        "archive images), 'hf:<model id or local path>', 'tf:<SavedModel folder>' or "
                        "'trained:<folder>' (made by train-captioner); a film's front matter `captions:` wins")
    p.add_argument("--embedder", metavar="NAME",
                   help="map embedder: 'efficientnet' (default), 'hf:<model id or local path>' or "
                        "'tf:<.keras file or SavedModel folder>'")
    p.add_argument("--voice", metavar="SPEC",
                   help="voice of narrated films ([narration] voice): 'piper' (offline en_US voice, default), "
                        "'piper:<voice.onnx>' or 'espeak-ng[:<voice>]'")
    p.add_argument("--layout", metavar="NAME", help="map layout shown first: umap, tsne, grid or date")
    p.add_argument("--device", choices=["cpu", "cuda", "auto"], help="where models run (default: cpu)")
    p.add_argument("--max-height", type=int, metavar="PX",
                   help="web renditions' shorter side at most PX (default 1080; [video] max_height)")
    p.add_argument("--publish-original", action="store_true",
                   help="also publish each film's footage file as is ([video] publish_original)")
    p.add_argument("--executor", metavar="NAME",
                   help="where captions and embeddings are computed: 'local' (default) or 'ray' (a Ray cluster: "
                        "RAY_ADDRESS or [build] ray_address joins one, else one starts here; pip install -e .[scale])")
    p.add_argument("--relayout", action="store_true", help="recompute the map layout instead of adding to it")
    p.add_argument("--no-map", action="store_true", help="skip the art map stage")
    p.add_argument("--drafts", action="store_true", help="include films and pages marked draft: true")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors (nothing is written)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars or summary")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="Electric Speech: build a static site of machine-read documentaries from a site folder.",
        epilog="Without a command, `build` runs. `python build.py COMMAND --help` explains each command.",
    )
    parser.add_argument("--version", action="version", version=f"Electric Speech {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    b = sub.add_parser("build", help="build the site (default)", description="Build the site into --out.")
    _common(b)
    s = sub.add_parser("serve", help="build, serve on localhost, rebuild and reload on change",
                       description="Build, serve the output on localhost, rebuild on change and reload the browser. "
                                   "On 127.0.0.1, /review/ is the review page of the taught labels "
                                   "(labels/<name>.csv): "
                                   "decide yes or no image by image, each decision saved at once.")
    _common(s)
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    s.add_argument("--no-reload", action="store_true", help="do not watch for changes")
    p = sub.add_parser("publish", help="upload films and their machine captions to YouTube",
                       description="Build if needed, then upload each non-draft film and its caption track to YouTube.")
    _common(p)
    from .publish.arguments import add_publish_arguments

    add_publish_arguments(p)
    from .training.command import DESCRIPTION, add_arguments

    t = sub.add_parser("train-captioner", help="train a captioner of your own on COCO captions or the archive",
                       description=DESCRIPTION)
    add_arguments(t)
    for command in feature_commands().values():
        command.add_arguments(sub.add_parser(command.name, help=command.help, description=command.description))
    sub.add_parser("list", help="list the build's stages and every captioner, embedder, layout, voice and executor",
                   description="List the stages of a build in order, and every registered captioner, embedder, voice, "
                               "layout and executor, with why an entry cannot run on this machine.")
    return parser


def list_components(out: TextIO) -> int:
    """`build.py list`: the stages in build order, and every registered part with why it cannot run here."""
    from . import registry
    from .pipeline import stages

    print("stages, in build order (site.toml section; cache namespaces with their versions):", file=out)
    for st in stages():
        spaces = ", ".join(f"{name} v{version}" for name, version in st.namespaces) or "not cached"
        section = f"[{st.section}]" if st.section else "-"
        print(f"  {st.name:<11} {section:<12} {st.summary} ({spaces})", file=out)
    registry.entries()  # the features' parts, and their kinds, are registered as the features load
    for kind, summary in registry.KINDS.items():
        print(f"\n{kind}s: {summary}", file=out)
        for e in registry.entries(kind):
            why = e.unavailable()
            state = f"unavailable: {why}" if why else "available"
            print(f"  {e.spec:<26} {e.summary} [{state}]", file=out)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in RENAMED:
        print(f"error: build.py {argv[0]} is now build.py {RENAMED[argv[0]]}", file=sys.stderr)
        return 2
    extra = feature_commands()
    if not argv or (argv[0] not in CORE_COMMANDS and argv[0] not in extra
                    and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "build")
    args = make_parser().parse_args(argv)
    if args.command == "list":
        return list_components(sys.stdout)
    reporter = Reporter(quiet=args.quiet)
    try:
        if args.command == "train-captioner":
            from .training.command import run as train_captioner

            return train_captioner(args, reporter)
        if args.command in extra:
            return extra[args.command].run(args, reporter)
        if args.command == "serve":
            from .serve import serve

            return serve(args, reporter)
        if args.command == "publish":
            try:
                from .publish.command import run_publish
            except ImportError as exc:
                raise ConfigError(f"publishing is not available: {exc}") from None
            # a dry run changes nothing, not even the local site
            dry = bool(getattr(args, "dry_run", False))
            return run_publish(args, lambda: run_build(args, reporter, write=not dry))
        result = run_build(args, reporter)
        print_summary(result, reporter)
        return 0
    except ElectricSpeechError as exc:
        print(f"error: {exc.oneline()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: the previous site and the cache are intact", file=sys.stderr)
        return 130
