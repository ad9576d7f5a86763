"""Dreams as a feature: films dreamt along their optical flow before the media stage (see
:mod:`generator.dreams.films_stage`), archive images dreamt and the channel atlas after the map (see
:mod:`generator.dreams.stage`), and the ``dreams/`` section whose index also lists what other features
gave the "dreams" list (the collages). Stands after them in :data:`generator.features.FEATURES`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..features.base import Contribution, Core, Feature
from ..model import Film, NavEntry
from .films_stage import STAGE as FILMS_STAGE
from .settings import DreamSettings
from .stage import STAGE

if TYPE_CHECKING:
    from ..site.render import SiteRenderer
    from ..stages import StageContext
    from ..stages.read import Content


class DreamsFeature(Feature):
    name = "dreams"
    stages = (FILMS_STAGE, STAGE)
    settings = DreamSettings
    section = "dreams"

    def before_media(self, ctx: StageContext, films: list[Film], content: Content) -> list[Film]:
        from .films_stage import run

        return run(ctx, films)  # each dream film after the film it dreams

    def contribute(self, ctx: StageContext, core: Core) -> Contribution | None:
        from .page import DREAMS_URL, render_dreams
        from .stage import run, sections

        dreamt = run(ctx, core.site.archive)
        own = sections(dreamt, core.site.films)
        entries = core.site.sections_of("dreams") + own  # the others' first, as they were given
        if not entries and not (dreamt is not None and (dreamt.stills or dreamt.atlas)):
            return None

        def pages(renderer: SiteRenderer) -> None:
            render_dreams(renderer, dreamt, entries)

        return Contribution(nav=[NavEntry("Dreams", DREAMS_URL, "dreams", order=43)], sections=own, pages=pages)
