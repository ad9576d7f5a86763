"""Renditions: every film as an MP4 every browser plays (H.264 High 8-bit, AAC, rotation applied,
``+faststart``), remuxed when the footage already is one, plus HLS for long films; cached by the
footage's content hash and the ``[video]`` settings. A film whose footage cannot be encoded is skipped
with a warning, like one whose footage cannot be read."""

from __future__ import annotations

from ..errors import MediaError
from ..media.renditions import STAGE as NAMESPACE
from ..media.renditions import STAGE_VERSION
from ..model import Film
from . import StageContext, StageInfo

STAGE = StageInfo("renditions", "web MP4 (H.264/AAC) of every film, HLS for long films (ffmpeg)", section="video",
                  namespaces=((NAMESPACE, STAGE_VERSION),))


def run(ctx: StageContext, films: list[Film]) -> list[Film]:
    """The films whose renditions could be made, each with ``rendition`` filled in."""
    if not films:
        return []
    from ..media.ffmpeg_bin import find_tools
    from ..media.renditions import rendition_cached

    tools = find_tools(ctx.reporter)
    kept: list[Film] = []
    for film in films:
        assert film.info is not None  # the media stage probed it
        try:
            film.rendition = rendition_cached(film.video, film.info, ctx.settings.video, tools, ctx.cache,
                                              ctx.reporter, film.slug)
        except MediaError as exc:
            ctx.reporter.warn(f"{exc.oneline()} (film '{film.slug}' skipped)")
            continue
        kept.append(film)
    return kept
