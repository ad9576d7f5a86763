"""The output tree, gathered in memory before any byte is written to the output folder: small files as
bytes, large ones as paths to link, and files known to be unchanged since the previous build as a key
that the write stage links from the previous site instead of writing again."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class PreviousOutputs(Protocol):
    """What the previous build wrote, as far as the render stage needs to know."""

    def has(self, rel: str, key: str) -> bool:
        """True when the previous site holds ``rel`` made from exactly ``key``, untouched since."""
        ...


class NoPrevious:
    def has(self, rel: str, key: str) -> bool:
        return False


@dataclass
class OutputTree:
    files: dict[str, bytes | Path] = field(default_factory=dict)  # relative posix path -> content
    keys: dict[str, str] = field(default_factory=dict)  # rel -> key of what it was made from (pages)
    reused: dict[str, str] = field(default_factory=dict)  # rel -> key: unchanged, linked from the previous site

    def add_text(self, rel: str, text: str, key: str = "") -> None:
        self.add_bytes(rel, text.encode("utf-8"), key)

    def add_bytes(self, rel: str, data: bytes, key: str = "") -> None:
        self.files[rel] = data
        self.reused.pop(rel, None)
        if key:
            self.keys[rel] = key

    def add_file(self, rel: str, source: Path) -> None:
        """A file copied (hard-linked where possible) from the content folder or the cache."""
        self.files[rel] = source
        self.reused.pop(rel, None)

    def add_reused(self, rel: str, key: str) -> None:
        self.files.pop(rel, None)
        self.reused[rel] = key
        self.keys[rel] = key

    def add_tree(self, prefix: str, root: Path) -> None:
        for p in sorted(root.rglob("*")):
            if p.is_file() and not p.name.startswith("."):
                self.add_file(f"{prefix}{p.relative_to(root).as_posix()}", p)

    def merge(self, other: OutputTree) -> None:
        for rel in other.files:
            self.reused.pop(rel, None)
        for rel in other.reused:
            self.files.pop(rel, None)
        self.files.update(other.files)
        self.reused.update(other.reused)
        self.keys.update(other.keys)

    def __contains__(self, rel: str) -> bool:
        return rel in self.files or rel in self.reused

    def __len__(self) -> int:
        return len(self.files) + len(self.reused)
