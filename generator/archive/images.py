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
# Deliberately below Pillow's default (89 MP): a 64 MP limit still admits any camera's photo and a
# 600 dpi A3 scan, and bounds one decode to ~200 MB of RGB.
MAX_PIXELS = 64_000_000
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

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # see MAX_PIXELS; Pillow raises DecompressionBombError at 2x
    return Image


def open_rgb(path: Path, target: int = LARGE_SIZE) -> tuple[Any, dict[str, Any]]:
    """Decode ``path`` into an RGB image no larger than needed for ``target``; raises MediaError.

    Returns (image, info) with info = width, height, format, notes."""
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
            if w * h > MAX_PIXELS:
                raise MediaError(f"{w}x{h} pixels is over the {MAX_PIXELS // 1_000_000} MP limit "
                                 "(a possible decompression bomb); skipped", path)
            fmt = im.format or "?"
            if getattr(im, "n_frames", 1) > 1:
                notes.append(f"animated ({im.n_frames} frames): the first frame is shown")
                im.seek(0)
            if fmt == "JPEG":
                im.draft("RGB", (target, target))
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
        raise MediaError(f"over the {MAX_PIXELS // 1_000_000} MP limit (a possible decompression bomb); skipped",
                         path) from None
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


def make_thumb(path: Path, cache: Cache) -> Thumb:
    """The cached thumbnails of one image (computing them on a miss)."""
    ns = cache.namespace(THUMB_STAGE, THUMB_VERSION)
    key = ns.key(cache.file_hash(path), LARGE_SIZE, CELL_SIZE, MAX_PIXELS)
    stored = ns.get_json(key)
    if isinstance(stored, dict) and "ok" in stored:
        t = Thumb(key=key, ok=bool(stored["ok"]), error=str(stored.get("error", "")),
                  width=int(stored.get("width", 0)), height=int(stored.get("height", 0)),
                  format=str(stored.get("format", "")), color=tuple(stored.get("color", (128, 128, 128))),
                  notes=list(stored.get("notes", [])), cell_size=tuple(stored.get("cell_size", (0, 0))))
        if not t.ok:
            return t
        t.large, t.cell = ns.path(key, ".jpg"), ns.path(key, "-cell.jpg")
        if t.large.exists() and t.cell.exists():
            return t
    Image = _pil()
    try:
        im, info = open_rgb(path)
    except MediaError as exc:
        record = {"ok": False, "error": exc.message}
        ns.put_json(key, record)
        return Thumb(key=key, ok=False, error=exc.message)
    large = im.copy()
    large.thumbnail((LARGE_SIZE, LARGE_SIZE), Image.LANCZOS, reducing_gap=2.0)
    cell = large.copy()
    cell.thumbnail((CELL_SIZE, CELL_SIZE), Image.LANCZOS)
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


def make_thumbs(paths: Sequence[Path], cache: Cache, reporter: Reporter, desc: str = "thumbnails") -> list[Thumb]:
    """Thumbnails for many images, two at a time (Pillow releases the GIL while decoding)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(reporter.progress(pool.map(lambda p: make_thumb(p, cache), paths),
                                      total=len(paths), desc=desc, unit="img"))
