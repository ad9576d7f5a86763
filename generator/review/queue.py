"""The protocol every review queue follows (taught labels here; the collages' keep-or-discard elsewhere): the
server shows its items one at a time and writes each decision to ``csv_path`` (``file,decision``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class ReviewItem:
    key: str  # value written in the CSV `file` column
    image: Path  # absolute path of the image to show
    title: str
    metadata: dict[str, str]  # shown beside the image
    score: float | None = None  # the machine's confidence, if any


class ReviewQueue(Protocol):
    slug: str  # URL segment: /review/<slug>/
    title: str  # e.g. "calm" or "Collages: keep or discard"
    csv_path: Path  # decisions, columns file,decision with yes/no; written atomically by the server
    yes_word: str  # "yes" / "keep"
    no_word: str  # "no" / "discard"

    def next_items(self, decided: dict[str, str], n: int) -> list[ReviewItem]:
        """The next ``n`` undecided items, best first."""
        ...
