"""A taught label's decisions: ``labels/<name>.csv`` (``file,decision`` with yes/no) and/or a folder
``labels/<name>/`` of example images (each one a yes; those in its ``no/`` subfolder a no).

The CSV is the curator's record and the review server's: it is rewritten whole and atomically after every
decision (temporary file, fsync, rename, fsync of the folder), so a crash loses at most the decision that
was being written and never leaves a half-written file.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ContentError

YES, NO = "yes", "no"
_WORDS = {"yes": YES, "y": YES, "1": YES, "true": YES, "no": NO, "n": NO, "0": NO, "false": NO}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,63}$")


def slug_of(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "label"


@dataclass
class LabelSource:
    """One label as the site folder gives it."""

    name: str
    csv_path: Path  # where decisions are (or will be) written, even for a folder label
    decisions: dict[str, str] = field(default_factory=dict)  # archive id -> "yes" / "no", in file order
    examples: list[tuple[Path, str]] = field(default_factory=list)  # (image, decision) from the folder

    @property
    def slug(self) -> str:
        return slug_of(self.name)


def read_decisions(path: Path) -> dict[str, str]:
    """``file,decision`` rows; a later row for the same file wins (the CSV is a log a person may edit).
    ContentError naming the file and line for anything else."""
    if not path.exists():
        return {}
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"cannot read the label's decisions: {exc}", path) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return {}
    head = [h.strip().lower() for h in rows[0]]
    if "file" not in head or "decision" not in head:
        raise ContentError(f"the first line must name the columns file,decision (got {','.join(rows[0])!r})", path)
    fi, di = head.index("file"), head.index("decision")
    out: dict[str, str] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(fi, di):
            raise ContentError(f"line {line}: expected file,decision, got {','.join(row)!r}", path)
        key, word = row[fi].strip().replace("\\", "/"), row[di].strip().lower()
        if word not in _WORDS:
            raise ContentError(f"line {line}: decision must be yes or no, got {row[di]!r}", path)
        out.pop(key, None)  # re-decided: moves to the end, like the review's order
        out[key] = _WORDS[word]
    return out


def write_decisions(path: Path, decisions: dict[str, str]) -> None:
    """Rewrite the CSV atomically and durably (see the module's docstring)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["file", "decision"])
    for key, word in decisions.items():
        w.writerow([key, word])
    data = buf.getvalue().encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:  # the rename itself reaches the disk with the folder's entry
        dfd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def _images(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                  and not p.name.startswith("."))


def find_labels(content_dir: Path, folder: str) -> list[LabelSource]:
    """Every label of the site folder, by name; a bad name or CSV is a ContentError naming it."""
    root = content_dir / folder
    if not root.is_dir():
        return []
    names: dict[str, LabelSource] = {}
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or not (entry.is_dir() or entry.suffix.lower() == ".csv"):
            continue
        name = entry.stem if entry.is_file() else entry.name
        if not _NAME.match(name):
            raise ContentError("a label's name is letters, digits, spaces, - or _ (at most 64)", entry)
        src = names.setdefault(name, LabelSource(name, root / f"{name}.csv"))
        if entry.is_file():
            src.decisions = read_decisions(entry)
        else:
            src.examples = [(p, YES) for p in _images(entry)] + [(p, NO) for p in _images(entry / "no")]
    slugs: dict[str, str] = {}
    for src in names.values():
        if src.slug in slugs:
            raise ContentError(f"labels {slugs[src.slug]!r} and {src.name!r} have the same address "
                               f"labels/{src.slug}/: rename one", root)
        slugs[src.slug] = src.name
    return list(names.values())
