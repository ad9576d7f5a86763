"""The overview of a large layer as a pyramid of pre-rendered mosaic tiles, like a slippy map: level z is
2^z x 2^z JPEG tiles of TILE px over a square around the layout, every image drawn at its place and size.

Why at build: a million images cannot be drawn as pictures in the browser at first view (the atlases alone
would be gigabytes), but a picture of them can: the viewer shows the tiles of the level that matches the
zoom (a few dozen 256 px JPEGs on screen) until the images are big enough for the thumbnail atlases, which
then take over. The finest level is the one at which the median image is FINEST_PX wide, the zoom from
which the viewer draws the atlas thumbnails.

Drawn from the coarse atlas pages (every image's 32 px cell, reduced to SOURCE_PX), a band of tiles at a
time: the finest level is rendered one row of tiles after another, and each coarser level is made by
halving two finished rows of the level below, so memory stays at a few rows whatever the archive's size.
A pyramid is cached as one folder, by everything drawn into it.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .atlas import AtlasLevel

if TYPE_CHECKING:
    from ..cache import Cache
    from ..reporter import Reporter
    from .mapdata import Files, LayerData

TILES_STAGE = "map-tiles"
TILES_VERSION = 1
INDEX = "index.json"  # in a pyramid's cache folder: its rectangle, levels and which tiles it has
TILE = 256
TILE_MIN = 30_000  # layers with more images get a pyramid (the viewer's overview threshold, state.js)
FINEST_PX = 10  # the median image's width at the finest level; the viewer's atlases start at 9 px
MAX_LEVELS = 9  # 256 x 2^8 = 65,536 px across at the finest level at most
BACKGROUND = (14, 13, 12)  # the canvas's clear colour (renderer.js), so tiles meet it without a seam
QUALITY = 80


@dataclass
class Pyramid:
    rect: list[float]  # world [x0, y0, x1, y1] of the square the tiles cover
    levels: int
    have: list[str]  # per level, a hex bitmap of the tiles that exist (row-major, tile x + y * 2^z)
    folder: Path  # the cached folder: <z>/<x>-<y>.jpg
    tiles: int = 0

    def write(self, tree: Files, prefix: str) -> dict[str, Any]:
        for z in range(self.levels):
            for t in _tiles_of(self.have[z], z):
                x, y = t % (1 << z), t >> z
                tree.add_file(f"{prefix}{z}/{x}-{y}.jpg", self.folder / str(z) / f"{x}-{y}.jpg")
        return {"dir": prefix.split("/data/", 1)[1].split("/", 1)[1], "rect": self.rect, "levels": self.levels,
                "tile": TILE, "have": self.have}


def _tiles_of(bitmap: str, z: int) -> list[int]:
    bits = int(bitmap, 16) if bitmap else 0
    return [t for t in range(1 << (2 * z)) if bits >> t & 1]


def _bitmap(flags: np.ndarray) -> str:
    value = 0
    for t in np.nonzero(flags)[0].tolist():
        value |= 1 << t
    return format(value, "x")


@dataclass
class Sources:
    """Every image small (n, S, S, 3) with the share of its cell it fills (aspect), from the atlas."""

    pixels: np.ndarray
    aspect: np.ndarray  # (n, 2) float: width and height as a share of the cell
    px: int = field(init=False)

    def __post_init__(self) -> None:
        self.px = int(self.pixels.shape[1])


def load_sources(pages: Sequence[Path | bytes], level: AtlasLevel, n: int, aspect: np.ndarray,
                 reporter: Reporter) -> Sources:
    from PIL import Image

    size = 16 if n <= 250_000 else 8  # 16 px x 3 x 1M would be 768 MB; 8 px keeps 1M at 192 MB
    f = level.cell // size
    out = np.zeros((n, size, size, 3), np.uint8)
    for p, page in enumerate(reporter.progress(pages, total=len(pages), desc="tile sources", unit="page")):
        with Image.open(io.BytesIO(page) if isinstance(page, bytes) else page) as im:
            a = np.asarray(im.convert("RGB"), np.uint8)
        rows = a.shape[0] // level.cell
        cells = a[:rows * level.cell].reshape(rows, level.cell, level.per_row, level.cell, 3).swapaxes(1, 2)
        cells = cells.reshape(-1, level.cell, level.cell, 3)
        small = cells.reshape(len(cells), size, f, size, f, 3).mean((2, 4)).astype(np.uint8)
        start = p * level.per_page
        take = min(len(small), n - start)
        if take > 0:
            out[start:start + take] = small[:take]
    return Sources(out, np.asarray(aspect, np.float64) / 255.0)


def plan(P: np.ndarray, sizes: np.ndarray) -> tuple[list[float], int]:
    """The square the pyramid covers and its number of levels."""
    lo = (P - sizes[:, None] / 2).min(0)
    hi = (P + sizes[:, None] / 2).max(0)
    side = float(max(hi - lo)) * 1.02 + 1e-9
    c = (lo + hi) / 2
    rect = [float(c[0] - side / 2), float(c[1] - side / 2), float(c[0] + side / 2), float(c[1] + side / 2)]
    med = float(np.median(sizes))
    z = math.ceil(math.log2(max(FINEST_PX * side / (max(med, 1e-12) * TILE), 1.0)))
    return rect, int(min(MAX_LEVELS, z + 1))


def render_pyramid(P: np.ndarray, sizes: np.ndarray, cover: bool, src: Sources, folder: Path,
                   reporter: Reporter, desc: str = "tiles") -> Pyramid:
    """Every tile of the pyramid into ``folder``; tiles no image touches are not written."""
    from PIL import Image

    rect, levels = plan(P, sizes)
    Z = levels - 1
    side = rect[2] - rect[0]
    span = TILE << Z  # px across at the finest level
    ppu = span / side
    # each image's pixel rectangle at the finest level (y down), at least one pixel
    w_share = np.ones(len(P)) if cover else src.aspect[:, 0]
    h_share = np.ones(len(P)) if cover else src.aspect[:, 1]
    cx, cy = (P[:, 0] - rect[0]) * ppu, (rect[3] - P[:, 1]) * ppu
    w = np.maximum(1, np.round(sizes * ppu * w_share)).astype(np.int64)
    h = np.maximum(1, np.round(sizes * ppu * h_share)).astype(np.int64)
    left = np.round(cx - w / 2).astype(np.int64)
    top = np.round(cy - h / 2).astype(np.int64)
    order = np.argsort(top, kind="stable")
    tops = top[order]
    tall = int(h.max()) if len(h) else 1
    have = [np.zeros(1 << (2 * z), bool) for z in range(levels)]
    pending: list[np.ndarray | None] = [None] * levels  # per level, the upper row of a pair awaiting its lower
    bg = np.array(BACKGROUND, np.uint8)
    def save(z: int, row: np.ndarray, ty: int) -> None:
        n_side = 1 << z
        for tx in range(n_side):
            if not have[z][tx + ty * n_side]:
                continue
            tile = row[:, tx * TILE:(tx + 1) * TILE]
            buf = io.BytesIO()
            Image.fromarray(tile).save(buf, "JPEG", quality=QUALITY)
            d = folder / str(z)
            d.mkdir(parents=True, exist_ok=True)
            (d / f"{tx}-{ty}.jpg").write_bytes(buf.getvalue())

    def finished(z: int, row: np.ndarray, ty: int) -> None:
        save(z, row, ty)
        if z == 0:
            return
        if ty % 2 == 0:  # a level has 2^z rows: every upper row gets its lower one
            pending[z] = row
            return
        upper = pending[z]
        pending[z] = None
        parent = _halve(upper if upper is not None else np.full_like(row, bg), row)
        n_side = 1 << z
        flags = have[z].reshape(n_side, n_side)
        have[z - 1].reshape(n_side // 2, n_side // 2)[ty // 2] |= (
            flags[ty - 1:ty + 1].reshape(2, n_side // 2, 2).any((0, 2)))
        finished(z - 1, parent, ty // 2)

    # images of one pixel size and one aspect are drawn together, with one fancy-indexing copy each:
    # the finest level costs numpy work per group of like images, not Python work per image
    if cover:
        m = np.minimum(src.aspect[:, 0], src.aspect[:, 1])
        region = np.stack([(src.aspect[:, 0] - m) / 2, (src.aspect[:, 1] - m) / 2, m, m], 1)
    else:
        region = np.concatenate([np.zeros((len(P), 2)), src.aspect], 1)
    kind = np.concatenate([w[:, None], h[:, None], np.round(region * 255).astype(np.int64)], 1)
    S = src.px
    pad = tall + 1
    widest = int(w.max()) if len(w) else 1
    n_side = 1 << Z
    for ty in reporter.progress(range(n_side), total=n_side, desc=desc, unit="row"):
        y0, y1 = ty * TILE, (ty + 1) * TILE
        a, b = np.searchsorted(tops, [y0 - tall, y1])
        sel = order[a:b]
        sel = sel[(top[sel] + h[sel] > y0) & (top[sel] < y1) & (left[sel] + w[sel] > 0) & (left[sel] < span)]
        # a padded band, so images across its edges are drawn whole and then cut
        band = np.empty((TILE + 2 * pad, span + 2 * (widest + 1), 3), np.uint8)
        band[:] = bg
        if len(sel):
            kinds, group = np.unique(kind[sel], axis=0, return_inverse=True)
            for g in range(len(kinds)):
                items = sel[group.reshape(-1) == g]
                ww, hh = int(kinds[g][0]), int(kinds[g][1])
                x0, yy0, rw, rh = region[items[0]]
                ix = np.clip(((x0 + (np.arange(ww) + 0.5) / ww * rw) * S).astype(np.int64), 0, S - 1)
                iy = np.clip(((yy0 + (np.arange(hh) + 0.5) / hh * rh) * S).astype(np.int64), 0, S - 1)
                pix = src.pixels[items][:, iy][:, :, ix]  # (g, hh, ww, 3)
                ys = (top[items] - y0 + pad)[:, None, None] + np.arange(hh)[None, :, None]
                xs = (left[items] + widest + 1)[:, None, None] + np.arange(ww)[None, None, :]
                band[ys, xs] = pix
            c0 = np.maximum(left[sel], 0) // TILE
            c1 = np.minimum(left[sel] + w[sel] - 1, span - 1) // TILE
            for lo_t, hi_t in set(zip(c0.tolist(), c1.tolist())):
                have[Z][lo_t + ty * n_side:hi_t + 1 + ty * n_side] = True
        row = np.ascontiguousarray(band[pad:pad + TILE, widest + 1:widest + 1 + span])
        finished(Z, row, ty)
    return Pyramid(rect=[round(v, 6) for v in rect], levels=levels, have=[_bitmap(f) for f in have], folder=folder,
                   tiles=int(sum(int(f.sum()) for f in have)))


def _halve(upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Two rows of tiles of one level as one row of the level above: 2x2 pixels averaged."""
    both = np.concatenate([upper, lower]).astype(np.uint16)
    H, W = both.shape[0] // 2, both.shape[1] // 2
    out: np.ndarray = ((both.reshape(H, 2, W, 2, 3).sum((1, 3)) + 2) // 4).astype(np.uint8)
    return out


def build_tiles(layer: LayerData, sizes: dict[str, float], atlas: dict[int, list[Path]],
                levels: Sequence[AtlasLevel], keys: Sequence[str], cache: Cache, reporter: Reporter,
                minimum: int = TILE_MIN, fills: dict[str, str] | None = None) -> dict[str, Pyramid]:
    """A cached pyramid per layout of a layer with more than ``minimum`` images (else none)."""
    if layer.count <= minimum or not levels:
        return {}
    from .. import registry

    coarse = min(levels, key=lambda lv: lv.cell)
    ns = cache.namespace(TILES_STAGE, TILES_VERSION)
    keys_hash = hashlib.sha256("\n".join(keys).encode()).hexdigest()
    out: dict[str, Pyramid] = {}
    src: Sources | None = None
    for name, P in layer.positions.items():
        scale = layer.scales.get(name)
        world = np.full(layer.count, sizes[name], np.float64) * (1.0 if scale is None else scale)
        if fills is not None:
            cover = fills.get(name) == "cover"
        else:
            cover = registry.resolve("layout", name).family == "arrangement"
        key = ns.key(name, keys_hash, hashlib.sha256(np.ascontiguousarray(P, np.float32).tobytes()).hexdigest(),
                     hashlib.sha256(world.astype(np.float32).tobytes()).hexdigest(),
                     hashlib.sha256(np.ascontiguousarray(layer.aspect).tobytes()).hexdigest(), cover, coarse.cell,
                     TILE, FINEST_PX)
        folder = ns.path(key)
        found = ns.folder(key, legacy=INDEX)  # counted
        meta = found.read_json(INDEX) if found is not None else None
        if isinstance(meta, dict):
            out[name] = Pyramid(rect=meta["rect"], levels=meta["levels"], have=meta["have"], folder=folder,
                                tiles=meta["tiles"])
            continue
        if src is None:
            src = load_sources(atlas[coarse.cell], coarse, layer.count, layer.aspect, reporter)
        with ns.new_dir(key) as tmp:
            pyr = render_pyramid(np.asarray(P, np.float64), world, cover, src, tmp, reporter, desc=f"tiles {name}")
            (tmp / INDEX).write_text(json.dumps({"rect": pyr.rect, "levels": pyr.levels, "have": pyr.have,
                                                 "tiles": pyr.tiles}), "utf-8")
        pyr.folder = folder
        out[name] = pyr
    return out
