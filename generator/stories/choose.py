"""One picture per sentence: each sentence's best pictures, no picture twice, and consecutive pictures
that resemble each other (a path through neighbours), found by a beam search over the sentences.

A path's value is the sum of its pictures' scores minus ``smoothness`` times the distance between each
two consecutive pictures' image embeddings ((1 - cosine) / 2, so 0..1). A beam of partial paths keeps the
no-repeat constraint exact (a path never takes a picture it already holds); with a wide enough beam it
finds the same path as dynamic programming over the candidates, which could not see repeats. Ties are
broken by candidate order, so the same inputs always give the same film."""

from __future__ import annotations

import numpy as np

SHORTLIST = 24  # pictures considered per sentence (its best by score)
BEAM = 64


def choose(scores: np.ndarray, vectors: np.ndarray, smoothness: float, shortlist: int = SHORTLIST,
           beam: int = BEAM) -> list[int]:
    """Candidate index per sentence (``scores`` is (S, N)); needs N >= S."""
    S, N = scores.shape
    if N < S:
        raise ValueError(f"{S} sentences but only {N} pictures: a story cannot show a picture twice")
    k = min(N, max(shortlist, S))
    # stable sort on -score: equal scores keep candidate order
    short = [np.argsort(-scores[s], kind="stable")[:k] for s in range(S)]
    sims = vectors @ vectors.T if vectors.size else np.zeros((N, N), np.float32)
    paths: list[tuple[float, tuple[int, ...]]] = [(0.0, ())]
    for s in range(S):
        grown: list[tuple[float, tuple[int, ...]]] = []
        for value, path in paths:
            used = set(path)
            options = [int(j) for j in short[s] if int(j) not in used]
            if not options:  # every shortlisted picture is taken: any free one
                options = [j for j in range(N) if j not in used][:k]
            for j in options:
                step = float(scores[s, j])
                if path and smoothness > 0:
                    step -= smoothness * (1.0 - float(sims[path[-1], j])) / 2.0
                grown.append((value + step, (*path, j)))
        # best first; equal values: the path of earlier candidates first (deterministic)
        grown.sort(key=lambda vp: (-round(vp[0], 9), vp[1]))
        paths = grown[:beam]
    return list(paths[0][1])
