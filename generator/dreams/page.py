"""The dreams section, ``dreams/``: its index (the entries every feature gave the "dreams" list, see
:class:`generator.model.SectionEntry`, and the dreamt images), a page per dreamt image (``dreams/<slug>/``:
before and after, the preset's parameters, the source credited and linked to the map) and the channel
atlas (``dreams/atlas/``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..site.views import url_path
from .words import dream_sentence, how_made

if TYPE_CHECKING:
    from ..dreams.stage import Dreams
    from ..model import SectionEntry
    from ..site.render import SiteRenderer

DREAMS_URL = "dreams/"
MACHINE = ("Made by the machine: the offline ImageNet network EfficientNet-Lite0 changed the picture, step by step, "
           "towards what it responds to (gradient ascent, after DeepDream and Mario Klingemann's variations).")


@dataclass(frozen=True)
class Section:
    title: str
    href: str  # relative to dreams/
    thumb: str  # relative to dreams/, "" for none
    blurb: str


def _sections(entries: list[SectionEntry]) -> list[Section]:
    return [Section(e.title, "../" + url_path(e.url), "../" + url_path(e.thumb) if e.thumb else "", e.blurb)
            for e in entries]


def render_dreams(renderer: SiteRenderer, result: Dreams | None, entries: list[SectionEntry]) -> None:
    tree = renderer.out
    map_url = renderer.map_url
    stills = result.stills if result is not None else []
    renderer.pictures.prepare(p for s in stills for p in (s.before, s.dream))
    for still in stills:
        prefix = f"{DREAMS_URL}{still.slug}/"
        tree.add_file(prefix + "dream.jpg", still.dream)
        tree.add_file(prefix + "before.jpg", still.before)
        renderer.page("dream.html", prefix + "index.html", "dreams", dict(
            page_title=f"{still.title}, dreamt", description=f"The machine's dream of {still.title}.", still=still,
            how=how_made(still.params), sentence=dream_sentence(still.params), machine=MACHINE, wide=True,
            body_class="dark dream-page", before_pic=renderer.pictures.of(still.before),
            dream_pic=renderer.pictures.of(still.dream), source_href="../../archive/files/" + url_path(still.item_id),
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
        body_class="dark dream-page", sections=_sections(entries), stills=stills, machine=MACHINE,
        sentences={s.slug: dream_sentence(s.params) for s in stills}))
