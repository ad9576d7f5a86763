"""``person``: a person cut out of a portrait or a snapshot.

No offline selfie-segmentation model can be installed here (mediapipe's pins numpy < 2), so this is built
from parts that are: dlib's HOG face detector finds the face, and a body is expected below it (a region
about six faces wide, from above the head to the bottom of the picture). Then

- with the IS-Net model installed, IS-Net's matte is cut to the parts of it that touch that person
  region (so the furniture, the flag or a second object beside the sitter go), or
- without it, GrabCut is started from that region: the face certain, the body probable, the rest
  background.

Without a face it falls back to the whole matte (IS-Net) or a centred GrabCut.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .cutters import Cutter, GrabCutCutter, grabcut_alpha, keep_large
from .isnet_model import missing_model

if TYPE_CHECKING:
    import numpy as np

FACE_SIDE = 640  # faces are looked for on a copy at most this large


def find_face(rgb: np.ndarray) -> tuple[int, int, int, int] | None:
    """The largest face (left, top, right, bottom) in the picture's pixels, or None."""
    import cv2
    import dlib

    h, w = rgb.shape[:2]
    f = min(1.0, FACE_SIDE / max(h, w))
    small = cv2.resize(rgb, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA) if f < 1 else rgb
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    detector = dlib.get_frontal_face_detector()
    rects = detector(gray, 0) or detector(gray, 1)  # upsampled (4x the work) only when no large face is found
    if not rects:
        return None
    r = max(rects, key=lambda r: r.width() * r.height())
    return (round(r.left() / f), round(r.top() / f), round(r.right() / f), round(r.bottom() / f))


Box = tuple[int, int, int, int]  # left, top, right, bottom


def body_region(face: Box, shape: tuple[int, ...], half: float = 3.2) -> Box:
    """Where a person with this face probably is: from above the hair down to the picture's bottom, ``half``
    face widths either side of it (3.2: shoulders, arms and what the hands hold), clipped to the picture."""
    left, top, right, bottom = face
    fw, fh = right - left, bottom - top
    cx = (left + right) / 2
    h, w = shape[:2]
    return (max(0, round(cx - half * fw)), max(0, round(top - 0.7 * fh)), min(w, round(cx + half * fw)), h)


class PersonCutter(Cutter):
    name = "person"

    def __init__(self, spec: str = "person", **params: Any) -> None:
        super().__init__(spec)
        self._isnet: Any = None
        if not missing_model("isnet"):
            from .isnet import IsNetCutter

            self._isnet = IsNetCutter("isnet", **params)

    def identity(self) -> str:
        base = self._isnet.identity() if self._isnet is not None else "grabcut"
        return f"person-v{self.version}+{base}"

    def cut(self, rgb: np.ndarray) -> np.ndarray:
        import cv2
        import numpy as np

        face = find_face(rgb)
        h, w = rgb.shape[:2]
        if self._isnet is not None:
            matte = self._isnet.cut(rgb)
            if face is None:
                return np.asarray(matte)
            x0, y0, x1, y1 = body_region(face, rgb.shape)
            region = np.zeros((h, w), bool)
            region[y0:y1, x0:x1] = True
            n, labels = cv2.connectedComponents((matte > 0.5).astype(np.uint8), connectivity=8)
            fl, ft, fr, fb = face
            touching = set(np.unique(labels[ft:fb, fl:fr]).tolist()) - {0}
            keep = np.isin(labels, list(touching)) if touching else (labels > 0)
            return np.asarray(np.where(keep & region, matte, 0.0), np.float32)
        if face is None:
            return GrabCutCutter().cut(rgb)
        # GrabCut seeded by the face and the body below it, on a copy at most 320 px
        f = min(1.0, 320 / max(h, w))
        small = cv2.resize(rgb, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA) if f < 1 else rgb
        sh, sw = small.shape[:2]
        mask = np.full((sh, sw), cv2.GC_BGD, np.uint8)
        # a narrower body than IS-Net's: GrabCut takes anything of the suit's colour inside the region
        x0, y0, x1, y1 = (round(v * f) for v in body_region(face, rgb.shape, half=2.3))
        mask[y0:y1, x0:x1] = cv2.GC_PR_BGD
        fl, ft, fr, fb = (round(v * f) for v in face)
        fw = fr - fl
        mask[max(0, ft - (fb - ft) // 2):ft, fl:fr] = cv2.GC_PR_FGD  # the hair above the face
        # the column under the face (neck, chest) is probably the person
        mask[ft:sh, max(0, fl - fw // 2):min(sw, fr + fw // 2)] = cv2.GC_PR_FGD
        mask[ft + (fb - ft) // 5:fb, fl + fw // 5:fr - fw // 5] = cv2.GC_FGD  # the face's core: certain
        cv2.setRNGSeed(0)
        bgr = np.ascontiguousarray(small[:, :, ::-1])
        cv2.grabCut(bgr, mask, (0, 0, 1, 1), np.zeros((1, 65)), np.zeros((1, 65)), 5,
                    cv2.GC_INIT_WITH_MASK)  # the rectangle is ignored with a mask
        alpha = grabcut_alpha(mask, (w, h))
        return np.asarray(np.where(keep_large(alpha > 0.5, 0.002), alpha, 0.0), np.float32)
