"""Subtitles: the captions timed into cues (each on screen from its keyframe, within ``min_cue`` and
``max_cue`` seconds, wrapped to ``line_width``) and written as WebVTT and SRT. Cheap: never cached."""

from __future__ import annotations

from ..captions.cues import TimedText, build_cues
from ..captions.formats import to_srt, to_vtt
from ..model import Film
from . import StageContext, StageInfo

STORY = "story"  # the captioner named by a story film (see generator.stories.stage)

STAGE = StageInfo("subtitles", "captions timed into cues, WebVTT and SRT", section="subtitles")


def run(ctx: StageContext, films: list[Film]) -> list[Film]:
    for film in films:
        if film.captioner == STORY:  # a story film: its cues are the story's sentences, one per shot
            note = "The sentences of a story, each over the picture the machine chose for it (Electric Speech)"
        else:
            note = f"Machine captions by {film.captioner or ctx.settings.captions.captioner} (Electric Speech)"
        assert film.info is not None  # the media stage keeps only films it could probe
        items = [TimedText(kf.time, text) for kf, text in zip(film.keyframes, film.captions)]
        film.cues = build_cues(items, film.info.duration, ctx.settings.subtitles)
        film.vtt = to_vtt(film.cues, note=note)
        film.srt = to_srt(film.cues)
    return films
