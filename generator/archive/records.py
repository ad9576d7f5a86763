"""What the viewer shows about each item: the layers of the map (archive images, film frames) as
:class:`~generator.archive.mapdata.LayerData`, built from the arrangement, neighbours, labels and atlases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from ..model import ArchiveItem, Film, Keyframe
from ..timefmt import moment
from .clusters import class_names
from .images import Thumb
from .mapdata import LayerData, facet_codes


@dataclass(frozen=True)
class FrameRef:
    """One film keyframe on the map."""

    film: Film
    index: int  # the keyframe's position in film.keyframes
    keyframe: Keyframe


def img_rel(th: Thumb) -> str:
    return f"img/{th.key[:2]}/{th.key[:24]}.jpg"


def aspect(th: Thumb) -> tuple[int, int]:
    w, h = th.cell_size
    m = max(w, h, 1)
    return max(1, round(w / m * 255)), max(1, round(h / m * 255))


def title_of(item: ArchiveItem) -> str:
    for k, v in item.metadata.items():
        if k.lower() == "title" and v:
            return v
    return item.title


def archive_layer(good: Sequence[tuple[ArchiveItem, Thumb]], columns: Sequence[str],
                  positions: dict[str, np.ndarray], nb: np.ndarray, top_idx: np.ndarray, top_p: np.ndarray,
                  labels: np.ndarray, assign: np.ndarray, atlas: dict[int, list[Path | bytes]]) -> LayerData:
    """The archive layer; ``good`` and every array are in map order."""
    names = class_names()
    records: list[dict[str, Any]] = []
    search: list[list[str]] = []
    ids: list[str] = []
    for i, (item, th) in enumerate(good):
        kept = set(labels[i].tolist())
        named = [[int(c), names[int(c)], round(float(p), 3)] for c, p in zip(top_idx[i], top_p[i]) if int(c) in kept]
        records.append({
            "id": item.id, "t": title_of(item), "m": [[c, v] for c, v in item.metadata.items()],
            "img": img_rel(th), "o": "../archive/files/" + quote(item.id, safe="/"),
            "w": th.width, "h": th.height, "l": named, "nb": nb[i].tolist(), "c": int(assign[i]),
        })
        search.append([title_of(item), item.id, *item.metadata.values(), *(str(n) for _, n, _ in named)])
        ids.append(item.id)
    facets = []
    for column in columns:
        coded = facet_codes([item.metadata.get(column, "") for item, _ in good])
        if coded is not None:
            facets.append((column, coded[0], coded[1]))
    return LayerData(
        name="archive", count=len(good), positions=positions, colors=np.array([th.color for _, th in good], np.uint8),
        aspect=np.array([aspect(th) for _, th in good], np.uint8), records=records, search=search, ids=ids,
        atlas=atlas, images=_images(good), clusters=assign.astype(np.uint16), labels=labels, facets=facets)


def frame_layer(frames: Sequence[tuple[FrameRef, Thumb]], positions: dict[str, np.ndarray], near: np.ndarray,
                atlas: dict[int, list[Path | bytes]]) -> LayerData:
    records, search, ids = [], [], []
    for j, (ref, th) in enumerate(frames):
        film, i, kf = ref.film, ref.index, ref.keyframe
        caption = film.captions[i] if i < len(film.captions) else ""
        name = f"{film.title} at {moment(kf.time)}"
        records.append({"id": f"{film.slug}/{i}", "t": name, "film": film.slug, "ft": film.title,
                        "time": round(kf.time, 3), "cap": caption, "href": f"../films/{film.slug}/#t={kf.time:.2f}",
                        "img": img_rel(th), "w": th.width, "h": th.height, "nb": near[j].tolist()})
        search.append([name, f"{film.slug}/{i}", caption])
        ids.append(f"{film.slug}/{i}")
    return LayerData(name="frames", count=len(frames), positions=positions,
                     colors=np.array([th.color for _, th in frames], np.uint8),
                     aspect=np.array([aspect(th) for _, th in frames], np.uint8), records=records,
                     search=search, ids=ids, atlas=atlas, images=_images(frames))


def _images(items: Sequence[tuple[Any, Thumb]]) -> dict[str, Path]:
    return {img_rel(th): th.large for _, th in items if th.large}
