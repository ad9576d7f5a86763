"""The channel atlas: what each channel of one block dreams when it is poked alone, from a neutral start
(mid grey with a little seeded noise, so every channel begins from the same picture). All channels are
dreamt together as one batch, each image with the gradient of its own channel: on a CPU one batch of 32
small images costs little more than one."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

import numpy as np

from .ascent import Dreamer, to_image, torch_settings
from .presets import Preset

#: images dreamt per batch: the activations of 16 images of 128 px stay in a CPU's cache
BATCH = 16


def atlas_preset(layer: int, size: int, steps: int, seed: int) -> Preset:
    """The parameters of every atlas tile: two octaves, the colour left as the channel makes it."""
    return Preset(layer=layer, octaves=2, octave_scale=1.5, steps=steps, step_size=0.02, jitter=8, desaturate=0.0,
                  size=size, seed=seed)


def dream_channels(layer: int, channels: Sequence[int], size: int = 128, steps: int = 10, seed: int = 0,
                   threads: int = 0, device: str = "cpu") -> list[np.ndarray]:
    """One ``size`` x ``size`` uint8 tile per channel of block ``layer``."""
    return [t for batch in iter_batches(layer, channels, size, steps, seed, threads, device) for t in batch]


def batches(channels: Sequence[int]) -> list[list[int]]:
    return [list(channels[i:i + BATCH]) for i in range(0, len(channels), BATCH)]


def iter_batches(layer: int, channels: Sequence[int], size: int = 128, steps: int = 10, seed: int = 0,
                 threads: int = 0, device: str = "cpu") -> Iterator[list[np.ndarray]]:
    """The tiles of each batch of :func:`batches`, batch by batch (a progress bar wraps it)."""
    dreamer = Dreamer.get(device)
    torch = dreamer.torch
    preset = atlas_preset(layer, size, steps, seed)
    with torch_settings(threads, dreamer.device):
        for n, chosen in enumerate(batches(channels)):
            first = n * BATCH
            # each batch from its own seed: a tile does not depend on which batch it fell into
            gen = torch.Generator().manual_seed(seed + first)
            noise = torch.randn((1, 3, size, size), generator=gen) * 0.05
            base = noise.expand(len(chosen), -1, -1, -1).contiguous().to(dreamer.device)
            if len(chosen) == 1:  # a batch of one is told its channel as the preset's own
                one = dataclasses.replace(preset, channels=tuple(chosen))
                detail = dreamer.pyramid(base, torch.zeros_like(base), one, gen)
            else:
                detail = dreamer.pyramid(base, torch.zeros_like(base), preset, gen, channels=chosen)
            out = base + detail
            yield [to_image(out[i:i + 1]) for i in range(len(chosen))]
