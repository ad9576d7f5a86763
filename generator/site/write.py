"""Write the output tree into a staging folder beside the output, then swap it in.

The previous site stays untouched until the new one is complete; a build interrupted at any point leaves
at most a stale staging folder, removed by the next build. Only what changed is written: a file the
previous site already holds with the same content (or made from the same key) is hard-linked from it into
the staging folder, so the swap stays atomic and a no-op build writes almost nothing.

``.electric-speech-outputs.json`` in the output folder records, per file, what it was made from (a page's
key or the content's hash) and its size and mtime, so a file edited by hand is never mistaken for ours.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import threading
from pathlib import Path

from ..errors import ConfigError
from .output import OutputTree

MARKER = ".electric-speech-site"
OUTPUTS = ".electric-speech-outputs.json"
_LINK_FALLBACK = (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EACCES, errno.ENOTSUP)


class PreviousSite:
    """The output folder as the last build left it."""

    def __init__(self, out_dir: Path) -> None:
        self.dir = out_dir
        try:
            data = json.loads((out_dir / OUTPUTS).read_text("utf-8"))
            self.entries: dict[str, list[object]] = data["files"] if isinstance(data.get("files"), dict) else {}
        except (OSError, ValueError, KeyError, AttributeError):
            self.entries = {}

    def has(self, rel: str, key: str) -> bool:
        entry = self.entries.get(rel)
        if not entry or entry[0] != key:
            return False
        try:
            st = os.stat(self.dir / rel)
        except OSError:
            return False
        return [st.st_size, st.st_mtime_ns] == entry[1:3]


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


def _remove_stale(out_dir: Path) -> None:
    for stale in out_dir.parent.glob(f".{out_dir.name}.staging-*"):
        shutil.rmtree(stale, ignore_errors=True)
    olds = sorted(out_dir.parent.glob(f".{out_dir.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if olds and not out_dir.exists():
        # interrupted between the two renames of a swap: the previous site comes back
        os.replace(olds.pop(), out_dir)
    for stale in olds:
        shutil.rmtree(stale, ignore_errors=True)


def write_tree(tree: OutputTree, out_dir: Path, content_dir: Path, previous: PreviousSite | None = None,
               remove_old_later: bool = False) -> int:
    """Write every file; return how many. The swap is two renames in the same parent folder.

    ``remove_old_later``: the replaced site is deleted in a background thread (``serve``, where the next
    request should not wait for it)."""
    _check_out_dir(out_dir, content_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(out_dir)
    previous = previous if previous is not None and previous.dir == out_dir else PreviousSite(out_dir)
    staging = out_dir.parent / f".{out_dir.name}.staging-{os.getpid()}-{threading.get_ident()}"
    staging.mkdir()
    try:
        made: set[Path] = {staging}
        record: dict[str, list[object]] = {}
        for rel in sorted(set(tree.files) | set(tree.reused)):
            target = staging / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            content = tree.files.get(rel)
            if content is None:  # unchanged since the previous build
                _place(out_dir / rel, target)
                key = tree.reused[rel]
            elif isinstance(content, Path):
                _place(content, target)
                continue
            else:
                key = tree.keys.get(rel) or "sha256:" + hashlib.sha256(content).hexdigest()
                if previous.has(rel, key):
                    _place(out_dir / rel, target)
                else:
                    target.write_bytes(content)
            st = target.stat()
            record[rel] = [key, st.st_size, st.st_mtime_ns]
        (staging / MARKER).write_text("built by Electric Speech; this folder is replaced on every build\n")
        (staging / OUTPUTS).write_text(json.dumps({"format": 1, "files": record}, separators=(",", ":")))
        old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}-{threading.get_ident()}"
        if out_dir.exists():
            os.replace(out_dir, old)
        os.replace(staging, out_dir)
        if remove_old_later:
            threading.Thread(target=shutil.rmtree, args=(old,), kwargs={"ignore_errors": True}, daemon=True).start()
        else:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(tree)
