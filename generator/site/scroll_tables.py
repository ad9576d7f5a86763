"""Tables in the curators' markdown that fit a phone or scroll inside themselves.

A table as wide as its longest words would widen the whole page on a narrow screen (the credits page did,
by 8 px at 390 px). Each table is wrapped in ``<div class="table-scroll">`` (site.css: ``overflow-x: auto``),
which scrolls sideways on its own when it must. A region that scrolls has to be reachable and named for
keyboard and screen reader users: the wrapper is focusable (``tabindex="0"``), a ``region`` named by the
heading the table follows (``aria-labelledby``, the id the ``toc`` extension gave that heading), or
"Table" where no heading comes before it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def _walk(parent: ET.Element) -> Iterator[tuple[ET.Element, ET.Element]]:
    """(parent, child) for every element below ``parent``, in document order."""
    for child in list(parent):
        yield parent, child
        yield from _walk(child)


class ScrollTables(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        heading_id = ""
        for parent, el in list(_walk(root)):
            if el.tag in HEADINGS:
                heading_id = el.get("id", "")
            elif el.tag == "table":
                wrapper = ET.Element("div", {"class": "table-scroll", "role": "region", "tabindex": "0"})
                if heading_id:
                    wrapper.set("aria-labelledby", heading_id)
                else:
                    wrapper.set("aria-label", "Table")
                wrapper.tail, el.tail = el.tail, None
                parent.insert(list(parent).index(el), wrapper)
                parent.remove(el)
                wrapper.append(el)


class ScrollTablesExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        # after "toc" (5), which gives the headings their ids; before "unescape" (0)
        md.treeprocessors.register(ScrollTables(md), "scroll_tables", 3)


def makeExtension(**kwargs: object) -> ScrollTablesExtension:  # noqa: N802 - how Python-Markdown finds it by name
    return ScrollTablesExtension(**kwargs)
