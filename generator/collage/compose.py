"""The composer: cut-outs recombined on a ground taken from the archive, seeded.

A composition is planned first (:func:`plan`: which figures, which ground, the style's placements), from
the seed and the cut-outs' keys alone, so its cache key is known without a pixel; then painted
(:func:`paint`) with Pillow only when it is not in the cache. Same seed, same cut-outs, same settings:
the same pixels (Pillow's resampling is deterministic, and nothing else is random).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cache import hash_parts
from .cutouts import Cutout
from .styles import Placement, layout

if TYPE_CHECKING:
    from PIL import Image

NAMESPACE = "collage-compositions"
VERSION = 1
THUMB = 360  # px, the gallery's thumbnails
MAX_FIGURES = 8  # figures offered to one composition's layout


@dataclass(frozen=True)
class Plan:
    id: str  # the composition's id: its style and a short hash of everything that makes it
    key: str  # cache key
    index: int
    style: str
    ground: str  # archive id of the picture the figures are pasted on
    ground_path: Path
    figures: tuple[Cutout, ...]
    placements: tuple[Placement, ...]

    @property
    def sources(self) -> list[str]:
        """Archive ids of every picture it is made of: the ground first, then the figures, once each."""
        return list(dict.fromkeys([self.ground, *(self.figures[p.figure].source for p in self.placements)]))


def plan(index: int, seed: int, style: str, size: int, figures: list[Cutout],
         grounds: list[tuple[str, Path, str]]) -> Plan:
    """Composition ``index`` of the series ``seed``: figures drawn from ``figures`` (non-empty cut-outs),
    a ground from ``grounds`` ((archive id, path, hash of its bytes))."""
    rng = random.Random(hash_parts("collage", seed, index))
    ground, ground_path, ground_hash = grounds[rng.randrange(len(grounds))]
    offered = [f for f in figures if f.source != ground] or list(figures)
    chosen = rng.sample(offered, min(MAX_FIGURES, len(offered)))
    placements = layout(style, rng, [c.width / max(1, c.height) for c in chosen])
    key = hash_parts(NAMESPACE, VERSION, style, size, ground_hash, [c.key for c in chosen], placements)
    return Plan(f"{style}-{key[:10]}", key, index, style, ground, ground_path, tuple(chosen), tuple(placements))


def prepare_ground(path: Path, size: int) -> Image.Image:
    """The archive picture as paper: cropped to a square, its colour toned down towards a warm grey and
    its contrast lowered, so the pasted figures stand in front of it."""
    from PIL import Image, ImageEnhance, ImageOps

    from .cutouts import load_rgb

    im = Image.fromarray(load_rgb(path, side=max(size, 256)))
    im = ImageOps.fit(im, (size, size), Image.Resampling.LANCZOS)
    im = ImageEnhance.Color(im).enhance(0.45)
    im = ImageEnhance.Contrast(im).enhance(0.8)
    warm = Image.new("RGB", im.size, (226, 214, 190))
    return Image.blend(im, warm, 0.25).convert("RGBA")


def _figure(cut: Cutout, p: Placement, size: int, cache: dict[str, Image.Image]) -> Image.Image:
    from PIL import Image, ImageOps

    if cut.key not in cache:
        with Image.open(cut.png) as src:
            cache[cut.key] = src.convert("RGBA")
    im = cache[cut.key]
    h = max(2, round(p.height * size))
    w = max(2, round(h * im.width / max(1, im.height)))
    fig = im.resize((w, h), Image.Resampling.LANCZOS)
    if p.mirror:
        fig = ImageOps.mirror(fig)
    if abs(p.angle) > 0.05:
        fig = fig.rotate(p.angle, resample=Image.Resampling.BICUBIC, expand=True)
    return fig


def paint(pl: Plan, size: int) -> Image.Image:
    """The composition's pixels (RGB)."""
    from PIL import Image, ImageFilter

    canvas = prepare_ground(pl.ground_path, size)
    loaded: dict[str, Image.Image] = {}
    for p in pl.placements:
        fig = _figure(pl.figures[p.figure], p, size, loaded)
        x, y = round(p.x * size - fig.width / 2), round(p.y * size - fig.height / 2)
        if p.shadow:  # a soft shadow down and to the right: paper pasted on paper
            alpha = fig.getchannel("A").filter(ImageFilter.GaussianBlur(max(1.0, fig.height / 60)))
            shade = Image.new("RGBA", fig.size, (20, 14, 8, 0))
            shade.putalpha(alpha.point(lambda v: v * 45 // 100))
            off = max(1, round(fig.height / 80))
            _paste(canvas, shade, x + off, y + off)
        _paste(canvas, fig, x, y)
    return canvas.convert("RGB")


def _paste(canvas: Image.Image, fig: Image.Image, x: int, y: int) -> None:
    """alpha_composite that accepts a figure partly outside the canvas (cropped to it)."""
    left, top = max(0, -x), max(0, -y)
    right, bottom = min(fig.width, canvas.width - x), min(fig.height, canvas.height - y)
    if right <= left or bottom <= top:
        return
    canvas.alpha_composite(fig.crop((left, top, right, bottom)), dest=(x + left, y + top))


def jpeg(im: Image.Image, side: int | None = None, quality: int = 88) -> bytes:
    from PIL import Image

    if side is not None and max(im.size) > side:
        im = im.resize((side, side), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality, optimize=True, progressive=True)
    return buf.getvalue()


def render_cached(pl: Plan, size: int, ns: Any) -> tuple[Path, Path]:
    """The composition's JPEG and thumbnail in the cache, painted on a miss; meta JSON written last."""
    meta = ns.get_json(pl.key)
    big, thumb = ns.path(pl.key, ".jpg"), ns.path(pl.key, ".thumb.jpg")
    if isinstance(meta, dict) and big.is_file() and thumb.is_file():
        return big, thumb
    im = paint(pl, size)
    ns.put_bytes(pl.key, ".jpg", jpeg(im))
    ns.put_bytes(pl.key, ".thumb.jpg", jpeg(im, THUMB, 82))
    ns.put_json(pl.key, {"id": pl.id, "style": pl.style, "sources": pl.sources, "size": size})
    return big, thumb
