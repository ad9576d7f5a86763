"""A small site whose archive holds faces (the demo's astronaut crop, the cameraman, and a cat and a cup
with none), built without the map, a fake-camera clip of the astronaut's whole portrait, and a picture
made of a real face and the mission patch that dlib's HOG takes for one: what the portrait matcher's tests
search with."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from media_fixtures import _run

from generator.portraits import models

DEMO = Path(__file__).resolve().parents[1] / "content" / "archive"
ARCHIVE = {"details/astronaut-face.jpg": "Eileen Collins (detail)", "photographs/camera.jpg": "Cameraman",
           "photographs/chelsea.jpg": "Chelsea the cat", "photographs/coffee.jpg": "Coffee cup"}
PORTRAIT = DEMO / "photographs" / "astronaut.jpg"  # the whole picture the crop was cut from
needs_dlib = pytest.mark.skipif(bool(models.unavailable()), reason=models.unavailable() or "")
# in PORTRAIT (512 px): Eileen Collins' face, and the mission patch on her sleeve with some of the orange suit
# around it (HOG scores the patch 0.14-0.19 with the suit around it, below 0 on a plain ground)
FACE_AREA, PATCH_AREA = (150, 50, 290, 190), (80, 290, 260, 470)


def patch_and_face(path: Path) -> Path:
    """A synthetic picture: the face on the left, the mission patch on the right, on a grey ground."""
    from PIL import Image

    with Image.open(PORTRAIT) as im:
        portrait = im.convert("RGB")
    canvas = Image.new("RGB", (640, 320), (128, 128, 128))
    canvas.paste(portrait.crop(FACE_AREA), (20, 50))
    canvas.paste(portrait.crop(PATCH_AREA), (300, 50))
    path.parent.mkdir(parents=True, exist_ok=True)
    canvas.save(path)
    return path


def make_face_site(root: Path) -> Path:
    content = root / "content"
    for rel in ARCHIVE:
        (content / "archive" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DEMO / rel, content / "archive" / rel)
    rows = ["file,title,creator,date"] + [f"{rel},{title},Test creator,2001" for rel, title in ARCHIVE.items()]
    (content / "archive" / "metadata.csv").write_text("\n".join(rows) + "\n", "utf-8")
    (content / "site.toml").write_text('[site]\ntitle = "Faces"\n', "utf-8")
    return content


def build_face_site(root: Path) -> Path:
    """Build the face site (no map: its CNN is not needed here) into ``root/_site``."""
    from generator.config import load_settings
    from generator.pipeline import build
    from generator.reporter import Reporter
    from generator.stages import BuildOptions

    content = make_face_site(root)
    out = root / "_site"
    build(content, out, load_settings(content), Reporter(quiet=True), BuildOptions(with_map=False))
    return out


def make_y4m(path: Path, image: Path = PORTRAIT, seconds: float = 1.0) -> Path:
    """A still picture as a .y4m clip, what Chromium's fake camera plays in a loop."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _run(["-loop", "1", "-i", str(image), "-t", str(seconds), "-r", "10", "-vf", "scale=480:480",
          "-pix_fmt", "yuv420p", str(path)])
    return path
