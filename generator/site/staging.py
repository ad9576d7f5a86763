"""The staging folder of a build, made ready in a background thread while the build reads and renders.

Creating a thousand directories costs this machine's file system 0.1-0.5 ms each, more than rendering the
pages that go in them; so the folder is prepared from the moment a build starts, overlapping that work:

- the spare site (the one from before the previous build) is renamed into place: it holds every folder
  already and most files are right;
- without a spare but with a live site, the live site's folders are made again and its files linked into
  them (a copy that shares every file), which also gives the next build its spare;
- with neither (a first build), the folders the site folder's pages and films will need are made.

Nothing here touches the live site, which only :func:`generator.site.write.write_tree`'s swap replaces.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

MARKER = ".electric-speech-site"
OUTPUTS = ".electric-speech-outputs.json"
MARKER_TEXT = "built by Electric Speech; this folder is replaced on every build\n"

Entry = list[Any]  # [key, size, mtime_ns]
SKELETON_FROM = 50  # folders a first build needs from which it also prepares the next build's spare


def load_outputs(folder: Path) -> dict[str, Entry] | None:
    try:
        data = json.loads((folder / OUTPUTS).read_text("utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return files if isinstance(files, dict) else None


def save_outputs(folder: Path, files: dict[str, Entry]) -> None:
    (folder / MARKER).write_text(MARKER_TEXT)
    (folder / OUTPUTS).write_text(json.dumps({"format": 2, "files": files}, separators=(",", ":")))


class Folders:
    """Where a build of ``out`` stages and keeps its spare: in the cache when that is on the same file
    system (renames between them are then atomic), else beside the output under hidden names."""

    def __init__(self, out_dir: Path, keep: Path | None) -> None:
        self.out = out_dir
        self.root = out_dir.parent
        self.prefix = f".{out_dir.name}."
        self.kept = False
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            if os.stat(keep).st_dev == os.stat(out_dir.parent).st_dev:
                self.root, self.kept = keep, True
                self.prefix = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:16] + "."
        self.spare = self.root / f"{self.prefix}spare"
        self.staging = self.root / f"{self.prefix}staging-{os.getpid()}"

    def remove_stale(self) -> None:
        """Leftovers of interrupted builds; an output lost between the two renames of a swap comes back."""
        for stale in [*self.root.glob(f"{self.prefix}staging-*"), self.spare.with_name(self.spare.name + "-new")]:
            shutil.rmtree(stale, ignore_errors=True)
        olds = sorted(self.out.parent.glob(f".{self.out.name}.old-*"), key=lambda p: p.stat().st_mtime)
        if not self.out.exists():
            if self.spare.exists():
                os.replace(self.spare, self.out)
            elif olds:
                os.replace(olds.pop(), self.out)
        for stale in olds:  # left by earlier versions, which deleted the replaced site
            shutil.rmtree(stale, ignore_errors=True)


class Staging:
    """The staging folder and what it holds (``had``: rel -> entry), prepared in a thread."""

    def __init__(self, folders: Folders, dirs: list[str] | None = None) -> None:
        self.folders = folders
        self.path = folders.staging
        self.had: dict[str, Entry] = {}
        self.from_spare = False
        self.clone = False  # a full copy of the live site: a valid spare as it stands
        self.touched = False  # the writer has begun to change it
        self._predicted = dirs or []
        self.dirs: list[str] = []  # made in advance for a first build (pruned when unused)
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._prepare, name="staging", daemon=True)
        self._thread.start()

    def _prepare(self) -> None:
        try:
            spare, staging, out = self.folders.spare, self.path, self.folders.out
            had = load_outputs(spare) if spare.is_dir() and (spare / MARKER).exists() else None
            if had is not None:
                os.replace(spare, staging)
                (staging / OUTPUTS).unlink()  # stale from here on: an interruption makes it untrusted
                self.had, self.from_spare = had, True
                return
            if spare.exists():
                shutil.rmtree(spare, ignore_errors=True)
            staging.mkdir()
            live = load_outputs(out) if (out / MARKER).exists() else None
            made: set[Path] = {staging}
            if live is not None:
                for rel, entry in live.items():
                    if self._stop.is_set():
                        return
                    target = staging / rel
                    if target.parent not in made:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        made.add(target.parent)
                    os.link(out / rel, target)
                    self.had[rel] = entry
                self.clone = True
                return
            for rel in self._predicted:
                if self._stop.is_set():
                    return
                (staging / rel).mkdir(parents=True, exist_ok=True)
                self.dirs.append(rel)
            if self.folders.kept and len(self._predicted) >= SKELETON_FROM:
                self._skeleton()
        except BaseException as exc:  # handed to the thread that writes
            self._error = exc

    def _skeleton(self) -> None:
        """A first build's spare: the same folders, empty, listed as holding nothing. The next build fills
        it with links to this build's files instead of making a thousand folders."""
        spare = self.folders.spare
        tmp = spare.with_name(spare.name + "-new")
        shutil.rmtree(tmp, ignore_errors=True)
        for rel in self._predicted:
            if self._stop.is_set():
                shutil.rmtree(tmp, ignore_errors=True)
                return
            (tmp / rel).mkdir(parents=True, exist_ok=True)
        save_outputs(tmp, {})
        os.replace(tmp, spare)

    def ready(self) -> Staging:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self

    def abandon(self) -> None:
        """The build will not use it: keep what can serve the next build, remove the rest."""
        self._stop.set()
        self._thread.join()
        if not self.path.exists():
            return
        if self._error is None and not self.touched and (self.from_spare or self.clone):
            save_outputs(self.path, self.had)
            os.replace(self.path, self.folders.spare)
            return
        shutil.rmtree(self.path, ignore_errors=True)


def predicted_dirs(content_dir: Path) -> list[str]:
    """The output folders a site folder's pages and films will need (a guess; unused ones are removed)."""
    dirs = [p.stem for p in sorted((content_dir / "pages").glob("*.md"))]
    films = content_dir / "films"
    if films.is_dir():
        dirs += [f"films/{d.name}/frames" for d in sorted(films.iterdir()) if d.is_dir()]
    return dirs
