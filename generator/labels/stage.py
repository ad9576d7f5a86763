"""Labels: the labels a curator teaches (``labels/<name>.csv`` and ``labels/<name>/``), each a logistic probe
on the map's cached embeddings that scores the whole archive. Read top to bottom, :func:`run` is the stage:

decisions (the CSV, then example images: those of the archive count as decisions on it, others are embedded
once by the map's embedder into the same store) -> the probe, cached by a hash of the decisions, the images'
keys, the embedder's identity, the settings and the probe's version -> scores, cross-validated accuracy and
counts for the build summary. A build with nothing changed reads every probe back without loading an
embedding or importing scikit-learn.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cache import hash_parts
from ..config import as_dict
from ..labels.decisions import NO, YES, LabelSource, find_labels
from ..model import ArchiveItem
from ..stages import StageContext, StageInfo
from .settings import LabelSettings

if TYPE_CHECKING:
    import numpy as np

    from ..archive.embed import EmbeddingStore
    from ..archive.mapdata import MapResult



NAMESPACE, PROBE_VERSION = "labels-probe", 1  # the probes: bump when the same decisions give other scores
INDEX, INDEX_VERSION = "labels-index", 1  # the archive as the review server needs it (ids, image keys, thumbs)
STAGE = StageInfo("labels", "labels a curator teaches: a logistic probe on the map's embeddings scores the archive",
                  section="labels", namespaces=((NAMESPACE, PROBE_VERSION), (INDEX, INDEX_VERSION)),
                  phase="contribute")


@dataclass
class TaughtLabel:
    name: str
    slug: str
    csv_path: Path
    scores: np.ndarray  # (N,) P(yes) per item of LabelsResult.items
    decided: dict[str, str]  # archive id -> yes / no (the CSV's, and the folder's images that are in the archive)
    accuracy: float | None
    folds: int
    trained: bool
    assumed: int = 0  # unlabelled images that stood in as "no"
    outside: int = 0  # example images that are not in the archive (trained on, not published)
    key: str = ""  # the probe's cache key: names its published files
    item_ids: list[str] = field(default_factory=list)  # the archive ids the scores are of, in order

    @property
    def yes(self) -> int:
        return sum(1 for d in self.decided.values() if d == YES)

    @property
    def no(self) -> int:
        return sum(1 for d in self.decided.values() if d == NO)

    def summary(self, threshold: float) -> str:
        if not self.trained:
            acc = "not trained yet (needs yes and no decisions)"
        elif self.accuracy is None:
            acc = "too few decisions to cross-validate"
        else:
            acc = f"cross-validated accuracy {self.accuracy:.2f} ({self.folds}-fold)"
        extra = f", {self.assumed} unlabelled as assumed no" if self.assumed else ""
        extra += f", {self.outside} example(s) from outside the archive" if self.outside else ""
        has = self.yes + sum(1 for i, item in enumerate(self.item_ids) if item not in self.decided
                             and self.trained and self.scores[i] >= threshold)
        return (f"label {self.name!r}: {len(self.decided)} decisions ({self.yes} yes, {self.no} no{extra}), {acc}, "
                f"{has} of {len(self.scores)} images have it")


@dataclass
class LabelsResult:
    items: list[ArchiveItem]
    labels: list[TaughtLabel] = field(default_factory=list)
    threshold: float = 0.5

    def summary(self) -> list[str]:
        return [lab.summary(self.threshold) for lab in self.labels]


def run(ctx: StageContext, site_map: MapResult) -> LabelsResult | None:
    """None when the site has no label (or no map, whose embeddings the probes read)."""
    import numpy as np

    from ..archive.embed import EmbeddingStore
    ls = ctx.settings.of(LabelSettings)
    sources = find_labels(ctx.content_dir, ls.folder)
    if not sources:
        return None
    items = [it for it in site_map.archive if it.id in site_map.keys]
    keys = [site_map.keys[it.id] for it in items]
    identity = str(site_map.manifest.get("embedder", ""))
    row_of = {it.id: i for i, it in enumerate(items)}
    row_of_key = {k: i for i, k in enumerate(keys)}
    write_index(ctx, items, keys, site_map.thumbs, identity)
    ns = ctx.cache.namespace(NAMESPACE, PROBE_VERSION)
    store: EmbeddingStore | None = None
    params = {k: v for k, v in as_dict(ls).items() if k in ("C", "min_examples", "cv_folds", "assumed_negatives",
                                                             "seed")}
    archive_hash = hash_parts(keys)
    result = LabelsResult(items, threshold=ls.threshold)
    for src in sources:
        decided, outside = _decisions(ctx, src, row_of, row_of_key)
        key = ns.key(identity, archive_hash, sorted(decided.items()), outside, params)
        stored = ns.get_arrays(key)
        if stored is None:
            if store is None:
                store = EmbeddingStore(ctx.cache, identity)
            _embed_outside(ctx, store, outside)
            stored = _train(store, keys, decided, row_of, outside, ls)
            ns.put_arrays(key, stored)
        cv = stored["cv"].tolist()
        result.labels.append(TaughtLabel(
            src.name, src.slug, src.csv_path, stored["scores"].astype(np.float32), decided,
            accuracy=None if cv[0] < 0 else float(cv[0]), folds=int(cv[1]), trained=bool(cv[2]),
            assumed=int(cv[3]), outside=len(outside), key=key, item_ids=list(row_of)))
    return result


def _decisions(ctx: StageContext, src: LabelSource, row_of: dict[str, int],
               row_of_key: dict[str, int]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """(archive id -> decision, [(image key, decision)] of examples outside the archive). The CSV wins over
    a folder image of the same archive item; CSV rows naming no archive image are warned about, once each."""
    decided: dict[str, str] = {}
    outside: list[tuple[str, str]] = []
    ids = list(row_of)  # in row order
    if src.examples:
        from ..archive.images import make_thumbs

        thumbs = make_thumbs([p for p, _ in src.examples], ctx.cache, ctx.reporter, desc=f"label {src.name}",
                             max_pixels=ctx.settings.archive.max_megapixels * 1_000_000)
        for (path, word), th in zip(src.examples, thumbs):
            if not th.ok:
                ctx.reporter.warn(f"{path}: {th.error}")
            elif th.key in row_of_key:
                decided[ids[row_of_key[th.key]]] = word
            else:
                outside.append((th.key, word))
    unknown = [k for k in src.decisions if k not in row_of]
    if unknown:
        ctx.reporter.warn(f"{src.csv_path}: {len(unknown)} file(s) not in the archive, ignored "
                          f"(first: {unknown[0]!r}; files are named as in archive/metadata.csv)")
    decided.update({k: v for k, v in src.decisions.items() if k in row_of})
    return decided, sorted(set(outside))


def _embed_outside(ctx: StageContext, store: EmbeddingStore, outside: list[tuple[str, str]]) -> None:
    """Example images that are not archive images are embedded once, by the map's embedder, into its store."""
    missing = store.missing([k for k, _ in outside])
    if not missing:
        return
    from ..archive.images import THUMB_STAGE, THUMB_VERSION

    thumbs = ctx.cache.namespace(THUMB_STAGE, THUMB_VERSION)
    from ..archive.embed import create_embedder, embed_missing

    ms = ctx.settings.map
    embedder = create_embedder(ms.embedder, ms)
    embed_missing(embedder, store, [(k, thumbs.path(k, ".jpg")) for k in missing], ctx.reporter, ms.batch_size,
                  desc="label examples", executor=ctx.executor(), device=ms.device)


def _train(store: EmbeddingStore, keys: list[str], decided: dict[str, str], row_of: dict[str, int],
           outside: list[tuple[str, str]], ls: Any) -> dict[str, np.ndarray]:
    import numpy as np

    from ..labels.probe import train

    features = store.features(keys + [k for k, _ in outside])
    rows = [row_of[k] for k in decided] + [len(keys) + i for i in range(len(outside))]
    y = [int(d == YES) for d in decided.values()] + [int(d == YES) for _, d in outside]
    counted = [True] * len(rows)
    assumed = 0
    if y and 0 not in y and ls.assumed_negatives:
        # only yes so far (a folder of examples): a random draw of the rest stands in as "no"; a label is
        # usually rare, and the first review corrects the few it gets wrong
        rest = sorted(set(range(len(keys))) - set(rows))
        take = random.Random(ls.seed).sample(rest, min(len(rest), ls.assumed_negatives * len(y)))
        rows, y, counted = rows + take, y + [0] * len(take), counted + [False] * len(take)
        assumed = len(take)
    probe = train(features, rows, y, ls.C, ls.cv_folds, ls.seed, ls.min_examples, counted)
    cv = np.array([-1.0 if probe.accuracy is None else probe.accuracy, probe.folds, float(probe.trained), assumed])
    return {"scores": probe.scores[:len(keys)].astype(np.float32), "cv": cv}


def write_index(ctx: StageContext, items: list[ArchiveItem], keys: list[str], thumbs: dict[str, Path],
                identity: str) -> None:
    """What the review server reads (:mod:`generator.labels.queue`), behind a pointer named after the site
    folder; rewritten only when it changed."""
    ns = ctx.cache.namespace(INDEX, INDEX_VERSION)
    rows = [[it.id, k, str(thumbs.get(it.id, it.path)), it.title, [[c, v] for c, v in it.metadata.items()]]
            for it, k in zip(items, keys)]
    index = {"identity": identity, "items": rows}
    key = ns.key(index)
    name = str(ctx.content_dir.resolve())
    if ns.pointer(name) != key:
        ns.put_json(key, index)
        ns.set_pointer(name, key)


def read_index(cache: Any, content_dir: Path) -> dict[str, Any] | None:
    ns = cache.namespace(INDEX, INDEX_VERSION)
    key = ns.pointer(str(content_dir.resolve()))
    if key is None:
        return None
    value = ns.get_json(key)
    return value if isinstance(value, dict) else None
