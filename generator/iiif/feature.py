"""IIIF as a feature: after the map, every archive picture larger than the lightbox becomes a static IIIF
Image API 3 level-0 tile pyramid, zoomable to its last pixel in the map's lightbox (OpenSeadragon), and the
archive and each film get a IIIF Presentation 3 manifest, so a museum's own viewer (Mirador, the Universal
Viewer) opens them; the archive page, the map's lightbox and each film page link their manifest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..features.base import Contribution, Core, Feature
from .settings import IIIFSettings
from .stage import STAGE

if TYPE_CHECKING:
    from ..site.render import SiteRenderer
    from ..stages import StageContext


class IIIFFeature(Feature):
    name = "iiif"
    stages = (STAGE,)
    settings = IIIFSettings
    section = "iiif"

    def contribute(self, ctx: StageContext, core: Core) -> Contribution | None:
        site_map = core.site_map
        if site_map is None:  # no map (no archive, or --no-map): no lightbox to zoom in, no pictures to list
            return None
        s = ctx.settings.of(IIIFSettings)
        from .publish import (
            add_manifests,
            add_pyramid,
            base_url_of,
            image_entries,
            point_records,
            viewer_files,
        )
        from .stage import run

        pyramids = run(ctx, core.site.archive).by_id
        base = base_url_of(ctx.settings.site.base_url)
        links: dict[str, list[tuple[str, str]]] = {}
        if pyramids:
            point_records(site_map, pyramids)
        if s.manifests:
            site_map.manifest["iiif"] = "../iiif/manifest.json"
            links["archive"] = [("The archive as a IIIF manifest", "iiif/manifest.json")]
            links.update({f"film:{f.slug}": [("This film as a IIIF manifest", f"iiif/films/{f.slug}.json")]
                          for f in core.site.films if f.info is not None and f.info.duration > 0})
            if not ctx.settings.site.base_url:
                ctx.reporter.info(f"iiif: [site] base_url is empty: the manifests name {base}/ (build.py serve); "
                                  "set it to where the site will live for viewers elsewhere")
        from ..site.output import OutputTree

        viewer = OutputTree()
        if pyramids:
            deepzoom = viewer_files(viewer)
            if deepzoom is None:
                ctx.reporter.warn("iiif: OpenSeadragon is not in node_modules (npm ci, run by bash .ci/setup): the "
                                  "tiles are published, the lightbox shows pictures without deep zoom")
            else:
                site_map.manifest["deepzoom"] = deepzoom
        entries = image_entries(core.site.archive, site_map, pyramids) if s.manifests else []
        title, language = ctx.settings.site.title, ctx.settings.site.language

        def pages(renderer: SiteRenderer) -> None:
            out = renderer.out
            out.merge(viewer)
            for pyramid in pyramids.values():
                add_pyramid(out, pyramid, base)
            if s.manifests:
                add_manifests(out, entries, renderer.film_views(), s, base, title, language)

        summary = [f"iiif: {len(pyramids)} picture(s) zoomable to full resolution"] if pyramids else []
        return Contribution(links=links, pages=pages, summary=summary)
