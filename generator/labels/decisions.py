"""A taught label's decisions: ``labels/<name>.csv`` (``file,decision`` with yes/no) and/or a folder
``labels/<name>/`` of example images (each one a yes; those in its ``no/`` subfolder a no).

The CSV is the curator's record and the review server's (:mod:`generator.review.decisions` reads and
writes it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ContentError
from ..review.decisions import NO, YES, read_decisions, write_decisions

__all__ = ["NO", "YES", "LabelSource", "find_labels", "read_decisions", "slug_of", "write_decisions"]

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,63}$")


def slug_of(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "label"


@dataclass
class LabelSource:
    """One label as the site folder gives it."""

    name: str
    csv_path: Path  # where decisions are (or will be) written, even for a folder label
    decisions: dict[str, str] = field(default_factory=dict)  # archive id -> "yes" / "no", in file order
    examples: list[tuple[Path, str]] = field(default_factory=list)  # (image, decision) from the folder

    @property
    def slug(self) -> str:
        return slug_of(self.name)


def _images(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                  and not p.name.startswith("."))


def find_labels(content_dir: Path, folder: str) -> list[LabelSource]:
    """Every label of the site folder, by name; a bad name or CSV is a ContentError naming it."""
    root = content_dir / folder
    if not root.is_dir():
        return []
    names: dict[str, LabelSource] = {}
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or not (entry.is_dir() or entry.suffix.lower() == ".csv"):
            continue
        name = entry.stem if entry.is_file() else entry.name
        if not _NAME.match(name):
            raise ContentError("a label's name is letters, digits, spaces, - or _ (at most 64)", entry)
        src = names.setdefault(name, LabelSource(name, root / f"{name}.csv"))
        if entry.is_file():
            src.decisions = read_decisions(entry)
        else:
            src.examples = [(p, YES) for p in _images(entry)] + [(p, NO) for p in _images(entry / "no")]
    slugs: dict[str, str] = {}
    for src in names.values():
        if src.slug in slugs:
            raise ContentError(f"labels {slugs[src.slug]!r} and {src.name!r} have the same address "
                               f"labels/{src.slug}/: rename one", root)
        slugs[src.slug] = src.name
    return list(names.values())
