"""Write the output tree into a staging folder beside the output, then swap it in.

The previous site stays untouched until the new one is complete; a build interrupted at any point leaves
the previous site as it was. Only what changed is written:

- the staging folder is the site from before the previous build (kept after each swap as the "spare",
  in the cache folder when it is on the output's file system), brought up to date: files whose content
  is already right stay, the rest are replaced (never written into: a file may be a hard link shared with
  the live site), files no longer wanted are removed. A one-page edit touches one file of the staging
  folder, whatever the size of the site; nothing is deleted in bulk;
- a file the live site already holds with the same content is hard-linked from it;
- when the new site is the live site exactly (a no-op build), nothing is written at all.

``.electric-speech-outputs.json`` in each of those folders lists every file with what it was made from (a
page's key, the content's hash or the source file it links) and its size and mtime, so a file changed by
hand is never mistaken for ours. A staging folder whose list is missing (an interrupted update) is
removed and a fresh one made.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from pathlib import Path

from ..errors import ConfigError
from .output import OutputTree
from .staging import MARKER, Entry, Folders, Staging, load_outputs, predicted_dirs, save_outputs

__all__ = ["MARKER", "PreviousSite", "begin", "write_tree"]

_LINK_FALLBACK = (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EACCES, errno.ENOTSUP)


def _matches(path: Path, entry: Entry | None, key: str) -> bool:
    if not entry or entry[0] != key:
        return False
    try:
        st = os.stat(path)
    except OSError:
        return False
    return [st.st_size, st.st_mtime_ns] == entry[1:3]


class PreviousSite:
    """The output folder as the last build left it."""

    def __init__(self, out_dir: Path) -> None:
        self.dir = out_dir
        self.entries: dict[str, Entry] = load_outputs(out_dir) or {}

    def has(self, rel: str, key: str) -> bool:
        """True when ``rel`` was made from exactly ``key`` and is untouched since."""
        return _matches(self.dir / rel, self.entries.get(rel), key)


def _check_out_dir(out_dir: Path, content_dir: Path) -> None:
    out, content = out_dir.resolve(), content_dir.resolve()
    if out == content or out in content.parents:
        raise ConfigError("the output folder must not be the site folder or contain it", out_dir)
    if out_dir.exists():
        if not out_dir.is_dir():
            raise ConfigError("the output path exists and is not a folder", out_dir)
        if any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
            # never replace a folder this tool did not build: it might be someone's work
            raise ConfigError("refusing to replace a non-empty folder that Electric Speech did not build", out_dir)


def _place(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in _LINK_FALLBACK:
            raise
        shutil.copy2(source, target)


def _remove_stale(out_dir: Path, folders: Folders | None = None) -> None:
    (folders or Folders(out_dir, None)).remove_stale()


class _Writer:
    """Brings one folder to the output tree's state, noting what each file was made from."""

    def __init__(self, tree: OutputTree, out_dir: Path, previous: PreviousSite, folder: Path,
                 had: dict[str, Entry]) -> None:
        self.tree, self.out_dir, self.previous, self.folder, self.had = tree, out_dir, previous, folder, had
        self.record: dict[str, Entry] = {}
        self.made: set[Path] = {folder}

    def wanted_key(self, rel: str) -> str:
        content = self.tree.files.get(rel)
        if content is None:
            return self.tree.reused[rel]
        if isinstance(content, Path):
            return f"file:{content}"
        return self.tree.keys.get(rel) or "sha256:" + hashlib.sha256(content).hexdigest()

    def current(self, rel: str, key: str, target: Path) -> bool:
        if key.startswith("file:"):  # a link to a source file: right while it is that file (or a copy of it)
            entry = self.had.get(rel)
            if not entry or entry[0] != key:
                return False
            try:
                a, b = os.stat(target), os.stat(key[5:])
            except OSError:
                return False
            same_file = (a.st_ino, a.st_dev) == (b.st_ino, b.st_dev)
            return same_file or (a.st_size, a.st_mtime_ns) == (b.st_size, b.st_mtime_ns)
        return _matches(target, self.had.get(rel), key)

    def put(self, rel: str) -> None:
        key = self.wanted_key(rel)
        target = self.folder / rel
        if not self.current(rel, key, target):
            if target.parent not in self.made:
                target.parent.mkdir(parents=True, exist_ok=True)
                self.made.add(target.parent)
            if target.exists() or target.is_symlink():
                target.unlink()  # never write into it: it may be a hard link shared with the live site
            content = self.tree.files.get(rel)
            if content is None or (not isinstance(content, Path) and self.previous.has(rel, key)):
                _place(self.out_dir / rel, target)  # unchanged since the live site: share its file
            elif isinstance(content, Path):
                _place(content, target)
            else:
                target.write_bytes(content)
        st = target.stat()
        self.record[rel] = [key, st.st_size, st.st_mtime_ns]

    def drop_unwanted(self, wanted: set[str]) -> None:
        parents: set[Path] = set()
        for rel in self.had:
            if rel not in wanted:
                (self.folder / rel).unlink(missing_ok=True)
                parents.add((self.folder / rel).parent)
        for folder in sorted(parents, key=lambda p: len(p.parts), reverse=True):
            while folder != self.folder:
                try:
                    folder.rmdir()  # only when empty
                except OSError:
                    break
                folder = folder.parent

    def prune(self, made: list[str]) -> None:
        """Remove folders made in advance that the site does not need (only when empty)."""
        for rel in sorted(made, key=len, reverse=True):
            folder = self.folder / rel
            while folder != self.folder and folder not in self.made:
                try:
                    folder.rmdir()
                except OSError:  # not empty: something of the site is in it
                    break
                folder = folder.parent

    def finish(self) -> None:
        save_outputs(self.folder, self.record)


def _unchanged(tree: OutputTree, out_dir: Path, previous: PreviousSite) -> bool:
    """True when the live site is already exactly this tree."""
    if not (out_dir / MARKER).exists() or set(previous.entries) != set(tree.files) | set(tree.reused):
        return False
    probe = _Writer(tree, out_dir, previous, out_dir, previous.entries)
    return all(probe.current(rel, probe.wanted_key(rel), out_dir / rel) for rel in previous.entries)


def begin(out_dir: Path, content_dir: Path, keep: Path | None) -> Staging:
    """Start preparing the staging folder of a build of ``content_dir`` into ``out_dir`` (see
    :mod:`.staging`); call before the previous site is looked at, since an output lost by an interrupted
    swap is restored first."""
    _check_out_dir(out_dir, content_dir)
    folders = Folders(out_dir, keep)
    folders.remove_stale()
    return Staging(folders, predicted_dirs(content_dir))


def write_tree(tree: OutputTree, out_dir: Path, content_dir: Path, previous: PreviousSite | None = None,
               keep: Path | None = None, staging: Staging | None = None) -> int:
    """Write every file; return how many the site holds. The swap is two renames in one file system.
    ``keep``: a folder for the staging and spare sites (the build's cache); without it they sit beside
    the output and the replaced site is deleted. ``staging``: from :func:`begin`, when the build started
    preparing it early."""
    _check_out_dir(out_dir, content_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = staging or begin(out_dir, content_dir, keep)
    previous = previous if previous is not None and previous.dir == out_dir else PreviousSite(out_dir)
    try:
        if _unchanged(tree, out_dir, previous):
            staging.abandon()  # kept as the next build's spare when it can be
            return len(tree)
        staging.ready().touched = True
        folders, folder = staging.folders, staging.path
        writer = _Writer(tree, out_dir, previous, folder, staging.had)
        wanted = set(tree.files) | set(tree.reused)
        writer.drop_unwanted(wanted)
        for rel in sorted(wanted):
            writer.put(rel)
        writer.prune(staging.dirs)
        writer.finish()
        if out_dir.exists():
            os.replace(out_dir, folders.spare)
        os.replace(folder, out_dir)
        if not folders.kept:
            shutil.rmtree(folders.spare, ignore_errors=True)  # no place to keep it out of sight
    except BaseException:
        staging.abandon()
        raise
    return len(tree)
