"""``archive``: captions in the archive's own words. Offline, and no new model.

For each keyframe, the archive images nearest to it by embedding (the map's embedder, ``[map] embedder``;
cosine similarity) are found, and one of their curators' descriptions (``[captions] archive_column``,
``description`` by default) is chosen by consensus (:mod:`generator.captions.consensus`) and lightly
rewritten so it reads as a caption (:mod:`generator.captions.rewrite`).

Embeddings go through the map's own store (:class:`generator.archive.embed.EmbeddingStore`, keyed by the
map's thumbnail keys): the archive's are the very vectors the map computes, the keyframes' are those of the
map's frames layer, and whichever stage runs first computes them for both. They are computed by the build's
executor, so under ``--executor ray`` the embedding is spread over the cluster like the map's.

The captioner itself runs in the build's process (``local_only``): choosing a sentence for a keyframe is a
matrix product and a few dozen string comparisons, not worth shipping to a worker, and the index it reads
(the archive's vectors and descriptions) lives in this build. A copy pickled for another process anyway
(``PartJob`` sends ``(class, spec, settings)``) arrives unbound and says so instead of captioning.

Its identity (and so every cached caption's key) covers the archive: the embedder's identity, and the bytes
and description of every described image. Editing one description, or adding an image, re-captions the films
that use it; the embeddings of unchanged images stay cached.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import CaptionSettings
from ..errors import ElectricSpeechError, MediaError
from .archive_check import described_items, find_column
from .base import Captioner, CaptionSite
from .consensus import CONSENSUS_VERSION, TfIdf, choose
from .rewrite import REWRITE_VERSION, as_caption, lower_case_words

if TYPE_CHECKING:
    import numpy as np

    from ..archive.embed import Embedder, EmbeddingStore

ARCHIVE_VERSION = 1  # bump when the sentences for the same archive and settings change


@dataclass
class ArchiveIndex:
    """The described archive images as vectors and candidate captions."""

    vectors: np.ndarray  # (N, D) float32, unit length
    captions: list[str]  # rewritten descriptions, one per row
    ids: list[str]  # archive ids, one per row (for reports and tests)
    tfidf: TfIdf


class ArchiveCaptioner(Captioner):
    """``archive``: the consensus of the nearest archive images' descriptions."""

    version = ARCHIVE_VERSION
    uses_site = True
    local_only = True

    def __init__(self, spec: str, settings: CaptionSettings) -> None:
        super().__init__(spec, settings)
        self._site: CaptionSite | None = None
        self._described: list[tuple[Path, str, str]] = []  # (image, archive id, description)
        self._index: ArchiveIndex | None = None
        self._embedder: Embedder | None = None
        self._store: EmbeddingStore | None = None
        self._identity = ""

    # -- binding (cheap: no model, no decoding)

    def bind(self, site: CaptionSite) -> None:
        self._site = site
        found = described_items(site.archive, site.columns, self.settings.archive_column, site.content_dir)
        self._described = [(item.path, item.id, text) for item, text in found]
        self._index, self._identity = None, ""

    def _require(self) -> CaptionSite:
        if self._site is None:
            raise ElectricSpeechError("the archive captioner runs in the build's own process, bound to the site's "
                                      "archive (it was called unbound: was it sent to another process?)")
        return self._site

    def _embedder_part(self) -> Embedder:
        if self._embedder is None:
            from ..archive.embed import create_embedder

            ms = self._require().map_settings
            self._embedder = create_embedder(ms.embedder, ms)
        return self._embedder

    def identity(self) -> str:
        if not self._identity:
            site = self._require()
            h = hashlib.sha256()
            for path, item_id, text in self._described:
                h.update(f"{item_id}\0{site.cache.file_hash(path)}\0{text}\0".encode())
            column = find_column(site.columns, self.settings.archive_column) or self.settings.archive_column
            self._identity = (f"archive/v{self.version}/rewrite{REWRITE_VERSION}/consensus{CONSENSUS_VERSION}"
                              f"/k={self.settings.archive_neighbours}/column={column}/{self._embedder_part().identity()}"
                              f"/{len(self._described)}@{h.hexdigest()[:20]}")
        return self._identity

    # -- the index and the captions

    def _embed(self, paths: list[Path], desc: str) -> list[str]:
        """Store keys of the images' embeddings, computing the missing ones (through the map's thumbnails and
        store, so the map finds them there)."""
        from ..archive.embed import EmbeddingStore, embed_missing
        from ..archive.images import make_thumbs

        site = self._require()
        embedder = self._embedder_part()
        if self._store is None:
            self._store = EmbeddingStore(site.cache, embedder.identity())
        thumbs = make_thumbs(paths, site.cache, site.reporter, desc=f"{desc} thumbs")
        keys = [th.key if th.ok and th.large is not None else "" for th in thumbs]
        jobs = [(k, th.large) for k, th in zip(keys, thumbs) if k and th.large is not None]
        ms = site.map_settings
        embed_missing(embedder, self._store, jobs, site.reporter, ms.batch_size, desc=f"{desc} embeddings",
                      executor=site.executor(), device=ms.device)
        return keys

    def index(self) -> ArchiveIndex:
        """The archive's vectors and candidate captions (unreadable images are left out: the map warns)."""
        if self._index is None:
            import numpy as np

            lower = lower_case_words(text for _, _, text in self._described)
            keys = self._embed([p for p, _, _ in self._described], "archive")
            rows = [(k, item_id, as_caption(text, lower)) for k, (_, item_id, text) in zip(keys, self._described)]
            rows = [r for r in rows if r[0] and r[2]]
            if not rows:
                raise MediaError("no described archive image can be read or gives a caption",
                                 self._require().content_dir / "archive")
            assert self._store is not None
            vectors = _unit(self._store.features([k for k, _, _ in rows]))
            captions = [c for _, _, c in rows]
            self._index = ArchiveIndex(vectors.astype(np.float32), captions, [i for _, i, _ in rows], TfIdf(captions))
        return self._index

    def neighbours(self, images: list[Path]) -> list[list[tuple[int, float]]]:
        """For each image, the nearest described archive images: (row of the index, cosine similarity), nearest
        first (ties in archive order)."""
        import numpy as np

        index = self.index()
        keys = self._embed(list(images), "frame")
        bad = [p for p, k in zip(images, keys) if not k]
        if bad:
            raise MediaError("cannot read the keyframe image", bad[0])
        assert self._store is not None
        sims = _unit(self._store.features(keys)) @ index.vectors.T
        k = min(self.settings.archive_neighbours, len(index.captions))
        out = []
        for row in sims:
            order = np.argsort(-row, kind="stable")[:k]
            out.append([(int(j), float(row[j])) for j in order])
        return out

    def caption(self, images: list[Path]) -> list[str]:
        if not images:
            return []
        index = self.index()
        sentences = []
        for near in self.neighbours(images):
            candidates = [index.captions[j] for j, _ in near]
            pick = choose(candidates, [s for _, s in near], index.tfidf)
            sentences.append(candidates[pick])
        return sentences


def _unit(x: np.ndarray) -> np.ndarray:
    import numpy as np

    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    out: np.ndarray = x / np.maximum(norms, 1e-12)
    return out
