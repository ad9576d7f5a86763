"""Museum scans through a whole build: every picture reaches the map whatever its size, the large ones are
published as IIIF level-0 tile pyramids whose deepest tiles are the source's pixels, the archive gets a valid
IIIF Presentation 3 manifest, and a decompression bomb is refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from archive_fixtures import make_archive
from iiif_fixtures import bomb_png, decode, save_jpeg, scan_pixels
from tools.iiif_check import problems

from generator.config import load_settings
from generator.pipeline import BuildOptions, BuildResult, build
from generator.reporter import Reporter

BASE = "https://museum.example/collection"


def _site(root: Path) -> Path:
    content = root / "content"
    make_archive(content / "archive")
    save_jpeg(content / "archive" / "scan.jpg", 3000, 2000)
    bomb_png(content / "archive" / "bomb.png")
    (content / "site.toml").write_text(f'[site]\nbase_url = "{BASE}/"\n[map]\nlayouts = ["umap", "grid"]\n', "utf-8")
    return content


def _build(content: Path, out: Path) -> tuple[Reporter, BuildResult]:
    reporter = Reporter(quiet=True)
    result = build(content, out, load_settings(content), reporter, BuildOptions())
    return reporter, result


def _records(out: Path) -> dict[str, dict]:
    manifest = json.loads((out / "map/manifest.json").read_text("utf-8"))
    folder = out / "map" / manifest["layers"]["archive"]["dir"] / "meta"
    return {r["id"]: r for p in sorted(folder.glob("*.json")) for r in json.loads(p.read_text("utf-8"))}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("iiif")
    content = _site(root)
    reporter, _ = _build(content, root / "site")
    return content, root / "site", reporter


def test_large_picture_is_tiled_and_its_deepest_tiles_are_the_source_pixels(built):
    _, out, _ = built
    rec = _records(out)["scan.jpg"]
    info_path = (out / "map" / rec["z"]).resolve()
    info = json.loads(info_path.read_text("utf-8"))
    assert (info["width"], info["height"], info["profile"], info["type"]) == (3000, 2000, "level0", "ImageService3")
    folder = info_path.parent
    assert info["id"] == f"{BASE}/iiif/{folder.name}"
    assert info["tiles"][0]["scaleFactors"][0] == 1 and info["tiles"][0]["width"] == 512
    # every tile a level-0 client may ask for is there: each scale factor's grid, at its canonical URL
    for tiles in info["tiles"]:
        size = tiles["width"]
        for f in tiles["scaleFactors"]:
            step = size * f
            for y in range(0, 2000, step):
                for x in range(0, 3000, step):
                    w, h = min(step, 3000 - x), min(step, 2000 - y)
                    tw, th = -(-w // f), -(-h // f)
                    region = "full" if (w, h) == (3000, 2000) else f"{x},{y},{w},{h}"  # the canonical form
                    assert (folder / f"{region}/{tw},{th}/0/default.jpg").is_file(), (f, x, y)
    for size in info.get("sizes", []):
        assert (folder / f"full/{size['width']},{size['height']}/0/default.jpg").is_file()
    tile = decode(folder / "1024,512,512,512/512,512/0/default.jpg").astype(int)
    source = scan_pixels(3000, 2000, (1024, 512, 512, 512)).astype(int)
    assert tile.shape == source.shape and np.abs(tile - source).mean() < 3  # JPEG at quality 90


def test_small_pictures_have_no_pyramid_and_the_map_offers_deep_zoom(built):
    _, out, _ = built
    records = _records(out)
    assert [i for i, r in records.items() if "z" in r] == ["scan.jpg"]
    manifest = json.loads((out / "map/manifest.json").read_text("utf-8"))
    assert manifest["iiif"] == "../iiif/manifest.json"
    if "deepzoom" in manifest:  # needs OpenSeadragon in node_modules (npm ci)
        script = manifest["deepzoom"]["script"].split("?")[0]
        assert (out / "map" / script).resolve().is_file()


def test_the_archive_manifest_is_valid_and_lists_every_picture_on_the_map(built):
    _, out, _ = built
    data = json.loads((out / "iiif/manifest.json").read_text("utf-8"))
    assert problems(data) == []
    assert len(data["items"]) == len(_records(out)) == 11
    tiled = [c for c in data["items"] if c["width"] == 3000]
    assert len(tiled) == 1
    services = [s for a in tiled[0]["items"][0]["items"] for s in a["body"].get("service", [])]
    assert services and services[0]["id"].startswith(f"{BASE}/iiif/")
    page = (out / "archive/index.html").read_text("utf-8")
    assert 'href="iiif/manifest.json"' in page or 'href="../iiif/manifest.json"' in page


def test_the_bomb_is_refused_in_one_line(built):
    _, out, reporter = built
    lines = [w for w in reporter.warnings if "bomb.png" in w]
    assert len(lines) == 1 and "100000x100000" in lines[0] and "max_megapixels" in lines[0] and "\n" not in lines[0]
    assert "bomb.png" not in _records(out)


def test_a_second_build_makes_no_tile_and_publishes_the_same(built):
    content, out, _ = built
    before = sorted(p.relative_to(out).as_posix() for p in (out / "iiif").rglob("*") if p.is_file())
    reporter, result = _build(content, out)
    after = sorted(p.relative_to(out).as_posix() for p in (out / "iiif").rglob("*") if p.is_file())
    assert before == after
    hits, misses = result.stats.cache.get("iiif-tiles", (0, 0))
    assert hits == 1 and misses == 0
