"""Simple scene attributes read from pixels: how bright, how warm, which colour, how colourful, whether
the picture is mostly sky, whether it is a close-up.

ImageNet has no class for sky, clouds, light or colour, yet those are what much footage shows; these
statistics let the describe captioner say "white clouds in a blue sky, in bright light" where the CNN
only has a wrong guess. Everything is computed on a small thumbnail of the whole frame (not the CNN's
centre crop: the sky is at the top), in well under a millisecond per image.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PIL import Image

#: bump when any statistic or threshold below changes (part of the describe captioner's identity)

THUMB_WIDTH = 96


@dataclass(frozen=True)
class Scene:
    brightness: float  # mean luma, 0..1
    contrast: float  # luma standard deviation, 0..1
    warmth: float  # mean (R - B) of lit pixels, -1..1: > 0 warm light, < 0 cool light
    colourfulness: float  # Hasler & Suesstrunk's metric on the 0..255 scale (< 10 nearly grey, > 60 vivid)
    greyscale: bool  # black and white footage
    colour: str | None  # dominant chromatic colour name, if one stands out
    colour_share: float  # share of the frame in that colour
    tone: str  # overall achromatic tone: "black", "grey", "white" or "" when colourful
    uniform: bool  # nearly one flat colour (a blank frame)
    sky_top: float  # share of the top third that looks like sky
    sky_all: float  # share of the whole frame that looks like sky
    sky_colour: str | None  # "blue", "grey", "white", "sunset" or "dusk" for sky-like frames
    cloud_share: float  # share of the sky-like pixels that are white/grey (clouds) rather than blue
    sky_texture: float  # share of the sky-like pixels with soft texture (clouds of any tint)
    closeup: bool  # sharp centre, soft surroundings: one subject filling the view

    @property
    def is_sky(self) -> bool:
        """Most of the frame is sky (or clouds): say so rather than guess at objects."""
        return self.sky_colour is not None and self.sky_all >= 0.7

    @property
    def cloudy(self) -> bool:
        return self.cloud_share >= 0.08 or self.sky_texture >= 0.15

    @property
    def has_sky(self) -> bool:
        """A sky above something else."""
        return self.sky_colour is not None and self.sky_top >= 0.6


def thumbnail(image: Image.Image, width: int = THUMB_WIDTH) -> np.ndarray:
    """float32 RGB in 0..1, ``width`` pixels wide, aspect kept."""
    from PIL import Image

    w, h = image.size
    height = max(8, round(h * width / max(1, w)))
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    small = rgb.resize((width, height), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.asarray(small, dtype=np.float32) / 255.0


def _hsv(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hue in degrees, saturation and value in 0..1 (Pillow's C conversion: numpy's took a millisecond)."""
    from PIL import Image

    hsv = np.asarray(Image.fromarray(np.clip(rgb * 255.0 + 0.5, 0, 255).astype(np.uint8)).convert("HSV"),
                     dtype=np.float32)
    return hsv[..., 0] * (360.0 / 256.0), hsv[..., 1] / 255.0, hsv[..., 2] / 255.0


# hue ranges (degrees) of the colour words; brown is dark orange and is split off below
_HUES = [("red", 0, 14), ("orange", 14, 40), ("yellow", 40, 68), ("green", 68, 160), ("teal", 160, 192),
         ("blue", 192, 255), ("purple", 255, 290), ("pink", 290, 340), ("red", 340, 361)]


_COLOUR_WORDS = ["", "red", "orange", "yellow", "green", "teal", "blue", "purple", "pink", "brown"]


def _colour_codes(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Index into _COLOUR_WORDS per pixel (0 where the pixel is too grey or dark to have a colour)."""
    code = np.zeros(h.shape, dtype=np.int64)
    chromatic = (s >= 0.22) & (v >= 0.2)
    for name, lo, hi in _HUES:
        code[chromatic & (h >= lo) & (h < hi)] = _COLOUR_WORDS.index(name)
    brown = _COLOUR_WORDS.index("brown")
    code[(code == _COLOUR_WORDS.index("orange")) & (v < 0.6)] = brown
    code[(code == _COLOUR_WORDS.index("red")) & (v < 0.35)] = brown
    return code


def analyse(image: Image.Image) -> Scene:
    return analyse_array(thumbnail(image))


def analyse_array(rgb: np.ndarray) -> Scene:
    """Statistics of an RGB float image (0..1), ideally ~96 px wide."""
    height, width = rgb.shape[:2]
    luma = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    brightness = float(luma.mean())
    contrast = float(luma.std())
    h, s, v = _hsv(rgb)

    lit = luma > 0.12
    warmth = float((rgb[..., 0] - rgb[..., 2])[lit].mean()) if lit.any() else 0.0

    rgb255 = rgb * 255.0
    rg = rgb255[..., 0] - rgb255[..., 1]
    yb = 0.5 * (rgb255[..., 0] + rgb255[..., 1]) - rgb255[..., 2]
    colourfulness = float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))
    greyscale = float((rgb255.max(-1) - rgb255.min(-1) >= 10.0).mean()) < 0.05  # 95 % of pixels without hue

    colour, colour_share = None, 0.0
    if not greyscale:
        shares = np.bincount(_colour_codes(h, s, v).ravel(), minlength=len(_COLOUR_WORDS)) / h.size
        best = int(np.argmax(shares[1:])) + 1
        if shares[best] >= 0.3:
            colour, colour_share = _COLOUR_WORDS[best], float(shares[best])
    if brightness < 0.15:
        tone = "black"
    elif brightness > 0.8 and colourfulness < 25:
        tone = "white"
    elif colourfulness < 15:
        tone = "grey"
    else:
        tone = ""

    # texture: mean absolute difference between neighbours (sky and cloud are smooth at this scale)
    grad = np.zeros_like(luma)
    grad[:, :-1] += np.abs(np.diff(luma, axis=1))
    grad[:-1, :] += np.abs(np.diff(luma, axis=0))
    uniform = contrast < 0.035 and float(grad.mean()) < 0.02

    smooth = grad < 0.05
    # blue needs real saturation unless it is pale: bluish grey is overcast, not blue sky
    blue = (h >= 185) & (h <= 255) & ((s >= 0.22) & (v >= 0.25) | (s >= 0.12) & (v >= 0.65)) & smooth
    dusk = (h >= 220) & (h < 340) & (s >= 0.15) & (v >= 0.12) & (v < 0.55) & (grad < 0.03)
    cloud = (((s < 0.22) & (v >= 0.25)) | ((s < 0.28) & (v >= 0.75))) & smooth
    glow = ((h < 50) | (h >= 300)) & (s >= 0.2) & (v >= 0.45) & (grad < 0.03)
    blue &= ~cloud
    skyish = blue | dusk | cloud | glow
    top = skyish[: max(1, height // 3)]
    sky_top = float(top.mean())
    sky_all = float(skyish.mean())
    n_sky = max(1, int(skyish.sum()))
    blue_share = float(blue.sum()) / n_sky
    dusk_share = float(dusk.sum()) / n_sky
    cloud_share = float(cloud.sum()) / n_sky
    glow_share = float(glow.sum()) / n_sky
    # clouds show as soft texture even where they are tinted like the sky around them
    sky_texture = float((skyish & (grad > 0.015)).sum()) / n_sky
    # sky is rarely darker at the top than at the bottom of a frame in daylight
    upper, lower = float(luma[: height // 2].mean()), float(luma[height // 2:].mean())
    sky_colour: str | None = None
    if sky_all >= 0.3 or sky_top >= 0.5:
        if glow_share >= 0.3 and sky_top >= 0.5 and blue_share + dusk_share >= 0.1:
            sky_colour = "sunset"  # orange or pink glow beside blue or violet: dusk or dawn
        elif blue_share + dusk_share >= 0.3 and blue_share >= dusk_share:
            sky_colour = "blue"
        elif dusk_share >= 0.3 and sky_top >= 0.5:
            sky_colour = "dusk"
        elif cloud_share >= 0.6 and upper >= lower - 0.02 and not greyscale and not uniform:
            # a white wall is smooth too: want soft cloud texture, not a flat field
            sky_colour = "white" if float(v[cloud].mean()) > 0.75 else "grey"
    closeup = _closeup(luma)
    return Scene(brightness, contrast, warmth, colourfulness, greyscale, colour, colour_share, tone, uniform,
                 sky_top, sky_all, sky_colour, cloud_share, sky_texture, closeup)


def _closeup(luma: np.ndarray) -> bool:
    """Detail concentrated in the centre with a soft (out of focus or plain) surround."""
    lap = np.abs(4 * luma[1:-1, 1:-1] - luma[:-2, 1:-1] - luma[2:, 1:-1] - luma[1:-1, :-2] - luma[1:-1, 2:])
    hh, ww = lap.shape
    if hh < 12 or ww < 12:
        return False
    cy, cx = slice(hh // 4, hh - hh // 4), slice(ww // 4, ww - ww // 4)
    centre = float(lap[cy, cx].mean())
    mask = np.ones_like(lap, dtype=bool)
    mask[cy, cx] = False
    surround = float(lap[mask].mean())
    return centre > 0.03 and centre > 2.2 * surround


# --------------------------------------------------------------------------------------------------
# words


def light_words(scene: Scene) -> list[str]:
    """Adjectives for the light, most telling first: ["dim", "warm"]."""
    words: list[str] = []
    if scene.brightness < 0.07:
        return ["near darkness"]
    if scene.brightness < 0.2:
        words.append("low")
    elif scene.brightness < 0.3:
        words.append("dim")
    elif scene.brightness > 0.72:
        words.append("bright")
    elif scene.contrast < 0.12:
        words.append("soft")
    if scene.greyscale:
        return words
    if scene.warmth > 0.1:
        words.append("warm")
    elif scene.warmth < -0.08:
        words.append("cool")
    elif scene.colourfulness < 18:
        words.append("grey")
    return words


def light_phrase(scene: Scene) -> str:
    """ "in dim, warm light", "in near darkness", "in black and white" or ""."""
    if scene.greyscale:
        words = light_words(scene)
        if words == ["near darkness"]:
            return "in near darkness"
        return "in black and white"
    words = light_words(scene)
    if not words:
        return ""
    if words == ["near darkness"]:
        return "in near darkness"
    return "in " + ", ".join(words) + " light"


def colour_phrase(scene: Scene) -> str:
    """ "in shades of green", "in vivid colours", "in muted colours" or ""."""
    if scene.greyscale:
        return "in black and white"
    if scene.colour and scene.colour_share >= 0.45:
        return f"in shades of {scene.colour}"
    if scene.colourfulness > 75:
        return "in vivid colours"
    if scene.colourfulness < 12:
        return "in muted colours"
    return ""


def sky_backdrop(scene: Scene) -> str:
    """ "against a blue sky", "under a grey sky", "against a sunset sky" or ""."""
    if not (scene.has_sky or scene.is_sky):
        return ""
    return {"blue": "against a blue sky", "grey": "under a grey sky", "white": "under a pale sky",
            "sunset": "against an evening sky", "dusk": "against a dusky sky"}.get(scene.sky_colour or "", "")
