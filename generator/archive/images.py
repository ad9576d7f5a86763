"""Open untrusted archive images safely and make the map's thumbnails, cached per image hash.

Each readable image gives two cached JPEGs: a ``large`` one (at most 512 px, shown in the lightbox and fed
to the embedder, so no model ever decodes a 40 MP original twice) and a ``cell`` one (at most 128 px) from
which the texture atlases are cut. Unreadable images are remembered as such (keyed by their bytes), so a
rebuild warns again without decoding again.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..cache import Cache, atomic_write_bytes
from ..errors import MediaError
from ..reporter import Reporter

THUMB_STAGE = "map-thumb"
THUMB_VERSION = 1
LARGE_SIZE = 512
CELL_SIZE = 128
# Pillow decodes pictures up to this size (a JPEG at a reduced scale); larger ones are read shrunk on load by
# libvips (:mod:`.large_images`), so no picture of any size is ever decoded whole to make a thumbnail
PIL_PIXELS = 64_000_000
DEFAULT_MAX_PIXELS = 2_000_000_000  # [archive] max_megapixels
# part of every thumbnail's key since the 64 MP limit was fixed: kept, so caches made then stay valid (the
# limit is now a setting checked on every read, not a part of what a thumbnail is)
KEY_SALT = 64_000_000
JPEG_QUALITY = 85


@dataclass
class Thumb:
    key: str  # cache key: hash of the image bytes + thumbnail version (also the embedding key)
    ok: bool
    error: str = ""
    width: int = 0  # of the original, after EXIF rotation
    height: int = 0
    format: str = ""
    color: tuple[int, int, int] = (128, 128, 128)  # mean colour, for the zoomed-out point view
    notes: list[str] = field(default_factory=list)  # conversions a curator may want to know about
    large: Path | None = None
    cell: Path | None = None
    cell_size: tuple[int, int] = (0, 0)  # pixel size of the cell JPEG (aspect kept)


def _pil() -> Any:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = PIL_PIXELS  # see PIL_PIXELS; Pillow warns above it and raises at twice it
    return Image


class OverLimit(MediaError):
    """A picture larger than [archive] max_megapixels (remembered with its size: a higher limit admits it)."""

    def __init__(self, message: str, path: Path, pixels: int, size: tuple[int, int]) -> None:
        super().__init__(message, path)
        self.pixels = pixels
        self.size = size


def over_limit(path: Path, width: int, height: int, max_pixels: int) -> OverLimit:
    mp = width * height / 1e6
    return OverLimit(f"declares {width}x{height} pixels ({mp:,.0f} MP), over [archive] max_megapixels = "
                      f"{max_pixels // 1_000_000} (a possible decompression bomb; raise the setting to admit a real "
                      "scan this large); skipped", path, width * height,
                     (width, height))


def _large(path: Path, target: int, max_pixels: int) -> tuple[Any, dict[str, Any]]:
    """A picture Pillow would not decode (over PIL_PIXELS), through libvips, if within ``max_pixels``."""
    from .large_images import header, read_shrunk

    dims = header(path)
    if dims is None:
        raise MediaError(f"over {PIL_PIXELS // 1_000_000} MP and libvips cannot read it; skipped", path)
    if dims[0] * dims[1] > max_pixels:
        raise over_limit(path, dims[0], dims[1], max_pixels)
    return read_shrunk(path, target)


def open_rgb(path: Path, target: int = LARGE_SIZE,
             max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[Any, dict[str, Any]]:
    """Decode ``path`` into an RGB image no larger than needed for ``target``; raises MediaError.

    Returns (image, info) with info = width, height, format, notes. A picture over PIL_PIXELS comes back
    with its longer side at most ``target``; a smaller one may be larger (the caller resizes)."""
    Image = _pil()
    from PIL import ImageOps

    notes: list[str] = []
    try:
        if path.stat().st_size == 0:
            raise MediaError("empty file (0 bytes)", path)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path)
            w, h = im.size
            if w * h > max_pixels:
                raise over_limit(path, w, h, max_pixels)
            fmt = im.format or "?"
            if getattr(im, "n_frames", 1) > 1:
                notes.append(f"animated ({im.n_frames} frames): the first frame is shown")
                im.seek(0)
            if fmt == "JPEG":  # decoded at 1/2, 1/4 or 1/8 scale, the smallest whose longer side is >= target
                m = max(w, h, 1)
                im.draft("RGB", (-(-target * w // m), -(-target * h // m)))
            im.load()
            try:
                orientation = int(im.getexif().get(0x0112, 1))
            except Exception:  # noqa: BLE001 - a broken EXIF block only loses the rotation
                orientation = 1
            if orientation in (5, 6, 7, 8):
                w, h = h, w
            im = ImageOps.exif_transpose(im) or im
            im = _to_rgb(im, notes)
    except MediaError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _large(path, target, max_pixels)
    except MemoryError:
        raise MediaError("not enough memory to decode; skipped", path) from None
    except Exception as exc:  # noqa: BLE001 - image plugins raise many types on hostile input
        unidentified = type(exc).__name__ == "UnidentifiedImageError"
        kind = "unsupported or not an image" if unidentified else f"cannot decode ({exc})"
        raise MediaError(f"{kind}; skipped", path) from None
    return im, {"width": w, "height": h, "format": fmt, "notes": notes}


def _to_rgb(im: Any, notes: list[str]) -> Any:
    import numpy as np

    Image = _pil()
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(im, dtype=np.float64)
        lo, hi = (0.0, 65535.0) if mode.startswith("I;16") else (float(arr.min()), float(arr.max()))
        if mode == "I" and arr.max() <= 65535 and arr.min() >= 0:
            lo, hi = 0.0, 65535.0 if arr.max() > 255 else 255.0
        scaled = np.clip((arr - lo) / max(hi - lo, 1e-9) * 255.0, 0, 255).astype(np.uint8)
        notes.append(f"{'16-bit' if mode.startswith('I;16') else mode + '-mode'} greyscale reduced to 8 bits")
        return Image.fromarray(scaled, "L").convert("RGB")
    if mode == "CMYK":
        notes.append("CMYK converted to RGB")
        return im.convert("RGB")
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in im.info)
    if has_alpha:
        rgba = im.convert("RGBA")
        notes.append("transparency shown over white")
        back = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(back, rgba).convert("RGB")
    if mode != "RGB":
        return im.convert("RGB")
    return im


def _jpeg(im: Any) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buf.getvalue()


READER = 2  # failure records of an older reader (which refused everything over 64 MP) are looked at again


def make_thumb(path: Path, cache: Cache, max_pixels: int = DEFAULT_MAX_PIXELS) -> Thumb:
    """The cached thumbnails of one image (computing them on a miss). ``max_pixels`` is checked against
    what is stored, so changing the limit needs no decode to refuse, and admits what it refused before."""
    ns = cache.namespace(THUMB_STAGE, THUMB_VERSION)
    key = ns.key(cache.file_hash(path), LARGE_SIZE, CELL_SIZE, KEY_SALT)
    stored = ns.get_json(key)
    if isinstance(stored, dict) and "ok" in stored:
        t = Thumb(key=key, ok=bool(stored["ok"]), error=str(stored.get("error", "")),
                  width=int(stored.get("width", 0)), height=int(stored.get("height", 0)),
                  format=str(stored.get("format", "")), color=tuple(stored.get("color", (128, 128, 128))),
                  notes=list(stored.get("notes", [])), cell_size=tuple(stored.get("cell_size", (0, 0))))
        if t.width * t.height > max_pixels:
            return Thumb(key=key, ok=False, error=over_limit(path, t.width, t.height, max_pixels).message)
        if not t.ok and stored.get("reader") == READER:
            pixels = int(stored.get("pixels") or 0)
            if not pixels:
                return t  # unreadable whatever the limit
            if pixels > max_pixels:  # refused again, in this limit's words
                size = stored.get("size") or [pixels, 1]
                return Thumb(key=key, ok=False, error=over_limit(path, int(size[0]), int(size[1]), max_pixels).message)
        t.large, t.cell = ns.path(key, ".jpg"), ns.path(key, "-cell.jpg")
        if t.ok and t.large.exists() and t.cell.exists():
            return t
    Image = _pil()
    try:
        im, info = open_rgb(path, max_pixels=max_pixels)
    except MediaError as exc:
        record = {"ok": False, "error": exc.message, "reader": READER,
                  "pixels": exc.pixels if isinstance(exc, OverLimit) else 0,
                  "size": list(exc.size) if isinstance(exc, OverLimit) else None}
        ns.put_json(key, record)
        return Thumb(key=key, ok=False, error=exc.message)
    # open_rgb's image is ours, shrunk in place. A JPEG arrives decoded at the smallest scale whose longer side
    # is >= 512, at most twice too large: Hamming (antialiased, as sharp as Lanczos at such ratios) takes it the
    # rest of the way at half Lanczos' cost, which would otherwise be a third of the stage's time per picture
    large = im
    large.thumbnail((LARGE_SIZE, LARGE_SIZE), Image.HAMMING, reducing_gap=2.0)
    cell = large.copy()
    cell.thumbnail((CELL_SIZE, CELL_SIZE), Image.LANCZOS, reducing_gap=2.0)
    r, g, b = cell.resize((1, 1), Image.BOX).getpixel((0, 0))
    large_path, cell_path = ns.path(key, ".jpg"), ns.path(key, "-cell.jpg")
    atomic_write_bytes(large_path, _jpeg(large))
    atomic_write_bytes(cell_path, _jpeg(cell))
    record = {"ok": True, "width": info["width"], "height": info["height"], "format": info["format"],
              "color": [int(r), int(g), int(b)], "notes": info["notes"], "cell_size": list(cell.size)}
    ns.put_json(key, record)  # written last: the record is the commit marker
    return Thumb(key=key, ok=True, width=info["width"], height=info["height"], format=info["format"],
                 color=(int(r), int(g), int(b)), notes=info["notes"], large=large_path, cell=cell_path,
                 cell_size=cell.size)


def make_thumbs(paths: Sequence[Path], cache: Cache, reporter: Reporter, desc: str = "thumbnails",
                max_pixels: int = DEFAULT_MAX_PIXELS) -> list[Thumb]:
    """Thumbnails for many images, two at a time (Pillow and libvips release the GIL while decoding)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(reporter.progress(pool.map(lambda p: make_thumb(p, cache, max_pixels), paths),
                                      total=len(paths), desc=desc, unit="img"))
