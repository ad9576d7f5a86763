"""Optional face finding for the describe captioner: dlib's HOG frontal-face detector, which ships
inside the ``dlib-bin`` wheel (no model file to download). ImageNet has no class for people, so
without this a talking head becomes "a suit" or "a bobsleigh"; with it, "a face, close up".

Off when dlib is not installed; the captioner's identity says which, so installing it re-captions.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .identity import faces_available

if TYPE_CHECKING:
    from PIL import Image

#: the detector runs on frames scaled to this width: its 80 px window then finds faces wider than a
#: fifth of the frame (people in medium shot and closer) at about 40 % of the cost at 640 px
DETECT_WIDTH = 400
#: detector score below which a detection is ignored (HOG gives spurious faces in foliage and fabric)
MIN_SCORE = 0.3

# One detector per thread: a dlib object detector keeps its image pyramid in itself while it runs, so two
# threads sharing one (the captioner searches two frames at a time) read each other's pyramids: faces
# found or missed at random, and now and then a crash.
_local = threading.local()


@dataclass(frozen=True)
class Faces:
    count: int
    largest: float  # width of the largest face as a share of the frame width


NO_FACES = Faces(0, 0.0)


def available() -> bool:
    """dlib can be imported (checked without importing it)."""
    return faces_available()


def _get_detector() -> Any:
    """This thread's dlib.fhog_object_detector (dlib has no type information)."""
    detector = getattr(_local, "detector", None)
    if detector is None:
        import dlib

        detector = _local.detector = dlib.get_frontal_face_detector()
    return detector


def find_faces(grey: np.ndarray) -> Faces:
    """Faces in a uint8 greyscale frame already scaled to about DETECT_WIDTH pixels wide."""
    detector = _get_detector()
    boxes, scores, _ = detector.run(np.ascontiguousarray(grey), 0, 0.0)
    widths = [b.width() for b, s in zip(boxes, scores) if s >= MIN_SCORE]
    if not widths:
        return NO_FACES
    return Faces(len(widths), max(widths) / grey.shape[1])


def detection_image(image: Image.Image) -> np.ndarray:
    """The greyscale, DETECT_WIDTH-wide copy the detector looks at."""
    from PIL import Image

    w, h = image.size
    scale = min(1.0, DETECT_WIDTH / max(1, w))
    small = image.convert("L")
    if scale < 1.0:
        small = small.resize((DETECT_WIDTH, max(1, round(h * scale))), Image.Resampling.BILINEAR,
                             reducing_gap=2.0)
    return np.asarray(small, dtype=np.uint8)
