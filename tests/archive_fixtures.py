"""A site whose archive describes its own film: synthetic pictures of distinct colours and patterns, each
described by the curators with a distinctive word ("lighthouse", "glacier" ...), and a film whose shots are
those patterns (framed differently from the archive's versions). The archive captioner should put each
word on its own shot."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import numpy as np
from media_fixtures import ffmpeg_exe
from PIL import Image

SHOT_SECONDS = 2.0

# pattern -> (the word that must land on its shot, two descriptions of two archive versions of it)
PATTERNS: dict[str, tuple[str, tuple[str, str]]] = {
    "stripes": ("lighthouse", ("A red lighthouse on a rocky shore, painted in bands.",
                               "Photograph of the red lighthouse at noon (1931). Its keeper lived there alone.")),
    "checks": ("meadow", ("A green meadow divided into square allotments.",
                          "The meadow behind the mill, seen from above: squares of green and white.")),
    "rings": ("lantern", ("A yellow paper lantern, its rings glowing against the night.",
                          "Untitled: a lantern of yellow and black rings.")),
    "dots": ("glacier", ("Blue glacier ice, speckled with trapped air.",
                         "The glacier's blue ice under a microscope, full of bubbles.")),
}
# in the archive but not in the film: their words must appear nowhere
DISTRACTORS: dict[str, tuple[str, str]] = {
    "gradient": ("fog", "A grey fog rolling over the harbour."),
    "noise": ("bruise", "A purple bruise of static, as a broken television shows it."),
}
FILM_ORDER = ("stripes", "checks", "rings", "dots")


def pattern(name: str, variant: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """One picture of a pattern; variants differ in scale and phase, as two photographs of a thing do."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    scale = (1.0, 1.25, 0.8)[variant % 3]
    phase = 7.0 * variant
    rng = np.random.default_rng(100 + variant)
    if name == "stripes":  # red and white diagonal bands
        on = (((x + y + phase) / (18 * scale)) % 2) < 1
        rgb = np.where(on[..., None], [200, 30, 30], [245, 240, 235])
    elif name == "checks":  # green and white squares
        on = ((((x + phase) // (28 * scale)) + ((y + phase) // (28 * scale))) % 2) == 0
        rgb = np.where(on[..., None], [30, 150, 50], [235, 245, 235])
    elif name == "rings":  # yellow and black rings
        r = np.hypot(x - w / 2 + phase, y - h / 2)
        on = ((r / (14 * scale)) % 2) < 1
        rgb = np.where(on[..., None], [230, 200, 30], [20, 20, 20])
    elif name == "dots":  # white dots on blue
        on = (np.hypot(((x + phase) % (24 * scale)) - 12 * scale, ((y + phase) % (24 * scale)) - 12 * scale)
              < 5 * scale)
        rgb = np.where(on[..., None], [240, 245, 255], [30, 60, 190])
    elif name == "gradient":
        v = 90 + 110 * (y / h)
        rgb = np.stack([v, v, v + 5], -1)
    elif name == "noise":
        rgb = np.stack([rng.integers(80, 200, (h, w)), rng.integers(0, 60, (h, w)),
                        rng.integers(100, 220, (h, w))], -1)
    else:
        raise ValueError(name)
    rgb = rgb.astype(np.float32) + rng.normal(0, 4, (h, w, 3))
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))


def make_archive(archive: Path, column: str = "description") -> None:
    """Two described versions of each pattern, and the distractors."""
    archive.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, (_, descriptions) in PATTERNS.items():
        for v, text in enumerate(descriptions):
            pattern(name, v).save(archive / f"{name}-{v}.jpg", quality=92)
            rows.append((f"{name}-{v}.jpg", name.title(), text))
    for name, (_, text) in DISTRACTORS.items():
        pattern(name, 0).save(archive / f"{name}.jpg", quality=92)
        rows.append((f"{name}.jpg", name.title(), text))
    with open(archive / "metadata.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["file", "title", column])
        writer.writerows(rows)


def make_film(folder: Path, order: tuple[str, ...] = FILM_ORDER, front_matter: str = "") -> Path:
    """A film of one shot per pattern (a third version of each, so no frame is an archive image)."""
    folder.mkdir(parents=True, exist_ok=True)
    inputs: list[str] = []
    for i, name in enumerate(order):
        still = folder / f".shot{i}.png"
        pattern(name, 2).save(still)
        inputs += ["-loop", "1", "-t", str(SHOT_SECONDS), "-framerate", "25", "-i", str(still)]
    n = len(order)
    graph = "".join(f"[{i}:v]" for i in range(n)) + f"concat=n={n}:v=1:a=0,format=yuv420p[v]"
    video = folder / "shots.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *inputs, "-filter_complex", graph, "-map", "[v]",
                    "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", str(video)], check=True)
    for still in folder.glob(".shot*.png"):
        still.unlink()
    (folder / "index.md").write_text(f"---\ntitle: Shots\nvideo: shots.mp4\n{front_matter}---\n", encoding="utf-8")
    return video


def make_site(root: Path, column: str = "description", front_matter: str = "", site_toml: str = "") -> Path:
    content = root / "content"
    make_archive(content / "archive", column)
    make_film(content / "films" / "shots", front_matter=front_matter)
    (content / "site.toml").write_text(site_toml, encoding="utf-8")
    return content


def shot_of(time: float) -> str:
    return FILM_ORDER[min(len(FILM_ORDER) - 1, int(time // SHOT_SECONDS))]
