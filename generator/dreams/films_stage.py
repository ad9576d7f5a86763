"""Dream films: the films chosen by ``[dreams] films`` (slug -> preset) or a film's front matter
``dream: <preset>`` are dreamt frame by frame (see :mod:`generator.dreams.film`), and each dream becomes
a film of the site, ``<slug>-dream``, before the media stage: it is probed, given keyframes and
renditions, captioned, subtitled and mapped like any film, and its page says that the machine made it.

Cached by the footage's bytes, the preset's parameters (seed included), the film settings, the model id
and the stage version; a build whose dream films are all cached imports neither torch nor OpenCV.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..errors import ContentError, ElectricSpeechError
from ..model import Film
from ..stages import StageContext, StageInfo
from .settings import DreamSettings

NAMESPACE, VERSION = "dream-films", 1
STAGE = StageInfo("dream-films", "chosen films dreamt frame by frame along the optical flow: new films of the site",
                  section="dreams", namespaces=((NAMESPACE, VERSION),), phase="before_media")
FILE = "dream.mp4"
SUFFIX = "-dream"


def chosen(ctx: StageContext, films: list[Film]) -> list[tuple[Film, str]]:
    """(film, preset name) of each film to dream; a front matter ``dream:`` naming no preset is an error
    naming the film's file."""
    from .settings import presets_of

    table = ctx.settings.of(DreamSettings).films
    names = presets_of(ctx.settings.of(DreamSettings))
    out = []
    for film in films:
        wanted: Any = film.meta.get("dream", table.get(film.slug))
        if wanted in (None, False, ""):
            continue
        if not isinstance(wanted, str) or wanted not in names:
            raise ContentError(f"front matter dream: {wanted!r} is not a preset (presets: {', '.join(sorted(names))})",
                               film.source)
        out.append((film, wanted))
    unknown = sorted(set(table) - {f.slug for f in films})
    if unknown:
        ctx.reporter.warn(f"[dreams] films: no film {', '.join(map(repr, unknown))} in this site")
    return out


def run(ctx: StageContext, films: list[Film]) -> list[Film]:
    """The films, and after each chosen one its dream film."""
    if not ctx.settings.of(DreamSettings).films and not any(f.meta.get("dream") for f in films):
        return films
    from .settings import film_job, presets_of

    d = ctx.settings.of(DreamSettings)
    presets = presets_of(d)
    taken = {f.slug for f in films}
    dreams: dict[str, Film] = {}
    for film, name in chosen(ctx, films):
        slug = film.slug + SUFFIX
        if slug in taken:
            ctx.reporter.warn(f"[dreams] films: the dream of '{film.slug}' would be '{slug}', a film that exists; "
                              "not dreamt")
            continue
        job = film_job(d, presets[name])
        try:
            video = _dreamt(ctx, film, job, name)
        except ElectricSpeechError as exc:
            ctx.reporter.warn(f"{exc.oneline()} (film '{film.slug}' is not dreamt)")
            continue
        dreams[film.slug] = dream_film(film, slug, video, name, job)
    return [g for f in films for g in ([f, dreams[f.slug]] if f.slug in dreams else [f])]


def identity(ctx: StageContext, film: Film, job: Any) -> str:
    from ..dreams.presets import MODEL_ID

    ns = ctx.cache.namespace(NAMESPACE, VERSION)
    params = {**dataclasses.asdict(job), "preset": job.preset.params()}
    return ns.key(ns.file_hash(film.video), params, MODEL_ID)


def _dreamt(ctx: StageContext, film: Film, job: Any, name: str) -> Any:
    ns = ctx.cache.namespace(NAMESPACE, VERSION)
    key = identity(ctx, film, job)
    found = ns.folder(key, legacy=FILE)
    if found is not None:
        return found / FILE
    import importlib.util

    if importlib.util.find_spec("cv2") is None:
        from ..errors import MissingDependency

        raise MissingDependency("OpenCV (the optical flow of dream films)", "pip install -e .[dreams]")
    from ..dreams.film import iter_dreams, iter_frames, write_film
    from ..media.ffmpeg_bin import find_tools

    tools = find_tools(ctx.reporter)
    d = ctx.settings.of(DreamSettings)
    frames = iter_frames(tools.ffmpeg, film.video, job)  # streamed: read, dreamt and written one by one
    total = round(job.seconds * job.fps) if job.seconds > 0 else None
    dreamt = ctx.reporter.progress(iter_dreams(frames, job, d.threads, d.device), total=total,
                                   desc=f"dream {film.slug}"[:12], unit="frame")
    with ns.new_dir(key) as tmp:
        n = write_film(tools.ffmpeg, dreamt, job.fps, tmp / FILE, sound=film.video, start=job.start)
    ctx.reporter.info(f"dreams: {film.slug} dreamt with '{name}' ({n} frames)")
    return ns.path(key) / FILE


def dream_film(film: Film, slug: str, video: Any, name: str, job: Any) -> Film:
    """The dream as a film of the site: the source's captions settings, a page that says how it was made."""
    span = f"{job.seconds:g} seconds" if job.seconds > 0 else "the whole"
    how = (f"Made by the machine: {span} of “{film.title}” dreamt frame by frame by EfficientNet-Lite0 "
           f"(preset “{name}”, block {job.preset.layer}), each frame's dream carried into the next along "
           "the optical flow.")
    meta: dict[str, Any] = {"synthetic": how, "dream_of": film.slug, "dream_preset": name,
                            "made_from": {"film": film.slug, "title": film.title}}  # linked by film.html
    if "captions" in film.meta:
        meta["captions"] = film.meta["captions"]
    return Film(slug=slug, title=f"{film.title}, dreamt", source=film.source, video=video, date=film.date,
                summary=f"The machine's dream of “{film.title}”.", essay_text=how, tags=[*film.tags, "dream"],
                meta=meta, made_by="dream")
