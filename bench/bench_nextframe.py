"""Next-frame U-Net: training frames per second on the CPU at 128 and 256 px wide (1 and 2 threads),
and dreaming (generation) frames per second, with the default network (width 16, depth 3, batch 8) on
the demo's cloud footage (16:9, so 128 x 72 -> 128 x 72 and 256 x 144 -> 256 x 144 px).

A training "frame" is one (frames t-1, t -> t+1) sample through forward, loss, backward and AdamW. The
machine may be shared: each figure is the best of ``--rounds`` timed stretches of ``--steps`` steps after
two warm-up steps.

    .venv/bin/python bench/bench_nextframe.py [--sizes 128 256] [--threads 1 2] [--steps 10] [--rounds 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from generator.media.ffmpeg_bin import find_tools  # noqa: E402
from generator.nextframe.dream import NextFrameSettings, dream, next_frame_pairs  # noqa: E402
from generator.nextframe.frames import decode, frame_size  # noqa: E402
from generator.nextframe.trainer import NextFrameTrainSettings, loss_of, to_tensor  # noqa: E402
from generator.nextframe.unet import UNet, UNetConfig  # noqa: E402


def bench(size: int, threads: int, steps: int, rounds: int, ts: NextFrameTrainSettings) -> tuple[float, float]:
    torch.set_num_threads(threads)
    w, h = frame_size(640, 360, size, 2 ** ts.depth)
    footage = decode(REPO / "content" / "films" / "clouds" / "clouds.mp4", find_tools(), w, h, max_frames=200)
    pairs = next_frame_pairs(footage)
    torch.manual_seed(0)
    model = UNet(UNetConfig(in_channels=pairs.in_channels, width=ts.width, depth=ts.depth))
    opt = torch.optim.AdamW(model.parameters(), lr=ts.learning_rate)

    def step(i: int) -> None:
        idx = [(i * ts.batch_size + j) % len(pairs) for j in range(ts.batch_size)]
        x = to_tensor(pairs.sources[pairs.inputs[idx]], "cpu")
        y = to_tensor(pairs.targets[pairs.targets_index[idx]], "cpu")
        loss = loss_of(model(x), y, ts.gradient_weight)
        opt.zero_grad()
        loss.backward()
        opt.step()

    step(0)
    step(1)
    best = float("inf")
    for r in range(rounds):
        t = time.perf_counter()
        for i in range(steps):
            step(i + r * steps)
        best = min(best, time.perf_counter() - t)
    train_fps = steps * ts.batch_size / best
    model.eval()
    n = max(20, steps * 3)
    gen = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        dream(model, footage, 2, NextFrameSettings(frames=n))
        gen = min(gen, time.perf_counter() - t)
    return train_fps, (n - 2) / gen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[128, 256])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    ts = NextFrameTrainSettings()
    print(f"U-Net width {ts.width}, depth {ts.depth}, batch {ts.batch_size}; "
          f"best of {args.rounds} x {args.steps} steps")
    print(f"{'size':>9} {'threads':>7} {'train frames/s':>15} {'dream frames/s':>15} "
          f"{'epochs of 600 frames in 10 min':>31}")
    results: dict[tuple[int, int], float] = {}
    for size in args.sizes:
        w, h = frame_size(640, 360, size, 2 ** ts.depth)
        for threads in args.threads:
            train_fps, gen_fps = bench(size, threads, args.steps, args.rounds, ts)
            results[size, threads] = train_fps
            print(f"{w:>4}x{h:<4} {threads:>7} {train_fps:>15.1f} {gen_fps:>15.1f} {train_fps:>31.1f}", flush=True)
    t0, t1 = args.threads[0], args.threads[-1]
    for size in args.sizes:
        if t1 != t0:
            print(f"{size} px: {t1} threads / {t0}: x{results[size, t1] / results[size, t0]:.2f}")
    if len(args.sizes) > 1:
        a, b = args.sizes[0], args.sizes[-1]
        print(f"{b} px costs x{results[a, t0] / results[b, t0]:.2f} the time of {a} px per frame ({t0} thread)")


if __name__ == "__main__":
    main()
