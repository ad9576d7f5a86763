"""Captions: one sentence per keyframe from the captioner named in ``[captions] captioner``, cached per
(image bytes, captioner identity). The captioner is created only when a caption is missing, so a build
whose captions are all cached never loads a model (its name was checked with the settings)."""

from __future__ import annotations

from ..model import Film
from . import StageContext, StageInfo

NAMESPACE = "captions"
VERSION = 1
STAGE = StageInfo("captions", "one sentence per keyframe", section="captions", namespaces=((NAMESPACE, VERSION),))


def identity(spec: str, ctx: StageContext) -> str:
    """What decides a captioner's sentences, without creating it when its class says so cheaply."""
    from ..captions.base import create_captioner

    return create_captioner(spec, ctx.settings.captions).identity()


def run(ctx: StageContext, films: list[Film]) -> list[Film]:
    """The same films, each with ``captions`` (one per keyframe) filled in."""
    if not films:
        return films
    from ..captions.base import create_captioner

    settings = ctx.settings.captions
    ns = ctx.cache.namespace(NAMESPACE, VERSION)
    captioner = create_captioner(settings.captioner, settings)  # cheap: models load on the first caption
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
    size = settings.batch_size
    batches = [todo[n:n + size] for n in range(0, len(todo), size)]
    try:
        for batch in ctx.reporter.progress(batches, total=len(batches), desc="captions", unit="batch"):
            texts = captioner.caption([film.keyframes[i].image for film, i, _ in batch])
            for (film, i, key), text in zip(batch, texts):
                film.captions[i] = text
                ns.put_json(key, {"text": text, "captioner": who})
    finally:
        captioner.close()
    return films
