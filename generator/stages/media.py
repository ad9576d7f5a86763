"""Media: probe each film's footage and pick its keyframes (shot changes plus one at least every
``max_interval`` seconds). A film whose footage cannot be read is skipped with a warning, so the rest of
the documentary still publishes."""

from __future__ import annotations

from ..errors import MediaError
from ..media.keyframes import STAGE as KEYFRAMES
from ..media.keyframes import STAGE_VERSION as KEYFRAMES_VERSION
from ..media.probe import STAGE as PROBE
from ..media.probe import STAGE_VERSION as PROBE_VERSION
from ..model import Film
from . import StageContext, StageInfo

STAGE = StageInfo("media", "probe the footage (ffprobe) and pick keyframes (ffmpeg)", section="keyframes",
                  namespaces=((PROBE, PROBE_VERSION), (KEYFRAMES, KEYFRAMES_VERSION)))


def run(ctx: StageContext, films: list[Film]) -> list[Film]:
    """The films whose footage could be read, each with its video info and keyframes."""
    if not films:
        return []
    from ..media.ffmpeg_bin import find_tools
    from ..media.keyframes import keyframes_cached
    from ..media.probe import probe_cached

    tools = find_tools(ctx.reporter)
    kept: list[Film] = []
    for film in ctx.reporter.progress(films, total=len(films), desc="keyframes", unit="film"):
        try:
            film.info = probe_cached(film.video, tools, ctx.cache)
            film.keyframes = keyframes_cached(film.video, film.info, ctx.settings.keyframes, tools, ctx.cache,
                                              ctx.reporter)
        except MediaError as exc:
            ctx.reporter.warn(f"{exc.oneline()} (film '{film.slug}' skipped)")
            continue
        if not film.keyframes:
            ctx.reporter.warn(f"{film.video}: no frame could be decoded (film '{film.slug}' skipped)")
            continue
        kept.append(film)
    return kept
