"""A small captioned image set for training tests: coloured shapes on paper, each image with two references
that name its colour and shape (what a captioner can learn from a few dozen examples on the CPU)."""

from __future__ import annotations

import json
import random
from pathlib import Path

COLOURS = {"red": (200, 30, 30), "blue": (30, 50, 200), "green": (30, 150, 60), "yellow": (230, 200, 30)}
SHAPES = ("circle", "square", "stripes")


def draw(colour: str, shape: str, seed: int, size: int = 128):  # noqa: ANN201 - a PIL image
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    im = Image.new("RGB", (size, size), (245, 243, 236))
    d = ImageDraw.Draw(im)
    rgb = tuple(max(0, min(255, c + rng.randint(-20, 20))) for c in COLOURS[colour])
    r = rng.randint(size // 4, size // 3)
    cx, cy = rng.randint(r, size - r), rng.randint(r, size - r)
    if shape == "circle":
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=rgb)
    elif shape == "square":
        d.rectangle((cx - r, cy - r, cx + r, cy + r), fill=rgb)
    else:
        for x in range(rng.randint(0, 8), size, 24):
            d.rectangle((x, 0, x + 10, size), fill=rgb)
    return im


def make_coco(folder: Path, per_kind: int = 6) -> Path:
    """images/*.png and captions.json in ``folder``; returns the json's path."""
    images, annotations = [], []
    (folder / "images").mkdir(parents=True, exist_ok=True)
    n = 0
    for colour in COLOURS:
        for shape in SHAPES:
            for k in range(per_kind):
                name = f"{colour}-{shape}-{k}.png"
                draw(colour, shape, n).save(folder / "images" / name)
                images.append({"id": n, "file_name": name})
                thing = {"circle": "round disc", "square": "square block", "stripes": "pattern of stripes"}[shape]
                annotations.append({"image_id": n, "caption": f"A {colour} {shape} on white paper."})
                annotations.append({"image_id": n, "caption": f"a {thing} in {colour}"})
                n += 1
    path = folder / "captions.json"
    path.write_text(json.dumps({"images": images, "annotations": annotations}))
    return path
