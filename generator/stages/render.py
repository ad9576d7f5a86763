"""Render: the site model (and the map) into an output tree of pages, tracks, media and assets, in
memory. Pages that the previous site already holds unchanged are only named, for the write stage to
link; the others come from the cache of rendered pages or the templates. The features' pages are
rendered by what each feature gave the site (:attr:`SiteModel.page_makers`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import SiteModel
from ..site import responsive
from ..site.output import OutputTree, PreviousOutputs
from ..site.render import NAMESPACE, VERSION, RenderStats, SiteRenderer, add_assets, render_all
from . import StageContext, StageInfo

if TYPE_CHECKING:
    from ..archive.mapdata import MapResult

STAGE = StageInfo("render", "pages from the templates, tracks, media and assets, in memory; the pictures' WebP "
                  "variants", section="site",
                  namespaces=((NAMESPACE, VERSION), (responsive.NAMESPACE, responsive.VERSION)))


@dataclass
class Rendered:
    tree: OutputTree
    stats: RenderStats


def run(ctx: StageContext, site: SiteModel, site_map: MapResult | None, previous: PreviousOutputs) -> Rendered:
    tree = OutputTree()
    renderer = SiteRenderer(site, tree, add_assets(tree), ctx.cache, previous)
    if site_map is not None:
        from ..site.map_page import render_map

        render_map(site_map, renderer, tree)
    for make_pages in site.page_makers:
        make_pages(renderer)
    render_all(renderer)
    return Rendered(tree, renderer.stats)
