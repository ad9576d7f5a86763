"""Markdown to HTML for every text of a build at once: cached by source, the misses converted on every core.

Python-Markdown with ``extra`` and ``smarty`` needs ~1-2 ms of one core per 500-word page, the largest
part of a cold build of a text site; a no-op or one-page edit converts nothing or one page and never
imports the library. One converter is reused per process (``reset()`` between documents: same HTML as a
fresh one, a third less work than building it per call).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..cache import hash_parts

if TYPE_CHECKING:
    from ..cache import Cache

NAMESPACE = "markdown"
VERSION = 2  # 2: keyed by the source's SHA-256, kept among the cache's records
EXTENSIONS = ["extra", "sane_lists", "smarty", "toc", "generator.site.scroll_tables"]
PARALLEL_FROM = 48  # misses below this are converted in this process: a worker pool costs ~50 ms to start
CHUNK = 24  # documents per task: small enough to balance two workers, large enough to amortise pickling

_converter: Any = None


def _extensions() -> list[Any]:
    """EXTENSIONS as instances, "extra" spelled out as the extensions it registers, in its order: the same
    converter as the names give, without the scan of every installed package's entry points (~70 ms)
    that Python-Markdown makes to resolve a name."""
    from markdown.extensions.abbr import AbbrExtension
    from markdown.extensions.attr_list import AttrListExtension
    from markdown.extensions.def_list import DefListExtension
    from markdown.extensions.fenced_code import FencedCodeExtension
    from markdown.extensions.footnotes import FootnoteExtension
    from markdown.extensions.md_in_html import MarkdownInHtmlExtension
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.smarty import SmartyExtension
    from markdown.extensions.tables import TableExtension
    from markdown.extensions.toc import TocExtension

    from .scroll_tables import ScrollTablesExtension

    extra = [FencedCodeExtension(), FootnoteExtension(), AttrListExtension(), DefListExtension(), TableExtension(),
             AbbrExtension(), MarkdownInHtmlExtension()]  # markdown.extensions.extra.extensions
    return [*extra, SaneListExtension(), SmartyExtension(), TocExtension(), ScrollTablesExtension()]


def render_markdown(source: str) -> str:
    global _converter
    if _converter is None:
        import markdown

        # raw HTML in curators' markdown passes through: it is theirs
        _converter = markdown.Markdown(extensions=_extensions(), output_format="html")
    _converter.reset()
    html: str = _converter.convert(source)
    return html


def _convert_chunk(sources: Sequence[str]) -> list[str]:
    return [render_markdown(s) for s in sources]


def _workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def convert_all(sources: Sequence[str], jobs: int = 0) -> list[str]:
    """HTML of each source, in order; on several cores when there are many (``jobs``: 0 = all cores)."""
    jobs = jobs or _workers()
    if jobs < 2 or len(sources) < PARALLEL_FROM:
        return _convert_chunk(sources)
    import multiprocessing  # only for many: ~25 ms to import
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():
        return _convert_chunk(sources)
    chunks = [sources[i:i + CHUNK] for i in range(0, len(sources), CHUNK)]
    # fork: the workers start with this process's imports, no interpreter start-up per worker
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        return [html for part in pool.map(_convert_chunk, chunks) for html in part]


def body_key(source: str) -> str:
    """The cache key of a markdown text's HTML."""
    return hash_parts(NAMESPACE, VERSION, hashlib.sha256(source.encode("utf-8")).hexdigest(), EXTENSIONS)


class MarkdownStore:
    """The HTML of markdown texts by :func:`body_key`, kept in the cache (or only in memory without one)."""

    def __init__(self, cache: Cache | None) -> None:
        self.ns = cache.namespace(NAMESPACE, VERSION) if cache is not None else None

    def get(self, key: str) -> str | None:
        if self.ns is None:
            return None
        stored = self.ns.get_record(key)
        return stored.decode("utf-8") if stored is not None else None

    def put(self, key: str, html: str) -> None:
        if self.ns is not None:
            self.ns.put_record(key, html.encode("utf-8"))

    def html(self, sources: Sequence[str]) -> list[str]:
        """HTML of each source: from the cache, the missing ones converted together."""
        keys = [body_key(s) for s in sources]
        out: dict[str, str] = {}
        todo: dict[str, str] = {}
        for key, source in zip(keys, sources):
            if key in out or key in todo:
                continue
            found = self.get(key)
            if found is None:
                todo[key] = source
            else:
                out[key] = found
        for key, html in zip(todo, convert_all(list(todo.values()))):
            out[key] = html
            self.put(key, html)
        return [out[k] for k in keys]
