"""Museum scans: the archive's thumbnails (and the embedder's input, the 512 px JPEG) of camera-size JPEGs
against the bare shrink-on-load decode of the same files, and the IIIF tile pyramid of a gigapixel scan
against libvips' own ``dzsave`` of it; side by side in one run.

    .venv/bin/python bench/bench_scans.py [--count 1000] [--megapixels 24] [--gigapixel 1.0] [--skip-pyramid]

Goals (issue "Museum scans"): thumbnails <= 1.25x the bare decode; the pyramid <= 2x dzsave's time.
The files are made first (one JPEG, copied with a distinct tail so each has its own hash, as distinct photos
do); the page cache is warmed before any timing, and the sides take turns, three times each, best kept.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))


def side_by_side(runs: int, sides: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Each side timed ``runs`` times, the sides taking turns (so a busy spell of the machine falls on both);
    the best time of each is printed and returned."""
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(runs):
        for name, fn in sides.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    for name, ts in times.items():
        print(f"  {name:<58} {min(ts):7.2f} s  (runs: {', '.join(f'{x:.2f}' for x in ts)})")
    return {name: min(ts) for name, ts in times.items()}


def thumbnails(tmp: Path, count: int, megapixels: float) -> float:
    from iiif_fixtures import save_jpeg
    from PIL import Image

    from generator.archive.images import LARGE_SIZE, make_thumbs
    from generator.cache import Cache
    from generator.reporter import Reporter

    w = int((megapixels * 1e6 * 3 / 2) ** 0.5)
    h = int(megapixels * 1e6 / w)
    base = save_jpeg(tmp / "base.jpg", w, h, quality=90)
    data = base.read_bytes()
    folder = tmp / "archive"
    folder.mkdir()
    paths = []
    for i in range(count):
        p = folder / f"{i:05d}.jpg"
        p.write_bytes(data + f"photo {i}".encode())  # after the end-of-image marker: read by no decoder
        paths.append(p)
    print(f"{count} JPEGs of {w} x {h} ({w * h / 1e6:.0f} MP, {len(data) / 1e6:.1f} MB each)")
    for p in paths:  # the page cache holds them all before either side is timed
        p.read_bytes()

    def bare_pillow() -> None:
        def one(p: Path) -> None:
            with Image.open(p) as im:  # the smallest scale whose longer side is >= 512 px
                w, h = im.size
                im.draft("RGB", (-(-LARGE_SIZE * w // max(w, h)), -(-LARGE_SIZE * h // max(w, h))))
                im.load()
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(one, paths))

    def ours() -> None:
        cache_dir = tmp / "cache"
        shutil.rmtree(cache_dir, ignore_errors=True)
        make_thumbs(paths, Cache(cache_dir), Reporter(quiet=True))

    print("thumbnails (two threads each)")
    sides: dict[str, Callable[[], object]] = {"bare decode (Pillow, JPEG draft, longer side >= 512)": bare_pillow}
    try:
        import pyvips

        def bare_vips() -> None:
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(lambda p: pyvips.Image.thumbnail(str(p), LARGE_SIZE).write_to_memory(), paths))
        sides["bare decode (libvips thumbnail to 512 px), for reference"] = bare_vips
    except ImportError:
        pass
    sides["the thumbnail stage (large + cell JPEGs, hashes, cache)"] = ours
    best = side_by_side(3, sides)
    bare, stage = best["bare decode (Pillow, JPEG draft, longer side >= 512)"], best[
        "the thumbnail stage (large + cell JPEGs, hashes, cache)"]
    ratio = stage / bare
    print(f"  ratio stage / bare decode: {ratio:.2f}x  (goal <= 1.25x)")
    return ratio


def pyramid(tmp: Path, gigapixels: float) -> float:
    import pyvips
    from iiif_fixtures import save_tiled_tiff

    from generator.cache import Cache
    from generator.iiif.pyramid import PLACEHOLDER, make_pyramid

    side = int((gigapixels * 1e9) ** 0.5)
    source = save_tiled_tiff(tmp / "scan.tif", side, side)
    print(f"tile pyramid of a {side} x {side} tiled TIFF ({side * side / 1e9:.2f} GP, "
          f"{source.stat().st_size / 1e6:.0f} MB), 512 px tiles, quality 90")
    source.read_bytes()

    def bare() -> None:
        out = tmp / "bare"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        im = pyvips.Image.new_from_file(str(source), access="sequential")
        im.dzsave(str(out / "p"), layout="iiif3", id=PLACEHOLDER, tile_size=512, overlap=0, suffix=".jpg[Q=90,strip]")

    def ours() -> None:
        cache_dir = tmp / "pcache"
        shutil.rmtree(cache_dir, ignore_errors=True)
        make_pyramid(source, Cache(cache_dir), 512, 90)

    bare_name, ours_name = "libvips dzsave (iiif3 layout)", "the pyramid stage (hash, worker, dzsave, cache commit)"
    best = side_by_side(3, {bare_name: bare, ours_name: ours})
    t_bare, t_ours = best[bare_name], best[ours_name]
    ratio = t_ours / t_bare
    print(f"  ratio stage / dzsave: {ratio:.2f}x  (goal <= 2x)")
    return ratio


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=1000, help="camera JPEGs in the archive (default 1000)")
    ap.add_argument("--megapixels", type=float, default=24.0, help="size of each (default 24)")
    ap.add_argument("--gigapixel", type=float, default=1.0, help="size of the scan to tile, in GP (default 1)")
    ap.add_argument("--skip-pyramid", action="store_true")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="scanbench-"))
    try:
        thumbnails(tmp, a.count, a.megapixels)
        if not a.skip_pyramid:
            pyramid(tmp, a.gigapixel)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
