"""Render: the site model (and the map) into an output tree of pages, tracks, media and assets, in
memory. Pages that the previous site already holds unchanged are only named, for the write stage to
link; the others come from the cache of rendered pages or the templates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import SiteModel
from ..site.output import OutputTree, PreviousOutputs
from ..site.render import NAMESPACE, VERSION, RenderStats, SiteRenderer, add_assets, render_all
from . import StageContext, StageInfo

if TYPE_CHECKING:
    from ..archive.mapdata import MapResult
    from .labels import LabelsResult

STAGE = StageInfo("render", "pages from the templates, tracks, media and assets, in memory", section="site",
                  namespaces=((NAMESPACE, VERSION),))


@dataclass
class Rendered:
    tree: OutputTree
    stats: RenderStats


def run(ctx: StageContext, site: SiteModel, site_map: MapResult | None, previous: PreviousOutputs,
        labels: LabelsResult | None = None) -> Rendered:
    tree = OutputTree()
    renderer = SiteRenderer(site, tree, add_assets(tree), ctx.cache, previous)
    if site_map is not None:
        from ..site.map_page import render_map

        render_map(site_map, renderer, tree)
    if labels is not None:
        from ..site.labels_page import render_labels

        render_labels(labels, renderer, site_map is not None)
    if site.extras.get("portraits") is not None:
        from ..site.portraits_page import render_portraits

        render_portraits(site.extras["portraits"], renderer, tree)
    if site.extras.get("collages") is not None:
        from ..site.collages_page import render_collages

        render_collages(site.extras["collages"], renderer, tree)
    if site.extras.get("stories"):
        from ..site.stories_page import render_stories

        render_stories(site.extras["stories"], renderer)
    from ..site.dreams_page import render_dreams, wanted

    if wanted(site):
        render_dreams(renderer)
    render_all(renderer)
    return Rendered(tree, renderer.stats)
