"""Ernst collages as a feature: after the map (which has read every archive image), figures cut out of
the archive recombined into compositions (see :mod:`generator.collage.stage`); the site gets
``dreams/collages/`` with the kept ones and an entry in the dreams index; ``serve`` a keep-or-discard
queue."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..features.base import Contribution, Core, Feature
from .settings import CollageSettings
from .stage import STAGE

if TYPE_CHECKING:
    from ..cache import Cache
    from ..config import Settings
    from ..review.queue import ReviewQueue
    from ..site.render import SiteRenderer
    from ..stages import StageContext


class CollagesFeature(Feature):
    name = "collages"
    stages = (STAGE,)
    settings = CollageSettings
    section = "collages"

    def contribute(self, ctx: StageContext, core: Core) -> Contribution | None:
        if not ctx.options.with_map:
            return None
        from .stage import run

        series = run(ctx, core.site.archive)
        if series is None:
            return None
        from .page import render_collages, section

        entry = section(series)
        if entry is None:
            return None

        def pages(renderer: SiteRenderer) -> None:
            render_collages(series, renderer, renderer.out)

        return Contribution(sections=[entry], pages=pages)

    def review_queues(self, content_dir: Path, cache: Cache, settings: Settings) -> list[ReviewQueue]:
        from .review import collage_queue

        queue = collage_queue(content_dir, settings, cache)
        return [queue] if queue is not None else []
