"""Hours of footage with bounded memory: a long synthetic 720p film through probe, keyframes and
renditions (the MP4 and the HLS ladder), with the peak memory of every process involved.

    .venv/bin/python bench/bench_long_film.py [--hours 2] [--fps 24] [--preset veryfast]

Makes (once, in bench/out/) an MPEG-4 Part 2 film of that length (not web-ready, so the renditions stage
really encodes it), then runs the three steps into a fresh cache and prints wall time, this process's peak
RSS and the largest ffmpeg's peak RSS. Goal: both <= 600 MB. Nothing is written outside bench/out/.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from generator.cache import Cache  # noqa: E402
from generator.config import KeyframeSettings, VideoSettings  # noqa: E402
from generator.media.ffmpeg_bin import find_tools  # noqa: E402
from generator.media.keyframes import keyframes_cached  # noqa: E402
from generator.media.probe import probe_cached  # noqa: E402
from generator.media.renditions import rendition_cached  # noqa: E402
from generator.reporter import Reporter  # noqa: E402

OUT = REPO / "bench" / "out"


def make_film(path: Path, seconds: float, fps: int) -> None:
    """A minute of three 20 s shots (so keyframes have cuts to find), then that minute repeated with its
    streams copied: quick to make, and no step of making it holds more than a frame or two."""
    minute = path.with_name(f".minute-{fps}fps.avi")
    graph = ";".join(f"[{i}:v]trim=duration=20,setpts=PTS-STARTPTS,format=yuv420p[s{i}]" for i in range(3))
    graph += ";[s0][s1][s2]concat=n=3:v=1[v]"
    inputs = []
    for src in ("testsrc2", "smptebars", "rgbtestsrc"):
        inputs += ["-f", "lavfi", "-i", f"{src}=size=1280x720:rate={fps}"]
    run = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"]
    subprocess.run([*run, *inputs, "-f", "lavfi", "-i", "sine=frequency=220:duration=60", "-filter_complex", graph,
                    "-map", "[v]", "-map", "3:a", "-c:v", "mpeg4", "-q:v", "6", "-g", str(fps * 4), "-c:a",
                    "mp3", "-b:a", "96k", str(minute)], check=True)
    loops = max(0, int(seconds // 60) - 1)
    subprocess.run([*run, "-stream_loop", str(loops), "-i", str(minute), "-c", "copy", "-t", str(seconds),
                    str(path)], check=True)
    minute.unlink()


def mb(kib: int) -> float:
    return kib / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--fps", type=int, default=24)
    ap.add_argument("--preset", default="veryfast")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    seconds = args.hours * 3600
    film = OUT / f"long-{args.hours:g}h-720p-{args.fps}fps.avi"
    if not film.exists():
        t = time.perf_counter()
        make_film(film, seconds, args.fps)
        print(f"made {film.name} ({film.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - t:.0f} s")
    cache_dir = OUT / "long-film-cache"
    shutil.rmtree(cache_dir, ignore_errors=True)
    cache, tools, reporter = Cache(cache_dir), find_tools(), Reporter()
    steps = []
    t = time.perf_counter()
    info = probe_cached(film, tools, cache)
    steps.append(("probe", time.perf_counter() - t))
    t = time.perf_counter()
    frames = keyframes_cached(film, info, KeyframeSettings(), tools, cache, reporter)
    steps.append((f"keyframes ({len(frames)})", time.perf_counter() - t))
    t = time.perf_counter()
    rend = rendition_cached(film, info, VideoSettings(preset=args.preset), tools, cache, reporter, "long")
    steps.append((f"renditions (MP4 + HLS {' '.join(rend.rungs)})", time.perf_counter() - t))
    cache.flush()
    for name, secs in steps:
        print(f"{name:<40} {secs:8.1f} s")
    own = mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    child = mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    verdict = "PASS" if max(own, child) <= 600 else "FAIL"
    print(f"peak RSS: this process {own:.0f} MB, largest ffmpeg {child:.0f} MB (goal <= 600 MB each: {verdict})")
    print(f"rendition: {rend.mp4.stat().st_size / 1e9:.2f} GB MP4, {rend.width}x{rend.height}")


if __name__ == "__main__":
    main()
