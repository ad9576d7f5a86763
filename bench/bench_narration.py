"""Narration: how fast each voice speaks (seconds of speech per second of work, against real time) and what
mixing a two-hour film's track costs (time, peak memory). Goals: Piper at least 3x real time on one
build (so speaking never dominates a cold build of footage), the two-hour mix under 300 MB peak RSS.

    .venv/bin/python bench/bench_narration.py [--sentences 12] [--voices piper espeak-ng]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SENTENCES = [
    "There is a cat here, in shades of brown.",
    "There is a cup of espresso here, in shades of orange.",
    "In soft, cool light, a rocket against a blue sky.",
    "A person; the light is warm.",
    "Perhaps a castle under a pale sky, or maybe a church.",
    "Most likely a daisy, or perhaps a mushroom, in warm light.",
    "What looks like a motorbike; the light is warm.",
    "A grey sky over a quiet sea, with the light going down.",
]
PIPER_GOAL = 3.0  # x real time
MIX_GOAL_MB = 300


def bench_voice(spec: str, n: int) -> None:
    from generator import registry

    voice = registry.create("voice", spec)
    start = time.perf_counter()
    voice.speak("Warming up.", 1.0)  # loads the model: reported apart
    load = time.perf_counter() - start
    spoken = 0.0
    start = time.perf_counter()
    for i in range(n):
        pcm, rate = voice.speak(SENTENCES[i % len(SENTENCES)], 1.0)
        spoken += len(pcm) / 2 / rate
    took = time.perf_counter() - start
    goal = f" (goal >= {PIPER_GOAL:.0f}x)" if spec == "piper" else ""
    print(f"{spec:<10} load {load:5.2f} s, {n} sentences: {spoken:5.1f} s of speech in {took:5.2f} s = "
          f"{spoken / took:4.1f}x real time{goal}")


def bench_mix(out: Path) -> None:
    from generator.narration.fit import Line
    from generator.narration.mix import RATE, mix_track, wav_bytes

    out.mkdir(parents=True, exist_ok=True)
    sentence = out / "sentence.wav"
    sentence.write_bytes(wav_bytes(b"\x20\x00" * int(2.5 * RATE), RATE))
    duration = 2 * 3600.0
    lines = [Line(i, "x.", i * 4.0, 2.5, 1.0, "fits", "s") for i in range(int(duration // 4))]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    mix_track(lines, {"s": sentence}, duration, out / "track.wav")
    took = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"mix of a 2-hour track, {len(lines)} sentences: {took:.2f} s, peak RSS {peak:.0f} MB "
          f"(+{peak - before:.0f} MB; goal < {MIX_GOAL_MB} MB)")
    (out / "track.wav").unlink()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sentences", type=int, default=12)
    ap.add_argument("--voices", nargs="*", default=["piper", "espeak-ng"])
    args = ap.parse_args()
    from generator import registry

    for spec in args.voices:
        why = registry.resolve("voice", spec).unavailable()
        if why:
            print(f"{spec:<10} skipped: {why}")
            continue
        bench_voice(spec, args.sentences)
    bench_mix(REPO / "bench" / "out" / "narration")


if __name__ == "__main__":
    main()
