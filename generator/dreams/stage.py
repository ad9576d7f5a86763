"""Dreams: the archive images chosen by ``[dreams] images`` (image -> preset) dreamt by gradient ascent
(see :mod:`generator.dreams.ascent`), and the channel atlas (``[dreams] atlas``): what each channel of one
block dreams from a neutral start. After the map, before render; the pages are
:mod:`generator.dreams.page`.

Each dream is cached by the image's bytes, the preset's parameters (seed included), the model id and the
stage version; the atlas by its layer, channels, size, steps and seed. A build whose dreams are all
cached reads a small JSON file per dream and imports no torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ElectricSpeechError
from ..model import ArchiveItem, Film, SectionEntry
from ..stages import StageContext, StageInfo
from .settings import DreamSettings

STILLS, STILLS_VERSION = "dream-stills", 1
ATLAS, ATLAS_VERSION = "dream-atlas", 1
STAGE = StageInfo("dreams", "chosen archive images dreamt by EfficientNet-Lite0, and the channel atlas",
                  section="dreams", namespaces=((STILLS, STILLS_VERSION), (ATLAS, ATLAS_VERSION)), phase="contribute")
JPEG_QUALITY = 90


@dataclass(frozen=True)
class DreamStill:
    slug: str  # dreams/<slug>/
    item_id: str  # the archive image (and its id on the map)
    title: str
    preset: str
    params: dict[str, Any]
    dream: Path  # JPEGs in the cache, both at the dream's size
    before: Path
    width: int
    height: int


@dataclass(frozen=True)
class DreamAtlas:
    layer: int
    size: int
    steps: int
    seed: int
    tiles: tuple[tuple[int, Path], ...]  # (channel, JPEG in the cache)


@dataclass
class Dreams:
    stills: list[DreamStill] = field(default_factory=list)
    atlas: DreamAtlas | None = None


def slug_of(item_id: str) -> str:
    """``photographs/chelsea.jpg`` -> ``photographs-chelsea``: a URL segment per archive image."""
    import re

    stem = item_id.rsplit(".", 1)[0] if "." in item_id.rsplit("/", 1)[-1] else item_id
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "image"


def run(ctx: StageContext, archive: list[ArchiveItem]) -> Dreams | None:
    """None when ``[dreams]`` asks for no still and no atlas."""
    d = ctx.settings.of(DreamSettings)
    if not d.images and not d.atlas:
        return None
    from .settings import presets_of

    presets = presets_of(d)
    by_id = {item.id: item for item in archive}
    out = Dreams()
    taken: set[str] = set()
    for item_id, name in d.images.items():
        item = by_id.get(item_id.strip("/"))
        if item is None:
            ctx.reporter.warn(f"[dreams] images: no archive image {item_id!r} (a path below archive/, "
                              "e.g. 'photographs/chelsea.jpg')")
            continue
        slug = slug_of(item.id)
        while slug in taken or slug == "atlas":
            slug += "-2"
        taken.add(slug)
        try:
            out.stills.append(_still(ctx, item, slug, name, presets[name]))
        except (ElectricSpeechError, OSError) as exc:
            ctx.reporter.warn(f"{item.path}: cannot dream it: {exc}")
    if d.atlas:
        out.atlas = _atlas(ctx)
    return out


def _still(ctx: StageContext, item: ArchiveItem, slug: str, name: str, preset: Any) -> DreamStill:
    from ..dreams.presets import MODEL_ID

    ns = ctx.cache.namespace(STILLS, STILLS_VERSION)
    key = ns.key(ns.file_hash(item.path), preset.params(), MODEL_ID)
    folder = ns.path(key)
    # the folder (counted) and its record beside it, written after the folder's commit
    meta = ns.get_json(key, counted=False) if ns.folder(key, legacy="before.jpg") is not None else None
    if not isinstance(meta, dict):
        meta = _dream_still(ctx, item, preset, ns, key)
    return DreamStill(slug, item.id, item.title, name, preset.params(), folder / "dream.jpg", folder / "before.jpg",
                      int(meta["width"]), int(meta["height"]))


def _dream_still(ctx: StageContext, item: ArchiveItem, preset: Any, ns: Any, key: str) -> dict[str, Any]:
    from PIL import Image

    from ..dreams.ascent import Dreamer, load_rgb

    d = ctx.settings.of(DreamSettings)
    ctx.reporter.info(f"dreams: {item.id} ({preset.size} px, block {preset.layer})")
    source = load_rgb(item.path, preset.size)
    dream = Dreamer.get(d.device).dream(source, preset, d.threads)
    h, w = source.shape[:2]
    with ns.new_dir(key) as tmp:
        Image.fromarray(dream).save(tmp / "dream.jpg", quality=JPEG_QUALITY)
        Image.fromarray(source).save(tmp / "before.jpg", quality=JPEG_QUALITY)
    meta = {"width": w, "height": h, "item": item.id}
    ns.put_json(key, meta)  # written last: the folder is complete when it is there
    return meta


def _atlas(ctx: StageContext) -> DreamAtlas:
    from ..dreams.presets import MODEL_ID

    d = ctx.settings.of(DreamSettings)
    channels = list(range(d.atlas_channels))
    ns = ctx.cache.namespace(ATLAS, ATLAS_VERSION)
    key = ns.key(d.atlas_layer, channels, d.atlas_size, d.atlas_steps, d.atlas_seed, MODEL_ID)
    folder = ns.path(key)
    names = [f"c{c:03d}.jpg" for c in channels]
    if ns.folder(key, legacy=names[-1]) is not None:
        return DreamAtlas(d.atlas_layer, d.atlas_size, d.atlas_steps, d.atlas_seed,
                          tuple((c, folder / n) for c, n in zip(channels, names)))
    from PIL import Image

    from ..dreams.atlas import batches, iter_batches

    tiles = [t for batch in ctx.reporter.progress(
        iter_batches(d.atlas_layer, channels, d.atlas_size, d.atlas_steps, d.atlas_seed, d.threads, d.device),
        total=len(batches(channels)), desc="dream atlas", unit="batch") for t in batch]
    with ns.new_dir(key) as tmp:
        for name, tile in zip(names, tiles):
            Image.fromarray(tile).save(tmp / name, quality=JPEG_QUALITY)
    ctx.reporter.info(f"dreams: atlas of block {d.atlas_layer}, {len(channels)} channels")
    return DreamAtlas(d.atlas_layer, d.atlas_size, d.atlas_steps, d.atlas_seed,
                      tuple((c, folder / n) for c, n in zip(channels, names)))


def sections(result: Dreams | None, films: list[Film]) -> list[SectionEntry]:
    """This feature's entries of the dreams index: the atlas and the dream films."""
    out: list[SectionEntry] = []
    if result is not None and result.atlas is not None:
        a = result.atlas
        out.append(SectionEntry("dreams", "Channel atlas", "dreams/atlas/", "dreams/atlas/c000.jpg",
                                f"What each of the first {len(a.tiles)} channels of block {a.layer} dreams when it "
                                "is poked alone."))
    for film in films:
        if film.meta.get("dream_of"):
            out.append(SectionEntry("dreams", film.title, film.url, f"{film.url}poster.jpg" if film.keyframes else "",
                                    "A dream film: " + str(film.meta.get("synthetic", ""))))
    return out
