"""Renditions: every film as an MP4 every browser plays (H.264 High 8-bit, AAC, rotation applied,
``+faststart``), remuxed when the footage already is one, plus HLS for long films; cached by the
footage's content hash and the ``[video]`` settings. A film whose footage cannot be encoded is skipped
with a warning, like one whose footage cannot be read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import MediaError
from ..media.renditions import STAGE as NAMESPACE
from ..media.renditions import STAGE_VERSION, Lookup
from ..model import Film, Rendition
from . import StageContext, StageInfo
from .film_tasks import run_staged, use_tasks

if TYPE_CHECKING:
    from ..media.ffmpeg_bin import FFmpegTools

STAGE = StageInfo("renditions", "web MP4 (H.264/AAC) of every film, HLS for long films (ffmpeg)", section="video",
                  namespaces=((NAMESPACE, STAGE_VERSION),))


def run(ctx: StageContext, films: list[Film]) -> list[Film]:
    """The films whose renditions could be made, each with ``rendition`` filled in."""
    if not films:
        return []
    from ..media.ffmpeg_bin import find_tools
    from ..media.renditions import lookup, make_cached

    tools = find_tools(ctx.reporter)
    settings = ctx.settings.video
    looked: dict[str, Lookup | MediaError] = {}
    for film in films:
        assert film.info is not None  # the media stage probed it
        try:
            looked[film.slug] = lookup(film.video, film.info, settings, tools, ctx.cache)
        except MediaError as exc:
            looked[film.slug] = exc
    missing = [f for f in films if isinstance(w := looked[f.slug], Lookup) and w.found is None]
    made: dict[str, Rendition | MediaError] = {}
    if use_tasks(ctx, len(missing)):
        made = _make_as_tasks(ctx, missing, looked, tools)
    kept: list[Film] = []
    for film in films:
        assert film.info is not None
        try:
            where, done = looked[film.slug], made.get(film.slug)
            if isinstance(where, MediaError):
                raise where
            if isinstance(done, MediaError):
                raise done
            film.rendition = where.found or done or make_cached(film.video, film.info, settings, tools, ctx.cache,
                                                                  where, ctx.reporter, film.slug)
        except MediaError as exc:
            ctx.reporter.warn(f"{exc.oneline()} (film '{film.slug}' skipped)")
            continue
        kept.append(film)
    return kept


def _make_as_tasks(ctx: StageContext, films: list[Film], looked: dict[str, Lookup | MediaError],
                   tools: FFmpegTools) -> dict[str, Rendition | MediaError]:
    """Renditions of several films at once, one executor task per film (see :mod:`.film_tasks`). A film
    whose NVENC encode failed is left out, so the local loop retries it on the CPU with its warning."""
    from ..media.renditions import RenditionTask, cpu_fallback, load_made, make_rendition, say_why

    ns = ctx.cache.namespace(NAMESPACE, STAGE_VERSION)
    jobs, keys = [], []
    for film in films:
        where = looked[film.slug]
        assert isinstance(where, Lookup) and film.info is not None
        say_why(where.plan, film.slug, ctx.reporter)
        staged = ns.staged_dir(where.key)
        jobs.append((staged, RenditionTask(film.video, film.info, where.plan, ctx.settings.video, tools,
                                           staged.path, film.slug)))
        keys.append(where.key)
    ctx.reporter.info(f"renditions: {len(jobs)} films as {ctx.settings.build.executor} tasks")
    out: dict[str, Rendition | MediaError] = {}
    for film, key, result in zip(films, keys, run_staged(ctx, make_rendition, jobs, "renditions")):
        where = looked[film.slug]
        assert isinstance(where, Lookup)
        if isinstance(result, MediaError):
            if cpu_fallback(where.plan, ctx.settings.video) is None:
                out[film.slug] = result
            continue  # not in ``out``: make_cached makes it here, falling back to libx264
        out[film.slug] = load_made(film.video, key, ctx.cache)
    return out
