"""Scan ``archive/**`` for images and read ``archive/metadata.csv``.

Scanning only lists files: no image is opened here (that happens once per image hash in the cached
thumbnail stage, which also skips unreadable files with a warning). Metadata values are kept exactly as
written; every page and script that shows them escapes them.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

from ..model import ArchiveItem
from ..reporter import Reporter

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".gif", ".bmp"}
METADATA_FILE = "metadata.csv"
MAX_VALUE_CHARS = 2000  # a runaway cell (a whole essay pasted in) is cut, with a warning


def _is_listed(root: Path, p: Path) -> bool:
    rel = p.relative_to(root)
    return p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not any(part.startswith(".") for part in rel.parts)


def scan_archive(content_dir: Path, reporter: Reporter) -> tuple[list[ArchiveItem], list[str]]:
    root = content_dir / "archive"
    if not root.is_dir():
        return [], []
    items = [ArchiveItem(id=p.relative_to(root).as_posix(), path=p)
             for p in sorted(root.rglob("*")) if _is_listed(root, p)]
    columns = read_metadata(root / METADATA_FILE, items, reporter)
    return items, columns


def _decode(raw: bytes, path: Path, reporter: Reporter) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        reporter.warn(f"{path}:{line}: not UTF-8 text; read as Windows-1252 (save the file as UTF-8 to silence this)")
        return raw.decode("cp1252", errors="replace")


def _clean(value: str) -> str:
    """Strip surrounding space and control characters that would break a line or a JSON consumer."""
    value = "".join(ch for ch in value if ch in "\t\n" or unicodedata.category(ch) != "Cc")
    return value.strip()


def read_metadata(path: Path, items: list[ArchiveItem], reporter: Reporter) -> list[str]:
    """Attach metadata.csv rows to items; returns the metadata columns (all but ``file``)."""
    if not path.exists():
        return []
    try:
        text = _decode(path.read_bytes(), path, reporter)
    except OSError as exc:
        reporter.warn(f"{path}: cannot read ({exc.strerror}); metadata ignored")
        return []
    # the delimiter is whichever of , ; TAB the header line uses most (csv.Sniffer guesses wrong on
    # quoted cells holding the other delimiters)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=lambda d: (first_line.count(d), d == ","))
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        reporter.warn(f"{path}: empty file; metadata ignored")
        return []
    except csv.Error as exc:
        reporter.warn(f"{path}:1: {exc}; metadata ignored")
        return []
    header = [_clean(h) for h in header]
    lowered = [h.lower() for h in header]
    if "file" not in lowered:
        found = ", ".join(h for h in header if h) or "nothing"
        reporter.warn(f"{path}: no `file` column (found: {found}); metadata ignored")
        return []
    file_col = lowered.index("file")
    columns: list[str] = []
    seen: set[str] = set()
    for i, h in enumerate(header):
        if i == file_col:
            continue
        name = h or f"column {i + 1}"
        if name in seen:
            reporter.warn(f"{path}:1: column {name!r} appears twice; the later one is ignored")
            continue
        seen.add(name)
        columns.append(name)
    index_of = {name: header.index(name) if name in header else i for i, name in enumerate(columns)}
    for i, h in enumerate(header):  # unnamed columns are addressed by position
        if not h and i != file_col:
            index_of[f"column {i + 1}"] = i
    by_id = {item.id: item for item in items}
    by_folded = {item.id.casefold(): item for item in items}
    assigned: set[str] = set()
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            reporter.warn(f"{path}:{reader.line_num}: {exc}; rest of the file ignored")
            break
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= file_col:
            reporter.warn(f"{path}:{reader.line_num}: no `file` value; row ignored")
            continue
        name = _clean(row[file_col]).replace("\\", "/").removeprefix("./")
        if not name:
            reporter.warn(f"{path}:{reader.line_num}: empty `file` value; row ignored")
            continue
        item = by_id.get(name) or by_folded.get(name.casefold())
        if item is None:
            reporter.warn(f"{path}:{reader.line_num}: unknown file {name!r} (not an image in archive/); row ignored")
            continue
        if item.id in assigned:
            reporter.warn(f"{path}:{reader.line_num}: {item.id!r} listed again; the first row is kept")
            continue
        assigned.add(item.id)
        meta: dict[str, str] = {}
        for col in columns:
            j = index_of[col]
            value = _clean(row[j]) if j < len(row) else ""
            if len(value) > MAX_VALUE_CHARS:
                reporter.warn(f"{path}:{reader.line_num}: value of {col!r} is {len(value)} characters; "
                              f"cut to {MAX_VALUE_CHARS}")
                value = value[:MAX_VALUE_CHARS]
            if value:
                meta[col] = value
        item.metadata = meta
    return columns
