"""Fixtures for the collage tests: hand-traced masks over scikit-image's photographs, and synthetic scans of
figures printed on uneven, grainy paper (with their true masks)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

MASKS = Path(__file__).parent / "fixtures" / "cutout_masks.json"


def hand_mask(name: str, shape: tuple[int, ...]) -> np.ndarray:
    """The polygons traced by hand over ``skimage.data.<name>()`` (tests/fixtures/cutout_masks.json)."""
    import cv2

    mask = np.zeros(shape[:2], np.uint8)
    for poly in json.loads(MASKS.read_text())[name]["polygons"]:
        cv2.fillPoly(mask, [np.round(np.array(poly)).astype(np.int32)], 1)
    return mask.astype(bool)


def iou(alpha: np.ndarray, truth: np.ndarray) -> float:
    m = alpha > 0.5
    return float((m & truth).sum() / max(1, (m | truth).sum()))


def synthetic_scan(seed: int = 0, size: tuple[int, int] = (320, 400)) -> tuple[np.ndarray, np.ndarray]:
    """(RGB scan, true mask): an engraving-like figure (a hatched ellipse with a dark outline) and a solid
    silhouette, on cream paper lit unevenly (a gradient and a vignette) with grain and a few specks of dust."""
    import cv2

    rng = np.random.default_rng(seed)
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 1.0 - 0.18 * (xx / w) - 0.10 * (((xx - w / 2) / w) ** 2 + ((yy - h / 2) / h) ** 2) * 4
    paper = np.array([236, 226, 204], np.float32)[None, None, :] * light[..., None]
    img = paper + rng.normal(0, 4, (h, w, 1)).astype(np.float32)
    truth = np.zeros((h, w), np.uint8)
    ink = (58, 46, 40)
    # a hatched ellipse: the strokes leave paper between them, the figure is the whole ellipse
    cv2.ellipse(truth, (w // 3, h // 2), (w // 6, h // 4), 15, 0, 360, 1, -1)
    hatch = np.zeros((h, w), np.uint8)
    for x in range(-h, w, 5):
        cv2.line(hatch, (x, 0), (x + h, h), 1, 2)
    inside = truth.astype(bool) & hatch.astype(bool)
    img[inside] = ink
    outline = np.zeros((h, w), np.uint8)
    cv2.ellipse(outline, (w // 3, h // 2), (w // 6, h // 4), 15, 0, 360, 1, 3)
    img[outline.astype(bool)] = ink
    # a solid silhouette (a bird-like polygon), in a sepia ink
    poly = np.array([[0.62, 0.30], [0.86, 0.22], [0.80, 0.40], [0.92, 0.55], [0.70, 0.60], [0.60, 0.78],
                     [0.58, 0.55]]) * [w, h]
    sil = np.zeros((h, w), np.uint8)
    cv2.fillPoly(sil, [poly.astype(np.int32)], 1)
    img[sil.astype(bool)] = (110, 70, 40)
    truth |= sil
    for _ in range(12):  # dust: not figures
        cv2.circle(img, (int(rng.integers(0, w)), int(rng.integers(0, h))), 1, (90, 80, 70), -1)
    return np.clip(img, 0, 255).astype(np.uint8), truth.astype(bool)
