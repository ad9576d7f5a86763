"""Training: every (image, reference) pair a sample, AdamW with warm-up and a cosine decay, label smoothing;
a checkpoint after every epoch, so an interrupted run (Ctrl-C, a lost machine) resumes where the last epoch
ended; then the evaluation and the saved captioner folder.

Deterministic on the CPU for a given seed: the split, the vocabulary, the initial weights and every epoch's
order of samples (seeded by seed + epoch, which is also what makes a resumed run continue the same sequence).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..cache import Cache, atomic_write, atomic_write_json, atomic_write_text, hash_parts
from ..errors import ConfigError, ContentError
from ..reporter import Reporter
from .dataset import BOS, EOS, PAD, Example, Vocabulary, split

FORMAT = 1  # of the saved folder; the trained captioner refuses others
CHECKPOINT = "checkpoint.pt"
MODEL = "model.pt"
CONFIG = "config.json"
VOCAB = "vocab.txt"
METRICS = "metrics.json"


@dataclass
class CaptionerTrainSettings:
    epochs: int = 30
    batch_size: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 50
    label_smoothing: float = 0.1
    holdout: float = 0.1
    seed: int = 0
    min_count: int = 1
    d_model: int = 256
    layers: int = 2
    heads: int = 4
    max_len: int = 24
    beam: int = 3
    device: str = "cpu"
    threads: int = 0  # CPU threads for torch; 0: torch's default (every core)

    def fingerprint_fields(self) -> dict[str, Any]:
        """What a checkpoint must agree on to be resumed (not epochs, beam or device)."""
        return {k: v for k, v in asdict(self).items() if k not in ("epochs", "beam", "device", "threads")}


@dataclass
class Result:
    out_dir: Path
    epochs: int
    losses: list[float] = field(default_factory=list)  # mean training loss per epoch
    metrics: dict[str, Any] = field(default_factory=dict)


def _check_out_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ContentError("exists and is not a folder", out)
    if out.is_dir() and any(out.iterdir()) and not ((out / CONFIG).exists() or (out / CHECKPOINT).exists()):
        raise ContentError("is not empty and holds no captioner: choose a new folder for --out", out)


def _save_torch(obj: Any, path: Path) -> None:
    import torch

    atomic_write(path, lambda fh: torch.save(obj, fh))  # a crash mid-save leaves the previous checkpoint


def _padded(vocab: Vocabulary, examples: list[Example], max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """(image index per sample, token ids (S, max_len) padded with <pad>) for every reference."""
    rows, tokens = [], []
    pad = vocab.index[PAD]
    for i, ex in enumerate(examples):
        for caption in ex.captions:
            ids = vocab.encode(caption, max_len)
            rows.append(i)
            tokens.append(ids + [pad] * (max_len - len(ids)))
    return np.array(rows, np.int64), np.array(tokens, np.int64)


def train(examples: list[Example], out: Path, settings: CaptionerTrainSettings, cache: Cache, reporter: Reporter,
          source: str, restart: bool = False) -> Result:
    """Train on ``examples`` into the folder ``out`` (see the package docstring for what it holds)."""
    from ..models.torch_threads import torch_threads

    with torch_threads(settings.threads):
        return _train(examples, out, settings, cache, reporter, source, restart)


def _train(examples: list[Example], out: Path, settings: CaptionerTrainSettings, cache: Cache, reporter: Reporter,
           source: str, restart: bool) -> Result:
    import torch

    from ..models.efficientnet import resolve_device
    from ..models.ids import MODEL_ID
    from .decoder import CaptionDecoder, DecoderConfig
    from .evaluate import cider, nearest_neighbour_captions, shuffled_captions
    from .features import IDENTITY_SUFFIX, image_features

    _check_out_dir(out)
    device = resolve_device(settings.device)
    train_set, test_set = split(examples, settings.holdout, settings.seed)
    vocab = Vocabulary.build((c for e in train_set for c in e.captions), settings.min_count)
    started = time.perf_counter()
    feats = image_features([e.image for e in train_set + test_set], cache, reporter, device)
    feature_seconds = time.perf_counter() - started
    train_f, test_f = feats[: len(train_set)], feats[len(train_set):]
    rows, tokens = _padded(vocab, train_set, settings.max_len)
    fingerprint = hash_parts(FORMAT, settings.fingerprint_fields(), MODEL_ID,
                             sorted((cache.file_hash(e.image), e.captions) for e in examples))

    torch.manual_seed(settings.seed)
    cfg = DecoderConfig(vocab_size=len(vocab), feature_dim=int(feats.shape[1]), d_model=settings.d_model,
                        heads=settings.heads, layers=settings.layers, max_len=settings.max_len)
    model = CaptionDecoder(cfg).to(device)
    optimiser = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    steps_per_epoch = math.ceil(len(rows) / settings.batch_size)
    total = max(1, steps_per_epoch * settings.epochs)

    def rate(step: int) -> float:
        if step < settings.warmup_steps:
            return (step + 1) / settings.warmup_steps
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, step / total)))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, rate)
    first_epoch, losses, seconds = 0, [], 0.0
    out.mkdir(parents=True, exist_ok=True)
    if (out / CHECKPOINT).exists() and not restart:
        state = torch.load(out / CHECKPOINT, map_location=device, weights_only=False)
        if state.get("fingerprint") != fingerprint:
            raise ConfigError(f"{out / CHECKPOINT}: made from other data or settings; --restart starts again")
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        schedule.load_state_dict(state["schedule"])
        first_epoch, losses, seconds = int(state["epoch"]), list(state["losses"]), float(state["seconds"])
        torch.set_rng_state(state["rng"])  # dropout goes on as it would have: a resumed run equals an unbroken one
        reporter.info(f"resuming {out} after epoch {first_epoch} (loss {losses[-1]:.3f})")

    features_t = torch.from_numpy(train_f).to(device)
    tokens_t = torch.from_numpy(tokens).to(device)
    rows_t = torch.from_numpy(rows).to(device)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=vocab.index[PAD], label_smoothing=settings.label_smoothing)
    reporter.info(f"training on {len(train_set)} images ({len(rows)} captions), {len(test_set)} held out; "
                  f"vocabulary {len(vocab)} words; {settings.epochs} epochs of {steps_per_epoch} steps on {device}")
    bar = _bar(reporter, total, first_epoch * steps_per_epoch)
    try:
        for epoch in range(first_epoch, settings.epochs):
            model.train()
            tick, epoch_loss = time.perf_counter(), 0.0
            order = torch.randperm(len(rows), generator=torch.Generator().manual_seed(settings.seed + epoch))
            for s in range(steps_per_epoch):
                batch = order[s * settings.batch_size:(s + 1) * settings.batch_size].to(device)
                tok = tokens_t[batch]
                logits = model(features_t[rows_t[batch]], tok[:, :-1], vocab.index[PAD])
                loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tok[:, 1:].reshape(-1))
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimiser.step()
                schedule.step()
                epoch_loss += loss.item() * len(batch)
                if bar is not None:
                    bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
                    bar.update(1)
            seconds += time.perf_counter() - tick
            losses.append(epoch_loss / len(rows))
            _save_torch({"fingerprint": fingerprint, "model": model.state_dict(), "optimiser": optimiser.state_dict(),
                         "schedule": schedule.state_dict(), "epoch": epoch + 1, "losses": losses,
                         "seconds": seconds, "rng": torch.get_rng_state()}, out / CHECKPOINT)
            if bar is None:
                left = (settings.epochs - epoch - 1) * seconds / (epoch + 1)
                reporter.info(f"epoch {epoch + 1}/{settings.epochs}: loss {losses[-1]:.3f}, "
                              f"{len(rows) / max(seconds / (epoch + 1), 1e-9):.0f} captions/s, ETA {left:.0f} s")
    finally:
        if bar is not None:
            bar.close()

    model.eval()
    ids = model.generate(torch.from_numpy(test_f).to(device), vocab.index[BOS], vocab.index[EOS], settings.beam)
    predicted = [vocab.decode(i) for i in ids]
    references = [list(e.captions) for e in test_set]
    metrics: dict[str, Any] = {
        "cider": cider(references, predicted),
        "cider_nearest_neighbour": cider(references, nearest_neighbour_captions(train_set, train_f, test_f)),
        "cider_shuffled": cider(references, shuffled_captions(train_set, len(test_set), settings.seed)),
        "train_images": len(train_set), "train_captions": len(rows), "held_out_images": len(test_set),
        "epochs": settings.epochs, "final_loss": losses[-1] if losses else None,
        "train_seconds": round(seconds, 2), "feature_seconds": round(feature_seconds, 2),
        "images_per_second": round(len(train_set) * len(losses) / max(seconds, 1e-9), 1),
        "captions_per_second": round(len(rows) * len(losses) / max(seconds, 1e-9), 1),
        "examples": [{"image": str(e.image), "predicted": p, "references": list(e.captions)}
                     for e, p in list(zip(test_set, predicted))[:20]],
    }
    _save_torch(model.state_dict(), out / MODEL)
    atomic_write_text(out / VOCAB, vocab.save_text())
    atomic_write_json(out / METRICS, {**metrics, "losses": losses})
    atomic_write_json(out / CONFIG, {"format": FORMAT, "decoder": cfg.to_json(), "beam": settings.beam,
                                     "features": MODEL_ID + IDENTITY_SUFFIX, "source": source,
                                     "settings": asdict(settings), "fingerprint": fingerprint})
    return Result(out, len(losses), losses, metrics)


def _bar(reporter: Reporter, total: int, done: int) -> Any:
    """A tqdm bar over steps with the loss beside it, at a terminal; None elsewhere (a line per epoch)."""
    import sys

    stream = reporter.stream or sys.stderr
    if reporter.quiet or not getattr(stream, "isatty", lambda: False)():
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=done, desc="train", unit="step", file=stream, dynamic_ncols=True)


def read_config(folder: Path) -> dict[str, Any]:
    """A saved captioner's config.json, checked (one clear line for a folder that is not one)."""
    path = folder / CONFIG
    try:
        config = json.loads(path.read_text("utf-8"))
    except OSError:
        raise ConfigError(f"{folder}: not a trained captioner (no {CONFIG}; make one with build.py "
                          "train-captioner)") from None
    except ValueError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT or not (folder / MODEL).is_file():
        raise ConfigError(f"{folder}: not a finished trained captioner of format {FORMAT} (config.json and "
                          f"{MODEL} are needed; an interrupted training run resumes with the same command)")
    return config
