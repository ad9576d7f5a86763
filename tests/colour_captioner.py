"""A deterministic stand-in captioner for golden files: names the dominant colour of the picture."""

from __future__ import annotations

from pathlib import Path

from generator.captions.base import Captioner

PALETTE = {"red": (200, 30, 30), "green": (30, 160, 60), "blue": (30, 40, 200), "grey": (128, 128, 128),
           "black": (10, 10, 10), "white": (245, 245, 245), "yellow": (220, 210, 40)}


class ColourCaptioner(Captioner):
    calls = 0

    def identity(self) -> str:
        return "test-colour/1"

    def caption(self, images: list[Path]) -> list[str]:
        from PIL import Image, ImageStat

        type(self).calls += len(images)
        out = []
        for path in images:
            with Image.open(path) as im:
                mean = ImageStat.Stat(im.convert("RGB")).mean
            name = min(PALETTE, key=lambda n: sum((a - b) ** 2 for a, b in zip(PALETTE[n], mean)))
            out.append(f"A {name} field, as the machine sees it.")
        return out
