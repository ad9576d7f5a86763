"""Cut-outs of archive images, cached: one RGBA PNG per (image bytes, cutter, its parameters and model,
version), cropped to the figure, plus a small JSON record that marks it complete (written last, so a
half-written cut-out is never trusted). The cutter only runs for images whose cut-out is missing."""

from __future__ import annotations

import importlib.util
import io
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..registry import create, resolve
from .cutters import WORK_SIDE, Cutter, GrabCutCutter
from .isnet_model import missing_model

if TYPE_CHECKING:
    import numpy as np

    from ..cache import Cache
    from ..reporter import Reporter

NAMESPACE = "collage-cutouts"
VERSION = 1
MIN_COVER = 0.004  # a matte covering less of its picture than this is "nothing found"
MIN_SOLID = 0.6  # ... and one whose touched pixels are less than this share solid (alpha > 0.5)


def auto_cutter(spec: str = "auto", **params: Any) -> Cutter:
    """``auto``: IS-Net when the optional model (and onnxruntime) is installed, else GrabCut."""
    if not missing_model("isnet") and importlib.util.find_spec("onnxruntime") is not None:
        from .isnet import IsNetCutter

        return IsNetCutter("isnet", **params)
    return GrabCutCutter("grabcut")


def create_cutter(spec: str, **params: Any) -> Cutter:
    cutter: Cutter = create("cutter", spec, **params)
    return cutter


@dataclass(frozen=True)
class Cutout:
    source: str  # archive item id
    key: str  # cache key
    png: Path  # RGBA, cropped to the figure
    width: int
    height: int
    cover: float  # share of the source picture that is figure
    empty: bool = False


def load_rgb(path: Path, side: int = WORK_SIDE) -> np.ndarray:
    """The picture as RGB uint8, upright (EXIF), its longer side at most ``side``."""
    import numpy as np
    from PIL import Image

    from ..archive.images import open_rgb

    im, _ = open_rgb(path, side)  # a JPEG decoded at a reduced scale, a museum scan shrunk on load
    if max(im.size) > side:
        f = side / max(im.size)
        im = im.resize((max(1, round(im.width * f)), max(1, round(im.height * f))), Image.Resampling.LANCZOS)
    return np.asarray(im)


def rgba_cutout(rgb: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, float]:
    """The picture with ``alpha`` as its transparency, cropped to where alpha is above 2 %; and the cover."""
    import numpy as np

    a = np.clip(alpha, 0, 1)
    cover = float((a > 0.5).mean())
    ys, xs = np.nonzero(a > 0.02)
    # a matte that is mostly haze (a network's doubt over a sky) is no figure
    solid = float((a > 0.5).sum()) / max(1, len(ys))
    if cover < MIN_COVER or not len(ys) or solid < MIN_SOLID:
        return np.zeros((1, 1, 4), np.uint8), cover
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    out = np.dstack([rgb[y0:y1, x0:x1], np.round(a[y0:y1, x0:x1] * 255).astype(np.uint8)])
    return np.ascontiguousarray(out), cover


def cutout_key(cache: Cache, path: Path, identity: str) -> str:
    return cache.namespace(NAMESPACE, VERSION).key(cache.file_hash(path), identity, {"side": WORK_SIDE})


def cut_all(items: list[tuple[str, Path]], cutter: Cutter, cache: Cache, reporter: Reporter) -> list[Cutout]:
    """A cut-out of every (id, path), from the cache or made now (with a progress bar); the rate is said."""
    ns = cache.namespace(NAMESPACE, VERSION)
    identity = cutter.identity()
    found: dict[int, Cutout] = {}
    todo: list[tuple[int, str, Path, str]] = []
    for i, (item_id, path) in enumerate(items):
        key = cutout_key(cache, path, identity)
        meta = ns.get_json(key)
        if isinstance(meta, dict) and ns.path(key, ".png").is_file():
            found[i] = _from_meta(item_id, key, ns.path(key, ".png"), meta)
        else:
            todo.append((i, item_id, path, key))
    if todo:
        start = time.perf_counter()
        for i, item_id, path, key in reporter.progress(todo, total=len(todo), desc="cut-outs", unit="img"):
            found[i] = _cut_one(item_id, path, key, cutter, ns)
        seconds = time.perf_counter() - start
        reporter.info(f"collages: cut {len(todo)} image(s) with {identity} in {seconds:.1f} s "
                      f"({len(todo) / max(seconds, 1e-9):.2f} cut-outs per second)")
    return [found[i] for i in range(len(items))]


def _from_meta(item_id: str, key: str, png: Path, meta: dict[str, Any]) -> Cutout:
    return Cutout(item_id, key, png, int(meta["width"]), int(meta["height"]), float(meta["cover"]),
                  bool(meta.get("empty")))


def _cut_one(item_id: str, path: Path, key: str, cutter: Cutter, ns: Any) -> Cutout:
    from PIL import Image

    rgb = load_rgb(path)
    rgba, cover = rgba_cutout(rgb, cutter.cut(rgb))
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, "PNG", compress_level=3)
    png = ns.put_bytes(key, ".png", buf.getvalue())
    meta = {"width": int(rgba.shape[1]), "height": int(rgba.shape[0]), "cover": round(cover, 5),
            "empty": rgba.shape[:2] == (1, 1), "source": item_id, "cutter": cutter.identity()}
    ns.put_json(key, meta)  # last: its presence says the PNG is whole
    return _from_meta(item_id, key, png, meta)


def describe(spec: str, cutter: Cutter) -> str:
    """The cutter a spec stands for, in words for the build log and the page (``auto`` says which it chose)."""
    if resolve("cutter", spec).name != "auto":
        return spec
    if cutter.name == "isnet":
        return "isnet (auto)"
    return f"{cutter.name} (auto: the optional IS-Net model is not installed)"
