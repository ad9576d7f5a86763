"""The next-frame dream: training pairs from a film's consecutive frames, then the network run on its own
output.

Fed its own predictions, a next-frame network settles on a fixed point: each prediction is a little
blurrier and a little more average than the frame before, and within a few hundred frames the film stands
still. Two remedies keep it moving, both applied only to what is fed back (the frames written are the
network's own pictures):

* ``noise``: Gaussian noise of that standard deviation (pixel values 0-1) added to the fed-back frame, so
  the network never sees exactly the picture it already knows how to keep still;
* ``reinject``: that share of the real footage (the frame of the film at the same point of its running
  time, looping) blended into the fed-back frame, so the film's own movement leaks in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .trainer import Pairs, to_tensor


def next_frame_pairs(frames: np.ndarray, context: int = 2, cut_factor: float = 6.0) -> Pairs:
    """Pairs (frames i..i+context-1) -> frame i+context, without those that straddle a hard cut (a change
    ``cut_factor`` times the film's median change between frames: a cut cannot be predicted, and learning
    it teaches the network to blur)."""
    n = len(frames)
    change = motion(frames)
    limit = cut_factor * max(float(np.median(change)), 1e-4)
    start = np.arange(n - context)
    keep = [i for i in start if (change[i:i + context] <= limit).all()]
    if len(keep) < max(1, (n - context) // 2):  # a film of nothing but cuts: keep everything
        keep = list(start)
    first = np.array(keep, np.int64)
    return Pairs(frames, first[:, None] + np.arange(context)[None, :], frames, first + context)


@dataclass(frozen=True)
class NextFrameSettings:
    frames: int = 600
    start: int = 0  # the film's frame the dream starts from (with the context frames before it)
    noise: float = 0.02
    reinject: float = 0.05
    seed: int = 0


def dream(model: object, footage: np.ndarray, context: int, settings: NextFrameSettings, device: str = "cpu",
          progress: Callable[[int], None] | None = None) -> np.ndarray:
    """``settings.frames`` frames (N, h, w, 3) uint8: the first ``context`` are the film's own, from
    ``settings.start``; every other one is the network's prediction from the frames before it."""
    import torch

    n = len(footage)
    start = min(max(0, settings.start), n - context)
    gen = torch.Generator().manual_seed(settings.seed)
    window = [to_tensor(footage[start + i][None], device)[0] for i in range(context)]
    out = np.empty((max(settings.frames, context),) + footage.shape[1:], np.uint8)
    out[:context] = footage[start:start + context]
    with torch.no_grad():
        for k in range(context, len(out)):
            predicted = model(torch.cat(window)[None])[0]  # type: ignore[operator]
            out[k] = (predicted.clamp(0, 1) * 255 + 0.5).to(torch.uint8).permute(1, 2, 0).cpu().numpy()
            fed = predicted
            if settings.reinject:
                real = to_tensor(footage[(start + k) % n][None], device)[0]
                fed = (1 - settings.reinject) * fed + settings.reinject * real
            if settings.noise:
                fed = fed + settings.noise * torch.randn(fed.shape, generator=gen).to(device)
            window = [*window[1:], fed.clamp(0, 1)]
            if progress is not None:
                progress(1)
    return out[: settings.frames] if settings.frames >= context else out


# -- how a dream behaves (the summary a run prints, and the tests) ------------------------------------

def motion(frames: np.ndarray) -> np.ndarray:
    """Mean absolute change between consecutive frames, pixel values 0-1: (N-1,)."""
    f = frames.astype(np.float32) / 255.0
    return np.abs(np.diff(f, axis=0)).mean(axis=(1, 2, 3))  # type: ignore[no-any-return]


def longest_still(frames: np.ndarray, floor: float) -> int:
    """The longest run of consecutive frame changes below ``floor``: how long the film stood still."""
    best = run = 0
    for c in motion(frames):
        run = run + 1 if c < floor else 0
        best = max(best, run)
    return best


def detail(frames: np.ndarray) -> float:
    """High-frequency energy: the mean absolute Laplacian of the grey picture, pixel values 0-1. Noise
    raises it far above footage's; a frozen blur lowers it."""
    g = frames.astype(np.float32).mean(axis=3) / 255.0
    lap = 4 * g[:, 1:-1, 1:-1] - g[:, :-2, 1:-1] - g[:, 2:, 1:-1] - g[:, 1:-1, :-2] - g[:, 1:-1, 2:]
    return float(np.abs(lap).mean())
