"""Responsive pictures: WebP copies of the site's pictures (keyframes, posters, the map's archive thumbnails,
a story's pictures) at the widths screens need, for ``<picture>`` (``macros.picture`` in templates/macros.html)
with the JPEG as the fallback.

Each source picture gets the steps of :data:`WIDTHS` below its own width and its own width (at most the
last step), so a phone's transcript loads 320 px thumbnails where a wide screen loads the 640 px ones.
Variants are made once per source's bytes (the key hashes them with the ladder and the quality) and kept in
the cache; the site serves them content-addressed under :data:`URL_PREFIX`, so a poster that is also a
keyframe is one set of files. A build whose variants are all cached reads one small JSON per picture and
imports nothing (no Pillow); missing variants are encoded in a pool of threads (Pillow's encoders release
the GIL) when a page first asks for a batch (:meth:`Pictures.prepare`).

Why WebP alone: on the demo's 640 px keyframes and 512 px map thumbnails, Pillow's AVIF (libavif, speed 6,
quality 60) came out no smaller than WebP at quality 78 (4.5 against 4.3 KiB at 320 px) and took 6 to 8
times as long to encode; every browser that decodes AVIF decodes WebP.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..cache import Cache, Namespace
    from .output import OutputTree

NAMESPACE = "pictures"
VERSION = 1  # bump when the encoding changes in a way WIDTHS and QUALITY do not say
WIDTHS = (320, 480, 640, 960, 1280)  # the ladder of widths, in pixels
NEAR = 0.85  # a step above NEAR x the picture's own width is left out: it would save next to nothing
QUALITY = 78  # WebP quality (0-100): at thumbnail sizes, indistinguishable from the JPEGs they replace
URL_PREFIX = "assets/pictures/"
WEBP = "image/webp"


@dataclass(frozen=True)
class Picture:
    """The variants of one picture: ``srcset`` is (URL below the site root, width) pairs, narrowest first;
    ``width`` and ``height`` are the source's, for the ``<img>`` that reserves its space."""

    srcset: tuple[tuple[str, int], ...]
    width: int
    height: int
    type: str = WEBP


def widths_for(width: int) -> list[int]:
    """The variant widths of a picture ``width`` pixels wide: the ladder's steps well below it, and its own
    width capped at the last step."""
    top = min(width, WIDTHS[-1])
    return [w for w in WIDTHS if w < top * NEAR] + [top]


def variant_url(key: str, width: int) -> str:
    return f"{URL_PREFIX}{key[:2]}/{key[:24]}-{width}w.webp"


def _suffix(width: int) -> str:
    return f".{width}w.webp"


class Pictures:
    """The responsive pictures of one build. Without a cache (render tests), no variants: every picture is
    shown as it is (:meth:`of` answers None)."""

    def __init__(self, cache: Cache | None, out: OutputTree, workers: int = 0) -> None:
        self.ns: Namespace | None = cache.namespace(NAMESPACE, VERSION) if cache is not None else None
        self.out = out
        self.workers = workers or min(8, os.cpu_count() or 1)
        self._known: dict[str, tuple[str, dict[str, Any]] | None] = {}  # source path -> (key, stored meta)
        self.encoded = 0  # variants encoded by this build (the rest came from the cache)

    def _key(self, source: Path) -> str | None:
        assert self.ns is not None
        try:
            digest = self.ns.file_hash(source)
        except OSError:
            return None
        return self.ns.key(digest, WIDTHS, NEAR, QUALITY)

    def prepare(self, sources: Iterable[Path]) -> None:
        """Look up the variants of ``sources`` and make those the cache lacks, all at once (in parallel)."""
        if self.ns is None:
            return
        todo: list[tuple[str, str, Path]] = []
        for source in sources:
            ident = str(source)
            if ident in self._known:
                continue
            key = self._key(source)
            meta = self.ns.get_json(key) if key is not None else None
            self._known[ident] = (key, meta) if key is not None and meta is not None else None
            if key is not None and meta is None:
                todo.append((ident, key, source))
        if not todo:
            return
        from concurrent.futures import ThreadPoolExecutor

        ns = self.ns
        with ThreadPoolExecutor(max_workers=min(self.workers, len(todo))) as pool:
            made = list(pool.map(lambda job: _encode(ns, job[1], job[2]), todo))
        for (ident, key, _), meta in zip(todo, made):
            self._known[ident] = (key, meta)
            self.encoded += len(meta["widths"])

    def of(self, source: Path | None) -> Picture | None:
        """The variants of the picture at ``source`` (added to the output tree), or None: no cache, or a
        picture Pillow cannot read (the page then shows the file itself)."""
        if source is None or self.ns is None:
            return None
        self.prepare([source])
        found = self._known.get(str(source))
        if found is None or not found[1]["widths"]:
            return None
        key, meta = found
        srcset = []
        for w in meta["widths"]:
            url = variant_url(key, w)
            if url not in self.out:
                self.out.add_file(url, self.ns.path(key, _suffix(w)))
            srcset.append((url, w))
        return Picture(tuple(srcset), int(meta["width"]), int(meta["height"]))

    def at(self, rel: str) -> Picture | None:
        """The variants of the file the output tree already holds at ``rel`` (e.g. a map thumbnail)."""
        source = self.out.files.get(rel)
        return self.of(source) if isinstance(source, Path) else None

    def prepare_at(self, rels: Iterable[str]) -> None:
        self.prepare(p for p in (self.out.files.get(r) for r in rels) if isinstance(p, Path))


def _encode(ns: Namespace, key: str, source: Path) -> dict[str, Any]:
    """Encode the variants of ``source`` into the cache under ``key``; their description (written last, so
    its presence says every variant is there). A picture Pillow cannot read has none (``widths`` empty): the
    same bytes are not tried again on every build."""
    from PIL import Image, ImageOps

    try:
        with Image.open(source) as opened:
            im: Image.Image = ImageOps.exif_transpose(opened)  # the picture as it is shown (a camera's rotation)
            im.load()
            if im.mode not in ("RGB", "RGBA"):
                im = im.convert("RGBA" if "A" in im.getbands() or "transparency" in im.info else "RGB")
            width, height = im.size
            widths = widths_for(width)
            for w in widths:
                h = max(1, round(height * w / width))
                small = im if w == width else im.resize((w, h), Image.Resampling.LANCZOS, reducing_gap=3.0)
                buf = BytesIO()
                small.save(buf, "WEBP", quality=QUALITY, method=4)
                ns.put_bytes(key, _suffix(w), buf.getvalue())
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        width, height, widths = 0, 0, []
    meta = {"width": width, "height": height, "widths": widths}
    ns.put_json(key, meta)
    return meta
