"""The logistic probe of a taught label: L2-normalised image embeddings (the map's, from its cache) in, the
probability of "yes" for every archive image out, with a cross-validated accuracy of the decisions.

Twenty examples against 1,280 dimensions is a problem for a strongly regularised linear model, not for
anything deeper: scikit-learn's ``LogisticRegression`` (lbfgs, L2, balanced classes) fits one in tens of
milliseconds, so the review server can retrain it every few decisions. Imported only on a cache miss.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class ProbeResult:
    scores: np.ndarray  # (N,) float32, P(yes) for every image of the archive, in the order given
    accuracy: float | None  # cross-validated accuracy of the decisions; None: too few to cross-validate
    folds: int  # 0 when not cross-validated
    trained: bool  # False: too few decisions (or one class only): scores are all 0.5


def normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float32)
    n = np.linalg.norm(x, axis=1, keepdims=True)
    out: np.ndarray = x / np.maximum(n, 1e-8)
    return out


def _model(C: float, seed: int):  # type: ignore[no-untyped-def]
    from sklearn.linear_model import LogisticRegression

    # balanced: a label is often rare, and its first decisions are mostly "no"
    return LogisticRegression(C=C, class_weight="balanced", max_iter=2000, random_state=seed)


def _centred(x: np.ndarray, centre: np.ndarray) -> np.ndarray:
    # embeddings share a large common direction; centring on the archive's mean lets L2 act on what differs
    return normalise(x - centre)


def cross_validate(x: np.ndarray, y: np.ndarray, C: float, folds: int, seed: int,
                   counted: np.ndarray | None = None) -> tuple[float | None, int]:
    """Stratified k-fold accuracy of ``y`` (0/1) from ``x``: k is at most the smaller class's size (a label
    with 2 yes and 30 no gets 2 folds), and below 2 of either class there is no estimate (None, 0).
    ``counted``: which rows are scored (assumed negatives train but are not graded)."""
    counts = np.bincount(y.astype(np.int64), minlength=2)
    k = int(min(folds, counts.min()))
    if k < 2:
        return None, 0
    from sklearn.model_selection import StratifiedKFold

    right = total = 0
    for train, test in StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(x, y):
        model = _model(C, seed).fit(x[train], y[train])
        if counted is not None:
            test = test[counted[test]]
        if len(test):
            right += int((model.predict(x[test]) == y[test]).sum())
            total += len(test)
    return (right / total if total else None), k


def train(features: np.ndarray, rows: Sequence[int], y: Sequence[int], C: float, folds: int, seed: int,
          min_examples: int, counted: Sequence[bool] | None = None) -> ProbeResult:
    """Fit on ``features[rows]`` with labels ``y`` and score every row of ``features``."""
    n = len(features)
    yy = np.asarray(y, np.int64)
    if len(rows) < min_examples or len(set(yy.tolist())) < 2 or n == 0:
        return ProbeResult(np.full(n, 0.5, np.float32), None, 0, False)
    x_all = normalise(features)
    centre = x_all.mean(0)
    x_all = _centred(x_all, centre)
    x = x_all[np.asarray(rows, np.int64)]
    mask = None if counted is None else np.asarray(counted, bool)
    accuracy, k = cross_validate(x, yy, C, folds, seed, mask)
    model = _model(C, seed).fit(x, yy)
    scores = model.predict_proba(x_all)[:, 1].astype(np.float32)
    return ProbeResult(scores, accuracy, k, True)


def next_to_review(features: np.ndarray, scores: np.ndarray, undecided: Sequence[int], n: int,
                   trained: bool, diversity: float = 0.5) -> list[int]:
    """Uncertainty sampling with some diversity: among the 4n undecided images closest to p = 0.5, pick
    greedily the one most uncertain and least like those already picked (cosine), so one batch does not ask
    the same question eight times. Without a probe yet: farthest-point sampling, a varied first look."""
    idx = np.asarray(undecided, np.int64)
    if n <= 0 or not len(idx):
        return []
    x = normalise(features[idx]) if features.size else np.zeros((len(idx), 1), np.float32)
    if trained:
        uncertainty = 1.0 - 2.0 * np.abs(scores[idx].astype(np.float64) - 0.5)  # 1 at p = 0.5
        pool = np.argsort(-uncertainty, kind="stable")[:max(4 * n, n)]
    else:
        uncertainty = np.zeros(len(idx))
        pool = np.arange(len(idx))
        diversity = 1.0
    picked: list[int] = []
    closest = np.full(len(pool), -1.0)  # max cosine to the picked ones
    taken = np.zeros(len(pool), bool)
    xp = x[pool]
    for _ in range(min(n, len(pool))):
        value = uncertainty[pool] - diversity * np.maximum(closest, 0.0)
        value[taken] = -np.inf
        best = int(np.argmax(value))
        taken[best] = True
        picked.append(int(pool[best]))
        closest = np.maximum(closest, xp @ xp[best])
    return [int(idx[p]) for p in picked]
