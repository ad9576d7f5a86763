"""Search: the site-wide search index, a Pagefind bundle under ``pagefind/``, over the pages and essays,
every cue of the machine's speech and the archive (see :mod:`generator.search.records`).

The bundle is cached by the hash of every record, the settings, Pagefind's version and this stage's
version: a build whose records are unchanged reuses the cached bundle's files (the write stage links them)
without importing pagefind; any change (one caption) makes the whole bundle again, which takes about a
second for a few thousand records.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..cache import Folder
from ..model import SearchRecord, SiteModel
from ..search.records import records_digest, site_records
from ..stages import StageContext, StageInfo
from ..stages.render import Rendered
from .settings import SearchSettings

if TYPE_CHECKING:
    from ..archive.mapdata import MapResult

NAMESPACE = "search"
VERSION = 2  # bump when the records or the bundle's files change for the same site (2: a cache folder)
SEARCH_URL = "search/"
BUNDLE = "pagefind/"  # where the bundle sits in the site (pagefind.js derives the result URLs' base from it)
INSTALL = "pip install -e .[search]"
LATEST = "latest"  # pointer to the bundle made last
STAGE = StageInfo("search", "the site-wide search index (Pagefind) of pages, speech and archive", section="search",
                  namespaces=((NAMESPACE, VERSION),), phase="after_render")


@dataclass
class SearchStats:
    records: int = 0
    indexed: bool = False  # False: the cached bundle was reused (or there is no search)
    by_kind: dict[str, int] | None = None


def unavailable() -> str:
    """Why the index cannot be made here ("" when it can); found without importing pagefind."""
    for module in ("pagefind", "pagefind_bin"):
        if importlib.util.find_spec(module) is None:
            return f"{module} not installed ({INSTALL})"
    return ""


def prepare(ctx: StageContext, site: SiteModel) -> bool:
    """Before the render stage: whether the site gets a search page and a search box. Without pagefind the
    site is built without them, with one warning."""
    something = site.films or site.pages or site.archive or site.search_records
    if not ctx.settings.of(SearchSettings).enabled or not something:
        return False
    why = unavailable()
    if why:
        ctx.reporter.warn(f"search: {why}; the site is built without search ([search] enabled = false "
                          "says so without this warning)")
        return False
    return True


def language(ctx: StageContext) -> str:
    """The index's language as Pagefind takes it (ISO 639-1, "en" of "en-GB")."""
    lang = ctx.settings.of(SearchSettings).language or ctx.settings.site.language or "en"
    return lang.split("-")[0].lower()


def excluded(record: SearchRecord, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(record.url, p) for p in patterns)


def pagefind_version() -> str:
    """The installed pagefind and pagefind_bin, by their dist-info folders' names (``importlib.metadata``
    would scan every installed distribution: 0.3 s in a large environment, on every build)."""
    spec = importlib.util.find_spec("pagefind_bin")
    if spec is None or not spec.origin:
        return "unknown"
    site_packages = Path(spec.origin).resolve().parent.parent
    return "/".join(sorted(p.name for p in site_packages.glob("pagefind*.dist-info")))


def run(ctx: StageContext, site: SiteModel, site_map: MapResult | None, rendered: Rendered) -> SearchStats:
    """Add the bundle to the rendered tree under ``pagefind/`` (nothing when the site has no search)."""
    if not site.search_url:
        return SearchStats()
    s = ctx.settings.of(SearchSettings)
    records = [r for r in site_records(site, site_map, ctx.cache) if not excluded(r, s.exclude)]
    lang = language(ctx)
    ns = ctx.cache.namespace(NAMESPACE, VERSION)
    key = ns.key(records_digest(records), lang, sorted(s.exclude), pagefind_version())
    stats = SearchStats(len(records), by_kind=dict(Counter(r.kind for r in records)))
    found = ns.folder(key)  # counted
    files = _listing(found) if found is not None else None
    if found is None or files is None:
        found, files = _make(ctx, records, lang, key)
        stats.indexed = True
    for rel in files:
        rendered.tree.add_file(BUNDLE + rel, found / rel)
    return stats


def _listing(found: Folder) -> list[str] | None:
    """The files of a cached bundle (listed when it was made: a 10,000-page bundle holds 10,000 files, not
    looked at one by one on every build), or None when it is not one."""
    files = found.files() if found.listed is not None else []
    return files if "pagefind.js" in files else None


def _make(ctx: StageContext, records: list[SearchRecord], lang: str, key: str) -> tuple[Folder, list[str]]:
    from ..search.bundle import write_bundle  # imports pagefind: only when the index is made

    ns = ctx.cache.namespace(NAMESPACE, VERSION)
    started = time.perf_counter()
    bar = ctx.reporter.progress(iter(range(len(records))), total=len(records), desc="search", unit="record")

    def step(n: int) -> None:
        for _ in range(n):
            next(bar, None)

    with ns.new_dir(key, listed=True) as tmp:
        write_bundle(records, tmp, lang, step=step)
    # only the latest bundle is kept: the site holds its own links to the files of the one it was built with
    ns.keep_latest(LATEST, key)
    made = ns.folder(key, counted=False)
    if made is None:
        raise RuntimeError(f"search: the bundle just made vanished from the cache ({ns.path(key)})")
    files = made.files()
    for _ in bar:  # close the bar
        pass
    kinds = Counter(r.kind for r in records)
    size = sum((made / rel).stat().st_size for rel in files)
    ctx.reporter.info(f"search: indexed {len(records)} records ({', '.join(f'{n} {k}' for k, n in kinds.items())}) "
                      f"in {time.perf_counter() - started:.1f} s, bundle {size / 1e6:.1f} MB")
    return made, files
