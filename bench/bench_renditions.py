"""The renditions stage vs bare ffmpeg with the same settings on the same file, side by side in one run.

    .venv/bin/python bench/bench_renditions.py [--size 1280x720] [--duration 20] [--repeat 3]

Makes (once, in bench/out/) a 10-bit HEVC clip like a phone's, then times in turn, repeated:
  bare   ffmpeg with exactly the command the stage runs (from generator.media.rendition_plan)
  stage  generator.media.renditions.rendition_cached into an empty cache (probe excluded)
and prints the median ratio stage/bare of the pairs. Goal: <= 1.1.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from media_fixtures import make_camera_file  # noqa: E402

from generator.cache import Cache  # noqa: E402
from generator.config import VideoSettings  # noqa: E402
from generator.media import rendition_plan as rp  # noqa: E402
from generator.media.ffmpeg_bin import find_tools  # noqa: E402
from generator.media.probe import ffmpeg_input, probe  # noqa: E402
from generator.media.renditions import rendition_cached, resolve_encoder  # noqa: E402
from generator.reporter import Reporter  # noqa: E402

OUT = REPO / "bench" / "out"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--duration", type=float, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--preset", default="medium")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    clip = OUT / f"renditions-hevc10-{args.size}-{args.duration:g}s.mov"
    if not clip.exists():
        make_camera_file(clip.with_suffix(""), "phone-hevc10-rotated", duration=args.duration, size=args.size,
                         cuts=tuple(float(t) for t in range(4, int(args.duration), 4)))
    tools = find_tools()
    info = probe(clip, tools)
    settings = VideoSettings(preset=args.preset)
    plan = rp.plan(info, settings, resolve_encoder(settings, tools))
    print(f"{clip.name}: {info.codec} {info.pix_fmt} {info.width}x{info.height} rotated {info.rotation}, "
          f"{info.duration:.1f} s -> H.264 {plan.width}x{plan.height} ({plan.encoder}, preset {args.preset})")
    bare_times, stage_times = [], []
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        for _ in range(args.repeat):
            out = Path(tmp) / "bare.mp4"
            cmd = rp.mp4_command(tools.ffmpeg, ffmpeg_input(clip), info, plan, settings, str(out))
            t = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            bare_times.append(time.perf_counter() - t)
            cache_dir = Path(tmp) / "cache"
            shutil.rmtree(cache_dir, ignore_errors=True)
            t = time.perf_counter()
            rendition_cached(clip, info, settings, tools, Cache(cache_dir), Reporter(quiet=True))
            stage_times.append(time.perf_counter() - t)
    ratios = [s / b for s, b in zip(stage_times, bare_times)]
    for name, times in (("bare", bare_times), ("stage", stage_times)):
        runs = ", ".join(f"{x:.2f}" for x in times)
        print(f"{name:<6} median {statistics.median(times):6.2f} s  (runs: {runs})")
    verdict = "PASS" if statistics.median(ratios) <= 1.1 else "FAIL"
    print(f"stage/bare median of pairs: {statistics.median(ratios):.3f}  (goal <= 1.1: {verdict})")


if __name__ == "__main__":
    main()
