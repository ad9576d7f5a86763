"""How good a trained captioner is: CIDEr-D (Vedantam et al. 2015, through ``pycocoevalcap``) on the held-out
images, beside two baselines computed on the same images:

* nearest neighbours: the sentence a retrieval captioner would give without any training (Devlin et al.
  2015): the references of the ``k`` training images whose features are closest, and of those the one most
  like the others (the consensus caption);
* shuffled: another image's reference, at random (seeded): what any fluent sentence scores by chance.

Sentences are compared as lower-case word lists (:func:`.dataset.tokenize`), not with the Java PTB tokenizer
of the COCO toolkit, so evaluation needs no Java.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

import numpy as np

from ..errors import MissingDependency
from .dataset import Example, tokenize


def cider(references: Sequence[Sequence[str]], hypotheses: Sequence[str]) -> float:
    """Corpus CIDEr-D of one hypothesis per image against that image's references."""
    try:
        from pycocoevalcap.cider.cider import Cider
    except ImportError:
        raise MissingDependency("pycocoevalcap (CIDEr)", "pip install -e .[train]") from None
    gts = {i: [" ".join(tokenize(r)) for r in refs] for i, refs in enumerate(references)}
    res = {i: [" ".join(tokenize(h)) or "nothing"] for i, h in enumerate(hypotheses)}
    score, _ = Cider().compute_score(gts, res)
    return float(score)


def _grams(text: str) -> Counter[tuple[str, ...]]:
    words = tokenize(text)
    return Counter([(w,) for w in words] + list(zip(words, words[1:])))


def overlap(a: Counter[tuple[str, ...]], b: Counter[tuple[str, ...]]) -> float:
    """F1 of shared unigrams and bigrams: how much two sentences say the same."""
    shared = sum((a & b).values())
    if not shared:
        return 0.0
    p, r = shared / sum(a.values()), shared / sum(b.values())
    return 2 * p * r / (p + r)


def consensus(candidates: Sequence[str]) -> str:
    """The candidate most similar, on average, to the other candidates (ties: the earliest)."""
    if len(candidates) < 3:
        return candidates[0]
    grams = [_grams(c) for c in candidates]
    scores = [sum(overlap(g, h) for j, h in enumerate(grams) if j != i) for i, g in enumerate(grams)]
    return candidates[max(range(len(candidates)), key=lambda i: (scores[i], -i))]


def nearest_neighbour_captions(train: Sequence[Example], train_features: np.ndarray, test_features: np.ndarray,
                               k: int = 5) -> list[str]:
    """The consensus of the ``k`` nearest training images' references, for each test image."""
    a = train_features / np.maximum(np.linalg.norm(train_features, axis=1, keepdims=True), 1e-12)
    b = test_features / np.maximum(np.linalg.norm(test_features, axis=1, keepdims=True), 1e-12)
    nearest = np.argsort(-(b @ a.T), axis=1, kind="stable")[:, :k]
    return [consensus([c for j in row for c in train[j].captions]) for row in nearest]


def shuffled_captions(train: Sequence[Example], n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(rng.choice(train).captions) for _ in range(n)]
