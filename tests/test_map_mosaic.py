"""Pictures at every zoom: sizes from the layout's density, the push that removes overlaps (and what it
costs in neighbourhood preservation), the grid as a mosaic without holes, the scale files, and the
overview pyramid of mosaic tiles."""

from __future__ import annotations

import json

import numpy as np
import pytest

from generator.archive import lattice, mosaic, tiles
from generator.archive.atlas import AtlasLevel, render_page
from generator.archive.mapdata import SCALE_UNIT, LayerData, write_layer
from generator.cache import Cache
from generator.reporter import Reporter


def clustered(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """An embedding of a few clusters (16-d) and a 2-d map of it that keeps its neighbourhoods."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(8, 16)) * 4
    c = rng.integers(0, 8, n)
    Y = (centres[c] + rng.normal(size=(n, 16))).astype(np.float32)
    P = Y[:, :2] * np.where(c % 2, 0.3, 1.0)[:, None]  # clusters of different density on the map
    return Y, P.astype(np.float32)


def square_overlaps(P: np.ndarray, sizes: np.ndarray) -> int:
    d = np.abs(P[:, None, :] - P[None, :, :])
    need = (sizes[:, None] + sizes[None, :]) / 2
    hit = (d[..., 0] < need * (1 - 1e-6)) & (d[..., 1] < need * (1 - 1e-6))
    np.fill_diagonal(hit, False)
    return int(hit.sum() // 2)


def test_sizes_follow_the_local_density(test_seed):
    rng = np.random.default_rng(test_seed + 1)
    dense = rng.normal(size=(300, 2)) * 0.05
    sparse = rng.normal(size=(300, 2)) * 0.5 + 3
    s = mosaic.local_sizes(np.concatenate([dense, sparse]))
    # ten times the spread, several times the size (seeds 1-30: 3.5-5.4 times; 4 held for the first seed only)
    assert np.median(s[300:]) > 3 * np.median(s[:300])
    assert s.max() <= mosaic.MAX_SCALE * np.median(s) * 1.0001


def test_spread_leaves_no_overlap_and_sizes_vary(test_seed):
    _, P = clustered(600, test_seed)
    sp = mosaic.spread(P)
    world = sp.scales * sp.size
    assert square_overlaps(sp.positions.astype(np.float64), world) == 0
    assert sp.overlap_before > 0.5 and sp.overlap_after == 0.0
    assert np.percentile(sp.scales, 90) > 1.5 * np.percentile(sp.scales, 10)
    assert abs(float(np.median(sp.scales)) - 1.0) < 0.02
    # images stay near where the layout put them: the median move is about one image's size (seeds 0-29:
    # 0.68-1.14 of it)
    moved = np.linalg.norm(sp.positions - P, axis=1) / world
    assert np.median(moved) < 1.5


def test_spread_separates_exact_duplicates(test_seed):
    P = np.concatenate([np.zeros((5, 2)), np.random.default_rng(test_seed).normal(size=(50, 2))]).astype(np.float32)
    sp = mosaic.spread(P)
    assert len({tuple(p) for p in sp.positions[:5].round(6).tolist()}) == 5


def test_preservation_before_and_after_the_push(test_seed):
    """The push may cost at most 0.05 of neighbourhood preservation@10 (the issue's limit; seeds 0-7: at most
    0.004)."""
    Y, P = clustered(1500, test_seed)
    sp, st = mosaic.mosaic(Y, P)
    assert set(st) >= {"before", "after", "overlap_before", "overlap_after", "rounds"}
    assert 0 < st["after"] <= 1 and 0 < st["before"] <= 1
    assert st["before"] - st["after"] <= 0.05, st
    assert st["overlap_after"] == 0.0
    m = mosaic.Preservation(Y)
    assert m(sp.positions) == st["after"] and m(P) == st["before"]


def test_a_push_that_costs_too_much_is_replaced_by_a_gentler_one(test_seed):
    Y, P = clustered(800, test_seed)
    # a first try that scrambles neighbourhoods (huge images pushed for long) must be given up
    _, st = mosaic.mosaic(Y, P, tries=((6.0, 40), (0.9, 8)))
    assert st["grow"] == 0.9 and st["before"] - st["after"] <= mosaic.MAX_LOSS


def holes(G: np.ndarray, step: float) -> int:
    """Empty cells of the grid's bounding box that cannot reach its border through empty cells."""
    cells = np.rint((G - G.min(0)) / step).astype(int)
    W, H = cells.max(0) + 1
    full = np.zeros((W + 2, H + 2), bool)
    full[cells[:, 0] + 1, cells[:, 1] + 1] = True
    seen = np.zeros_like(full)
    stack = [(0, 0)]
    while stack:
        x, y = stack.pop()
        if not (0 <= x < W + 2 and 0 <= y < H + 2) or seen[x, y] or full[x, y]:
            continue
        seen[x, y] = True
        stack += [(x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)]
    return int((~full & ~seen).sum())


@pytest.mark.parametrize("n", [1000, 1003, 2500, 4097])
def test_grid_is_a_mosaic_without_holes(n):
    P = np.random.default_rng(n).normal(size=(n, 2)).astype(np.float32)
    G, step = lattice.grid_layout(P)
    assert len({tuple(c) for c in np.rint((G - G.min(0)) / step).astype(int).tolist()}) == n
    assert holes(G, step) == 0


def test_scales_are_written_beside_the_positions():
    from generator.site.output import OutputTree

    n = 10
    scales = np.linspace(0.5, 3, n).astype(np.float32)
    layer = LayerData(name="archive", count=n, positions={"umap": np.random.default_rng(0).normal(size=(n, 2))},
                      colors=np.zeros((n, 3), np.uint8), aspect=np.full((n, 2), 255, np.uint8),
                      records=[{} for _ in range(n)], search=[["t", str(i)] for i in range(n)],
                      ids=[str(i) for i in range(n)], scales={"umap": scales})
    tree = OutputTree()
    entry = write_layer(tree, "map/data/archive/", layer, [])
    info = entry["positions"]["umap"]
    assert info["scale"] == "scale-umap.bin" and info["scale_unit"] == SCALE_UNIT
    codes = np.frombuffer(tree.files["map/data/archive/scale-umap.bin"], np.uint8)  # type: ignore[arg-type]
    assert np.allclose(codes / SCALE_UNIT, scales, atol=0.5 / SCALE_UNIT)


# ------------------------------------------------------------------ the overview pyramid

def tiny_layer(tmp_path, n: int = 600):
    """n images of four flat colours (by quadrant) on a spread map, with a 32 px atlas of them."""
    from PIL import Image

    _, P = clustered(n)
    sp = mosaic.spread(P)
    colours = [(200, 40, 40), (40, 200, 40), (40, 40, 200), (220, 220, 40)]
    quad = (sp.positions[:, 0] > np.median(sp.positions[:, 0])).astype(int) * 2 + (
        sp.positions[:, 1] > np.median(sp.positions[:, 1]))
    level = AtlasLevel(32)
    pages = []
    for p in range(level.pages_for(n)):
        start = p * level.per_page
        count = min(level.per_page, n - start)
        path = tmp_path / f"page{p}.jpg"
        path.write_bytes(render_page(level, start, count, lambda i: Image.new("RGB", (32, 32), colours[quad[i]])))
        pages.append(path)
    layer = LayerData(name="archive", count=n, positions={"umap": sp.positions},
                      colors=np.zeros((n, 3), np.uint8), aspect=np.full((n, 2), 255, np.uint8), records=[],
                      search=[], ids=[], scales={"umap": sp.scales})
    return layer, sp, quad, colours, {32: pages}, level


def test_pyramid_tiles_show_every_image_in_its_place(tmp_path):
    from PIL import Image

    layer, sp, quad, colours, atlas, level = tiny_layer(tmp_path)
    cache = Cache(tmp_path / "cache")
    made = tiles.build_tiles(layer, {"umap": sp.size}, atlas, [level], [str(i) for i in range(layer.count)],
                             cache, Reporter(quiet=True), minimum=0, fills={"umap": "contain"})
    pyr = made["umap"]
    assert pyr.levels >= 2
    # the finest level draws the median image about FINEST_PX wide
    side = pyr.rect[2] - pyr.rect[0]
    px = sp.size / side * tiles.TILE * 2 ** (pyr.levels - 1)
    assert tiles.FINEST_PX <= px < 2 * tiles.FINEST_PX + 1
    # level 0 is one tile; every level's bitmap lists the tiles written, and no others
    for z in range(pyr.levels):
        listed = tiles._tiles_of(pyr.have[z], z)
        files = sorted((pyr.folder / str(z)).glob("*.jpg"))
        assert len(listed) == len(files) >= 1
    # each image's centre, looked up in the finest tiles, has its own colour
    Z = pyr.levels - 1
    span = tiles.TILE * 2 ** Z
    ok = 0
    for i in range(0, layer.count, 7):
        x = (sp.positions[i, 0] - pyr.rect[0]) / side * span
        y = (pyr.rect[3] - sp.positions[i, 1]) / side * span
        tx, ty = int(x // tiles.TILE), int(y // tiles.TILE)
        with Image.open(pyr.folder / str(Z) / f"{tx}-{ty}.jpg") as im:
            got = np.array(im.convert("RGB").getpixel((int(x % tiles.TILE), int(y % tiles.TILE))))
        ok += np.abs(got - np.array(colours[quad[i]])).max() < 40
    assert ok >= 0.95 * len(range(0, layer.count, 7))
    # level 0 is the whole map halved down: its colours are the images' (not just background)
    with Image.open(pyr.folder / "0" / "0-0.jpg") as im:
        a = np.asarray(im.convert("RGB"), np.int16)
    assert (np.abs(a - np.array(tiles.BACKGROUND)).max(2) > 30).mean() > 0.1
    # a second build reads the pyramid back from the cache
    again = tiles.build_tiles(layer, {"umap": sp.size}, atlas, [level], [str(i) for i in range(layer.count)],
                              cache, Reporter(quiet=True), minimum=0, fills={"umap": "contain"})
    assert again["umap"].have == pyr.have and again["umap"].folder == pyr.folder
    assert cache.summary()[tiles.TILES_STAGE] == (1, 1)


def test_small_layers_get_no_pyramid(tmp_path):
    layer, sp, _, _, atlas, level = tiny_layer(tmp_path, 100)
    assert tiles.build_tiles(layer, {"umap": sp.size}, atlas, [level], [], Cache(tmp_path / "c"),
                             Reporter(quiet=True)) == {}


def test_pyramid_entry_in_the_layer_manifest(tmp_path):
    from generator.site.output import OutputTree

    layer, sp, _, _, atlas, level = tiny_layer(tmp_path, 300)
    layer.tiles = tiles.build_tiles(layer, {"umap": sp.size}, atlas, [level], [str(i) for i in range(300)],
                                    Cache(tmp_path / "c"), Reporter(quiet=True), minimum=0, fills={"umap": "contain"})
    tree = OutputTree()
    entry = write_layer(tree, "map/data/archive/", layer, [])
    t = entry["positions"]["umap"]["tiles"]
    assert t["dir"] == "tiles/umap/" and t["tile"] == tiles.TILE and len(t["have"]) == t["levels"]
    assert "map/data/archive/tiles/umap/0/0-0.jpg" in tree.files
    json.dumps(entry)  # the manifest entry is plain JSON


def test_new_images_join_without_moving_or_resizing_the_others():
    _, P = clustered(700)
    old = mosaic.spread(P[:600])
    joined = np.concatenate([old.positions, P[600:]])
    fixed = np.arange(700) < 600
    world = np.concatenate([old.scales * old.size, np.zeros(100, np.float32)])
    sp = mosaic.spread(joined, rounds=20, fixed=fixed, fixed_sizes=world)
    assert np.array_equal(sp.positions[:600], old.positions)
    assert np.allclose((sp.scales * sp.size)[:600], world[:600], rtol=1e-5)
    # known limit: a few new images squeezed between large kept ones still overlap one of them a little
    assert square_overlaps(sp.positions.astype(np.float64), sp.scales * sp.size) <= 10
    assert (sp.scales[600:] > 0).all()
