"""Captions: one sentence per keyframe from the captioner named in ``[captions] captioner``, cached per
(image bytes, captioner identity). The captioner is created only when a caption is missing (its identity
comes from the registry's light function where it has one), so a build whose captions are all cached
never creates it or loads a model; its name was checked with the settings.

The batches are computed by the build's executor (``[build] executor``): in this process, or by a pool of
Ray actors each holding its own captioner. Either way the results come back in order and this stage, in
this process, writes them to the cache one batch at a time."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from ..executors.base import PartJob, Worker
from ..model import Film
from . import StageContext, StageInfo

if TYPE_CHECKING:
    from ..captions.base import Captioner

NAMESPACE = "captions"
VERSION = 1
STAGE = StageInfo("captions", "one sentence per keyframe", section="captions", namespaces=((NAMESPACE, VERSION),))


class CaptionWorker(Worker[list[Path], list[str]]):
    """A captioner computing batches of keyframe paths (wherever the executor runs it)."""

    def __init__(self, captioner: Captioner) -> None:
        self.captioner = captioner

    def compute(self, prepared: list[Path]) -> list[str]:
        return self.captioner.caption(prepared)


def run(ctx: StageContext, films: list[Film]) -> list[Film]:
    """The same films, each with ``captions`` (one per keyframe) filled in."""
    if not films:
        return films
    from .. import registry
    from ..captions.base import create_captioner

    settings = ctx.settings.captions
    ns = ctx.cache.namespace(NAMESPACE, VERSION)
    captioner: Captioner | None = None
    who = registry.resolve("captioner", settings.captioner).identity_of(settings.captioner, settings)
    if who is None:  # a captioner without a light identity is created (cheaply: models load on first use)
        captioner = create_captioner(settings.captioner, settings)
        who = captioner.identity()
    todo: list[tuple[Film, int, str]] = []
    for film in films:
        film.captions = [""] * len(film.keyframes)
        for i, kf in enumerate(film.keyframes):
            key = ns.key(ns.file_hash(kf.image), who)
            stored = ns.get_json(key)
            if isinstance(stored, dict) and isinstance(stored.get("text"), str):
                film.captions[i] = stored["text"]
            else:
                todo.append((film, i, key))
    if not todo:
        return films
    captioner = captioner or create_captioner(settings.captioner, settings)
    size = settings.batch_size
    batches = [todo[n:n + size] for n in range(0, len(todo), size)]
    # local: this very captioner computes; ray: each actor makes its own from (class, spec, settings)
    results = ctx.executor().map_batches(PartJob(CaptionWorker, captioner),
                                         [[film.keyframes[i].image for film, i, _ in b] for b in batches],
                                         device=settings.device)
    try:
        with closing(results):
            for batch, texts in ctx.reporter.progress(zip(batches, results), total=len(batches), desc="captions",
                                                      unit="batch"):
                for (film, i, key), text in zip(batch, texts):
                    film.captions[i] = text
                    ns.put_json(key, {"text": text, "captioner": who})
    finally:
        captioner.close()
    return films
