"""Faces in one image: detected (dlib HOG, or the MMOD CNN), aligned by dlib's 5-point shape predictor,
described by dlib's ResNet (128-d), and cropped as a small JPEG for the portraits page.

This is the only module that imports dlib; the faces stage creates a :class:`FaceFinder` on the first
image that is not in the cache, so a build with nothing new never loads it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import models

MAX_SIDE = 1600  # larger pictures are looked at this size: HOG's cost grows with the pixels, faces stay findable
CROP_SIZE = 128  # px, the square thumbnail of each face on the page
CROP_MARGIN = 0.35  # of the face box's side, added around it so the crop shows a head, not a mask


@dataclass(frozen=True)
class FoundFace:
    box: tuple[int, int, int, int]  # left, top, right, bottom in the original image's pixels
    score: float  # the detector's confidence (HOG: its SVM margin; CNN: its score)
    descriptor: tuple[float, ...]  # 128 numbers; the same person's faces lie < 0.6 apart
    crop: bytes  # JPEG, CROP_SIZE square


@dataclass(frozen=True)
class FinderParams:
    detector: str = "hog"
    upsample: int = 1
    min_size: int = 40
    max_faces: int = 20
    min_score: float = 0.0


def _load_rgb(path: Path) -> Any:
    from PIL import Image, ImageOps

    with Image.open(path) as im:
        im.draft("RGB", (MAX_SIDE, MAX_SIDE))  # a JPEG decodes straight at a smaller scale
        return ImageOps.exif_transpose(im).convert("RGB")


class FaceFinder:
    def __init__(self, params: FinderParams) -> None:
        import dlib  # dlib has no type information: its objects are Any below

        self.params = params
        self.dlib: Any = dlib
        if params.detector == "cnn":
            self._cnn: Any = dlib.cnn_face_detection_model_v1(str(models.model_path(models.DETECTOR_CNN)))
        else:
            self._hog: Any = dlib.get_frontal_face_detector()
        self._shape: Any = dlib.shape_predictor(str(models.model_path(models.SHAPE_5)))
        self._describe: Any = dlib.face_recognition_model_v1(str(models.model_path(models.RESNET)))

    def _detect(self, pixels: Any) -> list[tuple[Any, float]]:
        if self.params.detector == "cnn":
            return [(d.rect, float(d.confidence)) for d in self._cnn(pixels, self.params.upsample)]
        rects, scores, _ = self._hog.run(pixels, self.params.upsample, 0.0)
        return list(zip(rects, (float(s) for s in scores)))

    def find(self, path: Path) -> list[FoundFace]:
        """The faces of the image at ``path``, largest first, at most ``max_faces``."""
        import numpy as np

        image = _load_rgb(path)
        scale = min(1.0, MAX_SIDE / max(image.size))
        small = image if scale == 1.0 else image.resize((round(image.width * scale), round(image.height * scale)))
        pixels = np.ascontiguousarray(np.asarray(small))
        found = []
        for rect, score in self._detect(pixels):
            side = min(rect.width(), rect.height()) / scale
            if score < self.params.min_score or side < self.params.min_size:
                continue
            found.append((rect, score))
        found.sort(key=lambda rs: -rs[0].area())
        faces = []
        for rect, score in found[: self.params.max_faces]:
            shape = self._shape(pixels, rect)
            vector = self._describe.compute_face_descriptor(pixels, shape)
            box = (round(rect.left() / scale), round(rect.top() / scale), round(rect.right() / scale),
                   round(rect.bottom() / scale))
            faces.append(FoundFace(box, round(score, 4), tuple(round(float(v), 6) for v in vector),
                                   crop_jpeg(image, box)))
        return faces


def crop_jpeg(image: Any, box: tuple[int, int, int, int], size: int = CROP_SIZE) -> bytes:
    """A square crop around the face ``box`` of a PIL image (with a margin, kept inside the picture)."""
    left, top, right, bottom = box
    side = max(right - left, bottom - top) * (1 + 2 * CROP_MARGIN)
    side = min(side, image.width, image.height)
    cx, cy = (left + right) / 2, (top + bottom) / 2
    x0 = min(max(0.0, cx - side / 2), image.width - side)
    y0 = min(max(0.0, cy - side / 2), image.height - side)
    crop = image.crop((round(x0), round(y0), round(x0 + side), round(y0 + side))).resize((size, size))
    buf = io.BytesIO()
    crop.save(buf, "JPEG", quality=85, optimize=True)
    return buf.getvalue()
