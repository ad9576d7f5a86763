"""Choosing one sentence among the descriptions of a keyframe's nearest archive images, by consensus.

Devlin et al. (2015, "Language Models for Image Captioning: The Quirks and What Works") caption an image
with the caption of one of its nearest training images: the candidate most similar to the other candidates
(their "consensus re-ranking", with BLEU or CIDEr as the similarity). A sentence the neighbourhood agrees on
is a safer guess than the nearest neighbour's own, which may describe what that one image alone shows.

Here the similarity of two sentences is the cosine of their TF-IDF vectors over words and word pairs
(lower-cased; the inverse document frequencies come from every description of the archive, so "a", "the"
and the archive's own recurring words weigh little and distinctive words weigh much). A curated archive is
small next to MS-COCO, so its fifth neighbour is often unrelated; each candidate's support is therefore
weighted by how close its image is to the keyframe, and a candidate supports itself:

    score(i) = sum_j w_j * sim(c_i, c_j),  sim(c_i, c_i) = 1,  w_j = exp((s_j - s_max) / TEMPERATURE)

where s_j is the cosine similarity of neighbour j's embedding to the keyframe's. With equal weights and the
self term left out this is Devlin et al.'s rule; with one neighbour far closer than the rest, its own
description wins unless the others agree on another. Ties go to the closer image.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

CONSENSUS_VERSION = 1  # bump when scoring changes (part of the archive captioner's identity)
TEMPERATURE = 0.05  # cosine similarity of embeddings; a neighbour 0.1 farther than the nearest weighs e^-2

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def terms(text: str) -> list[str]:
    """Words and adjacent word pairs, lower-cased ("a red lighthouse" -> a, red, lighthouse, a red, red lighthouse)."""
    words = [w.replace("’", "'") for w in _WORD.findall(text.lower())]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


class TfIdf:
    """Inverse document frequencies from a corpus (the archive's descriptions); vectors as sparse dicts."""

    def __init__(self, corpus: Sequence[str]) -> None:
        df: Counter[str] = Counter()
        for text in corpus:
            df.update(set(terms(text)))
        self.n = len(corpus)
        self.df = df

    def idf(self, term: str) -> float:
        return math.log((1 + self.n) / (1 + self.df.get(term, 0))) + 1.0  # smoothed: unseen terms weigh most

    def vector(self, text: str) -> dict[str, float]:
        counts = Counter(terms(text))
        vec = {t: (1.0 + math.log(c)) * self.idf(t) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        return {t: v / norm for t, v in vec.items()} if norm else {}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def weights(similarities: Sequence[float]) -> list[float]:
    """Each neighbour's weight from its image's similarity to the keyframe (the nearest weighs 1)."""
    top = max(similarities)
    return [math.exp((s - top) / TEMPERATURE) for s in similarities]


def choose(candidates: Sequence[str], similarities: Sequence[float], tfidf: TfIdf) -> int:
    """The index of the consensus candidate (see the module's docstring)."""
    if len(candidates) == 1:
        return 0
    w = weights(similarities)
    vecs = [tfidf.vector(c) for c in candidates]
    best, best_key = 0, (-1.0, -1.0)
    for i, vi in enumerate(vecs):
        score = sum(w[j] * (1.0 if i == j else cosine(vi, vj)) for j, vj in enumerate(vecs))
        key = (round(score, 9), w[i])  # rounded: a tie in score is decided by closeness, not float noise
        if key > best_key:
            best, best_key = i, key
    return best
