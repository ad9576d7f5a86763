"""Media: probe each film's footage and pick its keyframes (shot changes plus one at least every
``max_interval`` seconds). A film whose footage cannot be read is skipped with a warning, so the rest of
the documentary still publishes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import MediaError
from ..media.keyframes import STAGE as KEYFRAMES
from ..media.keyframes import STAGE_VERSION as KEYFRAMES_VERSION
from ..media.probe import STAGE as PROBE
from ..media.probe import STAGE_VERSION as PROBE_VERSION
from ..model import Film, Keyframe
from . import StageContext, StageInfo
from .film_tasks import run_staged, use_tasks

if TYPE_CHECKING:
    from ..media.ffmpeg_bin import FFmpegTools

STAGE = StageInfo("media", "probe the footage (ffprobe) and pick keyframes (ffmpeg)", section="keyframes",
                  namespaces=((PROBE, PROBE_VERSION), (KEYFRAMES, KEYFRAMES_VERSION)))


def run(ctx: StageContext, films: list[Film]) -> list[Film]:
    """The films whose footage could be read, each with its video info and keyframes."""
    if not films:
        return []
    from ..media.ffmpeg_bin import find_tools
    from ..media.keyframes import cached_index, extract_cached, keyframes_from
    from ..media.probe import probe_cached

    tools = find_tools(ctx.reporter)
    settings = ctx.settings.keyframes
    probed: list[Film] = []
    for film in films:  # ffprobe reads headers only: fast enough to stay in this process
        try:
            film.info = probe_cached(film.video, tools, ctx.cache)
        except MediaError as exc:
            ctx.reporter.warn(f"{exc.oneline()} (film '{film.slug}' skipped)")
            continue
        probed.append(film)
    indexes = {film.slug: cached_index(film.video, settings, ctx.cache) for film in probed}
    missing = [film for film in probed if indexes[film.slug][1] is None]
    remote: dict[str, list[Keyframe] | MediaError] = {}
    if use_tasks(ctx, len(missing)):
        remote = _extract_as_tasks(ctx, missing, {f.slug: indexes[f.slug][0] for f in missing}, tools)
    kept: list[Film] = []
    for film in ctx.reporter.progress(probed, total=len(probed) if not remote else 0, desc="keyframes",
                                      unit="film"):
        assert film.info is not None
        try:
            found = remote.get(film.slug)
            if isinstance(found, MediaError):
                raise found
            if found is None:
                key, index = indexes[film.slug]  # looked up once, above
                found = (keyframes_from(film.video, key, index, ctx.cache, ctx.reporter) if index is not None
                         else extract_cached(film.video, film.info, settings, tools, ctx.cache, key, ctx.reporter))
            film.keyframes = found
        except MediaError as exc:
            ctx.reporter.warn(f"{exc.oneline()} (film '{film.slug}' skipped)")
            continue
        if not film.keyframes:
            ctx.reporter.warn(f"{film.video}: no frame could be decoded (film '{film.slug}' skipped)")
            continue
        kept.append(film)
    return kept


def _extract_as_tasks(ctx: StageContext, films: list[Film], keys: dict[str, str],
                      tools: FFmpegTools) -> dict[str, list[Keyframe] | MediaError]:
    """Keyframes of several films at once, one executor task per film (see :mod:`.film_tasks`)."""
    from ..media.keyframes import KeyframeTask, keyframes_from, make_keyframes

    ns = ctx.cache.namespace(KEYFRAMES, KEYFRAMES_VERSION)
    jobs = []
    for film in films:
        assert film.info is not None
        staged = ns.staged_dir(keys[film.slug])
        jobs.append((staged, KeyframeTask(film.video, film.info, ctx.settings.keyframes, tools, staged.path)))
    ctx.reporter.info(f"keyframes: {len(jobs)} films as {ctx.settings.build.executor} tasks")
    results = run_staged(ctx, make_keyframes, jobs, "keyframes")
    return {film.slug: (r if isinstance(r, MediaError) else keyframes_from(film.video, keys[film.slug], r,
                                                                           ctx.cache, ctx.reporter))
            for film, r in zip(films, results)}
