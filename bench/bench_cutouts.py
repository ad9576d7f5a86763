"""Cut-outs per second, per cutter, on scikit-image's photographs (astronaut, coffee, chelsea, rocket) and
synthetic scans, each cut as the collages stage cuts it (the picture at most 1024 px), the best of
``--rounds``; with the IoU against the hand-traced masks (tests/fixtures/cutout_masks.json) and, for the
paper cutter, against the synthetic scans' true masks.

    .venv/bin/python bench/bench_cutouts.py [--rounds 1] [--threads 1] [--cutters isnet:small isnet:medium ...]

IS-Net runs only where the optional model is installed (bash .ci/setup); ``isnet:medium`` only where
``python -m generator.collage.isnet_install --variants small medium`` kept it too. The baseline is GrabCut:
the ratio printed is each cutter's speed over GrabCut's.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from collage_fixtures import hand_mask, iou, synthetic_scan  # noqa: E402

from generator.collage.isnet_model import missing_model  # noqa: E402

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")
TRACED = ("astronaut", "coffee")


def make(spec: str, threads: int):
    from generator.collage.cutters import GrabCutCutter, PaperCutter
    from generator.collage.isnet import IsNetCutter
    from generator.collage.person import PersonCutter

    if spec.startswith("isnet"):
        return IsNetCutter(spec, threads=threads)
    if spec == "person":
        return PersonCutter(threads=threads)
    return {"paper": PaperCutter, "grabcut": GrabCutCutter}[spec]()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime threads for IS-Net (0: all cores)")
    parser.add_argument("--cutters", nargs="+", default=["grabcut", "paper", "isnet:small", "isnet:medium", "person"])
    args = parser.parse_args()
    import cv2
    from skimage import data

    cv2.setNumThreads(args.threads)
    photos = {n: getattr(data, n)() for n in PHOTOS}
    scans = [synthetic_scan(s, (768, 1024)) for s in range(3)]
    rates: dict[str, float] = {}
    for spec in args.cutters:
        why = missing_model(spec) if spec.startswith("isnet") else ""
        if why:
            print(f"{spec:13s} skipped: {why}")
            continue
        cutter = make(spec, args.threads)
        inputs = [img for img, _ in scans] if spec == "paper" else list(photos.values())
        cutter.cut(inputs[0][:64, :64].copy())  # load the model / warm up outside the timing
        best = float("inf")
        mattes = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            mattes = [cutter.cut(img) for img in inputs]
            best = min(best, time.perf_counter() - start)
        rates[spec] = len(inputs) / best
        if spec == "paper":
            scores = [iou(m, truth) for m, (_, truth) in zip(mattes, scans)]
            what = "IoU on synthetic scans"
        else:
            scores = [iou(mattes[PHOTOS.index(n)], hand_mask(n, photos[n].shape)) for n in TRACED]
            what = "IoU on hand-traced " + "/".join(TRACED)
        ratio = f"{rates[spec] / rates['grabcut']:.2f}x grabcut" if "grabcut" in rates else ""
        print(f"{spec:13s} {rates[spec]:6.2f} cut-outs/s ({best / len(inputs):.2f} s each, {args.threads} thread(s)) "
              f"{ratio:>14s}   {what}: {', '.join(f'{s:.3f}' for s in scores)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
