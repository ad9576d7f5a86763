"""Content-addressed artifact store.

An artifact lives at ``<root>/<stage>/<key[:2]>/<key><suffix>`` where the key hashes everything that
determines it: input bytes, settings, model id and the stage's version number. Writes go to a temporary
name and are renamed into place, so an interrupted build never leaves a half-written artifact that a
later build would trust.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any, Iterator
from contextlib import contextmanager


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True))


def hash_parts(*parts: Any) -> str:
    """Stable hash of JSON-able parts (dicts are key-sorted)."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(blob.encode("ascii")).hexdigest()


def hash_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


class Cache:
    """The cache of one site folder. Thread-safe for concurrent writes of different keys."""

    FILE_INDEX = "file-hashes.json"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.hits: Counter[str] = Counter()
        self.misses: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._file_index: dict[str, list[Any]] | None = None
        self._file_index_dirty = False

    # -- keys -----------------------------------------------------------------------------------
    @staticmethod
    def key(stage: str, version: int, *parts: Any) -> str:
        return hash_parts(stage, version, *parts)

    def file_hash(self, path: Path) -> str:
        """SHA-256 of a file's bytes, remembered by (size, mtime) so large footage is hashed once."""
        st = path.stat()
        index = self._load_file_index()
        ident = str(path.resolve())
        entry = index.get(ident)
        if entry and entry[0] == st.st_size and entry[1] == st.st_mtime_ns:
            return str(entry[2])
        digest = hash_file(path)
        with self._lock:
            index[ident] = [st.st_size, st.st_mtime_ns, digest]
            self._file_index_dirty = True
        return digest

    def _load_file_index(self) -> dict[str, list[Any]]:
        if self._file_index is None:
            try:
                self._file_index = json.loads((self.root / self.FILE_INDEX).read_text("utf-8"))
                if not isinstance(self._file_index, dict):
                    self._file_index = {}
            except (OSError, ValueError):
                self._file_index = {}
        return self._file_index

    def flush(self) -> None:
        """Persist the file-hash memo (called at the end of a build, failed or not)."""
        if self._file_index is not None and self._file_index_dirty:
            atomic_write_json(self.root / self.FILE_INDEX, self._file_index)
            self._file_index_dirty = False

    # -- artifacts ------------------------------------------------------------------------------
    def path(self, stage: str, key: str, suffix: str = "") -> Path:
        return self.root / stage / key[:2] / f"{key}{suffix}"

    def exists(self, stage: str, key: str, suffix: str = "") -> bool:
        found = self.path(stage, key, suffix).exists()
        self._count(stage, found)
        return found

    def _count(self, stage: str, hit: bool) -> None:
        with self._lock:
            (self.hits if hit else self.misses)[stage] += 1

    def read_json(self, stage: str, key: str) -> Any | None:
        """The stored JSON artifact, or None (counted as a miss) when absent or unreadable."""
        p = self.path(stage, key, ".json")
        try:
            value = json.loads(p.read_text("utf-8"))
        except (OSError, ValueError):
            self._count(stage, False)
            return None
        self._count(stage, True)
        return value

    def write_json(self, stage: str, key: str, obj: Any) -> Path:
        p = self.path(stage, key, ".json")
        atomic_write_json(p, obj)
        return p

    def write_bytes(self, stage: str, key: str, suffix: str, data: bytes) -> Path:
        p = self.path(stage, key, suffix)
        atomic_write_bytes(p, data)
        return p

    @contextmanager
    def new_dir(self, stage: str, key: str) -> Iterator[Path]:
        """A fresh temporary folder that becomes the artifact folder only if the block succeeds."""
        final = self.path(stage, key)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key[:12]}.", suffix=".tmp", dir=final.parent))
        try:
            yield tmp
            if final.exists():
                shutil.rmtree(final)
            os.replace(tmp, final)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    def summary(self) -> dict[str, tuple[int, int]]:
        stages = set(self.hits) | set(self.misses)
        return {s: (self.hits[s], self.misses[s]) for s in sorted(stages)}
