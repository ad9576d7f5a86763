"""``[iiif]``: deep zoom (static IIIF Image API 3 level-0 tile pyramids of the large archive pictures) and the
IIIF Presentation 3 manifests of the archive and the films."""

from __future__ import annotations

from dataclasses import dataclass

from ..setting_rules import between, matches, setting

LIGHTBOX = 512  # pixels: the map's lightbox shows a picture at most this large (the map's `large` thumbnail)


@dataclass
class IIIFSettings:
    deep_zoom: bool = True  # publish a tile pyramid of every picture larger than `min_size`, zoomable in the lightbox
    min_size: int = setting(2 * LIGHTBOX, between(LIGHTBOX, 65_536))  # pixels of the longer side: smaller pictures
    # are shown whole (the lightbox's 512 px, sharp on a screen of twice the density)
    tile_size: int = setting(512, between(128, 2048))  # pixels of a tile's side
    quality: int = setting(90, between(50, 100))  # JPEG quality of the tiles
    manifests: bool = True  # iiif/manifest.json (the archive) and iiif/films/<slug>.json, for IIIF viewers
    rights: str = setting("", matches(r"(https?://(creativecommons\.org|rightsstatements\.org)/\S+)?",
                                      "http://creativecommons.org/licenses/by/4.0/", "or empty"))
    # the manifests' `rights`, e.g. "http://creativecommons.org/licenses/by/4.0/"
