"""The dreams section, ``dreams/``: its index (every helper's sections from ``site.extras['dream_sections']``
and the dreamt images), a page per dreamt image (``dreams/<slug>/``: before and after, the preset's
parameters, the source credited and linked to the map) and the channel atlas (``dreams/atlas/``).

A section entry is a dict: ``title``, ``url`` and ``thumb`` (both below the site root; ``thumb`` may be "")
and ``blurb`` (one sentence). Other stages add theirs to ``site.extras['dream_sections']`` before render."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .views import url_path

if TYPE_CHECKING:
    from ..model import SiteModel
    from ..stages.dreams import Dreams
    from .render import SiteRenderer

DREAMS_URL = "dreams/"
MACHINE = ("Made by the machine: the offline ImageNet network EfficientNet-Lite0 changed the picture, step by step, "
           "towards what it responds to (gradient ascent, after DeepDream and Mario Klingemann's variations).")


@dataclass(frozen=True)
class Section:
    title: str
    href: str  # relative to dreams/
    thumb: str  # relative to dreams/, "" for none
    blurb: str


def wanted(site: SiteModel) -> bool:
    """Whether the site has a dreams section (the nav entry and the index page)."""
    dreams = site.extras.get("dreams")
    return bool(site.extras.get("dream_sections")) or bool(dreams is not None and (dreams.stills or dreams.atlas))


def _sections(site: SiteModel) -> list[Section]:
    out = []
    for s in site.extras.get("dream_sections", []):
        thumb = str(s.get("thumb") or "")
        out.append(Section(str(s.get("title", "")), "../" + url_path(str(s.get("url", ""))),
                           "../" + url_path(thumb) if thumb else "", str(s.get("blurb", ""))))
    return out


def render_dreams(renderer: SiteRenderer) -> None:
    site, tree = renderer.site, renderer.out
    result: Dreams | None = site.extras.get("dreams")
    map_url = str(site.extras.get("map_url") or "")
    stills = result.stills if result is not None else []
    for still in stills:
        prefix = f"{DREAMS_URL}{still.slug}/"
        tree.add_file(prefix + "dream.jpg", still.dream)
        tree.add_file(prefix + "before.jpg", still.before)
        params: list[tuple[str, Any]] = [(k, (", ".join(map(str, v)) or "all") if k == "channels" else v)
                                         for k, v in still.params.items()]
        renderer.page("dream.html", prefix + "index.html", "dreams", dict(
            page_title=f"{still.title}, dreamt", description=f"The machine's dream of {still.title}.", still=still,
            params=params, machine=MACHINE, wide=True, body_class="dark dream-page",
            source_href="../../archive/files/" + url_path(still.item_id),
            map_href=f"../../{map_url}#item={url_path(still.item_id)}" if map_url else ""))
    atlas = result.atlas if result is not None else None
    if atlas is not None:
        tiles = []
        for channel, path in atlas.tiles:
            tree.add_file(f"{DREAMS_URL}atlas/c{channel:03d}.jpg", path)
            tiles.append((channel, f"c{channel:03d}.jpg"))
        renderer.page("dream_atlas.html", DREAMS_URL + "atlas/index.html", "dreams", dict(
            page_title=f"Channel atlas, block {atlas.layer}", wide=True, body_class="dark dream-page",
            description=f"What each of {len(tiles)} channels of EfficientNet-Lite0's block {atlas.layer} dreams.",
            layer=atlas.layer, size=atlas.size, steps=atlas.steps, seed=atlas.seed, tiles=tiles))
    renderer.page("dreams.html", DREAMS_URL + "index.html", "dreams", dict(
        page_title="Dreams", description="What the machine dreams: images and films it made.", wide=True,
        body_class="dark dream-page", sections=_sections(site), stills=stills, machine=MACHINE))
