"""The build, top to bottom: read -> probe -> keyframes -> captions -> cues -> map -> render -> write.

Everything is gathered into the site model first; the output folder is only touched at the very end, by
an atomic swap, so a failed or interrupted build leaves the previous site as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import Cache
from .captions.cues import TimedText, build_cues
from .captions.formats import to_srt, to_vtt
from .config import Settings
from .errors import ContentError, ElectricSpeechError, MediaError, StrictModeError
from .reporter import Reporter, Timer
from .site.model import Film, SiteModel
from .site.output import OutputTree

if TYPE_CHECKING:
    from .captions.base import Captioner

CAPTION_STAGE_VERSION = 1


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


@dataclass
class BuildResult:
    site: SiteModel
    out_dir: Path
    stats: BuildStats
    warnings: list[str]


@dataclass
class BuildOptions:
    with_map: bool = True  # the art map stage (skipped when the archive is empty)
    relayout: bool = False
    write: bool = True  # False: gather and render only (publish --dry-run, tests)


def build(content_dir: Path, out_dir: Path, settings: Settings, reporter: Reporter,
          options: BuildOptions | None = None) -> BuildResult:
    options = options or BuildOptions()
    timer = Timer()
    cache = Cache(content_dir / settings.build.cache_dir)
    try:
        site = gather(content_dir, settings, cache, reporter, options)
        tree = render(site, cache, reporter, options)
        if settings.build.strict and reporter.warnings:
            raise StrictModeError(f"--strict: {len(reporter.warnings)} warning(s), nothing written")
        written = 0
        if options.write:
            from .site.write import write_tree

            written = write_tree(tree, out_dir, content_dir)
    finally:
        cache.flush()
    stats = BuildStats(
        films=len(site.films), keyframes=sum(len(f.keyframes) for f in site.films),
        captions_computed=cache.misses.get("captions", 0), cues=sum(len(f.cues) for f in site.films),
        pages=len(site.pages), archive=len(site.archive), files_written=written,
        seconds=timer.elapsed, cache=cache.summary(),
    )
    return BuildResult(site, out_dir, stats, list(reporter.warnings))


def gather(content_dir: Path, settings: Settings, cache: Cache, reporter: Reporter,
           options: BuildOptions) -> SiteModel:
    from .archive.scan import scan_archive
    from .site.content import read_content

    if not content_dir.is_dir():
        raise ContentError("site folder not found", content_dir)
    content = read_content(content_dir, include_drafts=settings.build.drafts, cache=cache)
    if content.errors:
        for err in content.errors[:-1]:
            reporter.info(f"error: {err.oneline()}")
        raise content.errors[-1]
    site = SiteModel(settings=settings, content_dir=content_dir, pages=content.pages)
    site.archive, site.archive_columns = scan_archive(content_dir, reporter)
    captioner = None
    if content.films:
        from .captions.base import create_captioner

        # created (cheaply, the model loads on first use) before any video work: a bad name fails fast
        captioner = create_captioner(settings.captions.captioner, settings.captions)
    site.films = analyse_films(content.films, settings, cache, reporter)
    if captioner is not None:
        caption_films(site.films, captioner, settings, cache, reporter)
    for film in site.films:
        make_subtitles(film, settings)
    attach_youtube_ids(site, reporter)
    return site


def analyse_films(films: list[Film], settings: Settings, cache: Cache, reporter: Reporter) -> list[Film]:
    """Probe and cut each film into keyframes; a film whose footage is unreadable is skipped."""
    if not films:
        return []
    from .media.ffmpeg_bin import find_tools
    from .media.keyframes import keyframes_cached
    from .media.probe import probe_cached

    tools = find_tools(reporter)
    kept: list[Film] = []
    for film in reporter.progress(films, total=len(films), desc="keyframes", unit="film"):
        try:
            film.info = probe_cached(film.video, tools, cache)
            film.keyframes = keyframes_cached(film.video, film.info, settings.keyframes, tools, cache, reporter)
        except MediaError as exc:
            reporter.warn(f"{exc.oneline()} (film '{film.slug}' skipped)")
            continue
        if not film.keyframes:
            reporter.warn(f"{film.video}: no frame could be decoded (film '{film.slug}' skipped)")
            continue
        kept.append(film)
    return kept


def caption_films(films: list[Film], captioner: "Captioner", settings: Settings, cache: Cache,
                  reporter: Reporter) -> None:
    """One sentence per keyframe, cached per (image bytes, captioner identity)."""
    identity = captioner.identity()
    todo: list[tuple[Film, int, str]] = []
    for film in films:
        film.captions = [""] * len(film.keyframes)
        for i, kf in enumerate(film.keyframes):
            key = cache.key("captions", CAPTION_STAGE_VERSION, cache.file_hash(kf.image), identity)
            stored = cache.read_json("captions", key)
            if isinstance(stored, dict) and isinstance(stored.get("text"), str):
                film.captions[i] = stored["text"]
            else:
                todo.append((film, i, key))
    if not todo:
        return
    size = settings.captions.batch_size
    batches = [todo[n:n + size] for n in range(0, len(todo), size)]
    bar = reporter.progress(batches, total=len(batches), desc="captions", unit="batch")
    for batch in bar:
        texts = captioner.caption([film.keyframes[i].image for film, i, _ in batch])
        for (film, i, key), text in zip(batch, texts):
            film.captions[i] = text
            cache.write_json("captions", key, {"text": text, "captioner": identity})
    captioner.close()


def make_subtitles(film: Film, settings: Settings) -> None:
    assert film.info is not None
    items = [TimedText(kf.time, text) for kf, text in zip(film.keyframes, film.captions)]
    film.cues = build_cues(items, film.info.duration, settings.subtitles)
    note = f"Machine captions by {settings.captions.captioner} (Electric Speech)"
    film.vtt = to_vtt(film.cues, note=note)
    film.srt = to_srt(film.cues)


def attach_youtube_ids(site: SiteModel, reporter: Reporter) -> None:
    try:
        from .publish.ledger import load_youtube_ids
    except ImportError:
        return
    try:
        ids = load_youtube_ids(site.content_dir)
    except ElectricSpeechError as exc:
        reporter.warn(exc.oneline())
        return
    for film in site.films:
        film.youtube_id = ids.get(film.slug, "")


def render(site: SiteModel, cache: Cache, reporter: Reporter, options: BuildOptions) -> OutputTree:
    tree = OutputTree()
    if options.with_map and site.archive:
        from .archive.stage import build_map

        tree.merge(build_map(site, cache, reporter, relayout=options.relayout or site.settings.map.relayout))
    from .site.render import render_site

    site_tree = render_site(site)
    site_tree.merge(tree)
    return site_tree
