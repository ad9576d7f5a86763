"""Every page of the built demo, at a laptop's size (1366×900) and a phone's (390×844): nothing wider than the
window (no sideways scrolling of the whole page), no axe-core violation, no error in the console.

One browser, one context per size, one tab that visits every page in turn: ~40 page loads and axe runs in
about a minute. Every page the demo has is checked: each index.html and the 404 page (served at
/404.html, where its links, made for the site's root, work)."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser.test_accessibility import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # Chromium: the full suite's lane

SIZES = {"laptop": (1366, 900), "phone": (390, 844)}
# the whole page is wider than the window (a pixel of rounding allowed): a visitor must scroll sideways
OVERFLOW = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
# the widest elements that stick out of the window, to name in a failure
WIDE = """() => Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : ''))"""


def demo_pages(site: Path) -> list[str]:
    """Every page's address below the site's root: "", "archive/", ..., "404.html"."""
    pages = sorted(p.parent.relative_to(site).as_posix() for p in site.rglob("index.html"))
    return ["" if p == "." else p + "/" for p in pages] + ["404.html"]


@pytest.fixture(scope="module")
def demo_url(demo_build, serve_dir):
    return serve_dir(demo_build["site"])


@pytest.mark.parametrize("size", sorted(SIZES))
def test_every_page_fits_and_passes_axe_without_console_errors(browser, demo_build, demo_url, size):
    pages = demo_pages(demo_build["site"])
    assert len(pages) >= 15, f"the demo should have its films, pages, archive, map and features: {pages}"
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    problems: dict[str, list[str]] = {}
    try:
        for path in pages:
            errors.clear()
            tab.goto(demo_url + path)
            tab.wait_for_load_state("load")
            tab.wait_for_timeout(250)  # the page's scripts (map, search, player) finish what "load" started
            found = []
            scroll_width, inner_width = tab.evaluate(OVERFLOW)
            if scroll_width > inner_width + 1:
                found.append(f"{scroll_width - inner_width} px wider than the window: {tab.evaluate(WIDE)}")
            found += [f"axe {v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in axe_violations(tab)]
            found += [f"console: {e}" for e in errors]
            if found:
                problems[path or "/"] = found
    finally:
        context.close()
    assert problems == {}, f"at {width}×{height}"
