"""Narration as a feature: after subtitles, the cues of each narrated film spoken by a registered voice
and mixed into a track (see :mod:`generator.narration.stage`); the film page plays it ("Hear the machine")
and carries the descriptions track."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..features.base import Feature
from ..model import Film
from .settings import NarrationSettings
from .stage import STAGE

if TYPE_CHECKING:
    from ..stages import StageContext


class NarrationFeature(Feature):
    name = "narration"
    stages = (STAGE,)
    settings = NarrationSettings
    section = "narration"

    def after_subtitles(self, ctx: StageContext, films: list[Film]) -> list[Film]:
        from .stage import run

        return run(ctx, films)
