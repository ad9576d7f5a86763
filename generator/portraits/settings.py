"""``[portraits]``: the settings of the portrait matcher, with their rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..setting_rules import at_least, between, lookup, setting


@dataclass
class PortraitsSettings:
    """``[portraits]``: the portrait matcher (``portraits/``)."""

    enabled: bool = True  # find, align and describe the faces of the archive and the keyframes (needs .[portraits])
    detector: str = "hog"  # "hog" (dlib's HOG + linear SVM, fast on a CPU) or "cnn" (its MMOD CNN: slower, more poses)
    upsample: int = setting(1, between(0, 3))  # times the picture is doubled before detecting: 1 finds faces down to
    # ~40 px, 0 to ~80 px
    min_size: int = setting(40, at_least(1))  # px: smaller faces (in the original picture) are left out
    max_faces_per_image: int = setting(20, at_least(1))  # the largest faces of a crowded picture
    min_score: float = 0.0  # the detector's confidence below which a face is left out (HOG's own threshold is 0)
    results: int = setting(6, between(1, 50))  # closest faces the page shows

    def problems(self, site_dir: Path | None = None) -> list[str]:
        out: list[str] = []
        lookup("portraits", "face-detector", self.detector, out)
        return out
