"""Museum scans end to end: a 200 MP JPEG and a 1 GP tiled TIFF (made here) go through a whole build in its
own process, whose peak memory is measured, reach the map, and zoom in Chromium to their full resolution,
where the tile drawn is the source's own pixels."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from archive_fixtures import make_archive
from browser.test_deepzoom_browser import LAPTOP, full_resolution_tiles, new_page, open_viewer, settle
from iiif_fixtures import decode, save_jpeg, save_tiled_tiff, scan_pixels

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a 1 GP picture made, read and tiled: about 2 minutes
SCANS = {"plate-200mp.jpg": (14_142, 14_142), "sheet-1gp.tif": (32_000, 32_000)}


def _records(site: Path) -> dict[str, dict]:
    manifest = json.loads((site / "map/manifest.json").read_text("utf-8"))
    folder = site / "map" / manifest["layers"]["archive"]["dir"] / "meta"
    return {r["id"]: r for p in sorted(folder.glob("*.json")) for r in json.loads(p.read_text("utf-8"))}


@pytest.fixture(scope="module")
def scans_site(tmp_path_factory, serve_dir):
    tmp = tmp_path_factory.mktemp("scans")
    content = tmp / "content"
    make_archive(content / "archive")
    save_jpeg(content / "archive" / "plate-200mp.jpg", *SCANS["plate-200mp.jpg"], quality=80)
    save_tiled_tiff(content / "archive" / "sheet-1gp.tif", *SCANS["sheet-1gp.tif"])
    (content / "site.toml").write_text('[map]\nlayouts = ["grid"]\nlayout = "grid"\n'
                                       "[search]\nenabled = false\n", "utf-8")
    # the build runs under a small parent of its own, whose children are only the build and what the build
    # starts (its libvips worker, ffmpeg ...): their largest resident size is the build's peak
    measure = ("import resource, subprocess, sys; rc = subprocess.run(sys.argv[1:]).returncode; "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(rc)")
    run = subprocess.run([sys.executable, "-c", measure, sys.executable, str(REPO / "build.py"), "build", "--content",
                          str(content), "--out", str(tmp / "site"), "-q"], capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    peak_kb = int(run.stdout.split()[-1])
    print(f"peak RSS of the build: {peak_kb / 1024:.0f} MiB")
    return {"content": content, "site": tmp / "site", "url": serve_dir(tmp / "site") + "map/", "peak_kb": peak_kb}


def test_the_build_stays_under_a_gigabyte(scans_site):
    assert scans_site["peak_kb"] < 1024 * 1024, f"peak RSS {scans_site['peak_kb'] / 1024:.0f} MiB"
    records = _records(scans_site["site"])
    for name, (w, h) in SCANS.items():
        assert (records[name]["w"], records[name]["h"]) == (w, h) and "z" in records[name]


@pytest.mark.parametrize("name, at", [("plate-200mp.jpg", (7_168, 9_216)), ("sheet-1gp.tif", (20_480, 30_208))])
def test_a_scan_zooms_to_its_own_pixels_in_chromium(browser, scans_site, name, at):
    site, (w, h) = scans_site["site"], SCANS[name]
    key = (site / "map" / _records(site)[name]["z"]).resolve().parent.name
    page = new_page(browser, LAPTOP)
    x, y = at
    open_viewer(page, f"{scans_site['url']}#item={name}&xywh={x},{y},512,512")
    settle(page)
    page.evaluate("(() => { const vp = window.electricMap.deepzoom.viewport; "
                  "vp.zoomTo(vp.imageToViewportZoom(1)); })()")
    settle(page)
    tiles = full_resolution_tiles(page.requests, key)
    assert tiles, "no full-resolution tile was requested"
    assert page.problems == []
    page.screenshot(path=f"/tmp/deepzoom-{name}.png")
    page.context.close()
    # the first tile drawn at 1:1 is the source's pixels: the scan file's own, as a decoder reads them (the
    # JPEG scan differs from the pattern it was made of by more than the tile's JPEG adds)
    import pyvips

    tile_path = tiles[0].split(f"/iiif/{key}/", 1)[1]
    tx, ty, tw, th = map(int, tile_path.split("/")[0].split(","))
    tile = decode(site / "iiif" / key / tile_path).astype(int)
    source = pyvips.Image.new_from_file(str(scans_site["content"] / "archive" / name)).crop(tx, ty, tw, th)
    assert np.abs(tile - source.numpy().astype(int)).mean() < 3
    assert np.abs(tile - scan_pixels(w, h, (tx, ty, tw, th)).astype(int)).mean() < 20  # and it is that place
