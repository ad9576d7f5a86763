"""Training the U-Net on pairs of one film: L1 loss plus an L1 on the images' gradients (sharper edges
than L1 alone, no adversary to balance), AdamW at a constant rate, batches in an order seeded by
``seed + epoch``.

A checkpoint (weights, optimiser, step, every step's loss, seconds spent) is written atomically every
``checkpoint_every`` steps and when a run stops, into a folder of the build cache; the same command resumes
from it, and because the order of samples depends only on the seed and the epoch, a resumed run computes
exactly the losses an unbroken one would (on the CPU). ``epochs`` and ``minutes`` (of training in all,
over every run) say when to stop; neither is part of the checkpoint's identity, so raising either trains on.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..cache import atomic_write, atomic_write_json, hash_parts
from ..errors import ConfigError
from ..reporter import Reporter

VERSION = 1  # of the training: part of every checkpoint's identity
CHECKPOINT = "checkpoint.pt"
CURVE = "loss.png"
LOSSES = "losses.json"


@dataclass
class NextFrameTrainSettings:
    epochs: int = 30
    minutes: float = 0.0  # training time in all (every run together) after which to stop; 0: no limit
    batch_size: int = 8
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    width: int = 16
    depth: int = 3
    gradient_weight: float = 0.5  # weight of the L1 of horizontal and vertical differences
    seed: int = 0
    checkpoint_every: int = 200  # steps
    device: str = "cpu"
    threads: int = 0  # CPU threads for torch; 0: torch's default (every core)

    def fingerprint_fields(self) -> dict[str, Any]:
        """What a checkpoint must agree on to be resumed (not when to stop, nor where it runs)."""
        skip = ("epochs", "minutes", "checkpoint_every", "device", "threads")
        return {k: v for k, v in asdict(self).items() if k not in skip}


@dataclass
class Pairs:
    """Training pairs as indices into two stacks of frames: sample ``i``'s input is ``sources[inputs[i]]``
    (one or more pictures, stacked as channels), its target ``targets[targets_index[i]]``."""

    sources: np.ndarray  # (N, h, w, 3) uint8
    inputs: np.ndarray  # (S, k) int64
    targets: np.ndarray  # (M, h, w, 3) uint8
    targets_index: np.ndarray  # (S,) int64

    def __len__(self) -> int:
        return len(self.targets_index)

    @property
    def in_channels(self) -> int:
        return int(self.inputs.shape[1] * self.sources.shape[3])

    def identity(self) -> str:
        """A hash of the pairs' pixels: what the checkpoint was trained on."""
        from ..cache import hash_bytes

        return hash_parts(hash_bytes(self.sources.tobytes()), hash_bytes(self.targets.tobytes()),
                          self.sources.shape, self.targets.shape, self.inputs.tolist(), self.targets_index.tolist())


@dataclass
class Trained:
    model: Any  # the UNet, in eval mode
    folder: Path
    steps: int
    losses: list[float] = field(default_factory=list)  # every step's loss
    seconds: float = 0.0
    samples_per_second: float = 0.0


def to_tensor(stack: np.ndarray, device: str) -> Any:
    """(B, k, h, w, 3) or (B, h, w, 3) uint8 -> (B, 3k, h, w) float in [0, 1]."""
    import torch

    t = torch.from_numpy(np.ascontiguousarray(stack)).to(device)
    if t.ndim == 5:
        t = t.permute(0, 1, 4, 2, 3).flatten(1, 2)
    else:
        t = t.permute(0, 3, 1, 2)
    return t.float() / 255.0


def loss_of(pred: Any, target: Any, gradient_weight: float) -> Any:
    loss = (pred - target).abs().mean()
    if gradient_weight:
        def dx(t: Any) -> Any:
            return t[..., :, 1:] - t[..., :, :-1]

        def dy(t: Any) -> Any:
            return t[..., 1:, :] - t[..., :-1, :]

        loss = loss + gradient_weight * ((dx(pred) - dx(target)).abs().mean() + (dy(pred) - dy(target)).abs().mean())
    return loss


def _save(obj: Any, path: Path) -> None:
    import torch

    atomic_write(path, lambda fh: torch.save(obj, fh))  # a crash mid-save leaves the previous checkpoint


def train(pairs: Pairs, folder: Path, settings: NextFrameTrainSettings, reporter: Reporter, what: str = "train",
          stop_after: int = 0, restart: bool = False) -> Trained:
    """Train (or resume) in ``folder``; ``stop_after`` > 0 ends this run after that many steps (tests use
    it to interrupt a run). Restores torch's thread count afterwards."""
    from ..models.torch_threads import torch_threads

    with torch_threads(settings.threads):
        return _train(pairs, folder, settings, reporter, what, stop_after, restart)


def _train(pairs: Pairs, folder: Path, settings: NextFrameTrainSettings, reporter: Reporter, what: str,
           stop_after: int, restart: bool) -> Trained:
    import torch

    from ..models.efficientnet import resolve_device
    from .curve import draw_loss_curve
    from .unet import UNet, UNetConfig

    device = resolve_device(settings.device)
    if len(pairs) < 1:
        raise ConfigError("no training pairs")
    cfg = UNetConfig(in_channels=pairs.in_channels, out_channels=3, width=settings.width, depth=settings.depth)
    torch.manual_seed(settings.seed)
    model = UNet(cfg).to(device)
    optimiser = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    spe = max(1, -(-len(pairs) // settings.batch_size))  # steps per epoch
    total = spe * settings.epochs
    step, losses, seconds = 0, [], 0.0
    fingerprint = hash_parts(VERSION, settings.fingerprint_fields(), cfg.to_json(), pairs.identity())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CHECKPOINT
    if path.exists() and not restart:
        try:
            state = torch.load(path, map_location=device, weights_only=False)
        except Exception as exc:  # a damaged file: say so and start again rather than crash
            reporter.warn(f"{path}: unreadable checkpoint ({exc.__class__.__name__}); training starts again")
            state = None
        if state is not None and state.get("fingerprint") == fingerprint:
            model.load_state_dict(state["model"])
            optimiser.load_state_dict(state["optimiser"])
            step, losses, seconds = int(state["step"]), list(state["losses"]), float(state["seconds"])
            if step:
                reporter.info(f"resuming {what} after step {step} (loss {losses[-1]:.4f}, {seconds:.0f} s so far)")

    def checkpoint() -> None:
        _save({"fingerprint": fingerprint, "model": model.state_dict(), "optimiser": optimiser.state_dict(),
               "step": step, "losses": losses, "seconds": seconds, "config": cfg.to_json(),
               "settings": asdict(settings)}, path)
        atomic_write_json(folder / LOSSES, {"losses": losses, "seconds": seconds, "steps": step})
        draw_loss_curve(losses, folder / CURVE, f"{what}: L1 + gradient loss per step")

    budget = settings.minutes * 60.0
    first, run_steps, run_seconds = step, 0, 0.0
    if step < total and not (budget and seconds >= budget):
        limit = f", or {settings.minutes:g} min of training in all" if budget else ""
        reporter.info(f"{what}: {len(pairs)} pairs of {pairs.sources.shape[2]}x{pairs.sources.shape[1]} px, "
                      f"{settings.epochs} epochs of {spe} steps{limit}, on {device}")
    bar = _bar(reporter, total, step, what)
    since, said = step, time.perf_counter()
    try:
        model.train()
        while step < total and not (budget and seconds >= budget):
            if stop_after and step - first >= stop_after:
                break
            epoch, s = divmod(step, spe)
            order = torch.randperm(len(pairs), generator=torch.Generator().manual_seed(settings.seed + epoch))
            idx = order[s * settings.batch_size:(s + 1) * settings.batch_size].numpy()
            tick = time.perf_counter()
            x = to_tensor(pairs.sources[pairs.inputs[idx]], device)
            y = to_tensor(pairs.targets[pairs.targets_index[idx]], device)
            loss = loss_of(model(x), y, settings.gradient_weight)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            value = float(loss.item())
            took = time.perf_counter() - tick
            seconds += took
            run_seconds += took
            run_steps += 1
            losses.append(value)
            step += 1
            # the ETA of whichever comes first: the last epoch or the minutes of training
            left = (total - step) * run_seconds / run_steps
            if budget:
                left = min(left, max(0.0, budget - seconds))
            if bar is not None:
                bar.set_postfix(loss=f"{value:.4f}", eta=f"{left / 60:.1f} min", refresh=False)
                bar.update(1)
            elif time.perf_counter() - said >= 30 or step == total:  # a log gets a line every 30 s
                said = time.perf_counter()
                reporter.info(f"{what}: step {step}/{total}, loss {value:.4f}, ETA {left:.0f} s")
            if step - since >= settings.checkpoint_every:
                checkpoint()
                since = step
    finally:
        if bar is not None:
            bar.close()
    if step != since or not path.exists():
        checkpoint()
    model.eval()
    rate = run_steps * settings.batch_size / run_seconds if run_seconds else 0.0
    return Trained(model, folder, step, losses, seconds, rate)


def _bar(reporter: Reporter, total: int, done: int, what: str) -> Any:
    """A tqdm bar over steps with the loss beside it and its ETA, at a terminal; None elsewhere."""
    import sys

    stream = reporter.stream or sys.stderr
    if reporter.quiet or not getattr(stream, "isatty", lambda: False)():
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=done, desc=what, unit="step", file=stream, dynamic_ncols=True)


def load_model(folder: Path, device: str = "cpu") -> Any:
    """The U-Net of a checkpoint folder (for generating without training)."""
    import torch

    from .unet import UNet, UNetConfig

    state = torch.load(folder / CHECKPOINT, map_location=device, weights_only=False)
    model = UNet(UNetConfig(**state["config"])).to(device)
    model.load_state_dict(state["model"])
    model.eval()
    return model

