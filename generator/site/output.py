"""The output tree, gathered in memory (small files as bytes, large ones as paths to link) before any
byte is written to the output folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class OutputTree:
    files: dict[str, bytes | Path] = field(default_factory=dict)  # relative posix path -> content

    def add_text(self, rel: str, text: str) -> None:
        self.files[rel] = text.encode("utf-8")

    def add_bytes(self, rel: str, data: bytes) -> None:
        self.files[rel] = data

    def add_file(self, rel: str, source: Path) -> None:
        """A file copied (hard-linked where possible) from the content folder or the cache."""
        self.files[rel] = source

    def add_tree(self, prefix: str, root: Path) -> None:
        for p in sorted(root.rglob("*")):
            if p.is_file() and not p.name.startswith("."):
                self.files[f"{prefix}{p.relative_to(root).as_posix()}"] = p

    def merge(self, other: "OutputTree") -> None:
        self.files.update(other.files)
