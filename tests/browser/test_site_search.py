"""Site-wide search on the real demo in Chromium: a word the machine said, typed into the header's box,
opens the film at that cue; the kind filters; an archive hit opens the map at the image; the page without
JavaScript; accessibility."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from generator.search.stage import unavailable

pytestmark = [pytest.mark.browser, pytest.mark.slow,  # Chromium: the full suite's lane
              pytest.mark.skipif(bool(unavailable()), reason="pagefind[bin] is not installed")]
REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
CUE_RE = re.compile(r"^(\d+):(\d\d):(\d\d)\.(\d{3}) --> .*?\n(.*?)(?:\n\n|\Z)", re.M | re.S)


@pytest.fixture(scope="module")
def demo_url(demo_build, serve_dir):
    return serve_dir(demo_build["site"])


def spoken_word(site: Path) -> tuple[str, str, float]:
    """(word, film slug, cue start): a word of the demo's machine captions said in one cue only, after the
    film's first second (so that a film left at 0 cannot pass for one opened at the cue)."""
    cues = []
    for vtt in sorted(site.glob("films/*/*.vtt")):
        slug = vtt.parent.name
        if vtt.name != f"{slug}.vtt":
            continue  # the narration's descriptions track says the same
        for h, m, s, ms, text in CUE_RE.findall(vtt.read_text(encoding="utf-8")):
            start = int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000
            cues.append((slug, start, {w for w in re.findall(r"[a-z]{5,}", text.lower())}))
    counts = Counter(w for _, _, words in cues for w in words)
    found = sorted((w, slug, start) for slug, start, words in cues if start >= 1.0 for w in words if counts[w] == 1)
    assert found, "no word of the demo's captions is said in one cue only"
    return found[0]


def search_from_header(page, url: str, words: str) -> None:
    page.goto(url)
    page.fill("#site-search-q", words)
    page.press("#site-search-q", "Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    page.wait_for_selector(".search-hit")


def test_a_word_the_machine_said_opens_the_film_at_that_cue(page, demo_url, demo_build):
    word, slug, start = spoken_word(demo_build["site"])
    search_from_header(page, demo_url, word)
    hit = page.locator(f'.search-hit-speech a[href$="films/{slug}/#t={start:.2f}"]')
    hit.wait_for()
    assert word in hit.locator("mark").first.text_content().lower()
    m, s = divmod(int(start), 60)
    assert f"at {m:02d}:{s:02d}" in hit.text_content()
    hit.click()
    page.wait_for_url(re.compile(rf"/films/{slug}/#t="))
    page.wait_for_function("t => { const v = document.querySelector('video');"
                           " return v && v.readyState >= 1 && Math.abs(v.currentTime - t) <= 0.5; }", arg=start,
                           timeout=15_000)
    assert abs(page.evaluate("document.querySelector('video').currentTime") - start) <= 0.5
    # another moment of the same film without a reload (the film page reads #t= on hashchange too)
    page.evaluate("location.hash = '#t=2'")
    page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 2) <= 0.5")
    assert page.errors == []


def kinds_of_hits(page) -> set[str]:
    return set(page.eval_on_selector_all(
        ".search-hit", "els => els.map(e => [...e.classList].find(c => c.startsWith('search-hit-')).slice(11))"))


def test_results_are_filtered_by_kind_and_the_filter_is_in_the_address(page, demo_url):
    page.goto(demo_url + "search/?q=cat")
    page.wait_for_selector(".search-hit")
    assert {"speech", "page", "archive"} <= kinds_of_hits(page)
    labels = page.locator(".search-kind").all_text_contents()
    assert [re.sub(r"\s*\d+$", "", t).strip() for t in labels] == ["Film speech", "Pages", "Archive"]
    page.uncheck("#search-kind-speech")
    page.uncheck("#search-kind-page")
    page.wait_for_function("() => [...document.querySelectorAll('.search-hit')].every("
                           "e => e.classList.contains('search-hit-archive'))")
    assert kinds_of_hits(page) == {"archive"} and "kind=archive" in page.url
    page.reload()
    page.wait_for_selector(".search-hit")
    assert kinds_of_hits(page) == {"archive"} and page.is_checked("#search-kind-archive")
    assert not page.is_checked("#search-kind-speech")
    # keyboard: from the box down into the results
    page.focus("#search-q")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.classList.contains('search-hit-link')")
    href = page.evaluate("document.activeElement.getAttribute('href')")
    assert "/map/#item=" in href
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/map/#item="))
    page.wait_for_function("window.electricMap && window.electricMap.complete", timeout=30_000)
    page.locator("#map-lightbox").wait_for(state="visible")
    assert "cat" in (page.text_content("#map-lb-title") or "").lower() + (page.text_content("#map-lb-meta") or "")


def test_markup_in_the_index_is_shown_as_text(page, demo_url):
    page.goto(demo_url + "search/?q=espresso")
    page.wait_for_selector(".search-hit mark")
    assert page.evaluate("document.querySelectorAll('.search-hit-excerpt *:not(mark)').length") == 0
    assert "espresso" in page.text_content(".search-status")


def test_without_javascript_the_search_page_says_so(browser, demo_url):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(demo_url + "search/?q=cat")
        assert "needs JavaScript" in page.text_content(".search-noscript")
    finally:
        context.close()


def test_search_page_has_no_accessibility_violations(page, demo_url):
    page.goto(demo_url + "search/?q=cloud")
    page.wait_for_selector(".search-hit")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => { const r = await axe.run(document);"
                           " return r.violations.map(v => v.id + ': ' + v.help); }")
    assert result == []
