"""Stories as a feature: each ``stories/<slug>.md`` checked after read, made into a film of archive
pictures and keyframes after captions (see :mod:`generator.stories.stage`; the film is then subtitled,
narrated, mapped and published like any other), and given a page under ``stories/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..features.base import Contribution, Core, Feature
from ..model import Film, NavEntry
from .settings import StorySettings
from .stage import STAGE

if TYPE_CHECKING:
    from ..site.render import SiteRenderer
    from ..stages import StageContext
    from ..stages.read import Content
    from .stage import StoryResult
    from .story import Story


class StoriesFeature(Feature):
    name = "stories"
    stages = (STAGE,)
    settings = StorySettings
    section = "stories"

    def __init__(self) -> None:
        self.stories: list[Story] = []
        self.told: list[StoryResult] = []

    def read(self, ctx: StageContext, content: Content) -> None:
        from .stage import check

        self.stories = check(ctx, content.films)

    def after_captions(self, ctx: StageContext, films: list[Film], content: Content) -> list[Film]:
        from .stage import run

        films, self.told = run(ctx, films, self.stories, content.archive)
        return films

    def contribute(self, ctx: StageContext, core: Core) -> Contribution | None:
        if not self.told:
            return None
        from .page import render_stories, stories_href

        told = self.told

        def pages(renderer: SiteRenderer) -> None:
            render_stories(told, renderer)

        return Contribution(nav=[NavEntry("Stories", stories_href(told), "stories", order=42)], pages=pages)
