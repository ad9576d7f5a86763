"""Synthetic archives for tests and benches: small images in a few visual families (so the map has
structure), with a metadata.csv. Fast: ~0.3 ms per 64 px image."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

FAMILIES = ("stripes", "disc", "checker", "gradient", "noise", "rings")


def synth_image(i: int, size: int = 64, seed: int = 0) -> np.ndarray:
    """An RGB uint8 image: family i % 6, colour and geometry jittered per image."""
    rng = np.random.default_rng(seed * 1_000_003 + i)
    fam = i % len(FAMILIES)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    base = rng.uniform(0.2, 1.0, 3)
    other = rng.uniform(0.0, 0.6, 3)
    if fam == 0:
        m = (np.sin((xx * np.cos(i) + yy * np.sin(i)) * rng.uniform(8, 20)) > 0)
    elif fam == 1:
        cx, cy, r = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7), rng.uniform(0.15, 0.35)
        m = (xx - cx) ** 2 + (yy - cy) ** 2 < r * r
    elif fam == 2:
        k = int(rng.integers(3, 9))
        m = ((xx * k).astype(int) + (yy * k).astype(int)) % 2 == 0
    elif fam == 3:
        g = xx * rng.uniform(0, 1) + yy * rng.uniform(0, 1)
        m = g / max(g.max(), 1e-6)
    elif fam == 4:
        m = rng.random((size, size)) > 0.5
    else:
        r = np.hypot(xx - 0.5, yy - 0.5)
        m = np.sin(r * rng.uniform(20, 50)) > 0
    m = np.asarray(m, np.float32)[..., None]
    img = m * base + (1 - m) * other
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def make_archive(content: Path, n: int, size: int = 64, seed: int = 0, metadata: bool = True,
                 fmt: str = "jpg", subdirs: int = 0) -> list[str]:
    """Write n images under content/archive (optionally spread over subfolders); returns their ids."""
    from PIL import Image

    root = content / "archive"
    root.mkdir(parents=True, exist_ok=True)
    ids = []
    for i in range(n):
        rel = f"d{i % subdirs:03d}/img{i:07d}.{fmt}" if subdirs else f"img{i:05d}.{fmt}"
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(synth_image(i, size, seed)).save(p, quality=85)
        ids.append(rel)
    if metadata:
        with open(root / "metadata.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["file", "title", "creator", "date"])
            for i, rel in enumerate(ids):
                title = f"{FAMILIES[i % len(FAMILIES)].title()} no. {i}"
                w.writerow([rel, title, f"Maker {i % 4}", str(1880 + (i * 7) % 90)])
    return ids


class ColourEmbedder:
    """A model-free embedder (colour histogram + edge energy) with fake ImageNet probabilities, for
    tests and for measuring the pipeline's own overhead. Registered by tests as ``colour``."""

    version = 1
    gives_labels = True

    def __init__(self, spec: str, settings: object) -> None:
        self.spec = spec
        self.settings = settings  # parts keep (spec, settings): how a Ray actor makes its own
        self.calls = 0

    def identity(self) -> str:
        return f"colour-histogram/v{self.version}"

    def preprocess(self, paths):  # type: ignore[no-untyped-def]
        from PIL import Image

        out = []
        for p in paths:
            with Image.open(p) as im:
                out.append(np.asarray(im.convert("RGB").resize((32, 32)), np.float32) / 255.0)
        return np.stack(out)

    def forward(self, batch):  # type: ignore[no-untyped-def]
        import sys

        from generator.archive.embed import EmbedOutput

        self.calls += 1
        hist = np.stack([np.concatenate([np.histogram(img[..., c], bins=8, range=(0, 1))[0] for c in range(3)])
                         for img in batch]).astype(np.float32) / (32 * 32)
        edges = np.abs(np.diff(batch, axis=1)).mean(axis=(1, 2, 3))[:, None] * 10
        feats = np.concatenate([hist, edges, batch.mean(axis=(1, 2))], axis=1)
        logits = feats[:, :1] * 0 + np.zeros((len(batch), 1000), np.float32)
        logits[np.arange(len(batch)), (np.argmax(hist, axis=1) * 37) % 1000] = 4.0
        logits[np.arange(len(batch)), 339] = 2.0 + edges[:, 0]
        probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
        fail = getattr(sys.modules[__name__], "FAIL_AFTER", None)
        if fail is not None and self.calls > fail:
            raise KeyboardInterrupt("simulated interruption")
        return EmbedOutput(features=feats, probs=probs.astype(np.float32))

    def embed(self, paths):  # type: ignore[no-untyped-def]
        return self.forward(self.preprocess(paths))


# ------------------------------------------------------------------ families with continuous parameters

RICH_FAMILIES = ("stripes", "disc", "rings", "checker", "star", "gradient")
RICH_PARAMS = 4  # continuous parameters per image, each in [0, 1]


def rich_params(i: int, seed: int = 0) -> tuple[int, np.ndarray]:
    """Family (i % 6) and 4 continuous parameters in [0, 1] of image i: what makes two images neighbours."""
    rng = np.random.default_rng(seed * 1_000_003 + i + 7_777_777)
    return i % len(RICH_FAMILIES), rng.random(RICH_PARAMS)


def _hsv(h: float, s: float, v: float) -> np.ndarray:
    import colorsys

    return np.array(colorsys.hsv_to_rgb(h % 1.0, s, v), np.float32)


def rich_image(family: int, p: np.ndarray, size: int = 224, noise_seed: int = 0) -> np.ndarray:
    """An RGB uint8 image drawn from a family and 4 parameters that vary it smoothly: p[0] is the hue
    (0-0.8 of the colour wheel, so no wrap-around), p[1] a rotation or a position, p[2] a scale, p[3] a
    position, brightness or contrast. Angles stay within each pattern's symmetry period, so distinct
    parameters give distinct images and nearby parameters give similar ones."""
    yy, xx = (np.mgrid[0:size, 0:size].astype(np.float32) + 0.5) / size - 0.5
    fg = _hsv(0.8 * p[0], 0.75, 0.9)
    bg = _hsv(0.8 * p[0] + 0.5, 0.45, 0.15 + 0.35 * p[3])
    if family == 0:  # stripes: angle, frequency
        a = np.pi * 0.9 * p[1]
        m = 0.5 + 0.5 * np.sin((xx * np.cos(a) + yy * np.sin(a)) * (2 * np.pi * (3 + 9 * p[2])))
    elif family == 1:  # disc: centre x/y, radius
        r = 0.12 + 0.25 * p[2]
        cx, cy = (p[1] - 0.5) * 0.4, (p[3] - 0.5) * 0.4
        m = np.clip((r - np.hypot(xx - cx, yy - cy)) * size / 2, 0, 1)
    elif family == 2:  # concentric rings: centre x, ring spacing
        cx = (p[1] - 0.5) * 0.5
        m = 0.5 + 0.5 * np.cos(np.hypot(xx - cx, yy) * (2 * np.pi * (3 + 9 * p[2])))
    elif family == 3:  # checkerboard: rotation, cell size
        a = np.pi / 2 * 0.9 * p[1]
        k = 3 + 7 * p[2]
        u, v = xx * np.cos(a) + yy * np.sin(a), -xx * np.sin(a) + yy * np.cos(a)
        m = ((np.floor(u * k) + np.floor(v * k)) % 2).astype(np.float32)
    elif family == 4:  # five-pointed star: rotation, size
        a = 2 * np.pi / 5 * 0.9 * p[1]
        theta = np.arctan2(yy, xx) - a
        rad = (0.15 + 0.2 * p[2]) * (0.6 + 0.4 * np.cos(5 * theta))
        m = np.clip((rad - np.hypot(xx, yy)) * size / 2, 0, 1)
    else:  # linear gradient: direction, steepness
        a = np.pi * 0.9 * p[1]
        m = np.clip(0.5 + (xx * np.cos(a) + yy * np.sin(a)) * (1 + 4 * p[2]), 0, 1)
    m = np.asarray(m, np.float32)[..., None]
    img = m * fg + (1 - m) * bg
    img += np.random.default_rng(noise_seed).standard_normal(img.shape, dtype=np.float32) * np.float32(0.03)  # grain
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


# ------------------------------------------------------------------ subjects named by their metadata

SUBJECTS = (("red", "disc", (200, 40, 30)), ("blue", "stripes", (40, 70, 210)),
            ("green", "checkerboard", (40, 170, 60)), ("yellow", "rings", (230, 200, 40)))


def subject_image(i: int, size: int = 64) -> np.ndarray:
    """Image i of subject i % 4: its colour on a dark ground in its shape, jittered per image."""
    rng = np.random.default_rng(5_000_000 + i)
    colour, kind = np.array(SUBJECTS[i % len(SUBJECTS)][2], np.float32), i % len(SUBJECTS)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    if kind == 0:
        m = (xx - rng.uniform(0.4, 0.6)) ** 2 + (yy - rng.uniform(0.4, 0.6)) ** 2 < rng.uniform(0.2, 0.3) ** 2
    elif kind == 1:
        m = np.sin(xx * rng.uniform(18, 26)) > 0
    elif kind == 2:
        k = int(rng.integers(4, 7))
        m = ((xx * k).astype(int) + (yy * k).astype(int)) % 2 == 0
    else:
        m = np.sin(np.hypot(xx - 0.5, yy - 0.5) * rng.uniform(30, 45)) > 0
    m = np.asarray(m, np.float32)[..., None]
    img = m * colour * rng.uniform(0.85, 1.0) + (1 - m) * rng.uniform(10, 30)
    return np.clip(img, 0, 255).astype(np.uint8)


def make_subject_archive(content: Path, n: int, metadata: bool = True) -> list[str]:
    """n images of the four SUBJECTS, with a metadata.csv whose titles and descriptions name them
    ("Red disc no. 7", "A red circle painted on black") amid words every image shares."""
    from PIL import Image

    root = content / "archive"
    root.mkdir(parents=True, exist_ok=True)
    ids = []
    for i in range(n):
        rel = f"s{i:04d}.png"
        Image.fromarray(subject_image(i)).save(root / rel)
        ids.append(rel)
    if metadata:
        shapes = {"disc": "circle", "stripes": "bands", "checkerboard": "squares", "rings": "circles"}
        with open(root / "metadata.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["file", "title", "description", "creator"])
            for i, rel in enumerate(ids):
                colour, shape, _ = SUBJECTS[i % len(SUBJECTS)]
                w.writerow([rel, f"{colour.title()} {shape} no. {i}",
                            f"A {colour} {shapes[shape]} pattern, printed in the studio", f"Maker {i % 3}"])
    return ids
