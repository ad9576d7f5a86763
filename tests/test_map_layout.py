"""Layout helpers without UMAP/t-SNE (those run once, in test_map_pipeline.py): grid, timeline, placing
new points, the preservation score, neighbours and cluster names."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from generator.archive import geometry, lattice, placement
from generator.archive.clusters import NO_LABEL, cluster_map, item_labels, name_clusters
from generator.archive.mapdata import facet_codes, fnv1a, quantise
from generator.archive.neighbours import all_neighbours, neighbours_of, recall_at_k
from generator.models.vocabulary import class_names


def _blobs(n: int, d: int = 20, k: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d)) * 5
    labels = rng.integers(0, k, n)
    return (centres[labels] + rng.normal(size=(n, d))).astype(np.float32), labels


@pytest.mark.parametrize("n", [1, 2, 7, 64, 65, 1000])
def test_grid_gives_every_item_its_own_cell(n, test_seed):
    P = np.random.default_rng(n + 10_000 * test_seed).normal(size=(n, 2)).astype(np.float32)
    G, step = lattice.grid_layout(P)
    cells = {(round(x / step, 3), round(y / step, 3)) for x, y in G}
    assert len(cells) == n
    assert np.abs(G).max() <= 1.0 + 1e-6


def test_grid_keeps_map_neighbours_together(test_seed):
    # four blobs that do not overlap (random centres sometimes did: then the points themselves mixed, and
    # 0.75-1.0 of them had a same-blob nearest neighbour before any grid; seeds 0-29 here: 0.95-0.99 after)
    rng = np.random.default_rng(test_seed)
    labels = rng.integers(0, 4, 900)
    X = (np.array([[-5, -5], [5, -5], [-5, 5], [5, 5]])[labels] + rng.normal(size=(900, 2))).astype(np.float32)
    G, _ = lattice.grid_layout(X)
    # a blob's cells stay contiguous: most items' nearest grid cell holds an item of the same blob
    from scipy.spatial import cKDTree

    _, nn = cKDTree(G).query(G, 2)
    assert (labels[nn[:, 1]] == labels).mean() > 0.9


@pytest.mark.parametrize("text, year", [
    ("1889", 1889), ("c. 1890", 1890), ("1890s", 1890), ("1890-1900", 1890), ("1889-05-02", 1889 + 4 / 12 + 1 / 365),
    ("", None), ("undated", None), ("500 BC", -500),
])
def test_parse_year(text, year):
    got = lattice.parse_year(text)
    assert (got is None and year is None) or abs(got - year) < 1e-6


def test_date_layout_orders_by_time_and_keeps_undated_apart():
    years = [1900.0, 1950.0, None, 1901.0, 1990.0, None]
    P, unit, axis = lattice.date_layout(years, np.arange(6))
    assert P[0, 0] < P[1, 0] < P[4, 0] < P[2, 0]
    assert P[2, 0] == P[5, 0] or abs(P[2, 0] - P[5, 0]) <= unit + 1e-6
    assert axis.ticks[-1][1] == "undated" and axis.ticks[0][1] in ("1900", "1900s")
    assert lattice.find_date_column(["Title", "Date"]) == "Date" and lattice.find_date_column(["title"]) is None


def test_place_new_moves_nothing_and_lands_near_similar_points(test_seed):
    X, labels = _blobs(400, seed=test_seed)
    P_old = np.where(labels[:, None] == 0, 5.0, 0.0) + np.random.default_rng(test_seed + 1).normal(size=(400, 2)) * 0.1
    P_old = P_old.astype(np.float32)
    before = P_old.copy()
    Xn = X[:50] + np.random.default_rng(test_seed + 2).normal(size=(50, X.shape[1])).astype(np.float32) * 0.1
    Pn = placement.place_new(X, P_old, Xn)
    assert np.array_equal(P_old, before)
    near = np.linalg.norm(Pn - P_old[:50], axis=1)
    assert np.median(near) < 0.5


def test_preservation_is_one_for_an_identity_map_and_low_for_noise(test_seed):
    X, _ = _blobs(300, d=2, seed=test_seed)
    assert geometry.preservation(X, X) == pytest.approx(1.0)
    noise = np.random.default_rng(test_seed + 5).normal(size=(300, 2))
    assert geometry.preservation(X, noise) < 0.2  # seeds 0-9: 0.024-0.041


def test_morton_order_is_a_permutation_keeping_regions_together(test_seed):
    P = np.random.default_rng(test_seed).uniform(size=(4096, 2)).astype(np.float32)
    order = geometry.morton_order(P)
    assert sorted(order.tolist()) == list(range(4096))
    pages = P[order].reshape(64, 64, 2)
    extent = (pages.max(1) - pages.min(1)).max(1)
    assert np.median(extent) < 0.3  # a page of 64 consecutive items spans a small region (seeds 0-9: 0.22-0.25)


def test_pca_projection_is_deterministic_and_chunked(test_seed):
    X, _ = _blobs(500, d=64, seed=test_seed)
    a = geometry.fit_pca(X, 10, seed=3)
    b = geometry.fit_pca(X, 10, seed=3)
    assert np.allclose(a.project(X), b.project(X, chunk=7), atol=1e-4)


def test_exact_and_hnsw_neighbours_agree(test_seed):
    X, _ = _blobs(3000, d=16, seed=test_seed)
    exact = all_neighbours(X, 10)
    approx = all_neighbours(X, 10, exact_limit=0)  # forces HNSW
    assert exact.shape == (3000, 10) and (exact != np.arange(3000)[:, None]).all()
    assert recall_at_k(approx, exact) > 0.9
    q = neighbours_of(X, X[:3] + 0.001, 4)
    assert q[:, 0].tolist() == [0, 1, 2]


def test_duplicates_never_list_themselves():
    X = np.zeros((5, 3), np.float32)
    nb = all_neighbours(X, 3)
    assert all(i not in nb[i] for i in range(5))


def test_clusters_are_named_by_characteristic_labels():
    P = np.concatenate([np.zeros((20, 2)), np.ones((20, 2)) * 10]).astype(np.float32)
    assign = cluster_map(P, seed=0, k=2)
    top_idx = np.zeros((40, 5), np.uint16)
    top_p = np.zeros((40, 5), np.float32)
    top_idx[:, 0] = np.where(assign == 0, 339, 967)
    top_p[:, 0] = 0.8
    top_idx[:, 1] = 1
    top_p[:, 1] = 0.1  # shared by both, and not confident: no part of a name
    names = [n.name for n in name_clusters(assign, top_idx, top_p)]
    words = class_names()
    assert names[0].startswith(words[339 if (top_idx[assign == 0, 0] == 339).all() else 967])
    assert words[967] in " ".join(names) and words[1] not in " ".join(names)
    labels = item_labels(top_idx, top_p)
    assert labels[0, 0] in (339, 967) and labels[0, 1] == 1 and labels[0, 2] == NO_LABEL


def test_data_helpers():
    assert fnv1a("") == 0x811C9DC5 and fnv1a("a") == 0xE40C292C
    data, bounds = quantise(np.array([[0, 0], [2, 1]], np.float32))
    assert np.frombuffer(data, "<u2").tolist() == [0, 0, 65535, 65535] and bounds == [0, 0, 2, 1]
    codes, values = facet_codes(["a", "b", "a", ""])
    assert values == [("a", 2), ("b", 1)] and codes.tolist() == [0, 1, 0, 65535]
    assert facet_codes([f"t{i}" for i in range(50)]) is None  # all distinct: not a filter


def _nearest_free_reference(occupied: np.ndarray, step: float, anchors: np.ndarray) -> list[int]:
    """Brute force: squared cell distance from each anchor to the nearest cell free of the occupied
    points and of the cells given to earlier anchors, growing a square window until it holds one."""
    off = lattice.lattice_offset(occupied, step)
    full = {tuple(c) for c in np.rint(occupied / step - off).astype(int).tolist()}
    out = []
    for ax, ay in np.rint(anchors / step - off).astype(int).tolist():
        r = 0
        while True:
            d2 = [(x - ax) ** 2 + (y - ay) ** 2 for x in range(ax - r, ax + r + 1) for y in range(ay - r, ay + r + 1)
                  if (x, y) not in full]
            if d2 and min(d2) <= r * r:
                break
            r += 1
        best = min(d2)
        cells = [(x, y) for x in range(ax - r, ax + r + 1) for y in range(ay - r, ay + r + 1)
                 if (x, y) not in full and (x - ax) ** 2 + (y - ay) ** 2 == best]
        full.add(min(cells, key=lambda c: (c[1], c[0])))  # ties: lower y, then lower x
        out.append(best)
    return out


def _check_free_cells(G: np.ndarray, step: float, anchors: np.ndarray) -> np.ndarray:
    F = lattice.free_cells_near(G, step, anchors)
    assert F.shape == anchors.shape and F.dtype == np.float32
    off = lattice.lattice_offset(G, step)
    cells = np.concatenate([G, F]) / step - off
    assert np.abs(cells - np.rint(cells)).max() < 1e-3, "frames sit on the archive's lattice"
    keys = {tuple(c) for c in np.rint(cells).astype(int).tolist()}
    assert len(keys) == len(G) + len(F), "no frame shares a cell with an archive item or another frame"
    got = np.rint(F / step - off) - np.rint(anchors / step - off)
    assert (got ** 2).sum(1).astype(int).tolist() == _nearest_free_reference(G, step, anchors)
    from scipy.spatial import cKDTree

    d, _ = cKDTree(np.concatenate([G, F])).query(np.concatenate([G, F]), 2)
    assert d[:, 1].min() >= 0.99 * step
    return F


@pytest.mark.parametrize("n, frames", [(1, 3), (30, 12), (200, 40), (1000, 60)])
def test_frames_get_the_nearest_free_grid_cells(n, frames, test_seed):
    rng = np.random.default_rng(n + 10_000 * test_seed)
    G, step = lattice.grid_layout(rng.normal(size=(n, 2)).astype(np.float32))
    anchors = G[rng.integers(0, n, frames)]
    anchors[: frames // 3] = G[n // 2]  # several frames most similar to one image
    F = _check_free_cells(G, step, anchors)
    assert np.array_equal(F, lattice.free_cells_near(G, step, anchors))  # deterministic


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_frames_get_the_nearest_free_timeline_cells(seed, test_seed):
    rng = np.random.default_rng(seed + 3 * test_seed)
    n = 300
    years = [float(y) if rng.random() > 0.1 else None for y in rng.normal(1920, 25, n).round()]
    G, unit, _ = lattice.date_layout(years, np.arange(n))
    anchors = G[rng.integers(0, n, 50)]
    F = _check_free_cells(G, unit, anchors)
    # the timeline has room between its columns and above short stacks: frames stay close
    assert np.median(np.linalg.norm(F - anchors, axis=1)) <= 3 * unit


def test_lattice_offset_is_circular():
    step = 0.25
    P = np.array([[0.0, 0.125], [1e-7, 0.375], [-1e-7, 0.625], [0.5, -0.125]])
    off = lattice.lattice_offset(P, step)
    assert min(off[0], 1 - off[0]) < 1e-5 and off[1] == pytest.approx(0.5)
    assert lattice.free_cells_near(P, step, np.zeros((0, 2))).shape == (0, 2)


def test_umap_is_imported_without_tensorflow():
    # umap-learn imports TensorFlow (30-45 s here) for its parametric UMAP whenever the tf extra is installed
    code = ("import sys; from generator.archive.umap_lib import import_umap; u = import_umap(); "
            "print(hasattr(u, 'UMAP'), 'tensorflow' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.stdout.split() == ["True", "False"], proc.stderr
