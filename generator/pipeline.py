"""The build, top to bottom: read -> media -> renditions -> captions -> subtitles -> map -> render -> write,
with every optional feature (:mod:`generator.features`) called at its points of it.

Each core stage is a module of :mod:`generator.stages` with typed inputs and outputs, its own settings
section and cache namespaces; each feature brings its own (``build.py list`` shows them all, in order).
Everything is gathered and rendered in memory first; the output folder is only touched at the very end,
by an atomic swap, so a failed or interrupted build leaves the previous site as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .cache import Cache
from .config import Settings
from .errors import StrictModeError
from .features import create_features, feature_classes
from .features.base import Core
from .model import SiteModel
from .reporter import Reporter, Timer
from .site.map_page import MAP_URL
from .site.render import RenderStats
from .stages import BuildOptions, StageContext, StageInfo, captions, media, read, render, renditions, subtitles, write

__all__ = ["BuildOptions", "BuildResult", "BuildStats", "build", "stages"]


def stages() -> tuple[StageInfo, ...]:
    """Every stage in build order, each feature's where its hook runs (the map's module, with numpy behind
    it, is imported only here and when a site has an archive)."""
    from .stages import map as map_stage

    def at(phase: str) -> tuple[StageInfo, ...]:
        return tuple(st for cls in feature_classes() for st in cls.stages if st.phase == phase)

    return (read.STAGE, *at("before_media"), media.STAGE, renditions.STAGE, captions.STAGE, *at("after_captions"),
            subtitles.STAGE, *at("after_subtitles"), map_stage.STAGE, *at("contribute"), render.STAGE,
            *at("after_render"), write.STAGE)


@dataclass
class BuildStats:
    films: int = 0
    keyframes: int = 0
    captions_computed: int = 0
    cues: int = 0
    pages: int = 0
    archive: int = 0
    files_written: int = 0
    seconds: float = 0.0
    cache: dict[str, tuple[int, int]] = field(default_factory=dict)  # namespace -> (hits, misses)
    render: RenderStats = field(default_factory=RenderStats)
    features: list[str] = field(default_factory=list)  # the features' lines for the summary


@dataclass
class BuildResult:
    site: SiteModel
    out_dir: Path
    stats: BuildStats
    warnings: list[str]


def build(content_dir: Path, out_dir: Path, settings: Settings, reporter: Reporter,
          options: BuildOptions | None = None) -> BuildResult:
    """Build the site folder ``content_dir`` into ``out_dir`` with validated ``settings``."""
    timer = Timer()
    options = options or BuildOptions()
    ctx = StageContext(content_dir, settings, Cache(content_dir / settings.build.cache_dir), reporter, options)
    features = create_features()
    lines: list[str] = []
    staging = write.start(ctx, out_dir) if options.write and content_dir.is_dir() else None
    try:
        content = read.run(ctx)
        for f in features:
            f.read(ctx, content)  # what a feature reads is checked before any footage is touched
        films = content.films
        for f in features:
            films = f.before_media(ctx, films, content)
        films = media.run(ctx, films)
        films = renditions.run(ctx, films)
        films = captions.run(ctx, films, content.archive, content.archive_columns)
        for f in features:
            films = f.after_captions(ctx, films, content)
        films = subtitles.run(ctx, films)
        for f in features:
            films = f.after_subtitles(ctx, films)
        site_map = None
        if options.with_map and content.archive:
            from .stages import map as map_stage

            site_map = map_stage.run(ctx, map_stage.MapInput(content.archive, content.archive_columns, films,
                                                             relayout=options.relayout or settings.map.relayout))
        archive = content.archive
        if options.with_map and archive:
            archive = site_map.archive if site_map else []  # the map stage read every image: keep the readable
        site = SiteModel(settings=settings, content_dir=content_dir, films=films, pages=content.pages,
                         archive=archive, archive_columns=content.archive_columns,
                         map_url=MAP_URL if site_map is not None else "",
                         item_images=site_map.item_images() if site_map is not None else {})
        for f in features:
            given = f.contribute(ctx, Core(site, site_map, content))
            if given is not None:
                site.add(given)
                lines += given.summary
        before = write.previous(out_dir)  # after write.start, which restores an output an interrupted swap lost
        rendered = render.run(ctx, site, site_map, before)
        if options.write:  # nothing is written (publish --dry-run): nothing more is needed
            for f in features:
                lines += f.after_render(ctx, site, rendered)
        if settings.build.strict and reporter.warnings:
            raise StrictModeError(f"--strict: {len(reporter.warnings)} warning(s), nothing written")
        written = write.run(ctx, rendered, out_dir, before, staging) if staging is not None else 0
        staging = None  # the write stage has used it
    finally:
        if staging is not None:
            staging.abandon()
        try:
            ctx.cache.flush()
        finally:
            ctx.close()  # a local Ray cluster the build started stops here
            from .archive.vips_worker import shutdown

            shutdown()  # libvips' worker, if a large picture started one
    stats = BuildStats(
        films=len(site.films), keyframes=sum(len(f.keyframes) for f in site.films),
        captions_computed=ctx.cache.misses.get(captions.NAMESPACE, 0), cues=sum(len(f.cues) for f in site.films),
        pages=len(site.pages), archive=len(site.archive), files_written=written, seconds=timer.elapsed,
        cache=ctx.cache.summary(), render=rendered.stats, features=lines,
    )
    return BuildResult(site, out_dir, stats, list(reporter.warnings))
