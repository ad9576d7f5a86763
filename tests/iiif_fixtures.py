"""Museum scans made here: pictures of fine detail everywhere (a colour ramp and a checker of 8 px squares, so
every tile differs and JPEG has work to do), a large JPEG, a gigapixel tiled TIFF, and a decompression bomb
(a few kB declaring 100,000 x 100,000 pixels)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image


def scan(width: int, height: int) -> Any:
    """A lazy libvips picture of ``width`` x ``height`` (nothing is computed until it is saved)."""
    import pyvips

    xy = pyvips.Image.xyz(width, height)
    x, y = xy[0], xy[1]
    red = (x * 255 / max(1, width - 1)).cast("uchar")
    green = (y * 255 / max(1, height - 1)).cast("uchar")
    blue = (((x & 8) ^ (y & 8)) * 31).cast("uchar")
    return red.bandjoin([green, blue]).copy(interpretation="srgb")


def scan_pixels(width: int, height: int, box: tuple[int, int, int, int]) -> np.ndarray:
    """The exact pixels of ``scan(width, height)`` inside ``box`` = (x, y, w, h), computed without libvips."""
    bx, by, bw, bh = box
    y, x = np.mgrid[by:by + bh, bx:bx + bw]
    red = np.floor(x * 255 / max(1, width - 1))
    green = np.floor(y * 255 / max(1, height - 1))
    blue = ((x & 8) ^ (y & 8)) * 31
    return np.stack([red, green, blue], -1).astype(np.uint8)


def save_jpeg(path: Path, width: int, height: int, quality: int = 90) -> Path:
    scan(width, height).jpegsave(str(path), Q=quality)
    return path


def save_tiled_tiff(path: Path, width: int, height: int) -> Path:
    """A tiled, JPEG-compressed BigTIFF without a pyramid: what a scanner's software writes."""
    scan(width, height).tiffsave(str(path), tile=True, tile_width=256, tile_height=256, compression="jpeg", Q=90,
                                 bigtiff=True)
    return path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(path: Path, width: int = 100_000, height: int = 100_000, size: int = 10_000) -> Path:
    """About ``size`` bytes of PNG whose header declares ``width`` x ``height`` RGB pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\0" * 4_000_000, 9)
    padding = b"x" * max(0, size - len(rows) - 80)
    data = (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"tEXt", b"Comment\0" + padding)
            + _chunk(b"IDAT", rows) + _chunk(b"IEND", b""))
    path.write_bytes(data)
    return path


def decode(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))
