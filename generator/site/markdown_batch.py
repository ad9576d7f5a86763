"""Markdown to HTML for every text of a build at once: cached by source, the misses converted on every core.

Python-Markdown with ``extra`` and ``smarty`` needs ~1-2 ms of one core per 500-word page, the largest
part of a cold build of a text site; a no-op or one-page edit converts nothing or one page and never
imports the library. One converter is reused per process (``reset()`` between documents: same HTML as a
fresh one, a third less work than building it per call).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from ..cache import Cache

NAMESPACE = "markdown"
VERSION = 1
EXTENSIONS = ["extra", "sane_lists", "smarty", "toc"]
PARALLEL_FROM = 48  # misses below this are converted in this process: a worker pool costs ~50 ms to start
CHUNK = 24  # documents per task: small enough to balance two workers, large enough to amortise pickling

_converter: Any = None


def render_markdown(source: str) -> str:
    global _converter
    if _converter is None:
        import markdown

        # raw HTML in curators' markdown passes through: it is theirs
        _converter = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
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
    if jobs < 2 or len(sources) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return _convert_chunk(sources)
    chunks = [sources[i:i + CHUNK] for i in range(0, len(sources), CHUNK)]
    # fork: the workers start with this process's imports, no interpreter start-up per worker
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        return [html for part in pool.map(_convert_chunk, chunks) for html in part]


def markdown_many(sources: Sequence[str], cache: "Cache | None") -> list[str]:
    """Like :func:`convert_all`, remembering each result in the cache by its source text."""
    if cache is None:
        return convert_all(sources)
    ns = cache.namespace(NAMESPACE, VERSION)
    out: list[str | None] = []
    todo: dict[str, list[int]] = {}
    keys: dict[str, str] = {}
    for i, source in enumerate(sources):
        key = keys.get(source) or ns.key(source, EXTENSIONS)
        keys[source] = key
        stored = ns.get_json(key) if source not in todo else None
        if isinstance(stored, str):
            out.append(stored)
        else:
            out.append(None)
            todo.setdefault(source, []).append(i)
    if todo:
        missing = list(todo)
        for source, html in zip(missing, convert_all(missing)):
            ns.put_json(keys[source], html)
            for i in todo[source]:
                out[i] = html
    return [html or "" for html in out]
