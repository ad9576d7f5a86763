"""Region label levels of the map (coarse to fine, nested k-means on the 2-D positions), their names and
their manifest entries."""

from __future__ import annotations

import numpy as np
import pytest

from generator.archive.clusters import (
    REGIONS_VERSION,
    name_regions,
    region_assignments,
    region_levels,
    regions_manifest,
)
from generator.archive.naming import word_terms
from generator.cache import Cache
from generator.models.vocabulary import class_names


def _blobs2d(n: int, k: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-1, 1, size=(k, 2))
    which = rng.integers(0, k, n)
    return (centres[which] + rng.normal(size=(n, 2)) * 0.06).astype(np.float32), which


def _labels_from(which: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Fake CNN output: each blob has its own top class, the rest is noise."""
    rng = np.random.default_rng(seed)
    n = len(which)
    top_idx = rng.integers(0, 1000, (n, 5)).astype(np.uint16)
    top_idx[:, 0] = (which * 37 + 100) % 1000
    top_p = np.full((n, 5), 0.05, np.float32)
    top_p[:, 0] = 0.7
    return top_idx, top_p


@pytest.mark.parametrize("n, ks", [(0, []), (1, [1]), (12, [2]), (40, [8]), (199, [8]), (999, [8]),
                                   (1000, [8, 40]), (5000, [8, 40, 200]), (100_000, [8, 40, 200, 1000]),
                                   (1_000_000, [8, 40, 200, 1000]), (10_000_000, [8, 40, 200, 1000])])
def test_levels_grow_fivefold_while_regions_keep_25_items(n, ks):
    assert region_levels(n) == ks


def test_regions_nest_are_numbered_biggest_first_and_are_deterministic(test_seed):
    P, _ = _blobs2d(6000, seed=test_seed)
    ks = region_levels(len(P))
    assert ks == [8, 40, 200]
    levels = region_assignments(P, ks, seed=3 + test_seed)
    assert levels.shape == (3, 6000) and levels.dtype == np.int32
    for k, assign in zip(ks, levels):
        sizes = np.bincount(assign)
        assert len(sizes) <= k and sizes.min() > 0  # non-empty regions numbered 0 .. count-1
        assert (np.diff(sizes) <= 0).all()
    assert len(np.unique(levels[0])) == 8
    for upper, lower in zip(levels[:-1], levels[1:]):
        # every child region lies inside one parent region
        pairs = np.unique(np.stack([lower, upper], 1), axis=0)
        assert len(pairs) == len(np.unique(lower))
    assert np.array_equal(levels, region_assignments(P, ks, seed=3 + test_seed))
    assert not np.array_equal(levels, region_assignments(P, ks, seed=4 + test_seed))


def test_regions_are_compact_areas_of_the_map(test_seed):
    P, _ = _blobs2d(4000, seed=test_seed)
    assign = region_assignments(P, [8, 40], seed=test_seed)[1]
    # k-means regions: each item is nearer its own region's centre than most other centres (seeds 0-11:
    # 0.985-0.999 of them)
    centres = np.stack([P[assign == c].mean(0) for c in range(assign.max() + 1)])
    d = np.linalg.norm(P[:, None, :] - centres[None], axis=2)
    assert (d.argmin(1) == assign).mean() > 0.95


def test_manifest_entries_are_named_sized_and_placed_in_every_layout(test_seed):
    P, which = _blobs2d(3000, seed=test_seed)
    top_idx, top_p = _labels_from(which, seed=test_seed)
    ks = region_levels(len(P))
    levels = region_assignments(P, ks, seed=test_seed)
    positions = {"umap": P, "grid": P * 2 + 1}
    entries = regions_manifest(levels, ks, top_idx, top_p, positions)
    assert [e["k"] for e in entries] == [8, 40]
    for e in entries:
        sizes = [c["size"] for c in e["clusters"]]
        assert sum(sizes) == 3000 and sizes == sorted(sizes, reverse=True) and len(sizes) <= e["k"]
        for c in e["clusters"]:
            assert isinstance(c["name"], str)  # "" where no class is confident across most of the region
            assert set(c["at"]) == {"umap", "grid"}
            x, y = c["at"]["umap"]
            assert P[:, 0].min() <= x <= P[:, 0].max() and P[:, 1].min() <= y <= P[:, 1].max()
            assert c["at"]["grid"] == pytest.approx([2 * x + 1, 2 * y + 1], abs=1e-4)
    # a region that mostly holds one blob is named after that blob's top class; one that mixes blobs (no
    # class on 60 % of its images) has no name rather than a wrong one
    words = class_names()
    named = 0
    for e, assign in zip(entries, levels):
        for r, c in enumerate(e["clusters"]):
            counts = np.bincount(which[assign == r], minlength=12)
            blob, share = counts.argmax(), counts.max() / counts.sum()
            if share >= 0.7:
                assert c["name"] == words[(blob * 37 + 100) % 1000]
                named += 1
            elif share < 0.55:
                assert c["name"] == ""
    assert named >= 30  # seeds 0-11: 38-43 regions held one blob


def test_a_region_named_like_its_parent_is_renamed_by_what_sets_it_apart():
    """20 cats among 980 dogs, red or blue half and half everywhere: both halves of the cat region would be
    "Cat" again (red is as common in the archive as in them), so they are named by what sets them apart
    inside their parent."""
    n = 1000
    titles = [["Cat" if i < 20 else "Dog", "red" if i % 2 == 0 else "blue"] for i in range(n)]
    words = word_terms(titles)
    cat = np.arange(n) < 20
    red = np.arange(n) % 2 == 0
    levels = np.array([np.where(cat, 1, 0), np.where(cat, 2, 0) + np.where(red, 0, 1)], np.int32)
    top_idx = np.zeros((n, 5), np.uint16)
    top_p = np.zeros((n, 5), np.float32)
    names = name_regions(levels, top_idx, top_p, words)
    assert names[0] == ["Dog", "Cat"]
    # the cats' halves alone would be "Cat" (3.9 against 0.7 for the colour): renamed; the dogs' halves are
    # named by their colour anyway (twice as common there as in the archive, where "Dog" is everywhere)
    assert names[1] == ["red", "blue", "red", "blue"]


def test_classes_name_a_region_only_where_the_network_is_confident_across_most_of_it():
    cat, banana, dog = 281, 954, 207
    words = class_names()
    n = 400
    top_idx = np.zeros((n, 5), np.uint16)
    top_p = np.zeros((n, 5), np.float32)
    top_idx[:200, 0], top_idx[:200, 1] = cat, banana
    top_idx[200:, 0] = dog
    top_p[:, 0], top_p[:, 1] = 0.6, 0.2  # banana: on every cat image, but at p = 0.2
    # the network is unsure of half the dogs: a different class each, at p = 0.1
    top_idx[300:, 0] = 400 + np.arange(100)
    top_p[300:, 0] = 0.1
    levels = np.array([[0] * 200 + [1] * 200, [0] * 100 + [1] * 100 + [2] * 100 + [3] * 100], np.int32)
    names = name_regions(levels, top_idx, top_p)
    assert names[0] == [words[cat], ""]  # "dog" is on only half of the second region's images
    assert names[1] == [words[cat], words[cat], words[dog], ""]


def test_region_assignments_are_cached(tmp_path):
    P, _ = _blobs2d(500)
    cache = Cache(tmp_path / "cache")
    calls = []

    def compute() -> np.ndarray:
        calls.append(1)
        return region_assignments(P, region_levels(len(P)), 0)

    ns = cache.namespace("map-regions", REGIONS_VERSION)
    first = ns.cached("k1", compute)
    second = ns.cached("k1", compute)
    assert len(calls) == 1 and np.array_equal(first, second)
    assert cache.hits["map-regions"] == 1 and cache.misses["map-regions"] == 1
