"""Markdown for a whole build: the same HTML as Python-Markdown given the extensions by name, in parallel or
not, cached by source."""

from __future__ import annotations

import markdown

from generator.cache import Cache
from generator.site import markdown_batch as mb

SAMPLES = [
    'He said "hi" -- and \'left\'... <<x>> in the \'80s --- really.',
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "Term\n: Definition",
    "*[HTML]: Hyper Text\n\nHTML here",
    "```python\nprint(1)\n```",
    "Note[^1]\n\n[^1]: A footnote.",
    '<div markdown="1">*inside*</div>',
    "# Title {#custom .cls}\n\n## Sub\n\n## Sub",
    "1. a\n2. b\n\n* c\n* d",
    "<aside class='x'>raw HTML</aside>",
]


def test_same_html_as_the_extensions_by_name():
    from markdown.extensions import extra

    assert extra.extensions == ["fenced_code", "footnotes", "attr_list", "def_list", "tables", "abbr", "md_in_html"]
    for text in SAMPLES:
        assert mb.render_markdown(text) == markdown.markdown(text, extensions=mb.EXTENSIONS, output_format="html")


def test_parallel_conversion_matches_serial(monkeypatch):
    texts = [f"## Part {i}\n\n" + SAMPLES[i % len(SAMPLES)] for i in range(60)]
    monkeypatch.setattr(mb, "PARALLEL_FROM", 10)
    assert mb.convert_all(texts, jobs=2) == [mb.render_markdown(t) for t in texts]


def test_store_converts_each_source_once(tmp_path):
    cache = Cache(tmp_path)
    store = mb.MarkdownStore(cache)
    first = store.html(["*a*", "*b*", "*a*"])
    assert first[0] == first[2] and cache.misses["markdown"] == 2
    cache.flush()
    again = mb.MarkdownStore(Cache(tmp_path)).html(["*a*", "*b*"])
    assert again == first[:2]
