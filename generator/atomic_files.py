"""Writing a file that must never be half written: the data goes to a temporary file beside it (same
folder, so the rename is atomic), optionally fsynced with its folder, then renamed into place. The one way
the project writes such a file, in the cache or not (cache artifacts, checkpoints, the publish ledger, a
login token, label decisions); :mod:`generator.cache` re-exports these functions."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def _temp_beside(path: Path, private: bool) -> tuple[int, Path]:
    """A new empty file beside ``path`` (same folder, so the rename onto it is atomic), open for writing:
    mode 0600 from its first byte when ``private``, else what ``open()`` would give it (0666 less the umask).
    Its name ends in ``path``'s suffix, for writers that pick a format by it (ffmpeg)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp{path.suffix}")
        try:
            return os.open(tmp, flags, 0o600 if private else 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` reach the disk (where the system allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[IO[bytes]], object], *, durable: bool = False,
                 private: bool = False) -> None:
    """Write ``path`` through ``write(file)`` (``torch.save``, ``Image.save``, ``fh.write``) into a temporary
    file beside it, then rename it into place: readers see the old file or the whole new one, never a part;
    on any error the temporary file is removed and ``path`` is left as it was.

    ``durable``: the data and the rename are on the disk when this returns (fsync of the file and its
    folder), for files a person would lose work with (the publish ledger, label decisions, a login token).
    ``private``: mode 0600 from the first byte (secrets)."""
    with atomic_path(path, durable=durable, private=private) as tmp, open(tmp, "wb") as fh:
        write(fh)


@contextmanager
def atomic_path(path: Path, *, durable: bool = False, private: bool = False) -> Iterator[Path]:
    """A temporary file beside ``path`` (same suffix) for a writer that wants a file name (ffmpeg): it
    becomes ``path`` when the block succeeds, and is removed, leaving ``path`` as it was, when it fails.
    ``durable`` and ``private`` as for :func:`atomic_write`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _temp_beside(path, private)
    os.close(fd)
    try:
        yield tmp
        if durable:
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        _sync_folder(path.parent)


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = False, private: bool = False) -> None:
    atomic_write(path, lambda fh: fh.write(data), durable=durable, private=private)


def atomic_write_text(path: Path, text: str, *, durable: bool = False, private: bool = False) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), durable=durable, private=private)


def atomic_write_json(path: Path, obj: Any, *, durable: bool = False, private: bool = False) -> None:
    atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True), durable=durable,
                      private=private)
