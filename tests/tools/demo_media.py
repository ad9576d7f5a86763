"""Regenerate the demo site's media: two short films and a small image archive.

    .venv/bin/python tests/tools/demo_media.py [--out content] [--only films|archive]

Everything is made from material that ships inside Python packages (scikit-image's and
scikit-learn's sample photographs) or is computed here (clouds from numpy noise), with fixed seeds,
so the same versions of numpy, Pillow and ffmpeg give the same bytes. The texts around the media
(index.md, pages/, site.toml) are written by hand and are not touched.

Needs the dev extras: scikit-image and scikit-learn (for their sample images), and scipy (which
scikit-image brings). A developer's tool, not part of the generator: it lives beside the tests, whose
fixtures use the same sample images.
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from generator.cache import atomic_path  # noqa: E402
from generator.errors import ElectricSpeechError, MissingDependency  # noqa: E402
from generator.media.ffmpeg_bin import FFmpegTools, find_tools  # noqa: E402

FPS = 25
FRAME_SIZE = (640, 360)
CRF = "27"  # x264 quality: the two films stay near 1 MB each
ARCHIVE_MAX_SIDE = 512
ARCHIVE_MAX_BYTES = 40_000


# ------------------------------------------------------------------------------------------------
# sources

def _skimage(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        try:
            import skimage.data
        except ImportError:
            raise MissingDependency("scikit-image", "pip install scikit-image (a dev dependency)") from None
        return _rgb(getattr(skimage.data, name)())
    return load


def _sklearn(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        try:
            from sklearn.datasets import load_sample_image
        except ImportError:
            raise MissingDependency("scikit-learn", "pip install scikit-learn (a dev dependency)") from None
        return _rgb(load_sample_image(name))
    return load


def _stereo_left() -> np.ndarray:
    import skimage.data

    return _rgb(skimage.data.stereo_motorcycle()[0])


def _rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype == bool:
        image = np.where(image, 255, 0).astype(np.uint8)
    if image.dtype != np.uint8:
        image = np.clip(image * 255.0 if image.max() <= 1.0 else image, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return image[..., :3]


SOURCES: dict[str, Callable[[], np.ndarray]] = {
    "chelsea": _skimage("chelsea"),
    "coffee": _skimage("coffee"),
    "rocket": _skimage("rocket"),
    "astronaut": _skimage("astronaut"),
    "camera": _skimage("camera"),
    "clock": _skimage("clock"),
    "coins": _skimage("coins"),
    "hubble_deep_field": _skimage("hubble_deep_field"),
    "immunohistochemistry": _skimage("immunohistochemistry"),
    "retina": _skimage("retina"),
    "grass": _skimage("grass"),
    "gravel": _skimage("gravel"),
    "brick": _skimage("brick"),
    "horse": _skimage("horse"),
    "cell": _skimage("cell"),
    "motorcycle": _stereo_left,
    "china": _sklearn("china.jpg"),
    "flower": _sklearn("flower.jpg"),
}


# ------------------------------------------------------------------------------------------------
# encoding

def encode(frames: Iterator[np.ndarray], out: Path, tools: FFmpegTools, size: tuple[int, int] = FRAME_SIZE) -> None:
    """Pipe RGB frames into ffmpeg: H.264 yuv420p, no audio, index at the front for web playback."""
    with atomic_path(out) as tmp:
        cmd = [tools.ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
               "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{size[0]}x{size[1]}", "-r", str(FPS), "-i", "-",
               "-an", "-c:v", "libx264", "-preset", "slow", "-crf", CRF, "-pix_fmt", "yuv420p",
               "-g", str(FPS * 4), "-movflags", "+faststart", "-map_metadata", "-1",
               "-fflags", "+bitexact", "-flags:v", "+bitexact", str(tmp)]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdin is not None and proc.stderr is not None
        try:
            for frame in frames:
                proc.stdin.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())
            proc.stdin.close()
        except BrokenPipeError:
            pass
        err = proc.stderr.read().decode("utf-8", "replace")
        if proc.wait() != 0:
            raise ElectricSpeechError(f"ffmpeg failed: {err.strip().splitlines()[-1] if err.strip() else '?'}", out)


def _smoothstep(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


# ------------------------------------------------------------------------------------------------
# film 1: photographs with a slow Ken Burns move and hard cuts

@dataclass(frozen=True)
class Shot:
    source: str
    seconds: float
    start: tuple[float, float, float]  # centre x, centre y (fractions of the image), zoom (1 = widest 16:9 crop)
    end: tuple[float, float, float]


PHOTO_SHOTS = (
    Shot("chelsea", 4.0, (0.50, 0.50, 1.00), (0.42, 0.42, 1.30)),
    Shot("coffee", 3.6, (0.52, 0.50, 1.05), (0.50, 0.48, 1.35)),
    Shot("rocket", 3.6, (0.50, 0.70, 2.40), (0.50, 0.50, 1.70)),
    Shot("astronaut", 3.6, (0.45, 0.40, 1.10), (0.42, 0.30, 1.60)),
    Shot("china", 3.6, (0.40, 0.50, 1.00), (0.60, 0.50, 1.20)),
    Shot("flower", 3.6, (0.50, 0.50, 1.20), (0.52, 0.50, 1.60)),
    Shot("motorcycle", 3.6, (0.50, 0.55, 1.00), (0.45, 0.60, 1.30)),
)


def _crop_box(w: int, h: int, cx: float, cy: float, zoom: float) -> tuple[float, float, float, float]:
    aspect = FRAME_SIZE[0] / FRAME_SIZE[1]
    cw = min(w, h * aspect) / zoom
    ch = cw / aspect
    x = min(max(cx * w - cw / 2, 0.0), w - cw)
    y = min(max(cy * h - ch / 2, 0.0), h - ch)
    return (x, y, x + cw, y + ch)


def ken_burns(shots: tuple[Shot, ...] = PHOTO_SHOTS) -> Iterator[np.ndarray]:
    for shot in shots:
        image = Image.fromarray(SOURCES[shot.source]())
        frames = round(shot.seconds * FPS)
        for i in range(frames):
            k = _smoothstep(i / max(1, frames - 1))
            cx, cy, zoom = (a + (b - a) * k for a, b in zip(shot.start, shot.end))
            box = _crop_box(image.width, image.height, cx, cy, zoom)
            yield np.asarray(image.resize(FRAME_SIZE, Image.Resampling.BICUBIC, box=box))


# ------------------------------------------------------------------------------------------------
# film 2: drifting clouds

def noise_tile(n: int, beta: float, seed: int, stretch: float = 1.0) -> np.ndarray:
    """A periodic n x n field of fractal (1/f^beta) noise, zero mean, unit deviation.

    Spectral synthesis: filter white noise in the Fourier domain, so the tile wraps seamlessly and
    the clouds can drift forever. ``stretch`` > 1 elongates features along x (cirrus)."""
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft2(rng.standard_normal((n, n)))
    fy = np.fft.fftfreq(n)[:, None]
    fx = np.fft.rfftfreq(n)[None, :] * stretch
    f = np.sqrt(fx * fx + fy * fy)
    f[0, 0] = 1.0
    spectrum *= f ** -beta
    spectrum[0, 0] = 0.0
    spectrum[f > 0.25] = 0.0  # no detail finer than 4 tile pixels: keeps the video compressible
    field = np.fft.irfft2(spectrum, s=(n, n))
    tile: np.ndarray = ((field - field.mean()) / field.std()).astype(np.float32)
    return tile


def _sample(tile: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear lookup in a periodic tile whose side is a power of two."""
    n = tile.shape[0]
    mask = n - 1
    flat = tile.ravel()
    x0f, y0f = np.floor(x), np.floor(y)
    fx, fy = x - x0f, y - y0f
    x0, y0 = x0f.astype(np.int32) & mask, y0f.astype(np.int32) & mask
    x1, y1 = (x0 + 1) & mask, (y0 + 1) & mask
    r0, r1 = y0 * n, y1 * n
    top = flat[r0 + x0] * (1 - fx) + flat[r0 + x1] * fx
    bottom = flat[r1 + x0] * (1 - fx) + flat[r1 + x1] * fx
    value: np.ndarray = top * (1 - fy) + bottom * fy
    return value


@dataclass(frozen=True)
class Sky:
    seconds: float
    zenith: tuple[float, float, float]  # sky colour at the top of the frame (0..1 RGB)
    horizon: tuple[float, float, float]  # and at the horizon
    lit: tuple[float, float, float]  # colour of the sunlit side of clouds
    shade: tuple[float, float, float]  # colour of their undersides
    cover: float  # 0..1, how much of the sky is cloud
    wind: tuple[float, float]  # drift of the cloud plane, tile pixels per second (x across, y away)
    seed: int
    stretch: float = 1.0
    sun: tuple[float, float] = (0.0, -1.0)  # direction of the light in the plane


# day, a storm front, sunset, blue hour: neighbours differ in brightness, so every change of sky is a
# cut that scene detection finds (two skies of equal brightness score only ~0.2)
SKIES = (
    Sky(6.0, (0.16, 0.36, 0.72), (0.62, 0.76, 0.90), (1.00, 0.99, 0.97), (0.55, 0.60, 0.70), 0.45, (9, 5), 11),
    Sky(6.0, (0.14, 0.15, 0.19), (0.36, 0.38, 0.41), (0.62, 0.64, 0.68), (0.13, 0.14, 0.17), 0.85, (14, 3), 23),
    Sky(6.0, (0.20, 0.18, 0.42), (0.98, 0.60, 0.32), (1.00, 0.72, 0.45), (0.36, 0.22, 0.34), 0.50, (-8, 4), 37,
        sun=(0.0, 1.0)),
    Sky(6.0, (0.05, 0.08, 0.20), (0.22, 0.30, 0.48), (0.55, 0.60, 0.72), (0.10, 0.12, 0.22), 0.40, (6, 2), 41,
        stretch=2.5),
)


class CloudRenderer:
    """Clouds on a horizontal plane seen in perspective, lit from one side, fading into haze.

    Rendered at half size and scaled up: clouds are soft, and it makes the film four times quicker."""

    def __init__(self, sky: Sky, size: tuple[int, int] = FRAME_SIZE, tile: int = 512) -> None:
        self.sky = sky
        self.size = size
        w, h = size[0] // 2, size[1] // 2
        self.big = noise_tile(tile, 2.0, sky.seed, sky.stretch)
        self.small = noise_tile(tile, 1.8, sky.seed + 1, sky.stretch)
        # screen -> plane: the top row looks 40 degrees up, the bottom row 3 degrees above the horizon
        sy = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
        sx = np.linspace(-1.0, 1.0, w, dtype=np.float32)[None, :] * (w / h)
        elevation = np.radians(40.0 - 37.0 * sy)
        depth = (1.0 / np.tan(elevation)).astype(np.float32)  # ground distance, cloud height 1
        self.px = sx * depth * 110.0
        self.py = depth * 220.0
        # distant clouds melt into the horizon haze (and their aliasing with them)
        self.haze = (np.clip((depth - 1.0) / 7.0, 0.0, 1.0) ** 0.8).astype(np.float32)
        gradient = sy ** 0.8
        self.sky_rgb = (np.array(sky.zenith, np.float32) * (1 - gradient[..., None])
                        + np.array(sky.horizon, np.float32) * gradient[..., None]).astype(np.float32)

    def density(self, t: float, dx: float = 0.0, dy: float = 0.0) -> np.ndarray:
        wx, wy = self.sky.wind
        x, y = self.px + (dx + wx * t), self.py + (dy + wy * t)
        # the detail layer drifts a little faster than the big one: the clouds change shape as they go
        return _sample(self.big, x, y) + 0.35 * _sample(self.small, 1.7 * x + 4.0 * t, 1.7 * y + 2.0 * t)

    def frame(self, t: float) -> np.ndarray:
        s = self.sky
        d = self.density(t)
        threshold = 1.0 - 2.0 * s.cover
        cloud = np.clip((d - threshold) / 0.8, 0.0, 1.0)
        # light: brighter where the density falls off towards the sun
        towards = self.density(t, 3.0 * s.sun[0], 3.0 * s.sun[1])
        lit = np.clip(0.65 + 0.8 * (d - towards), 0.0, 1.0)[..., None]
        cloud = (cloud * (1.0 - self.haze))[..., None]
        colour = np.array(s.shade, np.float32) * (1 - lit) + np.array(s.lit, np.float32) * lit
        rgb = self.sky_rgb * (1 - cloud) + colour * cloud
        small = Image.fromarray((np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8))
        return np.asarray(small.resize(self.size, Image.Resampling.BICUBIC))


def clouds(skies: tuple[Sky, ...] = SKIES) -> Iterator[np.ndarray]:
    for sky in skies:
        renderer = CloudRenderer(sky)
        for i in range(round(sky.seconds * FPS)):
            yield renderer.frame(i / FPS)


# ------------------------------------------------------------------------------------------------
# the archive

@dataclass(frozen=True)
class ArchiveImage:
    file: str  # path under archive/
    make: Callable[[], Image.Image]
    title: str = ""  # empty: no metadata.csv row (the map must cope with unlisted images)
    creator: str = ""
    date: str = ""
    medium: str = ""


def _photo(name: str) -> Callable[[], Image.Image]:
    return lambda: Image.fromarray(SOURCES[name]())


def _crop(name: str, box: tuple[float, float, float, float]) -> Callable[[], Image.Image]:
    """A detail: box in fractions of the image (left, top, right, bottom)."""
    def make() -> Image.Image:
        im = Image.fromarray(SOURCES[name]())
        l, t, r, b = box
        return im.crop((round(l * im.width), round(t * im.height), round(r * im.width), round(b * im.height)))
    return make


def _sky_still(sky: Sky, t: float) -> Callable[[], Image.Image]:
    return lambda: Image.fromarray(CloudRenderer(sky, size=(480, 320)).frame(t))


def _colour_field(top: tuple[int, int, int], bottom: tuple[int, int, int], band: tuple[int, int, int],
                  seed: int) -> Callable[[], Image.Image]:
    """Two soft colour fields with a hazy band between them, in the manner of colour-field painting."""
    def make() -> Image.Image:
        h, w = 400, 320
        y = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
        rng = np.random.default_rng(seed)
        edge = 0.55 + 0.04 * noise_tile(512, 1.8, seed)[:h, :w, None] * 0.5
        mix = np.clip((y - edge) / 0.08 + 0.5, 0, 1)
        glow = np.exp(-((y - edge) / 0.05) ** 2)
        rgb = np.array(top, np.float32) * (1 - mix) + np.array(bottom, np.float32) * mix
        rgb = rgb * (1 - 0.6 * glow) + np.array(band, np.float32) * 0.6 * glow
        rgb += rng.normal(0, 2.0, rgb.shape).astype(np.float32)  # canvas grain
        return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))
    return make


_GEN = "Computed by Electric Speech"  # the creator the archive names for what the tool computed
ARCHIVE = (
    # photographs as shipped
    ArchiveImage("photographs/chelsea.jpg", _photo("chelsea"),
                 "Chelsea the cat", "Stefan van der Walt", "", "photograph"),
    ArchiveImage("photographs/coffee.jpg", _photo("coffee"), "Coffee cup", "Rachel Michetti", "", "photograph"),
    ArchiveImage("photographs/rocket.jpg", _photo("rocket"),
                 "Launch of DSCOVR on Falcon 9", "SpaceX", "2015-02-11", "photograph"),
    ArchiveImage("photographs/astronaut.jpg", _photo("astronaut"), "Eileen Collins", "NASA", "", "photograph"),
    ArchiveImage("photographs/camera.jpg", _photo("camera"),
                 "Man with a camera", "Lav Varshney", "", "photograph, greyscale"),
    ArchiveImage("photographs/clock.jpg", _photo("clock"),
                 "Motion-blurred clock", "Stefan van der Walt", "", "photograph, greyscale"),
    ArchiveImage("photographs/coins.jpg", _photo("coins"),
                 "Greek coins from Pompeii", "Brooklyn Museum", "", "photograph, greyscale"),
    ArchiveImage("photographs/hubble-deep-field.jpg", _photo("hubble_deep_field"),
                 "Hubble eXtreme Deep Field", "NASA", "2012-09-25", "telescope image"),
    ArchiveImage("photographs/immunohistochemistry.jpg", _photo("immunohistochemistry"),
                 "Colonic glands, IHC staining", "Center for Microscopy And Molecular Imaging", "", "micrograph"),
    ArchiveImage("photographs/retina.jpg", _photo("retina"),
                 "Human retina", "Mikael Häggström", "", "fundus photograph"),
    ArchiveImage("photographs/grass.jpg", _photo("grass"), "Grass", "linolafett", "", "photograph, greyscale"),
    ArchiveImage("photographs/gravel.jpg", _photo("gravel"), "Gravel", "CC0Textures", "", "photograph, greyscale"),
    ArchiveImage("photographs/brick.jpg", _photo("brick"), "Brick wall", "CC0Textures", "", "photograph, greyscale"),
    ArchiveImage("photographs/horse.jpg", _photo("horse"), "Horse", "Andreas Preuss", "", "silhouette"),
    ArchiveImage("photographs/cell.jpg", _photo("cell"),
                 "Cell floating in saline", "Paul Müller et al.", "2018", "quantitative phase image"),
    ArchiveImage("photographs/motorcycle.jpg", _photo("motorcycle"),
                 "Motorcycle", "Middlebury College", "2014", "photograph"),
    ArchiveImage("photographs/china.jpg", _photo("china"), "Temple", "danielbuechele", "2011", "photograph"),
    ArchiveImage("photographs/flower.jpg", _photo("flower"), "Flower", "vultilion", "2011", "photograph"),
    # details cropped from them
    ArchiveImage("details/cat-face.jpg", _crop("chelsea", (0.30, 0.12, 0.75, 0.80)),
                 "Chelsea, face", "Stefan van der Walt", "", "photograph, detail"),
    ArchiveImage("details/cup.jpg", _crop("coffee", (0.15, 0.05, 0.85, 0.75)),
                 "Coffee cup, from above", "Rachel Michetti", "", "photograph, detail"),
    ArchiveImage("details/rocket-plume.jpg", _crop("rocket", (0.35, 0.45, 0.70, 1.00)),
                 "Plume", "SpaceX", "2015-02-11", "photograph, detail"),
    ArchiveImage("details/astronaut-face.jpg", _crop("astronaut", (0.30, 0.05, 0.65, 0.45)),
                 "Eileen Collins, face", "NASA", "", "photograph, detail"),
    ArchiveImage("details/flag.jpg", _crop("astronaut", (0.0, 0.0, 0.35, 0.45)), "", "", "", ""),
    ArchiveImage("details/temple-roof.jpg", _crop("china", (0.05, 0.05, 0.70, 0.60)),
                 "Temple roof", "danielbuechele", "2011", "photograph, detail"),
    ArchiveImage("details/flower-centre.jpg", _crop("flower", (0.25, 0.20, 0.75, 0.80)),
                 "Flower, centre", "vultilion", "2011", "photograph, detail"),
    ArchiveImage("details/galaxy.jpg", _crop("hubble_deep_field", (0.40, 0.40, 0.65, 0.65)),
                 "Galaxies", "NASA", "2012-09-25", "telescope image, detail"),
    ArchiveImage("details/coin.jpg", _crop("coins", (0.0, 0.0, 0.33, 0.42)), "", "", "", ""),
    ArchiveImage("details/wheel.jpg", _crop("motorcycle", (0.0, 0.35, 0.45, 1.0)),
                 "Motorcycle wheel", "Middlebury College", "2014", "photograph, detail"),
    # computed: cloud stills and colour fields
    *(ArchiveImage(f"skies/sky-{i + 1}{tag}.jpg", _sky_still(sky, t),
                   f"Sky study {i + 1}{tag}" if (i, tag) != (3, "b") else "",
                   _GEN if (i, tag) != (3, "b") else "", "",
                   "procedural image (fractal noise)" if (i, tag) != (3, "b") else "")
      for i, sky in enumerate(SKIES) for tag, t in (("a", 0.0), ("b", 40.0))),
    ArchiveImage("skies/field-blue-hour.jpg", _colour_field((38, 52, 96), (16, 20, 40), (140, 110, 150), 101),
                 "Blue hour", _GEN, "", "colour field"),
    ArchiveImage("skies/field-sodium.jpg", _colour_field((226, 140, 60), (120, 40, 30), (250, 210, 120), 102),
                 "Sodium light", _GEN, "", "colour field"),
    ArchiveImage("skies/field-overcast.jpg", _colour_field((170, 174, 178), (96, 102, 110), (210, 212, 214), 103),
                 "Overcast", _GEN, "", "colour field"),
    ArchiveImage("skies/field-dusk.jpg", _colour_field((70, 60, 120), (230, 120, 90), (250, 180, 140), 104),
                 "", "", "", ""),
)


def save_small_jpeg(image: Image.Image, out: Path, max_side: int = ARCHIVE_MAX_SIDE,
                    max_bytes: int = ARCHIVE_MAX_BYTES) -> int:
    """Save as JPEG no larger than max_side and max_bytes (lowering the quality, then the size)."""
    image = image.convert("RGB")
    side = max_side
    while True:
        im = image.copy()
        im.thumbnail((side, side), Image.Resampling.LANCZOS)
        for quality in (85, 80, 75, 70, 65, 60):
            buf = io.BytesIO()
            im.save(buf, "JPEG", quality=quality, optimize=True, progressive=False)
            if buf.tell() <= max_bytes:
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(buf.getvalue())
                return buf.tell()
        side = int(side * 0.85)


# The curators' descriptions: what a visitor would be told the picture shows, in plain words. The `archive`
# captioner speaks from them (see generator/captions/archive.py); some keep the catalogue habits ("Photograph
# of", a note in parentheses, a second sentence) that its rewriting removes.
DESCRIPTIONS = {
    "photographs/chelsea.jpg": "Chelsea, a tabby cat with green eyes, looks straight at the camera. "
                               "Her whiskers catch the light from a window.",
    "photographs/coffee.jpg": "A cup of espresso on a red saucer, a spoon beside it, on a wooden table.",
    "photographs/rocket.jpg": "A Falcon 9 rocket on its launch pad at dusk, lit by floodlights between "
                              "lightning towers.",
    "photographs/astronaut.jpg": "Astronaut Eileen Collins in an orange launch suit, her helmet beside her and "
                                 "a model space shuttle behind. Official NASA portrait.",
    "photographs/camera.jpg": "Black and white photograph of a man in a dark coat filming with a camera on a "
                              "tripod, on a lawn with buildings beyond.",
    "photographs/clock.jpg": "A wall clock blurred by motion, its face a pale smear on a grey wall.",
    "photographs/coins.jpg": "Photograph of twenty-four Greek coins from Pompeii, laid out in four rows on black.",
    "photographs/hubble-deep-field.jpg": "Thousands of distant galaxies scattered across black space "
                                         "(Hubble eXtreme Deep Field).",
    "photographs/immunohistochemistry.jpg": "Colonic glands in a thin slice of tissue, stained brown among pale "
                                            "blue cells (immunohistochemistry).",
    "photographs/retina.jpg": "The back of a human eye: an orange-red retina threaded with blood vessels.",
    "photographs/grass.jpg": "Dry grass seen from above, a tangle of grey blades.",
    "photographs/gravel.jpg": "Gravel seen from above, thousands of small grey stones.",
    "photographs/brick.jpg": "A brick pavement laid in long rows, seen at an angle.",
    "photographs/horse.jpg": "The black silhouette of a horse standing in profile on white.",
    "photographs/cell.jpg": "A single cell floating in saline, a bright disc in a grey field.",
    "photographs/motorcycle.jpg": "A red motorcycle parked in a workshop, shelves of boxes behind it.",
    "photographs/china.jpg": "A temple with tiered roofs above a lake, seen over treetops on a hazy day.",
    "photographs/flower.jpg": "An orange dahlia in full bloom against dark green leaves.",
    "details/cat-face.jpg": "Chelsea's face close up: green eyes, striped fur and a pink nose.",
    "details/cup.jpg": "A cup of espresso seen from above, crema on top and a spoon on the saucer.",
    "details/rocket-plume.jpg": "The white body of a Falcon 9 rocket on its launch pad, floodlights glaring at dusk.",
    "details/astronaut-face.jpg": "The face of astronaut Eileen Collins, smiling, in the collar of her suit.",
    "details/temple-roof.jpg": "The tiered roofs of a temple, red and green under a pale sky.",
    "details/flower-centre.jpg": "The heart of an orange dahlia, its petals curled into little cups.",
    "details/galaxy.jpg": "Small glowing galaxies, red, white and blue, in black space.",
    "details/wheel.jpg": "The back wheel of a red motorcycle on a concrete floor.",
    "skies/sky-1a.jpg": "White clouds drifting in a blue summer sky.",
    "skies/sky-1b.jpg": "A large white cloud in a blue sky, smaller ones drifting below it.",
    "skies/sky-2a.jpg": "A storm front: heavy grey clouds over a dark horizon.",
    "skies/sky-2b.jpg": "Dark grey storm clouds filling the sky.",
    "skies/sky-3a.jpg": "Clouds lit orange by the setting sun, in a sky turning violet.",
    "skies/sky-3b.jpg": "A sunset sky, its clouds glowing pink and orange.",
    "skies/sky-4a.jpg": "Pale streaks of cloud in a deep blue night sky.",
    "skies/field-blue-hour.jpg": "A colour field in navy and black, divided by a hazy violet band.",
    "skies/field-sodium.jpg": "A colour field in orange and rust red, divided by a band of yellow light.",
    "skies/field-overcast.jpg": "A colour field in pale and dark grey, like an overcast sky.",
}


def write_metadata(root: Path, images: tuple[ArchiveImage, ...] = ARCHIVE) -> None:
    """archive/metadata.csv: a row per titled image (untitled ones stay unlisted: the map must cope)."""
    with open(root / "metadata.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["file", "title", "creator", "date", "medium", "description"])
        for item in images:
            if item.title:
                writer.writerow([item.file, item.title, item.creator, item.date, item.medium,
                                 DESCRIPTIONS.get(item.file, "")])


def make_archive(root: Path, images: tuple[ArchiveImage, ...] = ARCHIVE) -> None:
    for item in images:
        save_small_jpeg(item.make(), root / item.file)
    write_metadata(root, images)


# ------------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="tests/tools/demo_media.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("content"), help="the site folder (default: content)")
    ap.add_argument("--only", choices=("films", "archive"), help="regenerate only this part")
    args = ap.parse_args(argv)
    try:
        if args.only in (None, "films"):
            tools = find_tools()
            print("films/photographs/photographs.mp4", flush=True)
            encode(ken_burns(), args.out / "films" / "photographs" / "photographs.mp4", tools)
            print("films/clouds/clouds.mp4", flush=True)
            encode(clouds(), args.out / "films" / "clouds" / "clouds.mp4", tools)
        if args.only in (None, "archive"):
            print(f"archive/ ({len(ARCHIVE)} images + metadata.csv)", flush=True)
            make_archive(args.out / "archive")
    except ElectricSpeechError as exc:
        print(f"error: {exc.oneline()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
