"""Faces in one image: detected (dlib HOG, or the MMOD CNN), checked, aligned by dlib's 5-point shape
predictor, described by dlib's ResNet (128-d), and cropped as a small JPEG for the portraits page.

HOG alone takes a mission patch or a dreamt cat's eye for a face, with a higher score than a real face in
three-quarter profile (0.15 against the demo cameraman's 0.04), so a score cannot tell them apart. Each
candidate therefore passes three checks, cheapest first: its score (``min_score``), its five landmarks
(:mod:`generator.portraits.plausible`), and a second look by dlib's MMOD CNN at its neighbourhood (HOG
candidates only): a picture of a face is found again there (real faces ~1.05 in the demo), the patch and
the cat's eye are not. What each check refused is counted, for the build log.

This is the only module that imports dlib; the faces stage creates a :class:`FaceFinder` on the first
image that is not in the cache, so a build with nothing new never loads it.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import models
from .plausible import LandmarkLimits, landmark_problem

MAX_SIDE = 1600  # larger pictures are looked at this size: HOG's cost grows with the pixels, faces stay findable
CROP_SIZE = 128  # px, the square thumbnail of each face on the page
CROP_MARGIN = 0.35  # of the face box's side, added around it so the crop shows a head, not a mask
# the CNN's second look: the candidate's neighbourhood scaled so the face is 80 px (the CNN's window finds
# faces from ~80 px without upsampling), 2.4 sides wide: a 192 px picture, ~0.2 s of one core
CONFIRM_FACE, CONFIRM_CONTEXT = 80, 2.4
SCORE, LANDMARKS, UNCONFIRMED = "score", "landmarks", "unconfirmed"  # why a candidate was refused


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
    confirm: bool = True  # HOG's candidates looked at again by the CNN (no effect with detector "cnn")
    confirm_score: float = 0.5
    landmarks: LandmarkLimits | None = LandmarkLimits()  # None: the landmarks are not checked


@dataclass
class Examined:
    """What one image gave: its faces, and how many candidates each check refused."""

    faces: list[FoundFace]
    refused: Counter[str] = field(default_factory=Counter)


def _load_rgb(path: Path) -> Any:
    from ..archive.images import open_rgb

    im, _ = open_rgb(path, MAX_SIDE)  # a JPEG decodes straight at a smaller scale, a museum scan shrunk on load
    return im


class FaceFinder:
    def __init__(self, params: FinderParams) -> None:
        import dlib  # dlib has no type information: its objects are Any below

        self.params = params
        self.dlib: Any = dlib
        self._cnn: Any = None
        if params.detector == "cnn":
            self._cnn = self._load_cnn()
        else:
            self._hog: Any = dlib.get_frontal_face_detector()
        self._shape: Any = dlib.shape_predictor(str(models.model_path(models.SHAPE_5)))
        self._describe: Any = dlib.face_recognition_model_v1(str(models.model_path(models.RESNET)))

    def _load_cnn(self) -> Any:
        return self.dlib.cnn_face_detection_model_v1(str(models.model_path(models.DETECTOR_CNN)))

    def _detect(self, pixels: Any) -> list[tuple[Any, float]]:
        if self.params.detector == "cnn":
            return [(d.rect, float(d.confidence)) for d in self._cnn(pixels, self.params.upsample)]
        # HOG's own threshold is 0; a negative min_score asks for the weaker candidates too
        rects, scores, _ = self._hog.run(pixels, self.params.upsample, min(0.0, self.params.min_score))
        return list(zip(rects, (float(s) for s in scores)))

    def find(self, path: Path) -> list[FoundFace]:
        """The faces of the image at ``path``, largest first, at most ``max_faces``."""
        return self.examine(path).faces

    def examine(self, path: Path) -> Examined:
        """The faces of the image at ``path`` (largest first, at most ``max_faces``) and the refusals."""
        import numpy as np

        p = self.params
        image = _load_rgb(path)
        scale = min(1.0, MAX_SIDE / max(image.size))
        small = image if scale == 1.0 else image.resize((round(image.width * scale), round(image.height * scale)))
        pixels = np.ascontiguousarray(np.asarray(small))
        # a small face is left out by choice, not refused: it is not counted
        found = [(r, s) for r, s in self._detect(pixels) if min(r.width(), r.height()) / scale >= p.min_size]
        found.sort(key=lambda rs: -rs[0].area())
        out = Examined([])
        for rect, score in found:
            if len(out.faces) >= p.max_faces:
                break
            shape = self._shape(pixels, rect)
            why = self._refusal(small, pixels, rect, score, shape)
            if why:
                out.refused[why] += 1
                continue
            vector = self._describe.compute_face_descriptor(pixels, shape)
            box = (round(rect.left() / scale), round(rect.top() / scale), round(rect.right() / scale),
                   round(rect.bottom() / scale))
            out.faces.append(FoundFace(box, round(score, 4), tuple(round(float(v), 6) for v in vector),
                                       crop_jpeg(image, box)))
        return out

    def _refusal(self, small: Any, pixels: Any, rect: Any, score: float, shape: Any) -> str:
        """"" for a face, else which check refused it (the cheapest first: the CNN's look costs most)."""
        p = self.params
        if score < p.min_score:
            return SCORE
        if p.landmarks is not None:
            points = [(float(shape.part(i).x), float(shape.part(i).y)) for i in range(shape.num_parts)]
            box = (rect.left(), rect.top(), rect.right(), rect.bottom())
            if landmark_problem(box, points, p.landmarks):
                return LANDMARKS
        if p.confirm and p.detector != "cnn" and not self._confirmed(small, rect):
            return UNCONFIRMED
        return ""

    def _confirmed(self, small: Any, rect: Any) -> bool:
        """Whether the CNN finds a face of about the candidate's size centred within its box, at least
        ``confirm_score`` sure of it."""
        import numpy as np

        if self._cnn is None:
            self._cnn = self._load_cnn()  # loaded on the first candidate that gets this far
        side = max(rect.width(), rect.height())
        k = CONFIRM_FACE / side
        cx, cy = (rect.left() + rect.right()) / 2, (rect.top() + rect.bottom()) / 2
        half = CONFIRM_CONTEXT * side / 2
        out = round(CONFIRM_CONTEXT * CONFIRM_FACE)
        # outside the picture PIL's crop is black: a face at the edge is still seen
        view = small.crop((round(cx - half), round(cy - half), round(cx + half), round(cy + half))).resize((out, out))
        for d in self._cnn(np.ascontiguousarray(np.asarray(view)), 0):
            r = d.rect
            centre = ((r.left() + r.right()) / 2 / k + cx - half, (r.top() + r.bottom()) / 2 / k + cy - half)
            same_size = 0.5 <= max(r.width(), r.height()) / k / side <= 2.0
            within = rect.left() <= centre[0] <= rect.right() and rect.top() <= centre[1] <= rect.bottom()
            if d.confidence >= self.params.confirm_score and same_size and within:
                return True
        return False


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
