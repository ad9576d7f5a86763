"""Clusters of the map, its label regions (nested levels, coarse to fine) and the machine's labels per
image. Regions are named by :mod:`generator.archive.naming`: the archive's own words where its metadata has
them, ImageNet classes (:func:`generator.models.vocabulary.class_names`) only where the network is confident
across most of the region, else no name."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..models.vocabulary import class_names
from .naming import SEP as SEP  # re-exported: the tests name it from here
from .naming import Name, Terms, class_terms, name_levels

CLUSTERS_VERSION = 1  # of the map-clusters namespace: k-means assignments of the map's regions
NO_LABEL = 65535
LABELS_PER_ITEM = 3
MIN_LABEL_P = 0.10  # a class enters an image's labels above this probability (its top class always does)


def cluster_count(n: int) -> int:
    return int(min(40, max(1, round(math.sqrt(n / 2)))))


def cluster_map(P: np.ndarray, seed: int, k: int | None = None) -> np.ndarray:
    """Cluster ids (0 = biggest) from k-means on the 2-D positions, so every cluster is one region."""
    n = len(P)
    k = min(k or cluster_count(n), n)
    if k <= 1:
        return np.zeros(n, np.int32)
    from sklearn.cluster import KMeans, MiniBatchKMeans

    if n > 50_000:
        model = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=4096)
    else:
        model = KMeans(n_clusters=k, random_state=seed, n_init=3)
    raw = model.fit_predict(P.astype(np.float64))
    sizes = np.bincount(raw, minlength=k)
    rank = np.empty(k, np.int32)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(k)
    labels: np.ndarray = rank[raw]
    return labels


def item_labels(top_idx: np.ndarray, top_p: np.ndarray) -> np.ndarray:
    """(N, 3) uint16 class ids per item, most probable first; NO_LABEL fills the unused slots."""
    n = len(top_idx)
    out = np.full((n, LABELS_PER_ITEM), NO_LABEL, np.uint16)
    if n == 0:
        return out
    k = min(LABELS_PER_ITEM, top_idx.shape[1])
    keep = top_p[:, :k] >= MIN_LABEL_P
    keep[:, 0] |= top_p[:, 0] > 0  # an image with any probability gets its top class
    out[:, :k] = np.where(keep, top_idx[:, :k], NO_LABEL)
    return out


def name_clusters(assign: np.ndarray, top_idx: np.ndarray, top_p: np.ndarray,
                  words: Terms | None = None) -> list[Name]:
    """Each cluster's name (see :mod:`generator.archive.naming`); ``words``: the archive's words table."""
    if not len(assign):
        return []
    return name_levels([assign], words, class_terms(top_idx, top_p, class_names()), nested=False)[0]


# ------------------------------------------------------------------------------------ regions

REGIONS_VERSION = 1
REGION_FIRST_K = 8
REGION_SPLIT = 5  # each level splits every region of the level above into this many
REGION_MIN_ITEMS = 25  # a finer level is added only while its regions keep this many items on average
REGION_MAX_K = 1000  # finer levels would only name what the thumbnails already show, and bloat the manifest
REGION_ITERATIONS = 20


def region_levels(n: int) -> list[int]:
    """Region counts of the label levels, coarse to fine: 8, 40, 200, 1000 (fewer for small maps;
    a map of fewer than 40 images gets one level of n // 5 regions)."""
    if n <= 0:
        return []
    ks = [min(REGION_FIRST_K, max(1, n // 5))]
    while ks[-1] * REGION_SPLIT <= REGION_MAX_K and n / (ks[-1] * REGION_SPLIT) >= REGION_MIN_ITEMS:
        ks.append(ks[-1] * REGION_SPLIT)
    return ks


def region_assignments(P: np.ndarray, ks: Sequence[int], seed: int) -> np.ndarray:
    """(len(ks), N) int32 region ids per level, 0 = biggest region of its level; the non-empty regions of
    a level are numbered 0 .. count-1.

    Divisive k-means on the 2-D positions: level 0 is k-means with ks[0] centres, every further level
    splits each region of the level above by k-means into ks[l] / ks[l-1] parts, so regions nest (a
    child's label never straddles two parents) and one level costs O(N * split) per iteration whatever
    its k: all levels for a million points take seconds, where flat k-means with k = 5000 would take
    minutes. The k-means of all parents run at once, vectorised over the points."""
    X = np.asarray(P, np.float64)
    n = len(X)
    out = np.zeros((len(ks), n), np.int32)
    if n == 0:
        return out
    rng = np.random.default_rng(seed)
    parent = np.zeros(n, np.int64)
    m = 1
    for level, k in enumerate(ks):
        split = max(1, k // m)
        child = _split_groups(X, parent, m, split, rng)
        sizes = np.bincount(child, minlength=m * split)
        rank = np.empty(m * split, np.int64)
        rank[np.argsort(-sizes, kind="stable")] = np.arange(m * split)
        parent = rank[child]
        m *= split
        out[level] = parent
    return out


def _argmin_per_group(key: np.ndarray, group: np.ndarray, m: int) -> np.ndarray:
    """Per group the index of its smallest key (the lowest index among equals); -1 for an empty group."""
    best = np.full(m, np.inf)
    np.minimum.at(best, group, key)
    hits = np.nonzero(key == best[group])[0]
    first = np.full(m, len(key), np.int64)
    np.minimum.at(first, group[hits], hits)
    first[first == len(key)] = -1
    return first


def _split_groups(X: np.ndarray, group: np.ndarray, m: int, s: int, rng: np.random.Generator) -> np.ndarray:
    """k-means with ``s`` centres inside each of ``m`` groups at once: k-means++ seeding (a weighted draw
    per group through exponential keys), then Lloyd iterations. Returns group * s + part.

    Centres live in flat x and y arrays (index group * s + part) and distances are float32: gathering
    from a (m, s, 2) array and summing over its short last axis was five times slower."""
    n = len(X)
    if s == 1:
        return group.copy()
    x, y = X[:, 0].astype(np.float32), X[:, 1].astype(np.float32)
    cx = np.zeros(m * s, np.float32)
    cy = np.zeros(m * s, np.float32)
    base = group * s
    d2 = np.full(n, np.inf, np.float32)
    for j in range(s):
        weight = np.ones(n, np.float32) if j == 0 else d2
        with np.errstate(divide="ignore"):
            key = rng.exponential(size=n) / weight  # the smallest key wins with probability ~ weight
        pick = _argmin_per_group(key, group, m)
        has = pick >= 0
        cx[np.arange(m)[has] * s + j] = x[pick[has]]
        cy[np.arange(m)[has] * s + j] = y[pick[has]]
        np.minimum(d2, _dist2(x, y, cx, cy, base + j), out=d2)
    label = np.full(n, -1, np.int64)
    for _ in range(REGION_ITERATIONS):
        best = _dist2(x, y, cx, cy, base)
        part = np.zeros(n, np.int64)
        for j in range(1, s):
            d = _dist2(x, y, cx, cy, base + j)
            nearer = d < best
            np.copyto(best, d, where=nearer)
            part[nearer] = j
        new = base + part
        if np.array_equal(new, label):
            break
        label = new
        count = np.bincount(label, minlength=m * s)
        full = count > 0
        cx[full] = (np.bincount(label, weights=X[:, 0], minlength=m * s)[full] / count[full]).astype(np.float32)
        cy[full] = (np.bincount(label, weights=X[:, 1], minlength=m * s)[full] / count[full]).astype(np.float32)
    return label


def _dist2(x: np.ndarray, y: np.ndarray, cx: np.ndarray, cy: np.ndarray, idx: np.ndarray) -> np.ndarray:
    dx: np.ndarray = x - np.take(cx, idx)
    dy = y - np.take(cy, idx)
    dx *= dx
    dy *= dy
    dx += dy
    return dx


def name_regions(levels: np.ndarray, top_idx: np.ndarray, top_p: np.ndarray,
                 words: Terms | None = None) -> list[list[str]]:
    """Names of each level's regions, like :func:`name_clusters`; a region named exactly like its parent
    is renamed by what sets it apart inside the parent, so zooming in does not show the same words again."""
    if levels.ndim != 2 or not levels.shape[1]:
        return [[] for _ in range(len(levels))]
    named = name_levels(list(levels), words, class_terms(top_idx, top_p, class_names()))
    return [[n.name for n in level] for level in named]


def regions_manifest(levels: np.ndarray, ks: Sequence[int], top_idx: np.ndarray, top_p: np.ndarray,
                     positions: dict[str, np.ndarray], names: list[list[str]] | None = None,
                     words: Terms | None = None) -> list[dict[str, Any]]:
    """The manifest's "regions": per level {"k", "clusters": [{"name", "size", "at": {layout: [x, y]}}]},
    coarse to fine, each level's regions biggest first; "at" is the median position of the members;
    "name" is "" where nothing names the region well. ``names``: already computed (cached) names."""
    if names is None:
        names = name_regions(levels, top_idx, top_p, words)
    layouts = list(positions)
    Z = np.concatenate([np.asarray(positions[l], np.float64) for l in layouts], 1) if layouts else None
    out = []
    for k, assign, level_names in zip(ks, levels, names):
        sizes = np.bincount(assign, minlength=len(level_names))
        grouped = Z[np.argsort(assign, kind="stable")] if Z is not None else None  # one gather per level
        ends = np.cumsum(sizes)
        clusters = []
        for c, name in enumerate(level_names):
            med = np.median(grouped[ends[c] - sizes[c]:ends[c]], 0) if grouped is not None else np.zeros(0)
            clusters.append({"name": name, "size": int(sizes[c]),
                             "at": {l: [round(float(med[2 * i]), 5), round(float(med[2 * i + 1]), 5)]
                                    for i, l in enumerate(layouts)}})
        out.append({"k": int(k), "clusters": clusters})
    return out


SHOWN_PER_CLUSTER = 6


def cluster_samples(assign: np.ndarray, P: np.ndarray, per: int = SHOWN_PER_CLUSTER) -> list[list[int]]:
    """Per cluster the ``per`` items nearest its median position (the pictures the list view shows for it
    before it is opened), nearest first."""
    k = int(assign.max()) + 1 if len(assign) else 0
    if not k:
        return []
    P = np.asarray(P, np.float64)
    order = np.argsort(assign, kind="stable")
    sizes = np.bincount(assign, minlength=k)
    ends = np.cumsum(sizes)
    out = []
    for c in range(k):
        members = order[ends[c] - sizes[c]:ends[c]]
        d = np.linalg.norm(P[members] - np.median(P[members], 0), axis=1) if len(members) else np.zeros(0)
        out.append(members[np.argsort(d, kind="stable")[:per]].tolist())
    return out
