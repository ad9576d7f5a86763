"""Cutters: an RGB picture in, an alpha matte out (float32, 0 = background, 1 = the figure, same size).

Registered as the ``cutter`` kind in :mod:`generator.registry`. Creating a cutter is cheap and imports
nothing heavy (its :meth:`Cutter.identity` goes into the cut-outs' cache keys, and a build whose
compositions are cached needs only that); OpenCV, onnxruntime and dlib are imported on the first cut.

``paper`` and ``grabcut`` are here; ``isnet`` in :mod:`.isnet`, ``person`` in :mod:`.person`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

WORK_SIDE = 1024  # pictures are cut at most this large (longer side): the cut-outs' own resolution


class Cutter:
    """Base class. ``version`` is bumped when the same inputs give different mattes."""

    name = "cutter"
    version = 1

    def __init__(self, spec: str, **params: Any) -> None:
        self.spec = spec
        self.params = params

    def identity(self) -> str:
        """What the cut-out cache keys hold of this cutter: name, version, parameters, model."""
        extra = ",".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"{self.name}-v{self.version}" + (f"[{extra}]" if extra else "")

    def cut(self, rgb: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def feather(mask: np.ndarray, radius: float) -> np.ndarray:
    """A hard 0/1 mask as a soft alpha: a Gaussian edge of about ``radius`` pixels (cut paper has no
    jagged pixel stairs)."""
    import cv2
    import numpy as np

    m = mask.astype(np.float32)
    if radius <= 0:
        return m
    k = int(radius * 3) * 2 + 1
    return np.asarray(cv2.GaussianBlur(m, (k, k), radius), np.float32)


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """``mask`` with every background region that does not reach the border filled in."""
    import cv2
    import numpy as np

    h, w = mask.shape
    padded = np.zeros((h + 2, w + 2), np.uint8)
    padded[1:-1, 1:-1] = mask.astype(np.uint8) * 255
    flood = padded.copy()
    cv2.floodFill(flood, np.zeros((h + 4, w + 4), np.uint8), (0, 0), 128)
    return np.asarray((flood != 128)[1:-1, 1:-1])


def keep_large(mask: np.ndarray, min_fraction: float, relative: float = 0.15) -> np.ndarray:
    """Only the connected parts of ``mask`` covering at least ``min_fraction`` of the picture and at least
    ``relative`` of the largest part (specks, dust and stray letters go)."""
    import cv2
    import numpy as np

    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return np.zeros(mask.shape, bool)
    areas = stats[1:, cv2.CC_STAT_AREA]
    floor = max(min_fraction * mask.size, relative * float(areas.max()))
    keep = np.zeros(n, bool)
    keep[1:] = areas >= floor
    return np.asarray(keep[labels])


def _kernel(size: int) -> np.ndarray:
    import cv2

    size = max(3, size | 1)
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


class PaperCutter(Cutter):
    """Figures printed or drawn on light paper, as digitised books are: the paper's colour and its uneven
    light are estimated at large scale (a morphological closing wider than any stroke, then a blur), the
    picture's difference from that paper is thresholded by Otsu's method, strokes are joined into figures
    (closing), specks removed (opening), holes filled, small parts dropped, and the edge feathered."""

    name = "paper"

    def __init__(self, spec: str = "paper", join: float = 0.012, min_area: float = 0.004, edge: float = 1.5) -> None:
        super().__init__(spec, join=join, min_area=min_area, edge=edge)
        self.join, self.min_area, self.edge = join, min_area, edge

    def cut(self, rgb: np.ndarray) -> np.ndarray:
        import cv2
        import numpy as np

        img = rgb.astype(np.float32)
        h, w = img.shape[:2]
        # the paper at large scale: measured on a small copy (fast), where a closing of a quarter of the
        # page's side erases every figure narrower than that, and blurred so the light varies smoothly
        small_side = 160
        f = small_side / max(h, w)
        small = cv2.resize(img, (max(8, round(w * f)), max(8, round(h * f))), interpolation=cv2.INTER_AREA)
        paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, _kernel(round(min(small.shape[:2]) / 4)))
        paper = cv2.GaussianBlur(paper, (0, 0), min(small.shape[:2]) / 16)
        paper = cv2.resize(paper, (w, h), interpolation=cv2.INTER_LINEAR)
        # ink is darker than the paper, in any colour: how much darker, in the darkest channel
        diff = np.clip(paper - img, 0, 255).max(axis=2)
        d8 = np.clip(diff, 0, 255).astype(np.uint8)
        level, _ = cv2.threshold(d8, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        ink = d8 > max(level, 18.0)  # an empty page has only paper grain: Otsu alone would split the grain
        side = min(h, w)
        ink = cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_CLOSE, _kernel(round(side * self.join)))
        ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, _kernel(round(side * self.join / 3)))
        mask = keep_large(fill_holes(ink > 0), self.min_area)
        return feather(mask, self.edge * max(1.0, side / 512))


class GrabCutCutter(Cutter):
    """OpenCV's GrabCut started from a rectangle a little inside the frame: the classical baseline (no
    model; it takes whatever differs from the border's colours, so busy backgrounds leak in)."""

    name = "grabcut"

    def __init__(self, spec: str = "grabcut", margin: float = 0.05, iterations: int = 5, side: int = 320) -> None:
        super().__init__(spec, margin=margin, iterations=iterations, side=side)
        self.margin, self.iterations, self.side = margin, iterations, side

    def cut(self, rgb: np.ndarray) -> np.ndarray:
        import cv2
        import numpy as np

        h, w = rgb.shape[:2]
        f = min(1.0, self.side / max(h, w))
        small = cv2.resize(rgb, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA) if f < 1 else rgb
        sh, sw = small.shape[:2]
        rect = (round(sw * self.margin), round(sh * self.margin), round(sw * (1 - 2 * self.margin)),
                round(sh * (1 - 2 * self.margin)))
        mask = np.zeros((sh, sw), np.uint8)
        cv2.setRNGSeed(0)  # GrabCut's GMM start is random: seeded, the same picture gives the same matte
        cv2.grabCut(np.ascontiguousarray(small[:, :, ::-1]), mask, rect, np.zeros((1, 65)), np.zeros((1, 65)),
                    self.iterations, cv2.GC_INIT_WITH_RECT)
        return grabcut_alpha(mask, (w, h))


def grabcut_alpha(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """GrabCut's label mask as a feathered alpha at ``size`` (w, h), small parts dropped, holes filled."""
    import cv2
    import numpy as np

    fg = (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)
    fg = keep_large(fill_holes(fg), 0.002)
    alpha = cv2.resize(fg.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
    return feather(alpha > 0.5, 1.0 * max(1.0, min(size) / 512))
