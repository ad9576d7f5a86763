"""What the last build read from each markdown file, by the file's size and mtime: its front matter and the
key of its body's HTML. A rebuild reads and parses only the files that changed; for the others a ``stat``
suffices, and their HTML is read from the cache only if a page has to be rendered again.

Front matter holds YAML values JSON has no form for (dates); they are stored tagged and come back as the
same Python values.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cache import atomic_write_bytes

if TYPE_CHECKING:
    from ..cache import Cache

NAMESPACE = "read"
VERSION = 1


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {"$map": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(type(value).__name__)


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$datetime" in value:
            return dt.datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
        return {_decode(k): _decode(v) for k, v in value["$map"]}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


class ContentIndex:
    """path -> [size, mtime_ns, front matter, body key] of the markdown files of one site folder."""

    def __init__(self, cache: Cache | None) -> None:
        self.path = cache.namespace(NAMESPACE, VERSION).path("index", ".json") if cache is not None else None
        self.entries: dict[str, list[Any]] = {}
        self.dirty = False
        if self.path is not None:
            try:
                loaded = json.loads(self.path.read_text("utf-8"))
                if isinstance(loaded, dict) and loaded.get("version") == VERSION:
                    self.entries = loaded["files"]
            except (OSError, ValueError, KeyError, TypeError):
                self.entries = {}
        self.seen: set[str] = set()

    def lookup(self, path: Path) -> tuple[dict[str, Any], str] | None:
        """(front matter, body key) of an unchanged file, else None."""
        name = str(path)
        self.seen.add(name)
        entry = self.entries.get(name)
        if entry is None:
            return None
        try:
            st = os.stat(path)
        except OSError:
            return None
        if [st.st_size, st.st_mtime_ns] != entry[:2]:
            return None
        try:
            return _decode(entry[2]), str(entry[3])
        except (KeyError, TypeError, ValueError):
            return None

    def store(self, path: Path, meta: dict[str, Any], body_key: str) -> None:
        name = str(path)
        self.seen.add(name)
        try:
            st = os.stat(path)
            self.entries[name] = [st.st_size, st.st_mtime_ns, _encode(meta), body_key]
        except (OSError, TypeError):  # front matter with an odd value is simply read again next time
            self.entries.pop(name, None)
        self.dirty = True

    def save(self) -> None:
        gone = set(self.entries) - self.seen
        for name in gone:
            del self.entries[name]
        if self.path is not None and (self.dirty or gone):
            atomic_write_bytes(self.path, json.dumps({"version": VERSION, "files": self.entries},
                                                     separators=(",", ":")).encode("utf-8"))
            self.dirty = False
