"""Gradient ascent on EfficientNet-Lite0 (DeepDream, with Mario Klingemann's controls).

The image is changed, step by step, in the direction that makes the activations of one block (or of
chosen channels of it) stronger. The forward pass stops at that block: the layers above it cost nothing.
Octaves: the dream starts on a small copy of the image and the *detail* it adds (dream minus source) is
carried up the pyramid, so large forms grow at small sizes and fine ones at full size. Before every step
the image is rolled by a random shift (jitter) and rolled back after, so the network's stride grid does
not print itself into the picture. Each step is the gradient divided by its mean magnitude (a normalised
step), so ``step_size`` means the same at every layer.

Colour control (Klingemann): desaturating the image each step compounds to grey (measured here), so the
*added detail* is desaturated instead: the source keeps its colour and the dream's additions are toned
down by ``desaturate`` (1: grey relief over the colour photograph).

Inputs are in the network's own normalisation, (pixel - 127) / 128, the one EfficientNet-Lite's ImageNet
weights were trained with (not the torchvision mean/std); pixels are clipped to the valid range after
every step. Seeded: the jitter comes from a ``torch.Generator`` seeded with the preset's seed, the ops are
deterministic (see :func:`torch_settings`), so the same seed gives the same pixels on the same machine
(and the same thread count).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .presets import Preset

if TYPE_CHECKING:
    import torch

LO, HI = -127.0 / 128.0, 128.0 / 128.0  # pixel 0 and 255 in the network's normalisation
LUMA = (0.299, 0.587, 0.114)  # Rec. 601 weights: the grey a colour detail is toned down towards


def to_tensor(image: np.ndarray) -> torch.Tensor:
    """HxWx3 uint8 -> 1x3xHxW float32 in the network's normalisation."""
    import torch

    x = torch.from_numpy(np.array(image, dtype=np.uint8)).float().permute(2, 0, 1).unsqueeze(0)
    return (x - 127.0) / 128.0


def to_image(x: torch.Tensor) -> np.ndarray:
    """1x3xHxW (normalised) -> HxWx3 uint8, rounded."""
    import torch

    arr = (x.detach()[0].permute(1, 2, 0) * 128.0 + 127.0).round().clamp(0, 255)
    return np.ascontiguousarray(arr.to(dtype=torch.uint8).cpu().numpy())


def desaturated(detail: torch.Tensor, amount: float) -> torch.Tensor:
    """``detail`` with ``amount`` (0-1) of its colour taken out: blended towards its own luma."""
    if amount <= 0:
        return detail
    w = detail.new_tensor(LUMA).view(1, 3, 1, 1)
    grey = (detail * w).sum(1, keepdim=True)
    return detail * (1.0 - amount) + grey * amount


def clip_detail(source: torch.Tensor, detail: torch.Tensor) -> torch.Tensor:
    """The detail cut so that source + detail stays a valid picture."""
    return (source + detail).clamp(LO, HI) - source


@contextlib.contextmanager
def torch_settings(threads: int, device: str = "cpu") -> Iterator[None]:
    """``threads`` intra-op threads (0: leave torch's own) while dreaming, and on a GPU torch's deterministic
    algorithms; the process's settings are restored after (captioning in the same build keeps its own).

    On the CPU the ops a dream uses (convolutions, pooling, element-wise ops; no scatter) are deterministic
    for a given thread count already, and switching the deterministic mode on costs 3-9 s the first time in
    a process (measured here), so it is only switched on for CUDA, whose convolutions are not."""
    import torch

    from ..models.torch_threads import torch_threads

    gpu = device.startswith("cuda")
    before_det = torch.are_deterministic_algorithms_enabled() if gpu else False
    if gpu:
        import os

        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS
        torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        with torch_threads(threads):
            yield
    finally:
        if gpu:
            torch.use_deterministic_algorithms(before_det)


class Dreamer:
    """EfficientNet-Lite0 cut at a block, with gradients to its input. One per process and device."""

    _instances: dict[str, Dreamer] = {}

    def __init__(self, device: str = "cpu") -> None:
        from ..models.efficientnet import ImageNetCNN

        cnn = ImageNetCNN.get(device)  # the instance captions and the map use (fp32 weights; no autocast here)
        self.torch = cnn.torch
        self.device = cnn.device
        self.model = cnn.model
        for p in self.model.parameters():  # gradients flow to the image only (the captioner never trains it)
            p.requires_grad_(False)

    @classmethod
    def get(cls, device: str = "cpu") -> Dreamer:
        if device not in cls._instances:
            cls._instances[device] = cls(device)
        return cls._instances[device]

    def activations(self, x: torch.Tensor, layer: int) -> torch.Tensor:
        """The output of block ``layer``: stem and blocks 0..layer, nothing above."""
        m = self.model
        x = m._swish(m._bn0(m._conv_stem(x)))
        for block in m._blocks[:layer + 1]:
            x = block(x)
        return x

    def objective(self, x: torch.Tensor, layer: int, channels: Sequence[int]) -> torch.Tensor:
        """What the ascent makes larger: the block's mean squared activation (DeepDream's L2), or the mean
        activation of the chosen channels (a neuron poked: driven positive, not merely made loud). Summed
        over the batch, so each image of a batch gets the gradient of its own objective."""
        act = self.activations(x, layer)
        if channels:
            return act[:, list(channels)].mean((1, 2, 3)).sum()
        return act.pow(2).mean((1, 2, 3)).sum()

    def ascend(self, source: torch.Tensor, detail: torch.Tensor, preset: Preset, steps: int,
               gen: torch.Generator, channels: Sequence[int] | None = None) -> torch.Tensor:
        """``steps`` normalised, jittered gradient steps on ``source + detail`` at the source's size; the new
        detail (desaturated, clipped) is returned. ``channels`` overrides the preset's (one per image of a
        batch when it lists as many as the batch: the channel atlas)."""
        torch = self.torch
        chosen = preset.channels if channels is None else tuple(channels)
        per_image = channels is not None and len(chosen) == source.shape[0] > 1
        step = 2.0 * preset.step_size  # a fraction of the pixel range; the normalised range is 2 wide
        img = source + detail
        for _ in range(steps):
            dx, dy = (int(v) for v in torch.randint(-preset.jitter, preset.jitter + 1, (2,), generator=gen))
            x = torch.roll(img, shifts=(dy, dx), dims=(2, 3)).requires_grad_(True)
            if per_image:
                # a one-hot mask, not fancy indexing: the backward of an index is a scatter, which torch's
                # deterministic mode makes very slow on CPUs (minutes for a batch of 16)
                act = self.activations(x, preset.layer)
                mask = torch.zeros(act.shape[:2], device=act.device)
                mask[torch.arange(len(chosen)), torch.tensor(chosen)] = 1.0
                loss = (act * mask[:, :, None, None]).mean((2, 3)).sum()
            else:
                loss = self.objective(x, preset.layer, chosen)
            (grad,) = torch.autograd.grad(loss, x)
            grad = torch.roll(grad, shifts=(-dy, -dx), dims=(2, 3))
            grad = grad / (grad.abs().mean((1, 2, 3), keepdim=True) + 1e-8)
            with torch.no_grad():
                d = desaturated(img + step * grad - source, preset.desaturate)
                img = source + clip_detail(source, d)
        return img - source

    def dream(self, image: np.ndarray, preset: Preset, threads: int = 0, start: np.ndarray | None = None,
              steps: int | None = None, octaves: int | None = None) -> np.ndarray:
        """The dream of an HxWx3 uint8 image at its own size (resize it first: see :func:`fit_size`).

        ``start``: an image to begin from instead of ``image`` itself (a dream film's previous detail carried
        into this frame); its difference from ``image`` is the initial detail. ``steps``/``octaves`` override
        the preset's (a carried frame needs fewer)."""
        torch = self.torch
        with torch_settings(threads, self.device):
            gen = torch.Generator().manual_seed(preset.seed)
            torch.manual_seed(preset.seed)
            base = to_tensor(image).to(self.device)
            detail0 = (to_tensor(start).to(self.device) - base) if start is not None else torch.zeros_like(base)
            detail = self.pyramid(base, detail0, preset, gen, steps, octaves)
            return to_image(base + detail)

    def pyramid(self, base: torch.Tensor, detail0: torch.Tensor, preset: Preset, gen: torch.Generator,
                steps: int | None = None, octaves: int | None = None,
                channels: Sequence[int] | None = None) -> torch.Tensor:
        """The octave loop: the detail, dreamt from the smallest octave up, at ``base``'s size."""
        import torch.nn.functional as F

        h, w = base.shape[2:]
        n = preset.octaves if octaves is None else octaves
        shapes = [(max(8, round(h / preset.octave_scale ** i)), max(8, round(w / preset.octave_scale ** i)))
                  for i in reversed(range(n))]
        detail = F.interpolate(detail0, size=shapes[0], mode="bilinear", align_corners=False) \
            if shapes[0] != (h, w) else detail0
        for shape in shapes:
            if detail.shape[2:] != shape:
                detail = F.interpolate(detail, size=shape, mode="bilinear", align_corners=False)
            src = base if shape == (h, w) else F.interpolate(base, size=shape, mode="bilinear",
                                                             align_corners=False, antialias=True)
            detail = self.ascend(src, detail, preset, preset.steps if steps is None else steps, gen, channels)
        return detail


def fit_size(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """(width, height) scaled so the long side is ``long_side``, both even (the video encoders need it)."""
    w, h = size
    scale = long_side / max(w, h)
    return max(16, round(w * scale / 2) * 2), max(16, round(h * scale / 2) * 2)


def load_rgb(path: Any, long_side: int) -> np.ndarray:
    """An image file as HxWx3 uint8, its long side ``long_side`` (orientation from EXIF applied)."""
    from PIL import Image

    from ..archive.images import open_rgb

    im, _ = open_rgb(Path(path), long_side)  # upright RGB; a museum scan shrunk on load
    return np.asarray(im.resize(fit_size(im.size, long_side), Image.Resampling.LANCZOS), dtype=np.uint8)
