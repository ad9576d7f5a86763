"""The review page of a fixture site served by the real `build.py serve`, in Chromium: 50 decisions by
keyboard, all 50 in the label's CSV, the next image on screen in under 100 ms (measured in the page), undo;
then the published label page and the map's filter by the label."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
pytestmark = [pytest.mark.browser, pytest.mark.slow]  # Chromium: the full suite's lane
SEED_DECISIONS = 6


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(base url, content dir, truth) of a 72-image mood archive with a label "warm" of 6 decisions, served
    by `build.py serve` (with the colour embedder registered, as a site's plug-in would be)."""
    from label_fixtures import SITE_TOML, make_mood_archive, start_serve

    from generator.labels.decisions import write_decisions

    tmp = tmp_path_factory.mktemp("review_site")
    content = tmp / "content"
    truth = make_mood_archive(content, 72)
    (content / "site.toml").write_text(SITE_TOML)
    ids = list(truth)
    write_decisions(content / "labels" / "warm.csv",
                    {i: "yes" if truth[i] else "no" for i in ids[:SEED_DECISIONS]})
    proc, url = start_serve(content, tmp / "_site")
    try:
        yield url, content, truth
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_fifty_decisions_by_keyboard(served, page):
    from generator.labels.decisions import read_decisions

    url, content, truth = served
    page.goto(url + "review/")
    page.click("text=warm")
    page.wait_for_function("window.__reviewState && window.__reviewState.showing")
    assert page.locator("#rv-yes").is_visible() and page.locator("#rv-undo").is_visible()
    made: dict[str, str] = {}
    for _ in range(50):
        page.wait_for_function("window.__reviewState.showing")
        key = page.evaluate("window.__reviewState.showing")
        assert key not in made, f"{key} shown twice"
        word = "yes" if truth[key] else "no"  # an honest curator
        page.keyboard.press("ArrowRight" if word == "yes" else ("n" if len(made) % 2 else "ArrowLeft"))
        made[key] = word
    page.wait_for_function("window.__reviewState.acknowledged === 50", timeout=30000)
    decided = read_decisions(content / "labels" / "warm.csv")
    assert len(decided) == SEED_DECISIONS + 50
    assert {k: decided[k] for k in made} == made
    timings = page.evaluate("window.__reviewTimings")
    assert len(timings) == 50
    median, worst = statistics.median(timings), max(timings)
    print(f"\n  review: next image painted {median:.1f} ms after a decision (median of 50; "
          f"90th percentile {sorted(timings)[44]:.1f} ms, worst {worst:.1f} ms)")
    assert median < 100
    # undo: the last image comes back and its row leaves the CSV
    last = list(made)[-1]
    page.keyboard.press("u")
    page.wait_for_function(f"window.__reviewState.showing === {last!r}")
    page.wait_for_function("window.__reviewState.undone === 1")
    assert last not in read_decisions(content / "labels" / "warm.csv")
    assert page.locator("#rv-title").inner_text() == page.evaluate("window.__reviewState.title")
    assert not page.errors


def test_swipe_decides(served, page):
    from generator.labels.decisions import read_decisions

    url, content, _ = served
    page.goto(url + "review/warm/")
    page.wait_for_function("window.__reviewState.showing")
    key = page.evaluate("window.__reviewState.showing")
    box = page.locator("#rv-figure").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 150, y, steps=5)
    page.mouse.up()
    page.wait_for_function("window.__reviewState.acknowledged === 1")
    assert read_decisions(content / "labels" / "warm.csv")[key] == "no"


def test_label_page_and_map_filter(served, page):
    url, _, _ = served
    page.goto(url + "labels/")
    page.click(".labels-link")
    assert page.locator("h1").inner_text() == "warm"
    percents = [int(t) for t in page.locator(".label-item:not(.label-decided) meter").evaluate_all(
        "ms => ms.map(m => m.value)")]
    assert percents == sorted(percents, reverse=True) and all(p >= 50 for p in percents)
    assert page.locator(".label-decided").count() >= 3  # the curator's yes, marked and first
    assert page.locator(".label-item").first.get_attribute("class").count("label-decided") == 1
    page.goto(url + "map/")
    page.wait_for_function("window.electricMap && window.electricMap.complete")
    page.select_option("#map-filter-column", "taught:warm")
    page.wait_for_function("document.getElementById('map-status').textContent.includes('the label')")
    status = page.locator("#map-status").inner_text()
    n = int(status.split()[0])
    assert "with the label “warm”" in status and 30 <= n <= 45
    page.select_option("#map-filter-value", "no")
    page.wait_for_function("document.getElementById('map-status').textContent.includes('without')")
    assert int(page.locator("#map-status").inner_text().split()[0]) == 72 - n
    # the label among an item's metadata, in the lightbox
    page.goto(url + "labels/warm/")
    href = page.locator(".label-item a").first.get_attribute("href")
    page.goto(url + "labels/warm/" + href)
    page.wait_for_selector("#map-lightbox[open]")
    assert "warm" in page.locator(".map-lb-taught").inner_text()
    assert not page.errors
