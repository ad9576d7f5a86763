"""The header on the real demo (templates/base.html, site_src/header.css, site_src/menu.js): the search box in
one place at every width, the links folded into a menu on a phone (and a plain list without JavaScript); a
wide table that scrolls inside itself; what a printed page keeps."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # Chromium: the full suite's lane

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
LIGHT, DARK = "credits/", "films/photographs/"  # a page on paper, a page on the dark stage


@pytest.fixture(scope="module")
def demo_url(demo_build, serve_dir):
    return serve_dir(demo_build["site"])


@pytest.fixture
def open_page(browser):
    """open_page(url, viewport, javascript=True) -> a page in its own context, closed after the test."""
    contexts = []

    def open_(url: str, viewport: dict[str, int], javascript: bool = True):
        context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        page.goto(url)
        return page

    yield open_
    for context in contexts:
        context.close()


def box(page, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not shown"
    return found


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
@pytest.mark.parametrize("path", [LIGHT, DARK], ids=["light", "dark"])
def test_the_search_box_is_beside_the_wordmark_above_the_links(open_page, demo_url, path, viewport):
    page = open_page(demo_url + path, viewport)
    mark, search, nav = box(page, ".wordmark"), box(page, ".site-search"), box(page, ".site-nav")
    inner = box(page, ".site-header-inner")
    padding = float(page.eval_on_selector(".site-header-inner", "e => parseFloat(getComputedStyle(e).paddingRight)"))
    assert search["y"] < mark["y"] + mark["height"] and mark["y"] < search["y"] + search["height"]  # one row
    assert search["x"] > mark["x"] + mark["width"]
    assert abs(search["x"] + search["width"] - (inner["x"] + inner["width"] - padding)) <= 1  # at its right end
    assert nav["y"] >= search["y"] + search["height"]  # the links come under it, never the other way round


def test_a_phone_folds_the_links_into_a_menu(open_page, demo_url):
    page = open_page(demo_url + LIGHT, PHONE)
    button, links = page.locator(".menu-toggle"), page.locator("#site-nav-list")
    assert button.is_visible() and not links.is_visible()
    assert button.get_attribute("aria-expanded") == "false"
    assert button.get_attribute("aria-controls") == "site-nav-list"
    assert button.evaluate("b => b.closest('nav').getAttribute('aria-label')") == "Site"

    button.click()
    assert button.get_attribute("aria-expanded") == "true" and links.is_visible()
    archive = page.get_by_role("link", name="Archive", exact=True)
    assert archive.is_visible() and box(page, "#site-nav-list")["height"] > 100
    for link in page.locator("#site-nav-list a").all():  # rows a thumb can hit
        assert link.bounding_box()["height"] >= 44

    # Escape from inside the menu closes it and gives the focus back to its button
    page.keyboard.press("Tab")  # from the button to the first link
    assert page.evaluate("() => document.activeElement.closest('#site-nav-list') !== null")
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false" and not links.is_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('menu-toggle')")

    # the keyboard opens it too; Escape with the focus on the button closes it
    page.keyboard.press("Enter")
    assert links.is_visible()
    page.keyboard.press("Escape")
    assert not links.is_visible()


def test_without_javascript_the_links_are_a_visible_list(open_page, demo_url):
    page = open_page(demo_url + LIGHT, PHONE, javascript=False)
    assert not page.locator(".menu-toggle").is_visible()
    links = page.locator("#site-nav-list a")
    assert links.count() >= 5 and all(link.is_visible() for link in links.all())


@pytest.mark.parametrize("path", [LIGHT, DARK], ids=["light", "dark"])
def test_a_laptop_shows_the_links_and_no_menu_button(open_page, demo_url, path):
    page = open_page(demo_url + path, LAPTOP)
    assert not page.locator(".menu-toggle").is_visible()
    links = page.locator("#site-nav-list a")
    assert all(link.is_visible() for link in links.all())
    tops = {round(link.bounding_box()["y"]) for link in links.all()}
    assert len(tops) == 1, "the demo's links fit one row at 1366 px"


def test_a_wide_table_scrolls_inside_a_named_focusable_region(open_page, demo_url):
    page = open_page(demo_url + LIGHT, PHONE)
    regions = page.locator(".prose .table-scroll")
    assert regions.count() >= 1
    first = regions.first
    assert first.get_attribute("role") == "region" and first.get_attribute("tabindex") == "0"
    heading = first.get_attribute("aria-labelledby")
    assert heading and page.locator(f"#{heading}").inner_text().strip()
    assert first.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    assert first.bounding_box()["width"] <= PHONE["width"]


def test_print_keeps_the_transcript_and_essay_and_drops_the_chrome(open_page, demo_url):
    page = open_page(demo_url + DARK, LAPTOP)
    page.emulate_media(media="print")
    for chrome in (".site-nav", ".site-search", ".screen", ".narration", ".transcript-search", ".skip-link"):
        assert page.locator(chrome).evaluate("e => getComputedStyle(e).display") == "none", chrome
    assert page.locator(".film-title").is_visible() and page.locator(".film-text .prose").first.is_visible()
    cues = page.locator(".cues > li")
    assert cues.count() >= 3
    assert page.locator(".cues").evaluate("e => getComputedStyle(e).overflowY") == "visible"
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    page.emulate_media(media="screen")
    assert page.locator(".site-nav").is_visible()
