"""A taught label as a review queue of ``build.py serve``: the next images chosen by uncertainty, the probe
retrained in this process every few decisions on the map's cached embeddings."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..labels.decisions import NO, YES, find_labels, slug_of
from ..review.queue import ReviewItem, ReviewQueue
from .settings import LabelSettings

if TYPE_CHECKING:
    from ..cache import Cache
    from ..config import Settings


class LabelQueue:
    """A taught label as a review queue. The index (ids, image keys, thumbnails, metadata) is the one the last
    build's labels stage recorded; embeddings are read from the map's store on the first request."""

    yes_word = YES
    no_word = NO

    def __init__(self, name: str, csv_path: Path, index: dict[str, Any], cache: Cache, settings: Settings) -> None:
        self.slug = slug_of(name)
        self.title = name
        self.csv_path = csv_path
        self._rows = index["items"]
        self._row_of = {r[0]: i for i, r in enumerate(self._rows)}
        self._identity = str(index["identity"])
        self._cache = cache
        self._ls = settings.of(LabelSettings)
        self._features: np.ndarray | None = None
        self._scores: np.ndarray | None = None
        self._trained = False
        self._trained_on = -1  # how many decisions the scores come from
        self._lock = threading.Lock()
        self._training: threading.Thread | None = None

    def features(self) -> np.ndarray:
        if self._features is None:
            from ..archive.embed import EmbeddingStore

            self._features = EmbeddingStore(self._cache, self._identity).features([r[1] for r in self._rows])
        return self._features

    def _train(self, decided: dict[str, str]) -> None:
        from ..labels.probe import train

        rows = [self._row_of[k] for k in decided]
        y = [int(v == YES) for v in decided.values()]
        ls = self._ls
        # folds=1: no cross-validation here (the build reports it); the queue only needs the scores
        probe = train(self.features(), rows, y, ls.C, 1, ls.seed, ls.min_examples)
        with self._lock:
            self._scores, self._trained, self._trained_on = probe.scores, probe.trained, len(rows)

    def retrain_if_due(self, decided: dict[str, str], wait: bool = False) -> None:
        """Retrain after ``retrain_every`` new decisions: in the background, so no request waits for it
        (the first one does: there are no scores before it)."""
        real = {k: v for k, v in decided.items() if v in (YES, NO) and k in self._row_of}
        if self._trained_on >= 0 and abs(len(real) - self._trained_on) < self._ls.retrain_every:
            return
        if wait or self._trained_on < 0:
            self._train(real)
        elif self._training is None or not self._training.is_alive():
            self._training = threading.Thread(target=self._train, args=(real,), daemon=True)
            self._training.start()

    def next_items(self, decided: dict[str, str], n: int) -> list[ReviewItem]:
        from ..labels.probe import next_to_review

        self.retrain_if_due(decided)
        with self._lock:
            scores, trained = self._scores, self._trained
        undecided = [i for i, r in enumerate(self._rows) if r[0] not in decided]
        if scores is None:
            scores = np.full(len(self._rows), 0.5, np.float32)
        picked = next_to_review(self.features(), scores, undecided, n, trained)
        return [self._item(i, float(scores[i]) if trained else None) for i in picked]

    def _item(self, i: int, score: float | None) -> ReviewItem:
        item_id, _, image, title, meta = self._rows[i]
        return ReviewItem(item_id, Path(image), str(title), {str(k): str(v) for k, v in meta if v}, score)


def label_queues(content_dir: Path, settings: Settings, cache: Cache) -> list[ReviewQueue]:
    """One queue per taught label (none before a build has recorded the archive's index)."""
    from .stage import read_index

    index = read_index(cache, content_dir)
    if index is None:
        return []
    return [LabelQueue(src.name, src.csv_path, index, cache, settings)
            for src in find_labels(content_dir, settings.of(LabelSettings).folder)]
