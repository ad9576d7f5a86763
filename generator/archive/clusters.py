"""Clusters of the map and the machine's labels, named in plain words from the ImageNet classes (the same
names the describe captioner uses, :func:`generator.models.vocabulary.class_names`)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..models.vocabulary import class_names

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


SEP = " · "


def _label_mass(assign: np.ndarray, k: int, top_idx: np.ndarray, top_p: np.ndarray) -> np.ndarray:
    """(k, 1000) summed label probabilities per cluster. bincount over a flat index rather than
    np.add.at: about 15x faster at a million items (0.09 s against 1.5 s for k = 1000)."""
    flat = assign.astype(np.int64) * 1000
    mass = np.zeros(k * 1000, np.float64)
    for j in range(top_idx.shape[1]):
        mass += np.bincount(flat + top_idx[:, j].astype(np.int64), weights=top_p[:, j].astype(np.float64),
                            minlength=k * 1000)
    return mass.reshape(k, 1000)


def _characteristic(inside: np.ndarray, background: np.ndarray) -> np.ndarray:
    """How characteristic each class is of ``inside`` against ``background`` (both mean probabilities)."""
    return inside * np.log((inside + 1e-6) / (background + 1e-6))


def _ranked(score: np.ndarray, shortlist: int) -> Iterator[int]:
    """Classes by falling score: a partial sort of a shortlist first (names need two or three words, and
    thousands of clusters are named), the full ranking only when the shortlist runs out."""
    top = np.argpartition(-score, shortlist)[:shortlist] if shortlist < len(score) else np.arange(len(score))
    top = top[np.argsort(-score[top], kind="stable")]
    yield from top.tolist()
    if len(top) < len(score):
        rest = np.setdiff1d(np.arange(len(score)), top)
        yield from rest[np.argsort(-score[rest], kind="stable")].tolist()


def _pick_words(score: np.ndarray, inside: np.ndarray, words: int, exclude: Sequence[str] = (),
                skip: int = 0, positive_only: bool = False) -> list[str]:
    """Up to ``words`` class names of one cluster by falling score, leaving out names contained in one
    another or in ``exclude``, and the first ``skip`` acceptable ones. Stops at the first class absent
    from the cluster (or, with ``positive_only``, the first not more probable than in the background)."""
    names = class_names()
    chosen: list[str] = []
    seen = list(exclude)
    for cls in _ranked(score, 4 * (words + skip) + 12):
        if inside[cls] <= 0 or len(chosen) >= words + skip or (positive_only and score[cls] <= 0):
            break
        word = names[cls]
        if not any(word in w or w in word for w in seen):
            chosen.append(word)
            seen.append(word)
    return chosen[skip:]


def name_clusters(assign: np.ndarray, top_idx: np.ndarray, top_p: np.ndarray, words: int = 2) -> list[str]:
    """Each cluster's most characteristic labels: classes much more probable inside than overall."""
    k = int(assign.max()) + 1 if len(assign) else 0
    n = len(assign)
    mass = _label_mass(assign, k, top_idx, top_p)
    overall = mass.sum(0) / max(n, 1)
    sizes = np.bincount(assign, minlength=k).astype(np.float64)
    inside = mass / np.maximum(sizes, 1)[:, None]
    score = _characteristic(inside, overall[None, :])
    out = []
    for c in range(k):
        chosen = _pick_words(score[c], inside[c], words)
        out.append(SEP.join(chosen) if chosen else f"group {c + 1}")
    return out


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


def _parents(child: np.ndarray, parent: np.ndarray, k: int) -> np.ndarray:
    """The parent region of each of ``k`` child regions (nested levels: any member tells)."""
    out = np.zeros(k, np.int64)
    out[child] = parent
    return out


def name_regions(levels: np.ndarray, top_idx: np.ndarray, top_p: np.ndarray, words: int = 2) -> list[list[str]]:
    """Names of each level's regions, like :func:`name_clusters`; a region named exactly like its parent
    is renamed by what sets it apart inside the parent (labels more probable there than in the parent,
    other than the parent's words), else by its 2nd and 3rd most characteristic labels, so zooming in
    does not show the same words again."""
    n = levels.shape[1] if levels.ndim == 2 else 0
    out: list[list[str]] = []
    overall = None
    prev_inside: np.ndarray | None = None
    for level, assign in enumerate(levels):
        k = int(assign.max()) + 1 if n else 0
        mass = _label_mass(assign, k, top_idx, top_p)
        if overall is None:
            overall = mass.sum(0) / max(n, 1)
        sizes = np.bincount(assign, minlength=k).astype(np.float64)
        inside = mass / np.maximum(sizes, 1)[:, None]
        score = _characteristic(inside, overall[None, :])
        parent = _parents(assign, levels[level - 1], k) if level else None
        names = []
        for c in range(k):
            chosen = _pick_words(score[c], inside[c], words)
            name = SEP.join(chosen) if chosen else f"group {c + 1}"
            if parent is not None and prev_inside is not None and name == out[-1][parent[c]]:
                p = int(parent[c])
                refined = _pick_words(_characteristic(inside[c], prev_inside[p]), inside[c], words,
                                      exclude=out[-1][p].split(SEP), positive_only=True)
                refined = refined or _pick_words(score[c], inside[c], words, skip=1)
                name = SEP.join(refined) if refined else name
            names.append(name)
        out.append(names)
        prev_inside = inside
    return out


def regions_manifest(levels: np.ndarray, ks: Sequence[int], top_idx: np.ndarray, top_p: np.ndarray,
                     positions: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """The manifest's "regions": per level {"k", "clusters": [{"name", "size", "at": {layout: [x, y]}}]},
    coarse to fine, each level's regions biggest first; "at" is the median position of the members."""
    names = name_regions(levels, top_idx, top_p)
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
