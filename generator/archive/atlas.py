"""Texture atlases: square JPEG pages of equally sized cells, one per item, at several levels of detail.

Items are numbered along a Z-order curve of the map, so one page (a run of consecutive items) covers one
small region: the viewer fetches only the pages of the region on screen, at the level of detail the zoom
needs. Pages are cached by the exact list of images they hold.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..cache import Cache
from ..reporter import Reporter

ATLAS_STAGE = "map-atlas"
ATLAS_VERSION = 2
PAGE_SIZE = 1024  # px; 4 MiB of RGBA per page on the GPU, safe on every WebGL2 device
LEVELS = (32, 128)  # cell sizes: a coarse level for overviews, a sharp one when zoomed in
BACKGROUND = (24, 24, 24)


@dataclass(frozen=True)
class AtlasLevel:
    cell: int
    page: int = PAGE_SIZE

    @property
    def per_row(self) -> int:
        return self.page // self.cell

    @property
    def per_page(self) -> int:
        return self.per_row ** 2

    def pages_for(self, n: int) -> int:
        return (n + self.per_page - 1) // self.per_page


CellSource = Callable[[int], Any]  # item index -> PIL image (any size; fitted into the cell)


def render_page(level: AtlasLevel, start: int, count: int, cell_image: CellSource, quality: int = 82) -> bytes:
    """One atlas page as JPEG bytes: items start..start+count-1, row-major, each fitted into its cell
    at the cell's top-left corner (the viewer knows each item's aspect ratio)."""
    from PIL import Image

    rows = (count + level.per_row - 1) // level.per_row
    height = max(level.cell, rows * level.cell)  # a short last page is cut to the rows it uses
    page = Image.new("RGB", (level.page, height), BACKGROUND)
    for j in range(count):
        im = cell_image(start + j)
        if im is None:
            continue
        w, h = im.size
        scale = level.cell / max(w, h, 1)
        if scale != 1:  # small originals are enlarged too: the viewer assumes the long side fills the cell
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            resample = Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC
            im = im.resize(size, resample, reducing_gap=2.0 if scale < 0.5 else None)
        page.paste(im, ((j % level.per_row) * level.cell, (j // level.per_row) * level.cell))
    buf = io.BytesIO()
    page.save(buf, "JPEG", quality=quality, optimize=False, progressive=False)
    return buf.getvalue()


def build_pages(level: AtlasLevel, keys: Sequence[str], cell_image: CellSource, cache: Cache,
                reporter: Reporter, desc: str = "atlas") -> list[Path]:
    """Cached pages for items in the given order (``keys`` identify the images, for the cache)."""
    ns = cache.namespace(ATLAS_STAGE, ATLAS_VERSION)
    n = len(keys)
    jobs = []
    for p in range(level.pages_for(n)):
        start = p * level.per_page
        count = min(level.per_page, n - start)
        key = ns.key(level.cell, level.page, list(keys[start:start + count]))
        jobs.append((key, start, count))
    todo = [j for j in jobs if not ns.has(j[0], ".jpg")]  # counted

    def make(job: tuple[str, int, int]) -> None:
        key, start, count = job
        ns.put_bytes(key, ".jpg", render_page(level, start, count, cell_image))

    if todo:
        with ThreadPoolExecutor(max_workers=2) as pool:
            pages = pool.map(make, todo)
            for _ in reporter.progress(pages, total=len(todo), desc=f"{desc} {level.cell}px", unit="page"):
                pass
    return [ns.path(j[0], ".jpg") for j in jobs]


def file_cells(paths: Sequence[Path | None]) -> CellSource:
    """A cell source reading the cached 128 px cell JPEGs (Pillow is imported only when a page is drawn)."""

    def load(i: int) -> Any:
        from PIL import Image

        p = paths[i]
        if p is None:
            return None
        with Image.open(p) as im:
            return im.convert("RGB")

    return load
