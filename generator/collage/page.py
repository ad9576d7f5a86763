"""``dreams/collages/``: the compositions the curator kept (all of them before any review), each with
the archive pictures it is made of credited and linked to their place on the map, labelled as made by
the machine. The dreams index lists it through :func:`section`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..model import SectionEntry
from ..site.views import url_path
from .settings import CollageSettings

if TYPE_CHECKING:
    from ..collage.series import Series
    from ..site.output import OutputTree
    from ..site.render import SiteRenderer

COLLAGES_URL = "dreams/collages/"


@dataclass(frozen=True)
class SourceView:
    title: str
    href: str  # its item on the map (or its file in the archive when there is no map)
    creator: str = ""
    role: str = "figure"  # "ground" or "figure"


@dataclass(frozen=True)
class CollageView:
    id: str
    title: str
    style: str
    image: str  # relative to the page
    thumb: str
    sources: tuple[SourceView, ...]


def cut_by_words(series: Series) -> str:
    """What cut the figures out, as a visitor is told ("a segmentation network (IS-Net) that ...")."""
    from ..registry import plain_words

    return plain_words("cutter", series.cut_by, "a machine")


def section(series: Series) -> SectionEntry | None:
    """The collages' entry in the dreams index (None when none is kept)."""
    kept = series.published()
    if not kept:
        return None
    return SectionEntry(
        "dreams", "Collages", COLLAGES_URL, f"{COLLAGES_URL}{kept[0].id}.thumb.jpg",
        f"{len(kept)} collage{'s' if len(kept) != 1 else ''} in homage to Max Ernst: figures cut out of the "
        f"archive by {cut_by_words(series)}, repeated, scaled and turned on grounds from it.")


def render_collages(series: Series, renderer: SiteRenderer, tree: OutputTree) -> None:
    site = renderer.site
    by_id = {item.id: item for item in site.archive}
    root = "../../"
    views = []
    for n, comp in enumerate(series.published(), start=1):
        tree.add_file(f"{COLLAGES_URL}{comp.id}.jpg", comp.image)
        tree.add_file(f"{COLLAGES_URL}{comp.id}.thumb.jpg", comp.thumb)
        sources = []
        for sid in comp.plan.sources:
            item = by_id.get(sid)
            href = (f"{root}{renderer.map_url}#item={quote(sid, safe='')}" if renderer.map_url
                    else f"{root}archive/files/{url_path(sid)}")
            sources.append(SourceView(item.title if item else sid, href,
                                      item.metadata.get("creator", "") if item else "",
                                      "ground" if sid == comp.plan.ground else "figure"))
        views.append(CollageView(comp.id, f"Collage {n}", comp.plan.style, f"{comp.id}.jpg", f"{comp.id}.thumb.jpg",
                                 tuple(sources)))
    s = site.settings.of(CollageSettings)
    renderer.page("collages.html", COLLAGES_URL + "index.html", "dreams", dict(
        collages=views, page_title="Collages", wide=True, reviewed=series.reviewed, cut_by=cut_by_words(series),
        made=len(series.compositions), seed=s.seed,
        description=f"{len(views)} collages made by the machine from the archive's pictures."))
