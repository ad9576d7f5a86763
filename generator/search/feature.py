"""Search as a feature: the search page and the header's box (when the site has something to find and
Pagefind is installed), then the index of every page, cue, archive image and contributed record, made
after render (see :mod:`generator.search.stage`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..features.base import Contribution, Core, Feature
from .settings import SearchSettings
from .stage import SEARCH_URL, STAGE, prepare

if TYPE_CHECKING:
    from ..archive.mapdata import MapResult
    from ..model import SiteModel
    from ..stages import StageContext
    from ..stages.render import Rendered


class SearchFeature(Feature):
    name = "search"
    stages = (STAGE,)
    settings = SearchSettings
    section = "search"

    def __init__(self) -> None:
        self.site_map: MapResult | None = None

    def contribute(self, ctx: StageContext, core: Core) -> Contribution | None:
        self.site_map = core.site_map
        if not prepare(ctx, core.site):
            return None
        from .page import render_search

        return Contribution(header_search=SEARCH_URL, pages=render_search)

    def after_render(self, ctx: StageContext, site: SiteModel, rendered: Rendered) -> list[str]:
        from .stage import run

        run(ctx, site, self.site_map, rendered)
        return []
