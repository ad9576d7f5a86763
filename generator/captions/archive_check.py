"""Which archive images the ``archive`` captioner can speak from, and the one-line error when there are none.
Light (no numpy, no model): the read stage runs :func:`check_archive` for every film that uses the captioner,
so a missing column stops the build before any footage is touched."""

from __future__ import annotations

from pathlib import Path

from ..archive.scan import METADATA_FILE
from ..config import CaptionSettings
from ..errors import ContentError
from ..model import ArchiveItem


def find_column(columns: list[str], wanted: str) -> str | None:
    """The metadata column named ``wanted``: exactly, else ignoring case ("Description")."""
    if wanted in columns:
        return wanted
    folded = [c for c in columns if c.casefold() == wanted.casefold()]
    return folded[0] if folded else None


def described_items(archive: list[ArchiveItem], columns: list[str], wanted: str,
                    content_dir: Path) -> list[tuple[ArchiveItem, str]]:
    """(image, description) for every archive image with a non-empty description, in scan order;
    ContentError naming metadata.csv and the column when there is none."""
    metadata = content_dir / "archive" / METADATA_FILE
    hint = ("the archive captioner writes each keyframe's caption from the curators' descriptions of the nearest "
            "archive images")
    if not archive:
        raise ContentError(f"no images in archive/: {hint}", content_dir / "archive")
    if not metadata.exists():
        raise ContentError(f"not found: {hint}, in a `{wanted}` column of this file", metadata)
    column = find_column(columns, wanted)
    if column is None:
        have = ", ".join(f"`{c}`" for c in columns) or "none besides `file`"
        raise ContentError(f"no `{wanted}` column (it has {have}): {hint}; add the column, or name another "
                           "with [captions] archive_column", metadata)
    found = [(item, item.metadata[column].strip()) for item in archive if item.metadata.get(column, "").strip()]
    if not found:
        raise ContentError(f"the `{column}` column is empty for every image: {hint}", metadata)
    return found


def check_archive(spec: str, settings: CaptionSettings, archive: list[ArchiveItem], columns: list[str],
                  content_dir: Path) -> None:
    """The registry's check for ``archive`` (see :attr:`generator.registry.Entry.check`)."""
    described_items(archive, columns, settings.archive_column, content_dir)
