"""Dreams: a 512 px dream still on one thread (goal <= 5 s, the ratio printed), the channel atlas, and the
per-frame time of a dream film with the flow carry (and without, for comparison), with the flicker of each.

    .venv/bin/python bench/bench_dream.py [--preset ripples] [--threads 1] [--frames 20] [--film-size 256]
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

STILL_GOAL = 5.0  # seconds for a 512 px dream on one thread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="ripples", help="a built-in preset (default: ripples)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--frames", type=int, default=20, help="frames of the dream film")
    parser.add_argument("--film-size", type=int, default=256)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "dream")
    args = parser.parse_args()

    import torch

    from generator.dreams.ascent import Dreamer, load_rgb
    from generator.dreams.atlas import dream_channels
    from generator.dreams.film import dream_frames, flicker, read_frames
    from generator.dreams.presets import BUILTIN, FilmDream
    from generator.media.ffmpeg_bin import find_tools

    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    dreamer = Dreamer.get("cpu")
    print(f"model load {time.perf_counter() - t:5.2f} s")
    photo = REPO / "content" / "archive" / "photographs" / "chelsea.jpg"

    for name in (args.preset, "lace", "whorls"):
        preset = dataclasses.replace(BUILTIN[name], size=512)
        image = load_rgb(photo, 512)
        dreamer.dream(image[:64, :64], dataclasses.replace(preset, octaves=1, steps=1), args.threads)  # warm-up
        t = time.perf_counter()
        dreamer.dream(image, preset, args.threads)
        took = time.perf_counter() - t
        print(f"still {name:<9} {image.shape[1]}x{image.shape[0]}, block {preset.layer}, {preset.octaves} octaves x "
              f"{preset.steps} steps, {args.threads} thread(s): {took:5.2f} s = {STILL_GOAL / took:4.2f}x the goal "
              f"(<= {STILL_GOAL:.0f} s)")

    t = time.perf_counter()
    dream_channels(7, list(range(32)), size=96, steps=8, threads=args.threads)
    print(f"atlas     32 channels of block 7 at 96 px, 2 octaves x 8 steps: {time.perf_counter() - t:5.2f} s")

    ffmpeg = find_tools().ffmpeg
    clip = args.out / "zoom.mp4"
    seconds = args.frames / 10
    subprocess.run([ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", "mandelbrot=size=640x360:rate=10", "-t",
                    f"{seconds}", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(clip)],
                   check=True)
    job = FilmDream(BUILTIN[args.preset], seconds=seconds, size=args.film_size, fps=10)
    frames = read_frames(ffmpeg, clip, job)
    source = flicker(frames)
    for blend, label in ((0.9, "flow carry"), (0.0, "each alone")):
        t = time.perf_counter()
        out = dream_frames(frames, dataclasses.replace(job, blend=blend), args.threads)
        took = time.perf_counter() - t
        print(f"film      {label:<10} {len(frames)} frames {frames[0].shape[1]}x{frames[0].shape[0]}: "
              f"{took / len(frames):5.2f} s/frame; flicker above the source's {flicker(out) - source:5.2f}")


if __name__ == "__main__":
    main()
