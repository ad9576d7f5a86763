"""The decisions of a review queue: a CSV ``file,decision`` (yes/no; a queue may show them as keep/discard),
the curator's record and the review server's.

It is rewritten whole and atomically after every decision (temporary file, fsync, rename, fsync of the
folder), so a crash loses at most the decision that was being written and never leaves a half-written file.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..cache import atomic_write_text
from ..errors import ContentError

YES, NO = "yes", "no"
_WORDS = {"yes": YES, "y": YES, "1": YES, "true": YES, "no": NO, "n": NO, "0": NO, "false": NO}


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
    atomic_write_text(path, buf.getvalue(), durable=True)  # the data, then the rename, reach the disk
