"""Names of the map's regions (generator/archive/naming.py): the archive's own words where its metadata has
them, ImageNet classes only where the network is confident across most of a region, else no name; end to
end through the map stage on archives whose metadata names their subjects, and on one without metadata."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench" / "map"))
import synth  # noqa: E402
from test_map_pipeline import build, data, map_settings  # noqa: E402

from generator.archive.naming import (  # noqa: E402
    SEP,
    Terms,
    archive_names,
    class_terms,
    name_levels,
    text_columns,
    word_terms,
)
from generator.cache import Cache  # noqa: E402
from generator.models.vocabulary import class_names  # noqa: E402


def vocab_of(t: Terms) -> dict[str, int]:
    return {w: t.item[t.term == j].size for j, w in enumerate(t.vocab)}


def test_words_leave_out_stop_words_and_numbers_and_pair_neighbours():
    t = word_terms([["Red disc no. 7", "A red circle painted on black, faded"], ["Portrait of a woman (1931)"]])
    v = vocab_of(t)
    assert {"red", "disc", "Red disc", "circle", "red circle", "painted", "black", "Portrait", "woman"} <= set(v)
    assert v["red"] == 1  # one image, counted once however often it says the word
    assert not {"no", "a", "of", "on", "7", "1931", "no.", "disc circle"} & set(v)
    assert "circle painted" in v and "painted black" not in v  # a stop word between two words breaks the pair
    assert "faded" in v and "black faded" not in v  # and so does punctuation
    assert "disc red" not in v  # nor does a pair cross from one field to the next
    assert t.vocab[t.parts[t.vocab.index("Red disc")][0]] == "red"  # "Red" and "red": the lower-case one


def test_label_columns_are_phrases_and_the_columns_are_found_by_name():
    t = word_terms([[]], [["Harbour scenes; boats | fishing, Harbour  scenes; <b>nets</b>"]])
    assert sorted(t.vocab) == ["Harbour scenes", "boats", "fishing", "nets"] and len(t.item) == 4
    assert text_columns(["Title", "creator", "Keywords", "description"]) == (["Title", "description"], ["Keywords"])
    assert text_columns(["Title", "Beschreibung", "Tags"], chosen=["beschreibung", "tags"]) == (["Beschreibung"],
                                                                                               ["Tags"])


def _names(texts: list[list[str]], assign: np.ndarray, top_idx=None, top_p=None) -> list[str]:
    n = len(assign)
    top_idx = np.zeros((n, 5), np.uint16) if top_idx is None else top_idx
    top_p = np.zeros((n, 5), np.float32) if top_p is None else top_p
    words = word_terms(texts)
    return [x.name for x in name_levels([assign], words, class_terms(top_idx, top_p, class_names()), nested=False)[0]]


def test_the_words_that_set_a_region_apart_name_it():
    texts = [[f"{c} {s} no. {i}", "printed in the studio"] for i, (c, s) in
             enumerate([("Red", "disc"), ("Blue", "stripes")] * 30)]
    assign = np.arange(60) % 2
    assert _names(texts, assign) == ["Red disc", "Blue stripes"]  # a phrase on all its words' images
    # a word shared by everything ("studio") never joins a name; a word on few images never makes one
    texts = [[f"{'Harbour' if i < 30 else 'Field'}{' boat' if i % 10 == 0 else ''}", "studio"] for i in range(60)]
    assert _names(texts, (np.arange(60) >= 30).astype(np.int32)) == ["Harbour", "Field"]


def test_two_words_make_a_name_when_both_characterise_the_region():
    texts = [["Harbour", "boats"] if i < 30 else ["Field", "cows" if i % 2 else "sheep"] for i in range(60)]
    names = _names(texts, (np.arange(60) >= 30).astype(np.int32))
    assert names[0] in ("Harbour" + SEP + "boats", "boats" + SEP + "Harbour")
    assert names[1].startswith("Field")


def test_words_name_a_region_before_classes_and_unnamed_regions_have_empty_names():
    n = 60
    top_idx = np.zeros((n, 5), np.uint16)
    top_p = np.zeros((n, 5), np.float32)
    top_idx[:, 0], top_p[:, 0] = 281, 0.9  # "tabby cat", confidently, everywhere
    texts = [["Harbour"] if i < 20 else ["untitled"] if i < 40 else [] for i in range(n)]
    assign = (np.arange(n) // 20).astype(np.int32)
    names = _names(texts, assign, top_idx, top_p)
    assert names == ["Harbour", class_names()[281], class_names()[281]]
    top_p[:, 0] = 0.2  # now the network is unsure: better no name than a wrong one
    assert _names(texts, assign, top_idx, top_p) == ["Harbour", "", ""]


def test_names_are_cached_with_every_input(tmp_path):
    cache = Cache(tmp_path / "cache")
    meta = [{"title": f"{'Red disc' if i % 2 else 'Blue stripes'} {i}"} for i in range(40)]
    assign = (np.arange(40) % 2).astype(np.int32)
    regions = np.stack([assign, np.arange(40) % 4]).astype(np.int32)
    idx, p = np.zeros((40, 5), np.uint16), np.zeros((40, 5), np.float32)
    first = archive_names(cache, meta, ["title"], [], assign, regions, idx, p)
    assert [c.name for c in first.clusters] == ["Blue stripes", "Red disc"] and first.columns == ["title"]
    assert cache.misses["map-names"] == 1
    again = archive_names(cache, meta, ["title"], [], assign, regions, idx, p)
    assert again == first and cache.hits["map-names"] == 1
    meta[0] = {"title": "Green checkerboard 0"}
    archive_names(cache, meta, ["title"], [], assign, regions, idx, p)
    assert cache.misses["map-names"] == 2


@pytest.mark.slow  # 200k titles (~10 s)
def test_many_titles_and_regions_are_counted_sparsely():
    """Not timed (no timed assertions in tests): the table is built and counted without a (regions x
    vocabulary) matrix; here 200k images and 1,000 regions, which such a matrix would make 4 GB."""
    n = 200_000
    rng = np.random.default_rng(0)
    words = ["".join("abcdefghijklmnopqrstuvwxyz"[j // 26 ** d % 26] for d in range(3)) for j in range(5000)]
    texts = [[f"{words[i % 1000]} {words[1000 + rng.integers(4000)]}"] for i in range(n)]
    assign = (np.arange(n) % 1000).astype(np.int32)
    names = _names(texts, assign)
    assert names[:3] == words[:3]


# ------------------------------------------------------------------ end to end through the map stage


def manifest_of(tree) -> dict:
    return json.loads(data(tree, "map/manifest.json"))


@pytest.fixture(scope="module")
def subject_builds(tmp_path_factory, test_seed):
    """The same 64 images of four subjects, with and without a metadata.csv naming them."""
    root = tmp_path_factory.mktemp("names")
    named = root / "named" / "content"
    synth.make_subject_archive(named, 64)
    bare = root / "bare" / "content"
    (bare / "archive").mkdir(parents=True)
    for p in (named / "archive").glob("*.png"):
        shutil.copy(p, bare / "archive" / p.name)
    return (build(named, map_settings(seed=test_seed), film=False),
            build(bare, map_settings(seed=test_seed), film=False))


@pytest.mark.slow  # shares subject_builds: two map builds (~35 s)
def test_every_name_comes_from_the_words_that_name_the_subjects(subject_builds):
    (tree, site, reporter, _), _ = subject_builds
    m = manifest_of(tree)
    vocabulary = set()
    for item in site.archive:
        vocabulary |= {w.casefold() for w in re.findall(r"[^\W\d_]+", item.metadata["title"] + " "
                                                        + item.metadata["description"])}
    assert m["name_columns"] == ["title", "description"]
    names = [c["name"] for c in m["clusters"]] + [c["name"] for lv in m["regions"] for c in lv["clusters"]]
    assert len(names) >= 8 and all(names)  # the metadata names every region (seeds 0-5: 14 of 14)
    for name in names:
        assert {w.casefold() for w in re.findall(r"[^\W\d_]+", name)} <= vocabulary, name
    # and each cluster is named after the subject most of its images show
    records = []
    for s in range(m["layers"]["archive"]["count"] // 256 + 1):
        records += json.loads(data(tree, f"map/data/archive/meta/{s}.json"))
    for c in m["clusters"]:
        members = [r for r in records if r["c"] == c["id"]]
        titles = [r["t"].split(" no. ")[0].casefold() for r in members]
        top = max(set(titles), key=titles.count)
        assert c["source"] == "words" and c["words"]
        if titles.count(top) >= 0.8 * len(titles):
            assert c["name"].casefold() == top or set(top.split()) & set(c["name"].casefold().split()), c
        assert {"studio", "printed", "pattern"}.isdisjoint(c["name"].casefold().split())
        # the pictures the list view shows are the cluster's own
        assert 1 <= len(c["show"]) <= 6 and all(records[i]["c"] == c["id"] for i, _ in c["show"])
        assert all(img == records[i]["img"] for i, img in c["show"])


@pytest.mark.slow  # shares subject_builds: two map builds (~35 s)
def test_without_metadata_and_with_an_unsure_network_nothing_is_named(subject_builds):
    _, (tree, _, reporter, _) = subject_builds
    m = manifest_of(tree)
    assert m["name_columns"] == []
    assert m["clusters"] and all(c["name"] == "" and c["words"] == [] and c["source"] == "" for c in m["clusters"])
    assert all(c["name"] == "" for lv in m["regions"] for c in lv["clusters"])


@pytest.mark.slow  # a map build with UMAP
def test_name_columns_choose_the_words_and_a_missing_one_is_named(tmp_path, test_seed):
    content = tmp_path / "content"
    synth.make_subject_archive(content, 24)
    s = map_settings(seed=test_seed)
    s.map.name_columns = ["creator", "subjects"]
    tree, _, reporter, _ = build(content, s, film=False)
    m = manifest_of(tree)
    assert m["name_columns"] == ["creator"]
    assert all(c["name"].startswith("Maker") or c["name"] == "" for c in m["clusters"])
    assert any("[map] name_columns: no column 'subjects' in archive/metadata.csv" in w for w in reporter.warnings)
