"""Faces: every archive image and the keyframes of every filmed film searched for faces, each face checked
(see :mod:`generator.portraits.finder`), aligned and described by dlib (128-d) and cropped, for the
``portraits/`` page (see :mod:`generator.portraits`).

Pictures the machine made are not searched: the keyframes of a film whose ``Film.made_by`` is set (dream
films, story films, next-frame films, re-enactments, any film whose front matter says ``synthetic:``). A
visitor asks the page whose face is like theirs; a face the machine dreamt, re-enacted or re-used from
the archive is nobody's, or is already in the index as the archive picture it was made from. The archive
stays whole: its pictures are the curators' material, whatever made them. The dreamt images and the
collages are never searched, being no part of the archive or of a film.

Cached per image: the key is the image's bytes hash, the ``[portraits]`` detection and check settings,
the models' identity (dlib's version, the detector, the model files) and the stage version; the artifact
is a folder of ``faces.json`` (boxes, scores, descriptors, and how many candidates each check refused, so
that a build from the cache logs the same counts) and one JPEG crop per face. A build with nothing new
reads those folders back and never imports dlib. Archive faces link to the item on the map
(``map/#item=<id>``), keyframe faces to the film at that moment (``films/<slug>/#t=<s>``).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..model import ArchiveItem, Film
from ..stages import StageContext, StageInfo
from ..timefmt import moment
from .settings import PortraitsSettings

if TYPE_CHECKING:
    from ..portraits.finder import Examined, FaceFinder, FinderParams

NAMESPACE, VERSION = "portraits-faces", 2  # 2: checked faces, refusals kept
FACES = "faces.json"  # in an image's artifact folder, beside one JPEG crop per face
STAGE = StageInfo("faces", "faces of the archive and the filmed keyframes, checked and described by dlib for the "
                  "portrait matcher",
                  section="portraits", namespaces=((NAMESPACE, VERSION),), phase="contribute")
CREATOR_COLUMNS = ("creator", "artist", "author", "photographer", "maker")
DATE_COLUMNS = ("date", "year")


@dataclass(frozen=True)
class Face:
    kind: str  # "archive" or "film"
    crop: Path  # the JPEG crop in the cache
    href: str  # relative to portraits/: the item on the map, or the film at the face's moment
    title: str  # the item's title, or the film's
    detail: str  # creator and date, or the moment in the film ("at 0:12")
    descriptor: tuple[float, ...]
    score: float
    key: str  # the image's artifact key + the face's number: names the crop on the site


@dataclass
class FacesResult:
    faces: list[Face]
    images: int  # pictures looked at
    with_faces: int  # ... in which a face was found
    model: str  # identity of what described them
    refused: dict[str, int] = dataclasses.field(default_factory=dict)  # check -> candidates it refused
    made: list[Film] = dataclasses.field(default_factory=list)  # films the machine made: not searched


@dataclass(frozen=True)
class Source:
    image: Path
    kind: str
    href: str
    title: str
    detail: str


def _column(meta: dict[str, str], names: tuple[str, ...]) -> str:
    lowered = {k.lower(): v for k, v in meta.items()}
    return next((lowered[n].strip() for n in names if lowered.get(n, "").strip()), "")


def sources(archive: list[ArchiveItem], films: list[Film], with_map: bool) -> list[Source]:
    """What is searched for faces, with what each face will link to and say: the archive, and the keyframes
    of the films that were filmed (not made by the machine: see :func:`made`)."""
    out = []
    for item in archive:
        href = f"../map/#item={quote(item.id, safe='')}" if with_map else f"../archive/files/{quote(item.id)}"
        detail = ", ".join(v for v in (_column(item.metadata, CREATOR_COLUMNS), _column(item.metadata, DATE_COLUMNS))
                           if v)
        out.append(Source(item.path, "archive", href, item.title, detail))
    for film in films:
        if film.made_by:
            continue
        for kf in film.keyframes:
            if kf.image.is_file():
                out.append(Source(kf.image, "film", f"../films/{quote(film.slug)}/#t={kf.time:.2f}", film.title,
                                  f"at {moment(kf.time)}"))
    return out


def made(films: list[Film]) -> list[Film]:
    """The films the machine made, whose keyframes are not searched for faces."""
    return [f for f in films if f.made_by]


class Finder:
    """The dlib models behind the cache: loaded on the first image not in it."""

    def __init__(self, params: FinderParams) -> None:
        self.params = params
        self._finder: FaceFinder | None = None
        self.computed = 0

    def examine(self, image: Path) -> Examined:
        if self._finder is None:
            from ..portraits.finder import FaceFinder

            self._finder = FaceFinder(self.params)
        self.computed += 1
        return self._finder.examine(image)


def run(ctx: StageContext, archive: list[ArchiveItem], films: list[Film], with_map: bool) -> FacesResult | None:
    """None when ``[portraits] enabled`` is false, there is nothing to look at, or dlib is missing (warned)."""
    s = ctx.settings.of(PortraitsSettings)
    todo = sources(archive, films, with_map)
    if not s.enabled or not todo:
        return None
    from ..portraits import models
    from ..portraits.finder import FinderParams

    why = models.unavailable()
    if why:
        ctx.reporter.warn(f"[portraits] faces are not described: {why}; set [portraits] enabled = false to "
                          "silence this")
        return None
    params = FinderParams(s.detector, s.upsample, s.min_size, s.max_faces_per_image, s.min_score, s.confirm,
                          s.confirm_score, s.limits())
    identity = models.identity(s.detector, confirm=s.confirm)
    ns = ctx.cache.namespace(NAMESPACE, VERSION)
    finder = Finder(params)
    faces: list[Face] = []
    refused: Counter[str] = Counter()
    with_faces = 0
    for src in ctx.reporter.progress(todo, total=len(todo), desc="faces", unit="image"):
        key = ns.key(ns.file_hash(src.image), dataclasses.asdict(params), identity)
        found = ns.folder(key, legacy=FACES)  # a miss when absent
        stored = found.read_json(FACES) if found is not None else None
        if not (isinstance(stored, dict) and isinstance(stored.get("faces"), list)):
            stored = _compute(ctx, ns, key, src, finder)
        if stored is None:
            continue
        refused.update(stored.get("refused", {}))
        with_faces += bool(stored["faces"])
        folder = ns.path(key)
        faces += [Face(src.kind, folder / f"{i}.jpg", src.href, src.title, src.detail, tuple(f["d"]), f["s"],
                       f"{key[:16]}-{i}") for i, f in enumerate(stored["faces"])]
    if finder.computed:
        ctx.reporter.info(f"faces: looked at {finder.computed} picture(s) with {identity}")
    skipped = made(films)
    ctx.reporter.info(f"faces: {len(faces)} face(s) in {with_faces} of {len(todo)} picture(s)"
                      f"{_refusals(refused)}{_made(skipped)}")
    return FacesResult(faces, len(todo), with_faces, identity, dict(refused), skipped)


# the finder's reasons, as the build log says them
REFUSED_BY = {"score": "below min_score", "landmarks": "implausible landmarks",
              "unconfirmed": "not confirmed by the CNN"}


def _refusals(refused: Counter[str]) -> str:
    total = sum(refused.values())
    if not total:
        return "; no candidate refused"
    parts = ", ".join(f"{n} {REFUSED_BY.get(why, why)}" for why, n in sorted(refused.items()) if n)
    return f"; {total} candidate(s) refused ({parts})"


def _made(films: list[Film]) -> str:
    if not films:
        return ""
    frames = sum(len(f.keyframes) for f in films)
    return f"; {frames} keyframe(s) of {len(films)} film(s) the machine made not searched"


def _compute(ctx: StageContext, ns: Any, key: str, src: Source, finder: Finder) -> dict[str, Any] | None:
    import json

    try:
        examined = finder.examine(src.image)
    except (OSError, ValueError, RuntimeError) as exc:  # an unreadable picture; the map stage reports it too
        ctx.reporter.warn(f"{src.image}: faces not searched ({exc})")
        return None
    stored = {"faces": [{"b": list(f.box), "s": f.score, "d": list(f.descriptor)} for f in examined.faces],
              "refused": dict(examined.refused)}
    with ns.new_dir(key) as folder:
        for i, f in enumerate(examined.faces):
            (folder / f"{i}.jpg").write_bytes(f.crop)
        (folder / FACES).write_text(json.dumps(stored), "utf-8")  # the folder is committed whole
    return stored
