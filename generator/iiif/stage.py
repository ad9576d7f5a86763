"""IIIF: after the map (which read every archive picture and knows its size), the pictures larger than the
lightbox as static IIIF Image API 3 level-0 tile pyramids (:mod:`.pyramid`), cached per picture's bytes; what
the site gets from them is :mod:`.publish`'s.

A build with nothing changed looks up one folder marker per large picture and imports no image library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..stages import StageContext, StageInfo
from .pyramid import NAMESPACE, VERSION, Pyramid, cached_pyramid
from .settings import IIIFSettings

if TYPE_CHECKING:
    from ..model import ArchiveItem

STAGE = StageInfo("iiif", "large archive pictures as IIIF tile pyramids (deep zoom in the lightbox, iiif/) and "
                  "IIIF manifests of the archive and the films", section="iiif",
                  namespaces=((NAMESPACE, VERSION),), phase="contribute")


@dataclass
class Pyramids:
    by_id: dict[str, Pyramid] = field(default_factory=dict)  # archive id -> its pyramid
    failed: int = 0


def wanted(items: list[ArchiveItem], settings: IIIFSettings) -> list[ArchiveItem]:
    """The pictures that get a pyramid: larger than ``min_size`` on their longer side."""
    if not settings.deep_zoom:
        return []
    return [it for it in items if max(it.width, it.height) > settings.min_size]


def run(ctx: StageContext, items: list[ArchiveItem]) -> Pyramids:
    """The pyramid of every wanted picture, made where the cache lacks it: one at a time (libvips already
    keeps both cores busy on one picture), in libvips' worker process (see :mod:`generator.archive.vips_worker`)."""
    s = ctx.settings.of(IIIFSettings)
    out = Pyramids()
    todo: list[ArchiveItem] = []
    for item in wanted(items, s):
        found = cached_pyramid(item.path, ctx.cache, s.tile_size, s.quality)
        if found is None:
            todo.append(item)
        else:
            out.by_id[item.id] = found
    if not todo:
        return out
    from ..errors import MediaError
    from .pyramid import make_pyramid
    for item in ctx.reporter.progress(todo, total=len(todo), desc="deep zoom tiles", unit="img"):
        try:
            out.by_id[item.id] = make_pyramid(item.path, ctx.cache, s.tile_size, s.quality)
        except MediaError as exc:
            ctx.reporter.warn(exc.oneline() + "; shown without deep zoom")
            out.failed += 1
    ctx.reporter.info(f"iiif: tiled {len(todo) - out.failed} picture(s) for deep zoom "
                      f"({len(out.by_id)} in all, {s.tile_size} px tiles)")
    return out
