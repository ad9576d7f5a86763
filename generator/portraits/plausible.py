"""Is what the detector found shaped like a face? A check of dlib's five landmarks against its box.

dlib's 5-point shape predictor always answers: on a mission patch or a dreamt cat's eye it still returns
five points, the mean face nudged by the pixels. So the points alone cannot prove a face (that is what
the CNN's second look is for, see :mod:`generator.portraits.finder`), but they can refuse the fits that no
face gives: eyes collapsed onto each other or crossed over, eyes far from level, an eye distance that is
no sane share of the box, a nose above the eyes or beside them, an eye outside the box. Pure arithmetic on
tuples (no dlib, no numpy), so it is tested with made-up points.

The five points, as dlib's ``shape_predictor_5_face_landmarks`` orders them: 0 and 1 the outer and inner
corners of one eye, 2 and 3 the outer and inner corners of the other, 4 the bottom of the nose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Point = tuple[float, float]
Box = tuple[float, float, float, float]  # left, top, right, bottom

DEGENERATE = "degenerate"  # the reasons, each a short phrase for the build log and the tests
TILTED = "eyes not level"
EYE_DISTANCE = "eye distance"
NOSE = "nose misplaced"
OUTSIDE = "eye outside the box"
MIN_EYE_SPAN = 0.1  # of the eye distance: an eye whose two corners (nearly) coincide is no fit of an eye


@dataclass(frozen=True)
class LandmarkLimits:
    """What a face's five points may do, relative to its box and to the distance between its eyes.

    The defaults are anatomical bounds with wide margins, not a tuned classifier: on the demo's real faces
    (frontal and a three-quarter profile, turned up to 15 degrees, mirrored, blurred, halved, JPEG at
    quality 20) the eye distance is 0.35-0.52 of the box, the nose 0.71-0.95 eye distances below the eyes'
    line and at most 0.23 to the side, the eyes within 18 degrees of level."""

    max_eye_tilt: float = 30.0  # degrees: HOG's five detectors see faces turned up to ~20 degrees
    min_eye_distance: float = 0.25  # of the box's width
    max_eye_distance: float = 0.75
    min_nose_drop: float = 0.35  # the nose below the line through the eyes, in eye distances
    max_nose_drop: float = 1.5
    max_nose_offset: float = 0.6  # the nose beside the eyes' midpoint, in eye distances (0.5: under an eye)


def _mid(a: Point, b: Point) -> Point:
    return (a[0] + b[0]) / 2, (a[1] + b[1]) / 2


def _inside(p: Point, box: Box) -> bool:
    left, top, right, bottom = box
    return left <= p[0] <= right and top <= p[1] <= bottom


def landmark_problem(box: Box, points: list[Point], limits: LandmarkLimits) -> str:
    """"" when the five ``points`` (in the same pixels as ``box``) are plausible for a face, else the reason."""
    width = box[2] - box[0]
    if len(points) != 5 or width <= 0 or not all(math.isfinite(v) for p in points for v in p):
        return DEGENERATE
    outer1, inner1, outer2, inner2, nose = points
    eye1, eye2 = _mid(outer1, inner1), _mid(outer2, inner2)
    distance = math.dist(eye1, eye2)
    if distance < 1e-6:
        return DEGENERATE
    # each eye has a width, and the inner corners face each other: otherwise the fit has folded over
    if min(math.dist(outer1, inner1), math.dist(outer2, inner2)) < MIN_EYE_SPAN * distance \
            or math.dist(inner1, inner2) >= math.dist(outer1, outer2):
        return DEGENERATE
    left, right = sorted((eye1, eye2))
    ax, ay = (right[0] - left[0]) / distance, (right[1] - left[1]) / distance  # along the eyes, left to right
    if abs(math.degrees(math.atan2(ay, ax))) > limits.max_eye_tilt:
        return TILTED
    if not limits.min_eye_distance <= distance / width <= limits.max_eye_distance:
        return EYE_DISTANCE
    middle = _mid(eye1, eye2)
    dx, dy = nose[0] - middle[0], nose[1] - middle[1]
    drop = (dy * ax - dx * ay) / distance  # along the normal (-ay, ax): downwards in image coordinates
    offset = abs(dx * ax + dy * ay) / distance
    if not limits.min_nose_drop <= drop <= limits.max_nose_drop or offset > limits.max_nose_offset:
        return NOSE
    if not (_inside(eye1, box) and _inside(eye2, box)):
        return OUTSIDE
    return ""
