"""Write the output tree into a staging folder beside the output, then swap it in.

The previous site stays untouched until the new one is complete; a build interrupted at any point leaves
at most a stale staging folder, removed by the next build.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from ..errors import ConfigError
from .output import OutputTree

MARKER = ".electric-speech-site"


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
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EACCES, errno.ENOTSUP):
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


def write_tree(tree: OutputTree, out_dir: Path, content_dir: Path) -> int:
    """Write every file; return how many. The swap is two renames in the same parent folder."""
    _check_out_dir(out_dir, content_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(out_dir)
    staging = out_dir.parent / f".{out_dir.name}.staging-{os.getpid()}"
    staging.mkdir()
    try:
        made: set[Path] = set()
        for rel, content in sorted(tree.files.items()):
            target = staging / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            if isinstance(content, Path):
                _place(content, target)
            else:
                target.write_bytes(content)
        (staging / MARKER).write_text("built by Electric Speech; this folder is replaced on every build\n")
        old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
        if out_dir.exists():
            os.replace(out_dir, old)
        os.replace(staging, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(tree.files)
