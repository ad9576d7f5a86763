"""The collages in ``serve``'s review page: the curator keeps or discards each composition; the decisions
go to ``collages/decisions.csv`` (``file,decision``, the composition's id and yes/no), and the next build
publishes the kept ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..review.queue import ReviewItem, ReviewQueue
from .series import DECISIONS, Composition
from .settings import CollageSettings

if TYPE_CHECKING:
    from ..cache import Cache
    from ..config import Settings


@dataclass
class CollageQueue:
    """Follows :class:`generator.review.queue.ReviewQueue`; items in the order the series made them."""

    csv_path: Path
    compositions: list[Composition] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)  # archive id -> title, for the sources
    slug: str = "collages"
    title: str = "Collages: keep or discard"
    yes_word: str = "keep"
    no_word: str = "discard"

    def next_items(self, decided: dict[str, str], n: int) -> list[ReviewItem]:
        out = []
        for number, comp in enumerate(self.compositions, start=1):
            if comp.id in decided:
                continue
            sources = [self.titles.get(s, s) for s in comp.plan.sources]
            out.append(ReviewItem(comp.id, comp.image, f"Collage {number} ({comp.plan.style})", {
                "style": comp.plan.style, "ground": self.titles.get(comp.plan.ground, comp.plan.ground),
                "sources": "; ".join(sources), "files": ", ".join(comp.plan.sources)}))
            if len(out) >= n:
                break
        return out


def collage_queue(content_dir: Path, settings: Settings, cache: Cache) -> ReviewQueue | None:
    """The queue of this site's compositions (made now when the build has not made them: cut-outs and
    compositions come from the same cache), or None when ``[collages] count`` is 0 or nothing was made."""
    if settings.of(CollageSettings).count <= 0:
        return None
    from ..archive.scan import scan_archive
    from ..reporter import Reporter
    from .series import make_series

    reporter = Reporter(quiet=True)
    archive, _ = scan_archive(content_dir, reporter)
    series = make_series(content_dir, archive, settings.of(CollageSettings), cache, reporter)
    if series is None:
        return None
    titles = {item.id: item.title for item in archive}
    return CollageQueue(content_dir / DECISIONS, series.compositions, titles)
