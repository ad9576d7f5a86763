"""Markdown tables come wrapped in a focusable, named region that scrolls sideways on its own
(generator/site/scroll_tables.py), so a wide table never widens a phone's page."""

from __future__ import annotations

from generator.site.markdown_batch import render_markdown

TABLE = "| image | by |\n|---|---|\n| Chelsea the cat | Stefan van der Walt |\n"


def test_a_table_is_named_by_the_heading_it_follows():
    html = render_markdown("## Sample images\n\n" + TABLE + "\nAfter.\n")
    assert html.startswith('<h2 id="sample-images">Sample images</h2>\n'
                           '<div aria-labelledby="sample-images" class="table-scroll" role="region" tabindex="0">'
                           "<table>")
    assert "</table></div>\n<p>After.</p>" in html


def test_a_table_before_any_heading_is_named_table():
    html = render_markdown(TABLE)
    assert html.startswith('<div aria-label="Table" class="table-scroll" role="region" tabindex="0"><table>')
    assert html.count("<table>") == html.count("table-scroll") == 1


def test_every_table_is_wrapped_once_where_it_stands():
    html = render_markdown("# One\n\n" + TABLE + "\n# Two\n\n> " + TABLE.replace("\n", "\n> ") + "\n")
    assert html.count('class="table-scroll"') == 2
    assert '<blockquote>\n<div aria-labelledby="two"' in html
    assert "<p>" not in html.split("<blockquote>")[0]  # no text lost or moved around the first table
