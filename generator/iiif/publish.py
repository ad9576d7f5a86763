"""What the site gets from the IIIF feature: each pyramid under ``iiif/<slug>/`` with its ``info.json``
addressed to where it is published, the deep-zoom viewer's files (OpenSeadragon from ``node_modules``), the
map records that point at the pyramids, and the Presentation 3 manifests (:mod:`.manifests`) of the archive
and of every film."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .manifests import (
    FilmEntry,
    ImageEntry,
    archive_manifest,
    film_manifest,
    manifest_path_for_archive,
    manifest_path_for_film,
    to_json_bytes,
)
from .settings import LIGHTBOX, IIIFSettings

if TYPE_CHECKING:
    from ..archive.mapdata import MapResult
    from ..model import ArchiveItem
    from ..site.output import OutputTree
    from ..site.views import FilmView
    from .pyramid import Pyramid

SERVE_BASE = "http://127.0.0.1:8000"  # ids of a site that has no [site] base_url: where `build.py serve` shows it
VIEWER = "vendor/openseadragon/"
VIEWER_SCRIPT = VIEWER + "openseadragon.min.js"


def base_url_of(site_base: str) -> str:
    return site_base.rstrip("/") or SERVE_BASE


def service_path(pyramid: Pyramid) -> str:
    """The pyramid's folder below the site root (its IIIF service id without the base)."""
    return f"iiif/{pyramid.slug}"


def add_pyramid(out: OutputTree, pyramid: Pyramid, base_url: str) -> None:
    from .pyramid import info_json

    prefix = service_path(pyramid) + "/"
    for rel in pyramid.files:
        if rel != "info.json":
            out.add_file(prefix + rel, pyramid.folder / rel)
    out.add_bytes(prefix + "info.json", info_json(pyramid, f"{base_url}/{service_path(pyramid)}"))


def point_records(site_map: MapResult, pyramids: dict[str, Pyramid]) -> int:
    """Give each archive record of the map with a pyramid its ``z`` (info.json, relative to map/); the count."""
    layer = site_map.layers.get("archive")
    if layer is None:
        return 0
    n = 0
    for rec in layer.records:
        p = pyramids.get(str(rec.get("id")))
        if p is not None:
            rec["z"] = f"../{service_path(p)}/info.json"
            n += 1
    return n


def shown_size(width: int, height: int, side: int = LIGHTBOX) -> tuple[int, int]:
    """The size of the map's ``large`` JPEG of a picture (its longer side ``side``, never enlarged). It was
    made from a draft decode, so it may differ by a pixel: a body's size in a manifest only informs."""
    if max(width, height) <= side:
        return max(1, width), max(1, height)
    f = side / max(width, height)
    return max(1, math.floor(width * f + 0.5)), max(1, math.floor(height * f + 0.5))


def image_entries(items: list[ArchiveItem], site_map: MapResult, pyramids: dict[str, Pyramid]) -> list[ImageEntry]:
    """The archive's pictures as the manifest lists them, in the map's order."""
    by_id = {it.id: it for it in items}
    layer = site_map.layers.get("archive")
    out: list[ImageEntry] = []
    for rec in layer.records if layer is not None else []:
        item = by_id.get(str(rec.get("id")))
        if item is None or not item.width or not item.height:
            continue
        image = "map/" + str(rec["img"])
        size = shown_size(item.width, item.height)
        p = pyramids.get(item.id)
        meta = [(k, v) for k, v in item.metadata.items() if k.lower() != "title" and v]
        out.append(ImageEntry(id=item.id, label=str(rec.get("t") or item.title), width=item.width,
                              height=item.height, metadata=meta, image=image, image_size=size, thumbnail=image,
                              thumbnail_size=size, service=service_path(p) if p is not None else "",
                              homepage="map/#item=" + quote(item.id, safe="")))
    return out


def film_entry(view: FilmView, language: str) -> FilmEntry | None:
    """A film as its manifest describes it; None for one with nothing to paint (no duration or size)."""
    if view.duration <= 0 or view.video_w <= 0 or view.video_h <= 0 or not view.video_type:
        return None
    url = view.url
    tracks: list[tuple[str, str, str]] = []
    if view.vtt_name:
        tracks.append((url + quote(view.vtt_name), language, "Machine captions"))
    if view.descriptions_name:
        tracks.append((url + quote(view.descriptions_name), language, "Descriptions"))
    return FilmEntry(slug=view.slug, title=view.title, summary=view.summary, duration=view.duration,
                     width=view.video_w, height=view.video_h, video=url + view.video_href,
                     poster=url + view.poster if view.poster else "", poster_size=(view.image_w, view.image_h),
                     tracks=tracks, homepage=url, video_format=view.video_type)


def add_manifests(out: OutputTree, entries: list[ImageEntry], films: list[FilmView], settings: IIIFSettings,
                  base_url: str, site_title: str, language: str) -> list[str]:
    """Write the archive's and each film's manifest; the site-relative paths written."""
    written: list[str] = []
    if entries:
        manifest = archive_manifest(entries, base_url, site_title, settings.rights, homepage="map/")
        out.add_bytes(manifest_path_for_archive(), to_json_bytes(manifest))
        written.append(manifest_path_for_archive())
    for view in films:
        entry = film_entry(view, language)
        if entry is not None:
            out.add_bytes(manifest_path_for_film(view.slug), to_json_bytes(film_manifest(entry, base_url, site_title,
                                                                                          settings.rights)))
            written.append(manifest_path_for_film(view.slug))
    return written


def viewer_files(out: OutputTree) -> dict[str, Any] | None:
    """Add OpenSeadragon to ``assets/`` and return what the map's manifest tells the viewer (relative to
    map/); None when ``node_modules`` lacks it (``npm ci``, run by .ci/setup, installs it)."""
    from ..site.assets import add_optional_assets, missing_npm_files

    if missing_npm_files(VIEWER):
        return None
    versions = add_optional_assets(out, VIEWER)
    return {"script": "../assets/" + versions[VIEWER_SCRIPT]}
