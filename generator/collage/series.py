"""A series of collages from the archive, as ``[collages]`` describes it: the sources chosen, cut out
(cached), the compositions planned from the seed and painted (cached), the curator's decisions read.

Used by the collages stage (what the site publishes) and by the review queue in ``serve`` (what the
curator keeps or discards): both see the same compositions, by the same ids.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..cache import atomic_write_text
from ..errors import ContentError
from .compose import NAMESPACE, VERSION, Plan, plan, render_cached
from .cutouts import create_cutter, cut_all, describe

if TYPE_CHECKING:
    from ..cache import Cache
    from ..model import ArchiveItem
    from ..reporter import Reporter
    from .settings import CollageSettings

DECISIONS = Path("collages") / "decisions.csv"  # in the site folder: file,decision (yes/no)
YES, NO = "yes", "no"


@dataclass(frozen=True)
class Composition:
    plan: Plan
    image: Path  # JPEG in the cache
    thumb: Path

    @property
    def id(self) -> str:
        return self.plan.id


@dataclass
class Series:
    compositions: list[Composition]
    cutter: str  # what cut the figures out, in words for the build log ("isnet (auto)")
    decisions: dict[str, str] = field(default_factory=dict)  # composition id -> yes / no
    reviewed: bool = False  # a decisions file exists
    cut_by: str = ""  # the registry name of the cutter that did (what `auto` chose): the page's words come from it

    def published(self) -> list[Composition]:
        """Before any review (no decisions file) every composition; after it, only the kept ones."""
        if not self.reviewed:
            return list(self.compositions)
        return [c for c in self.compositions if self.decisions.get(c.id) == YES]


def select_sources(archive: list[ArchiveItem], sources: list[str]) -> list[ArchiveItem]:
    """The archive items named by ``[collages] sources`` (files, or folders taken whole); all when empty."""
    if not sources:
        return list(archive)
    wanted = [s.strip("/") for s in sources]
    return [it for it in archive if any(it.id == w or it.id.startswith(w + "/") for w in wanted)]


def read_decisions(content_dir: Path) -> tuple[dict[str, str], bool]:
    """``collages/decisions.csv``: (id -> yes/no, whether the file exists); a bad row is a ContentError."""
    path = content_dir / DECISIONS
    if not path.is_file():
        return {}, False
    out: dict[str, str] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or {"file", "decision"} - set(reader.fieldnames):
            raise ContentError("needs the columns file,decision", path)
        for n, row in enumerate(reader, start=2):
            decision = (row.get("decision") or "").strip().lower()
            if decision not in (YES, NO):
                raise ContentError(f"decision must be yes or no, got {decision!r}", path, n)
            out[(row.get("file") or "").strip()] = decision
    return out, True


def write_decisions(content_dir: Path, decisions: dict[str, str]) -> Path:
    """The decisions file rewritten whole, atomically (what the review page does)."""
    path = content_dir / DECISIONS
    lines = ["file,decision"] + [f"{k},{v}" for k, v in sorted(decisions.items())]
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


def make_series(content_dir: Path, archive: list[ArchiveItem], settings: CollageSettings, cache: Cache,
                reporter: Reporter) -> Series | None:
    """None when there is nothing to make (count 0, no source) or nothing could be cut out."""
    if settings.count <= 0:
        return None
    items = select_sources(archive, settings.sources)
    if not items:
        reporter.warn(f"[collages] sources: no archive image matches {settings.sources}")
        return None
    cutter = create_cutter(settings.cutter)
    cutouts = cut_all([(it.id, it.path) for it in items], cutter, cache, reporter)
    figures = [c for c in cutouts if not c.empty]
    if not figures:
        reporter.warn(f"collages: the cutter {settings.cutter!r} found no figure in the {len(items)} source image(s)")
        return None
    # the ground: an archive picture that is not cut (skies, fields, paper), else any of the sources
    chosen = {it.id for it in items}
    rest = [it for it in archive if it.id not in chosen] or items
    grounds = [(it.id, it.path, cache.file_hash(it.path)) for it in rest]
    ns = cache.namespace(NAMESPACE, VERSION)
    plans = [plan(i, settings.seed, settings.styles[i % len(settings.styles)], settings.size, figures, grounds)
             for i in range(settings.count)]
    made = []
    for pl in reporter.progress(plans, total=len(plans), desc="collages", unit="img"):
        image, thumb = render_cached(pl, settings.size, ns)
        made.append(Composition(pl, image, thumb))
    decisions, reviewed = read_decisions(content_dir)
    return Series(made, describe(settings.cutter, cutter), decisions, reviewed, cutter.name)
