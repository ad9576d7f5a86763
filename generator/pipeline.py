"""The build, top to bottom: read -> dream-films -> media -> renditions -> captions -> stories -> subtitles ->
narration -> map -> labels -> faces -> collages -> dreams -> render -> search -> write.

Each stage is a module of :mod:`generator.stages` with typed inputs and outputs, its own settings
section and cache namespaces (``build.py list`` shows them). Everything is gathered and rendered in
memory first; the output folder is only touched at the very end, by an atomic swap, so a failed or
interrupted build leaves the previous site as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .cache import Cache
from .config import Settings
from .errors import StrictModeError
from .model import SiteModel
from .reporter import Reporter, Timer
from .site.render import RenderStats
from .stages import (
    BuildOptions,
    StageContext,
    StageInfo,
    captions,
    collages,
    dream_films,
    dreams,
    faces,
    media,
    narration,
    read,
    render,
    renditions,
    search,
    stories,
    subtitles,
    write,
)

__all__ = ["BuildOptions", "BuildResult", "BuildStats", "build", "stages"]


def stages() -> tuple[StageInfo, ...]:
    """Every stage in build order (the map's module, with numpy behind it, is imported only here and when
    a site has an archive)."""
    from .stages import labels as labels_stage
    from .stages import map as map_stage

    return (read.STAGE, dream_films.STAGE, media.STAGE, renditions.STAGE, captions.STAGE, stories.STAGE,
            subtitles.STAGE, narration.STAGE, map_stage.STAGE, labels_stage.STAGE, faces.STAGE, collages.STAGE,
            dreams.STAGE, render.STAGE, search.STAGE, write.STAGE)


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
    cache: dict[str, tuple[int, int]] = field(default_factory=dict)  # stage -> (hits, misses)
    render: RenderStats = field(default_factory=RenderStats)
    labels: list[str] = field(default_factory=list)  # one line per taught label (decisions, accuracy)
    search: search.SearchStats = field(default_factory=search.SearchStats)


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
    staging = write.start(ctx, out_dir) if options.write and content_dir.is_dir() else None
    try:
        content = read.run(ctx)
        films = dream_films.run(ctx, content.films)  # a dream film is then probed and captioned like any film
        films = media.run(ctx, films)
        films = renditions.run(ctx, films)
        films = captions.run(ctx, films, content.archive, content.archive_columns)
        films, told = stories.run(ctx, films, content.stories, content.archive)
        films = subtitles.run(ctx, films)
        films = narration.run(ctx, films)
        site_map = None
        if options.with_map and content.archive:
            from .stages import map as map_stage

            site_map = map_stage.run(ctx, map_stage.MapInput(content.archive, content.archive_columns, films,
                                                             relayout=options.relayout or settings.map.relayout))
        taught = None
        if site_map is not None:
            from .stages import labels as labels_stage

            taught = labels_stage.run(ctx, site_map)
        archive = content.archive
        if options.with_map and archive:
            archive = site_map.archive if site_map else []  # the map stage read every image: keep the readable
        site = SiteModel(settings=settings, content_dir=content_dir, films=films, pages=content.pages,
                         archive=archive, archive_columns=content.archive_columns)
        if told:
            site.extras["stories"] = told
        if site_map is not None:
            site.extras["map_url"] = "map/"
            site.extras["map"] = {"count": site_map.count, "frames": site_map.frames, "scores": site_map.scores,
                                  "layouts": site_map.layouts}
        if taught is not None:
            from .site.labels_page import attach

            attach(taught, site, site_map)
        found = faces.run(ctx, archive, films, with_map=site_map is not None)
        if found is not None and found.faces:
            from .site.portraits_page import face_api_missing

            if not face_api_missing(reporter):  # else warned: without face-api the page finds no face
                site.extras["portraits_url"] = "portraits/"
                site.extras["portraits"] = found
        series = collages.run(ctx, archive) if options.with_map else None
        if series is not None:
            from .site.collages_page import register_collages

            register_collages(site, series)
        dreamt = dreams.run(ctx, archive)
        if dreamt is not None:
            site.extras["dreams"] = dreamt
        site.extras.setdefault("dream_sections", []).extend(dreams.sections(dreamt, films))
        before = write.previous(out_dir)  # after write.start, which restores an output an interrupted swap lost
        search.prepare(ctx, site)  # the search page and header box are rendered only when there will be an index
        rendered = render.run(ctx, site, site_map, before, taught)
        # nothing is written (publish, --dry-run): no index is needed
        searched = search.run(ctx, site, site_map, rendered) if options.write else search.SearchStats()
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
    stats = BuildStats(
        films=len(site.films), keyframes=sum(len(f.keyframes) for f in site.films),
        captions_computed=ctx.cache.misses.get(captions.NAMESPACE, 0), cues=sum(len(f.cues) for f in site.films),
        pages=len(site.pages), archive=len(site.archive), files_written=written, seconds=timer.elapsed,
        cache=ctx.cache.summary(), render=rendered.stats, labels=taught.summary() if taught is not None else [],
        search=searched,
    )
    return BuildResult(site, out_dir, stats, list(reporter.warnings))
