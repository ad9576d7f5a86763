"""Running a build from command-line options: settings from ``site.toml`` plus the flags, validated
before any work, then :func:`generator.pipeline.build`, then a summary. Shared by ``build``, ``serve``
and ``publish``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .config import Settings, load_settings, sections, validate
from .reporter import Reporter

if TYPE_CHECKING:
    from .pipeline import BuildResult


def settings_from_args(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.content)
    if args.captioner:
        settings.captions.captioner = args.captioner
    if args.embedder:
        settings.map.embedder = args.embedder
    if args.layout:
        settings.map.layout = args.layout
    if getattr(args, "voice", None):
        settings.narration.voice = args.voice
    if args.device:  # every section that runs something somewhere: captions, map, video, dreams ...
        for _, section in sections(settings):
            if hasattr(section, "device"):
                section.device = args.device
    if getattr(args, "max_height", None):
        settings.video.max_height = args.max_height
    if getattr(args, "publish_original", False):
        settings.video.publish_original = True
    if getattr(args, "executor", None):
        settings.build.executor = args.executor
    if args.relayout:
        settings.map.relayout = True
    if args.strict:
        settings.build.strict = True
    if args.drafts:
        settings.build.drafts = True
    if getattr(args, "max_retries", None) is not None:
        settings.youtube.max_retries = args.max_retries
    validate(settings, args.content / "site.toml")
    return settings


def run_build(args: argparse.Namespace, reporter: Reporter, write: bool = True) -> BuildResult:
    from .pipeline import BuildOptions, build

    settings = settings_from_args(args)
    options = BuildOptions(with_map=not args.no_map, relayout=args.relayout, write=write)
    return build(args.content, args.out, settings, reporter, options)


def print_summary(result: BuildResult, reporter: Reporter) -> None:
    st = result.stats
    cached = sum(h for h, _ in st.cache.values())
    computed = sum(m for _, m in st.cache.values())
    reporter.info(
        f"built {result.out_dir}: {st.films} films, {st.keyframes} keyframes, {st.cues} cues, "
        f"{st.pages} pages, {st.archive} archive images in {st.seconds:.2f} s"
    )
    detail = ", ".join(f"{stage} {h}/{h + m}" for stage, (h, m) in st.cache.items())
    reporter.info(f"from cache: {cached} of {cached + computed} artifacts" + (f" ({detail})" if detail else ""))
    for line in st.features:
        reporter.info(line)
    r = st.render
    reporter.info(f"pages: {r.rendered} rendered, {r.from_cache} from the cache, {r.unchanged} unchanged")
    if result.warnings:
        reporter.info(f"{len(result.warnings)} warning(s) above")
