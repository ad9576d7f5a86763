"""Pagefind, driven in process through its Python API: the records in, the search bundle out.

The Python API talks to the ``pagefind`` binary (shipped by ``pagefind[bin]``) over its stdin and stdout.
Its own reader sleeps 0.1 s before each answer it reads, which caps it at ten records a second (a
thousand cues would take minutes); :class:`_Service` reads the answers as they come instead, and fails
every waiting request at once when the binary stops, where the stock reader would wait forever.
Importing this module imports pagefind: the search stage does so only when the index has to be made.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

from pagefind.index import IndexConfig, PagefindIndex
from pagefind.service import PagefindService

from ..errors import SearchError
from .records import SearchRecord

BATCH = 500  # requests in flight at once: enough to keep the binary busy, few enough to bound memory
# the bundle's files a site needs for its own search UI (not Pagefind's ready-made UIs nor its highlighter)
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")


class _Service(PagefindService):
    async def _wait_for_responses(self) -> None:
        stdout = self._backend.stdout
        assert stdout is not None
        while True:
            try:
                raw = await stdout.readuntil(b",")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError) as exc:
                self._fail_all(f"the pagefind binary stopped answering ({type(exc).__name__})")
                return
            try:
                # anything the binary printed before the message (it shares stdout with stderr) is skipped
                message = json.loads(base64.b64decode(raw[:-1].rsplit(b"\n", 1)[-1]))
            except ValueError:
                continue
            if not isinstance(message, dict):
                continue
            payload = message.get("payload") or {}
            ident = message.get("message_id")
            if ident is None and isinstance(payload.get("original_message"), str):
                try:
                    ident = json.loads(payload["original_message"]).get("message_id")
                except ValueError:
                    ident = None
            future = self._responses.pop(ident, None) if ident is not None else None
            if future is None or future.done():
                continue
            if payload.get("type") == "Error":
                future.set_exception(SearchError(f"pagefind: {payload.get('message', 'unknown error')}"))
            else:
                future.set_result(cast(Any, payload))  # one of the typed answers

    def _fail_all(self, why: str) -> None:
        for future in self._responses.values():
            if not future.done():
                future.set_exception(SearchError(why))
        self._responses.clear()

    async def close(self) -> None:
        self._poll_task.cancel()
        if self._backend.returncode is None:
            self._backend.terminate()
        await self._backend.wait()


def page_html(record: SearchRecord, language: str, html: str) -> str:
    """An HTML record as Pagefind reads it: the body marked, the kind as a filter, the title as meta."""
    from markupsafe import escape

    meta = "".join(f'<meta data-pagefind-meta="{escape(k)}:{escape(v)}">' for k, v in record.meta.items()
                   if k != "title")
    return (f'<!doctype html><html lang="{escape(language)}"><head><title>{escape(record.title)}</title></head>'
            f'<body><main data-pagefind-body data-pagefind-filter="kind:{escape(record.kind)}">{meta}'
            f'<h1 data-pagefind-meta="title">{escape(record.title)}</h1>{html}</main></body></html>')


async def _index(records: Sequence[SearchRecord], out: Path, language: str, exclude: Sequence[str],
                 step: Callable[[int], None]) -> int:
    config = IndexConfig(force_language=language, exclude_selectors=list(exclude) or None)
    service = await _Service().launch()
    try:
        index: PagefindIndex = await service.create_index(config)
        words = 0
        for start in range(0, len(records), BATCH):
            batch = records[start:start + BATCH]
            answers = await asyncio.gather(*(_add(index, r, language) for r in batch))
            words += sum(int(a.get("page_word_count") or 0) for a in answers)
            step(len(batch))
        await index.write_files(output_path=str(out))
        return words
    finally:
        await service.close()


async def _add(index: PagefindIndex, record: SearchRecord, language: str) -> Any:
    html = record.body()
    if html:
        return await index.add_html_file(content=page_html(record, language, html), url=record.url)
    return await index.add_custom_record(url=record.url, content=record.text, language=language,
                                         meta={"title": record.title, **record.meta},
                                         filters={"kind": [record.kind]})


def write_bundle(records: Sequence[SearchRecord], out: Path, language: str, exclude: Sequence[str] = (),
                 step: Callable[[int], None] = lambda n: None) -> int:
    """Index ``records`` into the bundle folder ``out`` (made by Pagefind); how many words it indexed."""
    from concurrent.futures import ThreadPoolExecutor

    # its own thread and event loop: the caller may be inside one already (serve, a test driving a browser)
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="pagefind") as pool:
            words = pool.submit(asyncio.run, _index(records, out.resolve(), language, exclude, step)).result()
    except FileNotFoundError as exc:
        raise SearchError(f"search: the pagefind binary is missing ({exc}); pip install -e .[search]") from None
    for name in UNUSED:
        (out / name).unlink(missing_ok=True)
    return words
