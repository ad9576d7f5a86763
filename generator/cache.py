"""Content-addressed artifact store.

An artifact lives at ``<root>/<namespace>/<key[:2]>/<key><suffix>`` where the key hashes everything that
determines it: input bytes, settings, model id and the stage's version number. Writes go to a temporary
name and are renamed into place, so an interrupted build never leaves a half-written artifact that a
later build would trust (:mod:`generator.atomic_files`, re-exported here: the one way the project writes a
file that must never be half written).

Stages use it through :meth:`Cache.namespace`: a view bound to the stage's namespace and version that
makes keys, reads and writes JSON, arrays, bytes and folders, keeps named pointers (e.g. "the latest
layout of these settings") inside the same key scheme, and counts hits and misses for the build summary.

A folder artifact (keyframes, a rendition, a search bundle, a tile pyramid) is filled in a staged folder
(:meth:`Namespace.new_dir`, :meth:`Namespace.staged_dir`) and committed: a completeness marker is written
into it last and it is renamed into place. :meth:`Namespace.folder` trusts only a folder with its marker
(and counts the look-up as a hit or a miss); :meth:`Namespace.evict` removes one, marker first, and
:meth:`Namespace.keep_latest` keeps only the latest folder under a pointer. Nothing outside this module
touches the cache's root: a stage that needs a folder of its own asks :meth:`Cache.scratch` or
:meth:`Namespace.store`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .atomic_files import atomic_path, atomic_write, atomic_write_bytes, atomic_write_json, atomic_write_text
from .cache_folders import COMPLETE, Folder, StagedDir, listed_of, read_marker, remove_folder

if TYPE_CHECKING:
    import numpy as np

__all__ = ["COMPLETE", "Cache", "Folder", "Namespace", "StagedDir", "atomic_path", "atomic_write",
           "atomic_write_bytes", "atomic_write_json", "atomic_write_text", "hash_bytes", "hash_file", "hash_parts"]

T = TypeVar("T")


def hash_parts(*parts: Any) -> str:
    """Stable hash of JSON-able parts (dicts are key-sorted)."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(blob.encode("ascii")).hexdigest()


def hash_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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
        self._db: sqlite3.Connection | None = None
        self._db_pid = 0

    def namespace(self, name: str, version: int) -> Namespace:
        """The view a stage works through: its own folder, key scheme and version."""
        return Namespace(self, name, version)

    def scratch(self, name: str) -> Path:
        """A folder of the cache outside every namespace, for work that is not an artifact and manages its
        own files (the write stage's staging and spare sites, which must sit on the cache's file system):
        never keyed, counted or evicted by the cache."""
        return self.root / name

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
                loaded = json.loads((self.root / self.FILE_INDEX).read_text("utf-8"))
                self._file_index = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):
                self._file_index = {}
        return self._file_index

    def flush(self) -> None:
        """Persist the file-hash memo and the records written so far (called at the end of a build,
        failed or not: what was computed is kept)."""
        if self._file_index is not None and self._file_index_dirty:
            atomic_write_json(self.root / self.FILE_INDEX, self._file_index)
            self._file_index_dirty = False
        with self._lock:
            if self._db is not None and self._db_pid == os.getpid():
                self._db.commit()

    # -- records: many small artifacts in one file ---------------------------------------------
    RECORDS = "records.sqlite"

    def _records(self) -> sqlite3.Connection:
        """The store of small artifacts (a page's HTML, a markdown text's HTML): thousands of them are one
        SQLite transaction instead of thousands of file creations. Committed by :meth:`flush`; an
        interrupted build loses only the records of that build, never a committed one."""
        if self._db is None or self._db_pid != os.getpid():  # a forked worker opens its own
            self.root.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.root / self.RECORDS, timeout=30, check_same_thread=False,
                                 isolation_level="DEFERRED")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS records (ns TEXT, key TEXT, value BLOB, PRIMARY KEY (ns, key))"
                       " WITHOUT ROWID")
            self._db, self._db_pid = db, os.getpid()
        return self._db

    def get_record(self, stage: str, key: str, counted: bool = True) -> bytes | None:
        with self._lock:
            try:
                row = self._records().execute("SELECT value FROM records WHERE ns = ? AND key = ?",
                                              (stage, key)).fetchone()
            except sqlite3.DatabaseError:
                row = None  # a damaged store costs a recomputation, not the build
        if counted:
            self.count(stage, row is not None)
        return bytes(row[0]) if row is not None else None

    def put_record(self, stage: str, key: str, value: bytes) -> None:
        with self._lock:
            try:
                self._records().execute("INSERT OR REPLACE INTO records VALUES (?, ?, ?)", (stage, key, value))
            except sqlite3.DatabaseError:
                pass

    # -- counting -------------------------------------------------------------------------------
    def count(self, stage: str, hit: bool, n: int = 1) -> None:
        """Record ``n`` hits (or misses) of a stage: what the build summary reports."""
        if n <= 0:
            return
        with self._lock:
            (self.hits if hit else self.misses)[stage] += n

    def summary(self) -> dict[str, tuple[int, int]]:
        stages = set(self.hits) | set(self.misses)
        return {s: (self.hits[s], self.misses[s]) for s in sorted(stages)}

    # -- artifacts ------------------------------------------------------------------------------
    def path(self, stage: str, key: str, suffix: str = "") -> Path:
        return self.root / stage / key[:2] / f"{key}{suffix}"

    def exists(self, stage: str, key: str, suffix: str = "") -> bool:
        found = self.path(stage, key, suffix).exists()
        self.count(stage, found)
        return found

    def read_json(self, stage: str, key: str, counted: bool = True) -> Any | None:
        """The stored JSON artifact, or None (counted as a miss) when absent or unreadable."""
        p = self.path(stage, key, ".json")
        try:
            value = json.loads(p.read_text("utf-8"))
        except (OSError, ValueError):
            if counted:
                self.count(stage, False)
            return None
        if counted:
            self.count(stage, True)
        return value

    def write_json(self, stage: str, key: str, obj: Any) -> Path:
        p = self.path(stage, key, ".json")
        atomic_write_json(p, obj)
        return p

    def write_bytes(self, stage: str, key: str, suffix: str, data: bytes) -> Path:
        p = self.path(stage, key, suffix)
        atomic_write_bytes(p, data)
        return p

    # -- folder artifacts -----------------------------------------------------------------------
    def staged_dir(self, stage: str, key: str, listed: bool = False) -> StagedDir:
        """A fresh temporary folder beside the artifact's place that becomes the artifact on ``commit()``
        and is deleted on ``discard()``: for work that fills several folders at once (one per film, on other
        machines) and keeps each that succeeded. ``new_dir`` is the one-folder form of it. ``listed``: the
        commit lists the folder's files in its marker (:attr:`Folder.listed`), for a folder of many files
        that a build hands on without looking at each."""
        final = self.path(stage, key)
        final.parent.mkdir(parents=True, exist_ok=True)
        return StagedDir(Path(tempfile.mkdtemp(prefix=f".{key[:12]}.", suffix=".tmp", dir=final.parent)), final,
                         listed)

    @contextmanager
    def new_dir(self, stage: str, key: str, listed: bool = False) -> Iterator[Path]:
        """A fresh temporary folder that becomes the artifact folder only if the block succeeds."""
        staged = self.staged_dir(stage, key, listed)
        try:
            yield staged.path
            staged.commit()
        finally:
            staged.discard()

    def folder(self, stage: str, key: str, counted: bool = True, legacy: str = "") -> Folder | None:
        """The committed folder artifact under ``key``, or None when there is none or it is incomplete (no
        marker); counted as a hit or a miss unless ``counted=False``.

        ``legacy``: a file whose presence made such a folder complete before folders had markers (they were
        renamed into place whole, like now): a folder holding it is adopted (its marker written now), so an
        existing cache stays valid without a version bump."""
        where = self.path(stage, key)
        mark = read_marker(where)
        if mark is None and legacy and (where / legacy).is_file():
            mark = {}
            try:
                atomic_write_json(where / COMPLETE, mark)
            except OSError:
                pass  # a read-only cache: trusted all the same
        found = Folder(where, listed_of(mark)) if mark is not None else None
        if counted:
            self.count(stage, found is not None)
        return found

    def evict(self, stage: str, key: str) -> None:
        """Remove the folder artifact under ``key`` (its marker first: a removal cut short leaves nothing
        that a later build would trust)."""
        remove_folder(self.path(stage, key))


@dataclass(frozen=True)
class Namespace:
    """One stage's part of the cache: ``key()`` folds in the namespace and its version, so bumping
    the version invalidates exactly that stage's artifacts."""

    cache: Cache
    name: str
    version: int

    def key(self, *parts: Any) -> str:
        return hash_parts(self.name, self.version, *parts)

    def file_hash(self, path: Path) -> str:
        return self.cache.file_hash(path)

    def path(self, key: str, suffix: str = "") -> Path:
        return self.cache.path(self.name, key, suffix)

    def store(self, name: str) -> Path:
        """A folder of this namespace for a store that keeps many artifacts in files of its own (the map's
        embedding shards): named, not keyed; what it holds, and its hits and misses, are the store's."""
        return self.cache.root / self.name / name

    def hit(self, n: int = 1) -> None:
        """Count hits by hand: only for a store's own look-ups (see :meth:`store`); every look-up through
        this API counts itself."""
        self.cache.count(self.name, True, n)

    def miss(self, n: int = 1) -> None:
        self.cache.count(self.name, False, n)

    # -- JSON -----------------------------------------------------------------------------------
    def get_json(self, key: str, counted: bool = True) -> Any | None:
        """Counted (unless ``counted=False``): a hit when present and readable, else a miss (and None)."""
        return self.cache.read_json(self.name, key, counted)

    def put_json(self, key: str, obj: Any) -> Path:
        return self.cache.write_json(self.name, key, obj)

    # -- records (small artifacts, see Cache._records) ------------------------------------------
    def get_record(self, key: str, counted: bool = True) -> bytes | None:
        """Counted like :meth:`get_json` (unless ``counted=False``)."""
        return self.cache.get_record(self.name, key, counted)

    def put_record(self, key: str, value: bytes) -> None:
        self.cache.put_record(self.name, key, value)

    # -- bytes ----------------------------------------------------------------------------------
    def has(self, key: str, suffix: str = "") -> bool:
        """Counted like :meth:`get_json`."""
        return self.cache.exists(self.name, key, suffix)

    def put_bytes(self, key: str, suffix: str, data: bytes) -> Path:
        return self.cache.write_bytes(self.name, key, suffix, data)

    # -- folders --------------------------------------------------------------------------------
    def new_dir(self, key: str, listed: bool = False) -> Any:
        """``with ns.new_dir(key) as tmp:`` fill ``tmp``; it becomes the folder artifact, marked complete,
        only if the block succeeds (see :meth:`Cache.staged_dir` for ``listed``)."""
        return self.cache.new_dir(self.name, key, listed)

    def staged_dir(self, key: str, listed: bool = False) -> StagedDir:
        return self.cache.staged_dir(self.name, key, listed)

    def folder(self, key: str, counted: bool = True, legacy: str = "") -> Folder | None:
        """The complete folder artifact under ``key`` (counted), or None; see :meth:`Cache.folder`."""
        return self.cache.folder(self.name, key, counted, legacy)

    def evict(self, key: str) -> None:
        self.cache.evict(self.name, key)

    def keep_latest(self, name: str, key: str) -> None:
        """Point ``name`` at the folder ``key`` and evict the folder it pointed at before: for folders of
        which only the latest is worth keeping (a search bundle)."""
        previous = self.pointer(name)
        self.set_pointer(name, key)
        if previous and previous != key:
            self.evict(previous)

    # -- arrays ---------------------------------------------------------------------------------
    def get_array(self, key: str) -> np.ndarray | None:
        """A stored ``.npy`` array (counted), or None."""
        import numpy as np

        try:
            arr: np.ndarray = np.load(self.path(key, ".npy"), allow_pickle=False)
        except (OSError, ValueError, EOFError):
            self.miss()
            return None
        self.hit()
        return arr

    def put_array(self, key: str, arr: np.ndarray) -> Path:
        import numpy as np

        buf = io.BytesIO()
        np.save(buf, arr)
        return self.put_bytes(key, ".npy", buf.getvalue())

    def get_arrays(self, key: str, counted: bool = True) -> dict[str, np.ndarray] | None:
        """A stored group of named arrays (``.npz``), or None when absent or damaged. ``counted=False``
        for a look at an older artifact (e.g. the previous layout) that is not this build's own."""
        import numpy as np

        try:
            with np.load(self.path(key, ".npz"), allow_pickle=False) as z:
                arrays = {name: z[name] for name in z.files}
        except (OSError, ValueError, EOFError, KeyError):
            if counted:
                self.miss()
            return None
        if counted:
            self.hit()
        return arrays

    def put_arrays(self, key: str, arrays: dict[str, np.ndarray]) -> Path:
        import numpy as np

        buf = io.BytesIO()
        np.savez(buf, **arrays)  # type: ignore[arg-type]
        return self.put_bytes(key, ".npz", buf.getvalue())

    def cached(self, key: str, compute: Callable[[], np.ndarray]) -> np.ndarray:
        """The array stored under ``key``, computed and stored on a miss."""
        arr = self.get_array(key)
        if arr is None:
            arr = compute()
            self.put_array(key, arr)
        return arr

    # -- named pointers -------------------------------------------------------------------------
    def _pointer_path(self, name: str) -> Path:
        return self.path(hash_parts("pointer", self.name, name), ".pointer.json")

    def pointer(self, name: str) -> str | None:
        """The key a named pointer was last set to (not counted: a pointer is not an artifact)."""
        try:
            value = json.loads(self._pointer_path(name).read_text("utf-8"))
            key = value.get("key") if isinstance(value, dict) else None
        except (OSError, ValueError):
            return None
        return key if isinstance(key, str) else None

    def set_pointer(self, name: str, key: str) -> None:
        atomic_write_json(self._pointer_path(name), {"key": key, "name": name})
