"""What an optional feature is, and what it may give the site.

The core build is the film chain (read -> media -> renditions -> captions -> subtitles), the map, render
and write, in :func:`generator.pipeline.build`. Everything else (narration, labels, portraits, collages,
stories, dreams, the next-frame films, search) is a :class:`Feature`: one package that declares

- its ``site.toml`` section (a settings dataclass validated where its fields are declared),
- its stages (name, summary, the cache namespaces and versions it owns, declared once as constants),
- what it needs from the core: the hooks it implements, each called at one point of the build with the
  core's typed results of that point (the phases below),
- what it gives the site: a :class:`Contribution` (nav entries, entries in other pages' lists, search
  records and words, facts shown on archive cards, and its own pages rendered from templates),
- and, when it has them, commands of its own (``build.py next-frame-film``) and review queues for ``serve``.

A feature never imports another feature, and the core never imports a feature: the one list of features
is :data:`generator.features.FEATURES`. Like MkDocs' plugin events, a hook that a feature does not
implement costs nothing, and nothing heavy is imported before a hook finds work to do.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ..model import Film, NavEntry, SearchRecord, SectionEntry, SiteModel
from ..stages import StageContext, StageInfo

if TYPE_CHECKING:
    from ..archive.mapdata import MapResult
    from ..cache import Cache
    from ..config import Settings
    from ..reporter import Reporter
    from ..review.queue import ReviewQueue
    from ..site.render import SiteRenderer
    from ..stages.read import Content
    from ..stages.render import Rendered


@dataclass
class Core:
    """What the core has made when the features contribute to the site (after the map)."""

    site: SiteModel  # films, pages and the archive's readable images (those on the map when there is one)
    site_map: MapResult | None  # None: no archive, or --no-map
    content: Content  # everything read from the site folder


@dataclass
class Contribution:
    """What a feature gives the site; the core gathers every feature's before anything is rendered."""

    nav: list[NavEntry] = field(default_factory=list)  # header links
    sections: list[SectionEntry] = field(default_factory=list)  # entries in another page's list (dreams/)
    search_records: list[SearchRecord] = field(default_factory=list)  # indexed with the site's own
    search_terms: dict[str, list[str]] = field(default_factory=dict)  # archive id -> words its record carries
    item_facts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # archive id -> (label, text)
    # a core page's key ("archive", "map", "film:<slug>") -> (text, href below the root) shown on that page
    links: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    header_search: str = ""  # below the root: the search page the header's box sends to ("" for none)
    pages: Callable[[SiteRenderer], None] | None = None  # renders this feature's pages (after the others')
    summary: list[str] = field(default_factory=list)  # lines for the build summary


@dataclass(frozen=True)
class Command:
    """A subcommand of ``build.py`` that a feature brings."""

    name: str
    help: str
    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Reporter], int]


class Feature:
    """The base of every feature: each hook does nothing until a feature overrides it. Hooks are called
    in build order (the order of :meth:`generator.pipeline.stages`), each feature in the order of
    :data:`generator.features.FEATURES`."""

    name: ClassVar[str]
    stages: ClassVar[tuple[StageInfo, ...]] = ()
    settings: ClassVar[type | None] = None  # its site.toml section: the dataclass, named by ``section``
    section: ClassVar[str] = ""

    # -- the build's phases, in order

    def read(self, ctx: StageContext, content: Content) -> None:
        """After read, before any footage is touched: check what the feature reads from the site folder."""

    def before_media(self, ctx: StageContext, films: list[Film], content: Content) -> list[Film]:
        """Before media: the films read, with any the feature makes (probed and captioned like the others)."""
        return films

    def after_captions(self, ctx: StageContext, films: list[Film], content: Content) -> list[Film]:
        """After captions, before subtitles: every film with its keyframes and captions."""
        return films

    def after_subtitles(self, ctx: StageContext, films: list[Film]) -> list[Film]:
        """After subtitles: every film with its cues and tracks."""
        return films

    def contribute(self, ctx: StageContext, core: Core) -> Contribution | None:
        """After the map: what the feature gives the site (None: nothing)."""
        return None

    def after_render(self, ctx: StageContext, site: SiteModel, rendered: Rendered) -> list[str]:
        """After render, before write: files added to the rendered tree; summary lines back."""
        return []

    # -- outside the build

    def commands(self) -> list[Command]:
        return []

    def review_queues(self, content_dir: Path, cache: Cache, settings: Settings) -> list[ReviewQueue]:
        """What ``build.py serve`` offers to review on its /review/ page."""
        return []

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "section": self.section, "stages": [s.name for s in self.stages]}
