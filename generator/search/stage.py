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
import json
import shutil
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..cache import atomic_write_json
from ..model import SiteModel
from ..search.records import SearchRecord, records_digest, site_records
from . import StageContext, StageInfo
from .render import Rendered

if TYPE_CHECKING:
    from ..archive.mapdata import MapResult

NAMESPACE = "search"
VERSION = 1  # bump when the records or the bundle's files change for the same site
SEARCH_URL = "search/"
BUNDLE = "pagefind/"  # where the bundle sits in the site (pagefind.js derives the result URLs' base from it)
INSTALL = "pip install -e .[search]"
LATEST = "latest"  # pointer to the bundle made last
LISTING = ".files.json"  # in a bundle's cache folder: its files, written last (a folder without it is not used)
STAGE = StageInfo("search", "the site-wide search index (Pagefind) of pages, speech and archive", section="search",
                  namespaces=((NAMESPACE, VERSION),))


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
    """Before the render stage: whether the site gets a search page and a search box (``site.extras
    ["search_url"]``). Without pagefind the site is built without them, with one warning."""
    if not ctx.settings.search.enabled or not (site.films or site.pages or site.archive
                                               or site.extras.get("search_records")):
        return False
    why = unavailable()
    if why:
        ctx.reporter.warn(f"search: {why}; the site is built without search ([search] enabled = false "
                          "says so without this warning)")
        return False
    site.extras["search_url"] = SEARCH_URL
    return True


def language(ctx: StageContext) -> str:
    """The index's language as Pagefind takes it (ISO 639-1, "en" of "en-GB")."""
    lang = ctx.settings.search.language or ctx.settings.site.language or "en"
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
    if not site.extras.get("search_url"):
        return SearchStats()
    s = ctx.settings.search
    records = [r for r in site_records(site, site_map, ctx.cache) if not excluded(r, s.exclude)]
    lang = language(ctx)
    ns = ctx.cache.namespace(NAMESPACE, VERSION)
    key = ns.key(records_digest(records), lang, sorted(s.exclude), pagefind_version())
    folder = ns.path(key)
    stats = SearchStats(len(records), by_kind=dict(Counter(r.kind for r in records)))
    files = _listing(folder)
    if files is not None:
        ns.hit()
    else:
        ns.miss()
        files = _make(ctx, records, lang, key)
        stats.indexed = True
    for rel in files:
        rendered.tree.add_file(BUNDLE + rel, folder / rel)
    return stats


def _listing(folder: Path) -> list[str] | None:
    """The files of a complete cached bundle (listed when it was made: a 10,000-page bundle holds 10,000
    files, not looked at one by one on every build), or None."""
    try:
        files = json.loads((folder / LISTING).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return files if isinstance(files, list) and "pagefind.js" in files else None


def _make(ctx: StageContext, records: list[SearchRecord], lang: str, key: str) -> list[str]:
    from ..search.bundle import write_bundle  # imports pagefind: only when the index is made

    ns = ctx.cache.namespace(NAMESPACE, VERSION)
    started = time.perf_counter()
    bar = ctx.reporter.progress(iter(range(len(records))), total=len(records), desc="search", unit="record")

    def step(n: int) -> None:
        for _ in range(n):
            next(bar, None)

    with ns.new_dir(key) as tmp:
        write_bundle(records, tmp, lang, step=step)
        files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
        atomic_write_json(tmp / LISTING, files)
    # only the latest bundle is kept: the site holds its own links to the files of the one it was built with
    previous = ns.pointer(LATEST)
    ns.set_pointer(LATEST, key)
    if previous and previous != key:
        shutil.rmtree(ns.path(previous), ignore_errors=True)
    for _ in bar:  # close the bar
        pass
    kinds = Counter(r.kind for r in records)
    size = sum((ns.path(key) / rel).stat().st_size for rel in files)
    ctx.reporter.info(f"search: indexed {len(records)} records ({', '.join(f'{n} {k}' for k, n in kinds.items())}) "
                      f"in {time.perf_counter() - started:.1f} s, bundle {size / 1e6:.1f} MB")
    return files
