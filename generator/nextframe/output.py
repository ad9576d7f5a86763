"""A generated film written as a film of the site: ``<content>/films/<slug>/<slug>.mp4`` and an
``index.md`` whose front matter says how it was made (``synthetic:``, shown on the film page) and which
film it came from (``source:``). The next build captions it by machine, puts its frames on the map and
``publish`` can upload it, like any other film.

A folder that exists is only replaced when it holds a generated film (its index.md has ``synthetic:``):
a curator's own film is never overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..cache import atomic_write_text
from ..errors import ContentError
from ..media.ffmpeg_bin import FFmpegTools
from .frames import encode


@dataclass(frozen=True)
class FilmText:
    title: str
    summary: str
    synthetic: str  # the plain sentence of how it was made (the page's notice)
    source: str  # slug of the film it came from
    essay: str  # markdown body
    tags: tuple[str, ...] = ("synthetic",)
    extra: dict[str, str] = field(default_factory=dict)  # more front matter (e.g. driver:)


def check_folder(folder: Path) -> None:
    """ContentError unless ``folder`` is absent, empty or a generated film's."""
    if folder.exists() and not folder.is_dir():
        raise ContentError("exists and is not a folder", folder)
    index = folder / "index.md"
    if folder.is_dir() and any(folder.iterdir()):
        if not index.is_file() or "\nsynthetic:" not in index.read_text("utf-8", "replace"):
            raise ContentError("holds a film that is not a generated one; choose another --out", folder)


def write_film(folder: Path, frames: np.ndarray, fps: float, size: tuple[int, int], text: FilmText,
               tools: FFmpegTools) -> Path:
    """The film's MP4 and index.md in ``folder`` (its name is the slug); returns the index.md."""
    check_folder(folder)
    slug = folder.name
    folder.mkdir(parents=True, exist_ok=True)
    video = folder / f"{slug}.mp4"
    encode(frames, video, tools, fps, *size)
    front = {"title": text.title, "video": video.name, "date": dt.date.today().isoformat(),
             "summary": text.summary, "synthetic": text.synthetic, "source": text.source, **text.extra}
    # JSON strings are YAML's double-quoted scalars: any title or sentence is written safely
    lines = ["---", *(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in front.items()),
             f"tags: [{', '.join(json.dumps(t) for t in text.tags)}]", "---", "", text.essay.strip(), ""]
    index = folder / "index.md"
    atomic_write_text(index, "\n".join(lines))
    index.chmod(0o644)  # a content file like any other (the atomic write's temporary file was private)
    return index
