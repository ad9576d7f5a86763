"""Folder artifacts of the cache (:mod:`generator.cache`): a folder is filled staged beside its place, then
committed (a completeness marker written into it last, then renamed into place); only a folder with its
marker is trusted, and a removal deletes the marker first, so one cut short is never trusted either."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic_files import atomic_write_json

COMPLETE = ".complete.json"  # in a folder artifact: written last, at its commit (a folder without it is not used)


def read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        mark = json.loads((folder / COMPLETE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return mark if isinstance(mark, dict) else None


def listed_of(mark: dict[str, Any] | None) -> tuple[str, ...] | None:
    files = (mark or {}).get("files")
    return tuple(files) if isinstance(files, list) and all(isinstance(f, str) for f in files) else None


def files_of(folder: Path) -> list[str]:
    """Every file under ``folder``, relative and '/'-separated, sorted; the marker left out."""
    files = (p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    return sorted(rel for rel in files if rel != COMPLETE)


def remove_folder(folder: Path, ignore_errors: bool = True) -> None:
    if not folder.is_dir():
        return
    (folder / COMPLETE).unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=ignore_errors)


@dataclass(frozen=True)
class Folder:
    """A committed folder artifact (see :meth:`Cache.folder`)."""

    path: Path
    listed: tuple[str, ...] | None = None  # its files, when it was committed with ``listed=True``

    def __truediv__(self, rel: str) -> Path:
        return self.path / rel

    def files(self) -> list[str]:
        """Every file it holds (relative, '/'-separated, sorted), the marker left out: the listing made at
        its commit when there is one, else found by walking the folder."""
        return list(self.listed) if self.listed is not None else files_of(self.path)

    def read_json(self, rel: str) -> Any | None:
        """A JSON file of the folder, or None when it is absent or unreadable."""
        try:
            return json.loads((self.path / rel).read_text("utf-8"))
        except (OSError, ValueError):
            return None


@dataclass(frozen=True)
class StagedDir:
    """A temporary artifact folder (see :meth:`Cache.staged_dir`). It lives on the cache's file system, so a
    worker that sees the cache at the same path can fill it, and the rename into place stays atomic."""

    path: Path
    final: Path
    listed: bool = False  # list its files in the marker

    def commit(self) -> Path:
        """Write the completeness marker (the folder's last file) and rename the folder into place,
        replacing an older one."""
        atomic_write_json(self.path / COMPLETE, {"files": files_of(self.path)} if self.listed else {})
        remove_folder(self.final, ignore_errors=False)
        os.replace(self.path, self.final)
        return self.final

    def discard(self) -> None:
        """Delete what is left of the folder (nothing after commit)."""
        if self.path.exists():
            shutil.rmtree(self.path, ignore_errors=True)
