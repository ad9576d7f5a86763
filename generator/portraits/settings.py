"""``[portraits]``: the settings of the portrait matcher, with their rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..setting_rules import at_least, between, lookup, setting
from .plausible import LandmarkLimits

_LIMITS = LandmarkLimits()  # the landmark limits' defaults are declared once, where they are explained


@dataclass
class PortraitsSettings:
    """``[portraits]``: the portrait matcher (``portraits/``)."""

    enabled: bool = True  # find, align and describe the faces of the archive and the keyframes (needs .[portraits])
    detector: str = "hog"  # "hog" (dlib's HOG + linear SVM, fast on a CPU) or "cnn" (its MMOD CNN: slower, more poses)
    upsample: int = setting(1, between(0, 3))  # times the picture is doubled before detecting: 1 finds faces down to
    # ~40 px, 0 to ~80 px
    min_size: int = setting(40, at_least(1))  # px: smaller faces (in the original picture) are left out
    max_faces_per_image: int = setting(20, at_least(1))  # the largest faces of a crowded picture
    min_score: float = 0.0  # the detector's confidence below which a candidate is refused (HOG's own threshold is 0;
    # the demo's mission patch scores 0.15 and its cameraman 0.04, so a score alone cannot tell them apart)
    confirm: bool = True  # HOG's candidates looked at again by dlib's MMOD CNN (~0.2 s each): refused unless found
    confirm_score: float = 0.5  # ... with at least this confidence (the demo's real faces: 1.03-1.16)
    landmarks: bool = True  # refuse candidates whose five landmarks no face gives (limits below)
    max_eye_tilt: float = setting(_LIMITS.max_eye_tilt, between(0, 90))  # degrees from level
    min_eye_distance: float = setting(_LIMITS.min_eye_distance, between(0, 2))  # of the face box's width
    max_eye_distance: float = setting(_LIMITS.max_eye_distance, between(0, 2))
    min_nose_drop: float = _LIMITS.min_nose_drop  # the nose below the line through the eyes, in eye distances
    max_nose_drop: float = _LIMITS.max_nose_drop
    max_nose_offset: float = setting(_LIMITS.max_nose_offset, at_least(0))  # the nose beside the eyes' midpoint
    gallery: int = setting(60, at_least(0))  # faces the page shows before a photo is given (0: none)
    results: int = setting(6, between(1, 50))  # closest faces the page shows

    def limits(self) -> LandmarkLimits | None:
        """The landmark check's limits (None: not checked)."""
        if not self.landmarks:
            return None
        return LandmarkLimits(self.max_eye_tilt, self.min_eye_distance, self.max_eye_distance, self.min_nose_drop,
                              self.max_nose_drop, self.max_nose_offset)

    def problems(self, site_dir: Path | None = None) -> list[str]:
        out: list[str] = []
        lookup("portraits", "face-detector", self.detector, out)
        if self.min_eye_distance > self.max_eye_distance:
            out.append("[portraits] min_eye_distance must not be above max_eye_distance, got "
                       f"{self.min_eye_distance} > {self.max_eye_distance}")
        if self.min_nose_drop > self.max_nose_drop:
            out.append(f"[portraits] min_nose_drop must not be above max_nose_drop, got {self.min_nose_drop} > "
                       f"{self.max_nose_drop}")
        return out
