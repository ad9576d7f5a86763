"""Pictures too large to decode whole (museum scans of hundreds of megapixels, gigapixel tiled TIFFs): read
shrunk on load with libvips, in memory bounded by the size asked for, not by the picture's.

libvips' ``thumbnail`` picks the cheapest way down for each format: a JPEG is decoded at 1/2, 1/4 or 1/8
scale by libjpeg itself, a pyramidal TIFF from its smallest level that is large enough, a WebP scaled while it
decodes, and anything else streamed through a shrink a few lines at a time. It also applies the EXIF
orientation, imports CMYK and embedded colour profiles to sRGB and takes 16-bit samples to 8 bits.
Pillow stays the reader of ordinary pictures (:mod:`.images`), whose conversions are tested one by one.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from ..errors import MediaError

INSTALL_HINT = "pip install pyvips pyvips-binary (both in requirements.lock; .ci/setup installs them)"


@cache
def vips() -> Any:
    """The pyvips module; MediaError naming the fix when it (or its libvips) cannot load."""
    try:
        import pyvips
    except (ImportError, OSError) as exc:  # OSError: the module is there but libvips is not
        raise MediaError(f"reading pictures this large needs libvips ({exc}): {INSTALL_HINT}") from None
    return pyvips


def header(path: Path) -> tuple[int, int, str] | None:
    """(width, height, loader) as the file declares them, reading no pixel; None when libvips is absent or
    cannot read the file."""
    try:
        im = vips().Image.new_from_file(str(path), access="sequential")
        return int(im.width), int(im.height), str(im.get("vips-loader"))
    except Exception:  # noqa: BLE001 - libvips raises its one Error type, and the caller has its own message
        return None


def read_shrunk(path: Path, target: int) -> tuple[Any, dict[str, Any]]:
    """The picture as a Pillow RGB image whose longer side is at most ``target`` (smaller pictures are not
    enlarged), and info = width, height (of the original, upright), format, notes; read in the worker
    process (:mod:`.vips_worker`)."""
    from PIL import Image

    from .vips_worker import in_worker

    vips()  # a missing libvips is said here, in the build's words
    answer = in_worker(path, _read_here, str(path), target)
    if isinstance(answer, str):
        raise MediaError(answer, path)
    (w, h), pixels, info = answer
    return Image.frombytes("RGB", (w, h), pixels), info


def _read_here(source: str, target: int) -> tuple[tuple[int, int], bytes, dict[str, Any]] | str:
    """In the worker: (size, RGB bytes, info) of the shrunk picture, or the problem as text."""
    try:
        rgb, info = _shrink(Path(source), target)
    except MediaError as exc:
        return exc.message
    return rgb.size, rgb.tobytes(), info


def _shrink(path: Path, target: int) -> tuple[Any, dict[str, Any]]:
    from PIL import Image

    pyvips = vips()
    try:
        source = pyvips.Image.new_from_file(str(path), access="sequential")
        w, h = int(source.width), int(source.height)
        orientation = int(source.get("orientation")) if "orientation" in source.get_fields() else 1
        if orientation in (5, 6, 7, 8):
            w, h = h, w
        loader = str(source.get("vips-loader"))
        notes: list[str] = [f"a {w * h / 1e6:,.0f} MP picture: read shrunk on load"]
        if source.interpretation == "cmyk":
            notes.append("CMYK converted to RGB")
        if source.format in ("ushort", "short", "uint", "int", "float", "double"):
            notes.append("16-bit samples reduced to 8 bits")
        pages = int(source.get("n-pages")) if "n-pages" in source.get_fields() else 1
        if pages > 1 and loader.startswith(("gif", "webp")):
            notes.append(f"animated ({pages} frames): the first frame is shown")
        # size="down": never enlarged; thumbnail() itself rotates upright and converts to sRGB
        im = pyvips.Image.thumbnail(str(path), target, height=target, size="down")
        if im.hasalpha():
            notes.append("transparency shown over white")
            im = im.flatten(background=[255] * (im.bands - 1))
        if im.interpretation not in ("srgb",) or im.format != "uchar":
            im = im.colourspace("srgb").cast("uchar")
        if im.bands == 1:
            im = im.bandjoin([im, im])
        elif im.bands > 3:
            im = im.extract_band(0, n=3)
        rgb = Image.frombytes("RGB", (im.width, im.height), im.write_to_memory())
    except MediaError:
        raise
    except MemoryError:
        raise MediaError("not enough memory to decode; skipped", path) from None
    except Exception as exc:  # noqa: BLE001 - pyvips.Error on a broken file; its text names the problem
        first = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise MediaError(f"cannot decode ({first}); skipped", path) from None
    return rgb, {"width": w, "height": h, "format": _format_name(loader), "notes": notes}


def _format_name(loader: str) -> str:
    """Pillow's name for the format libvips read (``jpegload`` -> ``JPEG``), as the archive reports it."""
    base = loader.removesuffix("_source").removesuffix("load")
    return {"jpeg": "JPEG", "png": "PNG", "tiff": "TIFF", "webp": "WEBP", "gif": "GIF", "heif": "HEIF",
            "jp2k": "JPEG2000", "jxl": "JXL"}.get(base, base.upper() or "?")
