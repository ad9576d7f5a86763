"""Embedding throughput of the pipeline (decode + preprocess in a loader thread, forward, sharded store
writes) against the bare batched forward pass of the same model on pre-decoded batches.

    .venv/bin/python bench/map/bench_embed.py [N=512] [--size 256] [--batch 32]

Goal from the issue: pipeline time <= 1.25x the forward pass. Also reports the thumbnail stage."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench" / "map"))


def main() -> None:
    import synth

    from generator.archive.embed import EmbeddingStore, create_embedder, embed_missing
    from generator.archive.images import make_thumbs
    from generator.cache import Cache
    from generator.config import MapSettings
    from generator.reporter import Reporter

    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=512)
    ap.add_argument("--size", type=int, default=256, help="pixel size of the synthetic originals")
    ap.add_argument("--batch", type=int, default=32)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="embedbench-"))
    ids = synth.make_archive(tmp / "content", a.n, size=a.size, metadata=False)
    paths = [tmp / "content" / "archive" / i for i in ids]
    cache = Cache(tmp / "cache")
    reporter = Reporter(quiet=True)
    t = time.perf_counter()
    thumbs = make_thumbs(paths, cache, reporter)
    t_thumb = time.perf_counter() - t
    print(f"{a.n} images of {a.size} px: thumbnails {a.n / t_thumb:.0f} img/s")
    settings = MapSettings(batch_size=a.batch)
    embedder = create_embedder("efficientnet", settings)
    jobs = [(th.key, th.large) for th in thumbs]
    batches = [jobs[i:i + a.batch] for i in range(0, len(jobs), a.batch)]
    embedder.forward(embedder.preprocess([jobs[0][1]] * 2))  # load the model and warm up
    prepared = [embedder.preprocess([p for _, p in b]) for b in batches]
    t = time.perf_counter()
    for x in prepared:
        embedder.forward(x)
    t_raw = time.perf_counter() - t
    store = EmbeddingStore(cache, embedder.identity())
    t = time.perf_counter()
    embed_missing(embedder, store, jobs, reporter, a.batch)
    t_pipe = time.perf_counter() - t
    print(f"raw forward pass   {a.n / t_raw:7.1f} img/s  ({t_raw:.1f} s)")
    print(f"pipeline (embed)   {a.n / t_pipe:7.1f} img/s  ({t_pipe:.1f} s)")
    print(f"ratio pipeline / forward: {t_pipe / t_raw:.2f}x  (goal <= 1.25x)")


if __name__ == "__main__":
    main()
