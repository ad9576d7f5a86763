"""Faces for re-enactment: dlib's 68 landmarks per frame, their drawing (the network's input), and the
driver's landmarks moved onto the target's face.

The 68-point model ships in the ``face-recognition-models`` package; its path is read from the package's
folder without importing it (its ``__init__`` needs ``pkg_resources``, gone from new setuptools).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import MissingDependency

PREDICTOR = "shape_predictor_68_face_landmarks.dat"
VERSION = 1  # of the detection: part of the landmark cache's key
INSTALL = "pip install dlib-bin face-recognition-models (or pip install -e .[faces])"

# the 68 points' features, as polylines (closed ones joined back to their first point), each its colour:
# the network learns most easily from a drawing in which each feature is told apart by colour
FEATURES: tuple[tuple[range, bool, tuple[int, int, int]], ...] = (
    (range(0, 17), False, (255, 255, 255)),  # jaw
    (range(17, 22), False, (255, 160, 0)),  # brows
    (range(22, 27), False, (255, 160, 0)),
    (range(27, 31), False, (0, 200, 255)),  # nose bridge
    (range(30, 36), True, (0, 200, 255)),  # nostrils
    (range(36, 42), True, (0, 255, 0)),  # eyes
    (range(42, 48), True, (0, 255, 0)),
    (range(48, 60), True, (255, 0, 80)),  # outer lips
    (range(60, 68), True, (255, 0, 255)),  # inner lips
)


def predictor_path() -> Path:
    spec = importlib.util.find_spec("face_recognition_models")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / "models" / PREDICTOR
        if path.is_file():
            return path
    raise MissingDependency("dlib's 68-point face landmark model (face-recognition-models)", INSTALL)


def detect(frames: np.ndarray, progress: Callable[[int], None] | None = None) -> np.ndarray:
    """(N, 68, 2) float32 landmarks in the frames' pixels, of each frame's largest face; NaN where dlib's
    HOG detector finds none (tried once more on a twice upsampled picture, for small faces)."""
    try:
        import dlib
    except ImportError:
        raise MissingDependency("dlib (face landmarks)", INSTALL) from None
    detector = dlib.get_frontal_face_detector()
    predictor = dlib.shape_predictor(str(predictor_path()))
    out = np.full((len(frames), 68, 2), np.nan, np.float32)
    for i, frame in enumerate(frames):
        rgb = np.ascontiguousarray(frame)
        faces = detector(rgb, 0) or detector(rgb, 1)
        if faces:
            face = max(faces, key=lambda r: r.width() * r.height())
            shape = predictor(rgb, face)
            out[i] = [(p.x, p.y) for p in shape.parts()]
        if progress is not None:
            progress(1)
    return out


def found(points: np.ndarray) -> np.ndarray:
    """(N,) bool: the frames with a face."""
    return ~np.isnan(points).any(axis=(1, 2))  # type: ignore[no-any-return]


def _centre_scale(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per frame: the landmarks' centre (N, 2) and their RMS distance from it (N,)."""
    centre = points.mean(axis=1)
    scale = np.sqrt(((points - centre[:, None]) ** 2).sum(axis=2).mean(axis=1))
    return centre, scale


def normalise(driver: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The driver's landmarks (N, 68, 2, NaN where no face) moved onto the target's face: the driver's
    typical face (median centre and size over its frames) is mapped onto the target's typical face, so the
    driver's movements relative to its own resting place and size drive the target's face where it
    usually is. Frames without a face repeat the nearest earlier one (the first found, before it)."""
    d_ok, t_ok = found(driver), found(target)
    dc, ds = _centre_scale(driver[d_ok])
    tc, ts = _centre_scale(target[t_ok])
    d_centre, d_scale = np.median(dc, axis=0), float(np.median(ds))
    t_centre, t_scale = np.median(tc, axis=0), float(np.median(ts))
    moved = (driver - d_centre) * (t_scale / max(d_scale, 1e-6)) + t_centre
    first = int(np.argmax(d_ok))
    last = moved[first]
    for i in range(len(moved)):
        if d_ok[i]:
            last = moved[i]
        else:
            moved[i] = last
    return moved.astype(np.float32)  # type: ignore[no-any-return]


def draw(points: np.ndarray, width: int, height: int, scale: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
    """A (height, width, 3) uint8 drawing of one face's 68 landmarks (given in pixels of a picture
    ``scale`` times larger than the drawing), each feature a coloured line on black."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height))
    d = ImageDraw.Draw(img)
    line = max(1, round(width / 96))
    pts = [(float(x) * scale[0], float(y) * scale[1]) for x, y in points]
    for idx, closed, colour in FEATURES:
        poly = [pts[i] for i in idx]
        if closed:
            poly.append(poly[0])
        d.line(poly, fill=colour, width=line)
    return np.asarray(img, np.uint8)
