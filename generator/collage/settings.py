"""``[collages]``: the settings of the Ernst collages; their checks are :mod:`generator.collage.check`'s."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..setting_rules import setting


@dataclass
class CollageSettings:
    cutter: str = "auto"  # cuts the figures out: "isnet[:small|medium|<model>]" (DIS IS-Net, the optional tool),
    # "paper" (scans on light paper), "person", "grabcut"; "auto": isnet when its model is installed, else grabcut
    count: int = 0  # compositions made; 0: no collages (the collages stage does nothing)
    size: int = 1024  # pixels: each composition is size x size
    seed: int = 1  # same seed, same sources, same settings: the same pixels
    sources: list[str] = setting([])  # folders or files of archive/ to cut from; empty: all of it
    styles: list[str] = setting(["fractal", "scatter", "frieze"])  # taken in turn

    def problems(self, site_dir: Path | None = None) -> list[str]:
        """The cutter (and its model), the styles, the sources and the sizes: the collage package checks them
        (:func:`generator.collage.check.collage_problems`), without its heavy modules."""
        from .check import collage_problems

        return collage_problems(self)
