"""Caption stage vs the bare model: how much does everything around the forward pass cost?

Measured side by side in one run on the same keyframe-sized JPEGs (640x360, cut from scikit-image's
photos plus synthetic skies):

* stage  — what the pipeline does: ``create_captioner(...)`` then ``caption()`` over batches of
           ``batch_size`` image paths (read + hash + JPEG decode + resize + scene statistics +
           forward + words);
* raw    — the batched model forward alone, on the same frames already decoded, preprocessed and
           stacked into tensors in memory, in batches of the same size.

Stage and raw alternate batch by batch so both see the same machine load (the machine may be shared);
each batch keeps its best time over the rounds.
Goal: stage / raw <= 1.25. ``--hf`` adds the same comparison for a tiny randomly initialised GIT model
(generate() with beam search is the "forward" there).

    .venv/bin/python bench/bench_captions.py [--frames 64] [--batch-size 8] [--rounds 3] [--hf]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from generator.captions.base import create_captioner  # noqa: E402
from generator.config import CaptionSettings  # noqa: E402


def make_frames(directory: Path, count: int) -> list[Path]:
    """Keyframe-like JPEGs: crops of the sample photos at 640x360, and some skies."""
    from PIL import Image
    from skimage import data

    photos = [data.chelsea(), data.coffee(), data.astronaut(), data.rocket(), data.immunohistochemistry()]
    rng = np.random.default_rng(0)
    paths = []
    for i in range(count):
        if i % 6 == 5:  # a sky now and then, as in cloud footage
            y = np.linspace(0, 1, 360)[:, None, None]
            top, bottom = rng.uniform(20, 120, 3), rng.uniform(150, 250, 3)
            arr = np.broadcast_to(top * (1 - y) + bottom * y, (360, 640, 3)) + rng.normal(0, 4, (360, 640, 3))
            im = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
        else:
            src = Image.fromarray(photos[i % len(photos)]).convert("RGB")
            scale = 640 / src.width * rng.uniform(1.0, 1.6)
            src = src.resize((round(src.width * scale), round(src.height * scale)))
            x = int(rng.integers(0, max(1, src.width - 640)))
            y0 = int(rng.integers(0, max(1, src.height - 360)))
            im = src.crop((x, y0, x + 640, y0 + 360))
            if i % 2:
                im = im.transpose(Image.FLIP_LEFT_RIGHT)
        path = directory / f"frame{i:03d}.jpg"
        im.save(path, quality=88)
        paths.append(path)
    return paths


def batches(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def best_of(rounds: int, runs: dict[str, list[Callable[[], object]]]) -> dict[str, float]:
    """Each contender is a list of per-batch steps. Steps are interleaved (stage batch 1, raw batch 1,
    stage batch 2, ...) so both see the same machine load, every step keeps its fastest time over the
    rounds, and a contender's time is the sum of its steps' best times."""
    steps = len(next(iter(runs.values())))
    best = {name: [float("inf")] * steps for name in runs}
    for _ in range(rounds):
        for i in range(steps):
            for name, fns in runs.items():
                start = time.perf_counter()
                fns[i]()
                best[name][i] = min(best[name][i], time.perf_counter() - start)
    return {name: sum(times) for name, times in best.items()}


def report(title: str, n: int, best: dict[str, float]) -> float:
    stage, raw = best["stage"], best["raw"]
    ratio = stage / raw
    print(f"{title}: {n} frames")
    print(f"  stage  {stage:7.3f} s  {n / stage:6.1f} frames/s")
    print(f"  raw    {raw:7.3f} s  {n / raw:6.1f} frames/s")
    print(f"  ratio  {ratio:7.2f}x   (goal <= 1.25x) {'OK' if ratio <= 1.25 else 'OVER'}")
    return ratio


def bench_describe(frames: list[Path], batch_size: int, rounds: int, faces: bool = True) -> float:
    from generator.models.efficientnet import ImageNetCNN, load_image, to_batch

    settings = CaptionSettings(batch_size=batch_size, faces=faces)
    captioner = create_captioner("describe", settings)
    cnn = ImageNetCNN.get(settings.device)
    tensors = [to_batch([load_image(p) for p in chunk]) for chunk in batches(frames, batch_size)]
    for t in tensors[:2]:  # warm up the kernels for these shapes
        cnn.forward(t)
    captioner.caption(frames[:batch_size])

    stage = [lambda chunk=chunk: captioner.caption(chunk) for chunk in batches(frames, batch_size)]
    raw = [lambda t=t: cnn.forward(t) for t in tensors]
    runs = {"stage": stage, "raw": raw}
    wanted = 0
    if captioner._faces_on():
        # the second model: dlib's face detector on the frames the stage would search, images in memory
        from generator.captions.describe import prepare
        from generator.captions.describe_words import wants_faces
        from generator.captions.faces import detection_image, find_faces

        prepared = [prepare(p, True) for p in frames]
        probs = cnn.forward(to_batch([p.pixels for p in prepared])).probs
        per_batch = [[detection_image(p.frame) for p, pr in zip(prepared[i:i + batch_size], probs[i:i + batch_size])
                      if wants_faces(pr, p.scene)] for i in range(0, len(frames), batch_size)]
        wanted = sum(len(gs) for gs in per_batch)

        def both(t, gs) -> None:
            cnn.forward(t)
            for g in gs:
                find_faces(g)

        runs["raw+faces"] = [lambda t=t, gs=gs: both(t, gs) for t, gs in zip(tensors, per_batch)]
    best = best_of(rounds, runs)
    import torch

    from generator.models.efficientnet import CPU_MICRO_BATCH

    print(f"describe (EfficientNet-Lite0, torch threads {torch.get_num_threads()}, pipeline batch {batch_size}, "
          f"captioner chunk {captioner.chunk}, workers {captioner.workers}, CNN micro-batch on CPU {CPU_MICRO_BATCH}, "
          f"faces {f'on (dlib), searched in {wanted} of {len(frames)} frames' if wanted else 'off'})")
    sample = captioner.caption(frames[:3])
    for s in sample:
        print(f"    e.g. {s}")
    ratio = report("describe", len(frames), best)
    if "raw+faces" in best:
        both_models = best["raw+faces"]
        print(f"  raw+faces {both_models:5.3f} s  (CNN + face detector alone)  stage ratio to it "
              f"{best['stage'] / both_models:.2f}x")
    return ratio


def bench_tiny_hf(frames: list[Path], batch_size: int, rounds: int, workdir: Path) -> float:
    import torch
    import transformers

    tok = transformers.BertTokenizerFast(
        vocab={t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
                                           *"a cat dog sky cloud cup of on in the blue grey".split()])})
    small = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2)
    config = transformers.GitConfig(vision_config=dict(small, image_size=224, patch_size=32), vocab_size=len(tok),
                                    max_position_embeddings=128, bos_token_id=tok.cls_token_id,
                                    eos_token_id=tok.sep_token_id, pad_token_id=tok.pad_token_id, **small)
    torch.manual_seed(0)
    model = transformers.GitForCausalLM(config).eval()
    with torch.no_grad():
        model.output.bias[:5] = -100.0  # words only: every caption runs to max_new_tokens
    d = workdir / "tiny-git"
    model.save_pretrained(d)
    tok.save_pretrained(d)
    transformers.CLIPImageProcessor(size={"shortest_edge": 224},
                                    crop_size={"height": 224, "width": 224}).save_pretrained(d)

    settings = CaptionSettings(captioner=f"hf:{d}", batch_size=batch_size, max_new_tokens=12, num_beams=3)
    captioner = create_captioner(settings.captioner, settings)
    captioner.caption(frames[:batch_size])  # loads the model
    loaded = captioner._load()
    from PIL import Image

    pixel_batches = [loaded["image_processor"](images=[Image.open(p).convert("RGB") for p in chunk],
                                               return_tensors="pt")["pixel_values"]
                     for chunk in batches(frames, batch_size)]
    kwargs = captioner.generate_kwargs(loaded["tokenizer"])

    def generate(pv: torch.Tensor) -> None:
        with torch.inference_mode():
            loaded["model"].generate(pixel_values=pv, **kwargs)

    stage = [lambda chunk=chunk: captioner.caption(chunk) for chunk in batches(frames, batch_size)]
    raw = [lambda pv=pv: generate(pv) for pv in pixel_batches]
    best = best_of(rounds, {"stage": stage, "raw": raw})
    print(f"hf tiny GIT (224 px ViT, 2+2 layers, beams {settings.num_beams}, {settings.max_new_tokens} tokens)")
    return report("hf:tiny-git", len(frames), best)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=CaptionSettings().batch_size)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--chunk", type=int, default=0, help="override DescribeCaptioner.chunk (0: keep)")
    ap.add_argument("--workers", type=int, default=0, help="override DescribeCaptioner.workers (0: keep)")
    ap.add_argument("--hf", action="store_true", help="also measure a tiny hf: model")
    ap.add_argument("--no-faces", action="store_true", help="describe without the optional face detector")
    args = ap.parse_args()
    if args.chunk:
        from generator.captions.describe import DescribeCaptioner

        DescribeCaptioner.chunk = args.chunk
    if args.workers:
        from generator.captions.describe import DescribeCaptioner

        DescribeCaptioner.workers = args.workers
    with tempfile.TemporaryDirectory(prefix="bench-captions-") as tmp:
        frames = make_frames(Path(tmp), args.frames)
        bench_describe(frames, args.batch_size, args.rounds, faces=not args.no_faces)
        if args.hf:
            bench_tiny_hf(frames, args.batch_size, args.rounds, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
