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


SENTENCE_END = re.compile(r"[.!?…][\"”’»)\]]*$")
HITS_JS = """els => els.map(e => ({href: e.querySelector('a').getAttribute('href'),
    kicker: e.querySelector('.search-hit-kicker').textContent,
    img: e.querySelector('img') ? e.querySelector('img').getAttribute('src') : '',
    excerpt: e.querySelector('.search-hit-excerpt').textContent,
    marks: [...e.querySelectorAll('.search-hit-excerpt mark')].map(m => m.textContent)}))"""
CONTENTS_JS = """async (q) => { const pf = await import(new URL('../pagefind/pagefind.js', location.href).href);
    const found = await pf.search(q); const data = await Promise.all(found.results.map(r => r.data()));
    return Object.fromEntries(data.map(d => [d.url, d.content])); }"""


def all_hits(page, url: str) -> list[dict]:
    page.goto(url)
    page.wait_for_selector(".search-hit")
    while page.is_visible("#search-more"):
        n = page.locator(".search-hit").count()
        page.click("#search-more")
        page.wait_for_function("n => document.querySelectorAll('.search-hit').length > n", arg=n)
    return page.eval_on_selector_all(".search-hit", HITS_JS)


def test_a_film_hit_shows_its_poster_and_its_length_as_on_its_card(page, demo_url, demo_build):
    index = (demo_build["site"] / "index.html").read_text(encoding="utf-8")
    cards = {}  # film slug -> the length its card shows
    for card in re.findall(r'<li class="card[^"]*">(.*?)</li>', index, re.S):
        cards[re.search(r'href="films/([^/"]+)/"', card)[1]] = re.search(r"<time [^>]*>([\d:]+)</time>", card)[1]
    hits = all_hits(page, demo_url + "search/?q=photographs")
    films = {m[1]: h for h in hits if (m := re.search(r"/films/([^/#]+)/$", h["href"]))}
    assert {"photographs", "photographs-dream"} <= set(films)
    for slug, hit in films.items():
        assert hit["img"].endswith(f"/films/{slug}/poster.jpg"), hit
        assert hit["kicker"].endswith(f"· {cards[slug]}"), (hit["kicker"], cards[slug])
        thumb = page.locator(f'.search-hit-thumb[src="{hit["img"]}"]')
        thumb.scroll_into_view_if_needed()
        page.wait_for_function("src => [...document.querySelectorAll('.search-hit-thumb')].some("
                               "i => i.getAttribute('src') === src && i.complete && i.naturalWidth > 0)",
                               arg=hit["img"])
    assert page.errors == []


@pytest.mark.parametrize("query", ["cloud", "machine"])
def test_excerpts_keep_whole_words_and_mark_the_words_found(page, demo_url, query):
    hits = all_hits(page, demo_url + f"search/?q={query}")
    contents = page.evaluate(CONTENTS_JS, query)
    assert len(hits) >= 10
    for hit in hits:
        content = " ".join(contents[hit["href"]].split())
        excerpt = " ".join(hit["excerpt"].split())
        cut_before, cut_after = excerpt.startswith("…"), excerpt.endswith("…")
        core = excerpt.strip("… ")
        at = content.find(core)
        assert core and at >= 0, (excerpt, content)
        end = at + len(core)
        # whole words: the excerpt starts and ends where the text has a space (or starts or ends)
        assert (at == 0 or content[at - 1] == " ") and (end == len(content) or content[end] == " "), excerpt
        # a sentence cut is shown as cut; one left whole is not
        assert cut_before == (at > 0 and not SENTENCE_END.search(content[:at].rstrip())), excerpt
        assert cut_after == (end < len(content) and not SENTENCE_END.search(core)), excerpt
        for mark in hit["marks"]:  # the word found, without the punctuation beside it
            assert re.fullmatch(r"\w(.*\w)?", mark), (mark, excerpt)
    assert any(query in " ".join(h["marks"]).lower() for h in hits)


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
