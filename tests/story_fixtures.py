"""A site for the stories tests: an archive of scikit-image's sample photographs (small copies), with
titles and descriptions in metadata.csv or, for ``described=False``, with titles that name nothing (then
only the CNN's classes can say what each picture shows), and a story whose sentences name them."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from PIL import Image

# file -> (the skimage sample, title, description)
PICTURES: dict[str, tuple[str, str, str]] = {
    "cat.jpg": ("chelsea", "Chelsea", "A tabby cat with green eyes looks at the camera."),
    "cup.jpg": ("coffee", "Morning cup", "A cup of espresso on a red saucer, a spoon beside it."),
    "launch.jpg": ("rocket", "Launch pad", "A rocket on its launch pad at dusk, lit by floodlights."),
    "portrait.jpg": ("astronaut", "Eileen Collins", "An astronaut in an orange suit, a model shuttle behind her."),
    "stallion.png": ("horse", "Silhouette", "The black silhouette of a horse standing in profile."),
    "filming.png": ("camera", "Cameraman", "A man filming with a camera on a tripod, on a lawn."),
    "money.png": ("coins", "Greek coins", "Old Greek coins laid out in rows on black."),
    "wall.png": ("brick", "Brick pavement", "Bricks laid in long rows, seen at an angle."),
    "sky.jpg": ("hubble_deep_field", "Deep field", "Thousands of distant galaxies scattered across black space."),
}
STORY = (
    ("A tabby cat looks up at us.", "cat.jpg"),
    ("Someone has left a cup of espresso to cool.", "cup.jpg"),
    ("The rocket waits on its pad as night falls.", "launch.jpg"),
    ("An astronaut smiles in her orange suit.", "portrait.jpg"),
    ("A black horse stands still.", "stallion.png"),
)
SITE_TOML = """
[map]
layouts = ["grid"]
layout = "grid"
batch_size = 8

[stories]
seconds = 1.0
dissolve = 0.4
width = 320
height = 180
fps = 10
preset = "ultrafast"
"""


def sample(name: str, size: int = 192) -> Image.Image:
    import skimage.data

    arr = getattr(skimage.data, name)()
    if arr.dtype == bool:
        arr = np.where(arr, 0, 255).astype(np.uint8)  # the horse: black on white
    im = Image.fromarray(arr).convert("RGB")
    im.thumbnail((size, size))
    return im


def make_archive(archive: Path, described: bool = True) -> None:
    archive.mkdir(parents=True, exist_ok=True)
    rows = []
    for n, (file, (name, title, description)) in enumerate(PICTURES.items(), 1):
        sample(name).save(archive / file)
        rows.append([file, title, description] if described else [file, f"Plate {n}", ""])
    with open(archive / "metadata.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["file", "title", "description"])
        writer.writerows(rows)


def write_story(content: Path, slug: str = "day", sentences: tuple[str, ...] | None = None,
                front_matter: str = "") -> Path:
    path = content / "stories" / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = sentences if sentences is not None else tuple(s for s, _ in STORY)
    path.write_text(f"---\ntitle: A day\n{front_matter}---\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_site(root: Path, described: bool = True, site_toml: str = SITE_TOML) -> Path:
    content = root / "content"
    make_archive(content / "archive", described)
    (content / "site.toml").write_text(site_toml, encoding="utf-8")
    write_story(content)
    return content


# An archive catalogued by numbers: the demo's photographs, each titled only "Plate N" (numbered in an order
# that is not the files'), and a story naming, sentence by sentence, a thing the CNN sees in one of them
# (its classes for these photographs, with their probabilities, in the comments: each the only picture of
# the archive with that class). The other photographs (gravel, grass, bricks, coins, cells, galaxies, a
# retina, a horse, an astronaut) stay as distractors.
CATALOGUE_STORY = (
    ("An old reflex camera on a tripod.", "camera.jpg"),  # tripod 0.95
    ("A wall clock hangs on a grey wall.", "clock.jpg"),  # spotlight 0.23, soap bubble 0.17, wall clock 0.15
    ("Someone has left a cup of espresso to cool.", "coffee.jpg"),  # cup of espresso 0.92
    ("A moped is parked in the workshop.", "motorcycle.jpg"),  # moped 0.69, motor scooter 0.14
    ("A cat looks up at us.", "chelsea.jpg"),  # cat 0.39, tabby cat 0.33
    ("A palace with a bell tower above the lake.", "china.jpg"),  # bell tower 0.36, palace 0.32
    ("A daisy in full bloom.", "flower.jpg"),  # daisy 0.20
    ("A missile stands on its launch pad.", "rocket.jpg"),  # missile 0.19, drilling rig 0.16
)


def make_catalogue_site(root: Path, photographs: Path) -> Path:
    """A site whose archive is ``photographs`` (the demo's) titled "Plate 1" .. "Plate N", and whose story
    is :data:`CATALOGUE_STORY`."""
    content = root / "content"
    archive = content / "archive"
    archive.mkdir(parents=True)
    files = sorted(p for p in photographs.iterdir() if p.suffix == ".jpg")
    files = files[1::2] + files[::2]  # plate numbers in another order than the files'
    rows = []
    for n, path in enumerate(files, 1):
        (archive / path.name).write_bytes(path.read_bytes())
        rows.append([path.name, f"Plate {n}", ""])
    with open(archive / "metadata.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["file", "title", "description"])
        writer.writerows(rows)
    # what this test does not look at is left out: the story read aloud, the faces of the archive
    (content / "site.toml").write_text(SITE_TOML + "\n[narration]\nfilms = []\n\n[portraits]\nenabled = false\n",
                                       encoding="utf-8")
    write_story(content, sentences=tuple(s for s, _ in CATALOGUE_STORY))
    return content
