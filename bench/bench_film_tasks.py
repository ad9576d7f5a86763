"""Keyframes and renditions of several films: the local loop against Ray tasks, side by side in one run.

Makes ``--films`` synthetic films (``--seconds`` each, 640x360, rotated 90° so every one is re-encoded, as a
phone clip is), then runs the media and renditions stages on them twice, each time on an empty cache:

* local — the stages' own loop in the build process, one ffmpeg after another;
* ray   — one Ray task per film (a local Ray with one CPU per core), started before the clock starts, so the
          figure is the work itself; Ray's start-up (6-10 s here) is printed separately.

ffmpeg already uses every core for one encode, so on a small machine tasks can only win the time one film's
decode or mux leaves cores idle; on a cluster every node encodes its own film. Ray starts its workers at
nice 15 (its default worker niceness), so while anything else runs on the machine, the tasks' ffmpeg gets
only what is left of the CPU: run this on a quiet machine, and read the result as the overhead of tasks.

    .venv/bin/python bench/bench_film_tasks.py [--films 4] [--seconds 20] [--preset veryfast]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from media_fixtures import make_clip  # noqa: E402

from generator.cache import Cache  # noqa: E402
from generator.config import Settings  # noqa: E402
from generator.model import Film  # noqa: E402
from generator.reporter import Reporter  # noqa: E402
from generator.stages import StageContext, media, renditions  # noqa: E402


def run(folder: Path, films: list[Path], executor: str, preset: str) -> float:
    cache_dir = folder / f"cache-{executor}"
    shutil.rmtree(cache_dir, ignore_errors=True)
    settings = Settings()
    settings.build.executor = executor
    settings.video.preset = preset
    ctx = StageContext(folder, settings, Cache(cache_dir), Reporter(quiet=True))
    if executor == "ray":
        started = time.perf_counter()
        ctx.executor().run_tasks(abs, [1])  # Ray up and a worker running before the clock starts
        print(f"ray start-up: {time.perf_counter() - started:.1f} s")
    items = [Film(p.stem, p.stem, p.with_suffix(".md"), p) for p in films]
    start = time.perf_counter()
    done = renditions.run(ctx, media.run(ctx, items))
    seconds = time.perf_counter() - start
    ctx.close()
    assert len(done) == len(films), "a film failed"
    return seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--films", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--preset", default="veryfast")
    args = ap.parse_args()
    folder = REPO / "bench" / "out" / "film_tasks"
    folder.mkdir(parents=True, exist_ok=True)
    films = []
    for i in range(args.films):
        path = folder / f"film{i}-{args.seconds:g}s.mp4"
        if not path.exists():
            make_clip(path, duration=args.seconds, size="640x360", cuts=(args.seconds / 2,), rotate=90, audio=True)
        films.append(path)
    local = run(folder, films, "local", args.preset)
    ray = run(folder, films, "ray", args.preset)
    print(f"{args.films} films of {args.seconds:.0f} s, keyframes + renditions ({args.preset}):")
    print(f"  local loop  {local:7.1f} s")
    print(f"  ray tasks   {ray:7.1f} s   ({ray / local:.2f}x the local time)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
