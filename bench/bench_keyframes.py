"""Keyframe stage vs bare ffmpeg decoding the same clip, measured side by side in one run.

    .venv/bin/python bench/bench_keyframes.py [--size 1280x720] [--duration 30] [--repeat 3]

Makes (once) a synthetic H.264 clip with hard cuts in bench/out/, then times, interleaved and
repeated (best of N, since other processes share the machine; CPU time of the ffmpeg processes is printed
too, as it is less disturbed by them):
  bare      ffmpeg -i clip -f null -            (decode only, default threads: the baseline)
  scene     bare + select on the scene score     (what scene detection alone costs)
  stage     generator.media.keyframes.extract_keyframes (decode, select, scale+JPEG the chosen frames)
and prints the ratio stage/bare. Goal: <= 1.25.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from media_fixtures import make_clip  # noqa: E402

from generator.config import KeyframeSettings  # noqa: E402
from generator.media.ffmpeg_bin import find_tools  # noqa: E402
from generator.media.keyframes import extract_keyframes  # noqa: E402
from generator.media.probe import probe  # noqa: E402
from generator.reporter import Reporter  # noqa: E402

OUT = REPO / "bench" / "out"


def bench_clip(size: str, duration: float) -> Path:
    path = OUT / f"keyframes-{size}-{duration:g}s.mp4"
    if not path.exists():
        print(f"making {path.relative_to(REPO)} (once) ...", flush=True)
        cuts = [t for t in range(5, int(duration), 5)]  # a cut every 5 s; 5 s shots > max_interval 4
        make_clip(path, duration=duration, size=size, rate=30, cuts=cuts, preset="veryfast", gop_seconds=2)
    return path


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the ffmpeg child processes)."""
    cpu, start = _child_cpu(), time.perf_counter()
    fn()
    return time.perf_counter() - start, _child_cpu() - cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--imageio", action="store_true", help="use the imageio-ffmpeg binary")
    args = ap.parse_args()
    if args.imageio:
        import os

        os.environ["ELECTRIC_SPEECH_FFMPEG"] = "imageio"

    tools = find_tools(Reporter())
    clip = bench_clip(args.size, args.duration)
    info = probe(clip, tools)
    settings = KeyframeSettings()
    ffmpeg = [tools.ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-i", str(clip)]

    def bare() -> None:
        subprocess.run([*ffmpeg, "-map", "0:v:0", "-f", "null", "-"], check=True)

    def scene() -> None:
        subprocess.run([*ffmpeg, "-map", "0:v:0", "-vf", f"select='gt(scene,{settings.scene_threshold})'",
                        "-f", "null", "-"], check=True)

    frames: list = []

    def stage() -> None:
        out = Path(tempfile.mkdtemp(prefix="kf-", dir=OUT))
        try:
            frames[:] = extract_keyframes(clip, info, settings, tools, out)
        finally:
            shutil.rmtree(out)

    runs: dict[str, list[tuple[float, float]]] = {"bare": [], "scene": [], "stage": []}
    bare()  # warm the page cache
    for _ in range(args.repeat):
        for name, fn in (("bare", bare), ("scene", scene), ("stage", stage)):
            runs[name].append(timed(fn))

    wall = {k: min(w for w, _ in v) for k, v in runs.items()}
    cpu = {k: min(c for _, c in v) for k, v in runs.items()}
    frame_count = round(info.duration * info.fps)
    print(f"clip: {clip.name}  {info.width}x{info.height} {info.fps:g} fps {info.duration:g} s, "
          f"ffmpeg: {tools.source} ({tools.ffmpeg}), best of {args.repeat}")
    for name in ("bare", "scene", "stage"):
        all_runs = " ".join(f"{w:.2f}" for w, _ in runs[name])
        print(f"  {name:<6} wall {wall[name]:5.2f} s ({frame_count / wall[name]:4.0f} fps)  "
              f"cpu {cpu[name]:5.2f} s   wall runs: {all_runs}")
    print(f"  keyframes: {len(frames)} ({sum(1 for f in frames if f[1])} at cuts)")
    ratio, cpu_ratio = wall["stage"] / wall["bare"], cpu["stage"] / cpu["bare"]
    print(f"ratio stage/bare: wall {ratio:.2f}, cpu {cpu_ratio:.2f}  "
          f"(goal <= 1.25: {'met' if ratio <= 1.25 else 'NOT met'})")


if __name__ == "__main__":
    main()
