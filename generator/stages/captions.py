"""Captions: one sentence per keyframe from the captioner named in ``[captions] captioner`` (or in a film's
front matter ``captions:``, see :mod:`generator.captions.per_film`), cached per (image bytes, captioner
identity). Films are captioned in groups of equal settings, one captioner each. The captioner is created only
when a caption is missing (its identity comes from the registry's light function where it has one), so a
build whose captions are all cached never creates it or loads a model; its name was checked with the settings.

A captioner whose sentences depend on the site (``uses_site``: the ``archive`` captioner reads the archive's
descriptions) is created and bound to the site before its identity is asked, since that identity covers what
it read there.

The batches are computed by the build's executor (``[build] executor``): in this process, or by a pool of
Ray actors each holding its own captioner. Either way the results come back in order and this stage, in
this process, writes them to the cache one batch at a time. A ``local_only`` captioner is called here, with
every missing keyframe at once (it sends its own heavy work to the executor)."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import CaptionSettings, as_dict
from ..executors.base import PartJob, Worker
from ..model import ArchiveItem, Film
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


def check(ctx: StageContext, films: list[Film], archive: list[ArchiveItem], columns: list[str]) -> None:
    """Every film's caption settings, and that each captioner can work with this site (the archive captioner
    needs its description column); called by the read stage, before any footage is touched."""
    from .. import registry
    from ..captions.per_film import film_caption_settings

    checked: set[str] = set()
    for film in films:
        settings = film_caption_settings(film, ctx.settings.captions)
        key = json.dumps(as_dict(settings), sort_keys=True)
        if key not in checked:
            checked.add(key)
            registry.resolve("captioner", settings.captioner).check_site(settings.captioner, settings, archive,
                                                                          columns, ctx.content_dir)


def run(ctx: StageContext, films: list[Film], archive: list[ArchiveItem] | None = None,
        columns: list[str] | None = None) -> list[Film]:
    """The same films, each with ``captions`` (one per keyframe) and ``captioner`` filled in."""
    from ..captions.per_film import captioner_label, film_caption_settings

    groups: dict[str, tuple[CaptionSettings, list[Film]]] = {}
    for film in films:
        settings = film_caption_settings(film, ctx.settings.captions)
        film.captioner = captioner_label(settings)
        groups.setdefault(json.dumps(as_dict(settings), sort_keys=True), (settings, []))[1].append(film)
    for settings, group in groups.values():
        _caption(ctx, group, settings, archive or [], columns or [])
    return films


def _caption(ctx: StageContext, films: list[Film], settings: CaptionSettings, archive: list[ArchiveItem],
             columns: list[str]) -> None:
    from .. import registry
    from ..captions.base import CaptionSite, create_captioner

    ns = ctx.cache.namespace(NAMESPACE, VERSION)
    captioner: Captioner | None = None
    who = registry.resolve("captioner", settings.captioner).identity_of(settings.captioner, settings)
    if who is None:  # a captioner without a light identity is created (cheaply: models load on first use)
        captioner = create_captioner(settings.captioner, settings)
        if captioner.uses_site:
            captioner.bind(CaptionSite(ctx.content_dir, ctx.cache, ctx.reporter, ctx.settings.map, ctx.executor,
                                       archive, columns))
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
        return
    captioner = captioner or create_captioner(settings.captioner, settings)
    try:
        if captioner.local_only:
            texts = captioner.caption([film.keyframes[i].image for film, i, _ in todo])
            for (film, i, key), text in zip(todo, texts):
                film.captions[i] = text
                ns.put_json(key, {"text": text, "captioner": who})
            return
        size = settings.batch_size
        batches = [todo[n:n + size] for n in range(0, len(todo), size)]
        # local: this very captioner computes; ray: each actor makes its own from (class, spec, settings)
        results = ctx.executor().map_batches(PartJob(CaptionWorker, captioner),
                                             [[film.keyframes[i].image for film, i, _ in b] for b in batches],
                                             device=settings.device)
        with closing(results):
            for batch, texts in ctx.reporter.progress(zip(batches, results), total=len(batches), desc="captions",
                                                      unit="batch"):
                for (film, i, key), text in zip(batch, texts):
                    film.captions[i] = text
                    ns.put_json(key, {"text": text, "captioner": who})
    finally:
        captioner.close()
