"""The map viewer in headless Chromium: first paint, permalinks, the lightbox and its neighbours,
search, layout switching, keyboard use, the film-frame layer, hostile metadata, and axe-core on the
list view."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench" / "map"))
pytestmark = [pytest.mark.browser, pytest.mark.slow]  # Chromium: the full suite's lane
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
HOSTILE = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture(scope="module")
def map_site(tmp_path_factory, serve_dir):
    import synth
    from browser.site_fixtures import write_tree
    from PIL import Image

    from generator.archive.embed import register_embedder
    from generator.archive.scan import scan_archive
    from generator.cache import Cache
    from generator.config import Settings
    from generator.model import Film, Keyframe, SiteModel
    from generator.reporter import Reporter
    from generator.site.output import OutputTree
    from generator.site.render import add_assets
    from generator.stages.map import build_map

    register_embedder("colour", "synth:ColourEmbedder")
    tmp = tmp_path_factory.mktemp("map_site")
    content = tmp / "content"
    synth.make_archive(content, 40)
    meta = content / "archive" / "metadata.csv"
    meta.write_text(meta.read_text("utf-8").replace("Gradient no. 3", '"' + HOSTILE.replace('"', '""') + '"'), "utf-8")
    settings = Settings()
    settings.map.embedder = "colour"
    settings.map.umap_epochs = 60
    settings.map.tsne_iter = 120
    reporter = Reporter(quiet=True)
    site = SiteModel(settings=settings, content_dir=content)
    site.archive, site.archive_columns = scan_archive(content, reporter)
    frames = []
    for i in range(3):
        p = tmp / "frames" / f"{i}.jpg"
        p.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(synth.synth_image(i * 7 + 2, 96)).save(p)
        frames.append(Keyframe(index=i, time=1.5 * i, image=p, scene_cut=True))
    site.films.append(Film(slug="test-film", title="Test Film", source=tmp / "index.md", video=tmp / "x.mp4",
                           keyframes=frames, captions=["a red disc", "stripes", "rings"]))
    tree = build_map(site, Cache(tmp / "cache"), reporter)
    out = OutputTree()
    add_assets(out)  # site.css, map/*.js, map.css, fonts: the map page alone, no film pages needed
    out.merge(tree)
    write_tree(out, tmp / "_site")
    return serve_dir(tmp / "_site") + "map/"


def open_map(page, url: str, hash_: str = ""):
    page.goto(url + hash_)
    page.wait_for_function("window.electricMap && window.electricMap.complete", timeout=30_000)
    return page


def test_map_paints_with_points_and_thumbnails(page, map_site):
    open_map(page, map_site)
    page.wait_for_function("window.electricMap.firstPaint > 0")
    assert page.evaluate("window.electricMap.stats.drawCalls") >= 2  # archive points + frame layer at least
    assert "40 images" in page.text_content("#map-status")
    assert page.locator(".map-cluster-label").count() >= 2
    assert page.locator(".site-header a[aria-current=page]").text_content() == "Map"
    assert page.errors == []


def canvas_pixels(page):
    import io

    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(page.locator("#map-canvas").screenshot())).convert("RGB"), np.float32)


def test_overview_picture_looks_like_the_points_it_replaces(page, map_site):
    """Large layers are drawn zoomed out from a picture rendered once; forced on here for 40 images, it
    must look like drawing every point."""
    open_map(page, map_site)
    page.uncheck("#map-frames")
    direct = canvas_pixels(page)
    assert page.evaluate("window.electricMap.stats.overviews || 0") == 0
    other = page.context.new_page()
    other.add_init_script("window.electricMapOptions = {overviewMin: 0}")
    open_map(other, map_site)
    other.uncheck("#map-frames")
    other.wait_for_function("window.electricMap.stats.overviews >= 1")
    pictured = canvas_pixels(other)
    assert other.evaluate("window.electricMap.stats.points") == 0  # the frame drew the picture, not points
    assert direct.shape == pictured.shape
    lit = direct.max(axis=2) > 40  # where the points are
    assert lit.sum() > 100
    assert (pictured.max(axis=2) > 40)[lit].mean() > 0.9
    assert abs(direct - pictured).mean() < 4
    other.close()


def test_zoomed_in_draws_thumbnails(page, map_site):
    open_map(page, map_site, "#item=img00005.jpg")
    page.keyboard.press("Escape")
    page.wait_for_function("window.electricMap.stats.quads > 0 && window.electricMap.stats.textures >= 1",
                           timeout=10_000)
    assert page.errors == []


def test_permalink_opens_the_lightbox_with_metadata_and_neighbours(page, map_site):
    open_map(page, map_site, "#item=img00005.jpg")
    dialog = page.locator("#map-lightbox")
    dialog.wait_for(state="visible")
    assert page.text_content("#map-lb-title") == "Rings no. 5"
    meta = page.text_content("#map-lb-meta")
    assert "Maker 1" in meta and "img00005.jpg" in meta
    assert page.get_attribute("#map-lb-links a", "href") == "../archive/files/img00005.jpg"
    links = page.locator("#map-lb-nb a")
    links.first.wait_for()
    assert links.count() >= 8
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert all(h.startswith("#item=") for h in hrefs) and "#item=img00005.jpg" not in hrefs
    first_title = links.first.text_content()
    links.first.click()
    page.wait_for_function("t => document.querySelector('#map-lb-title').textContent === t", arg=first_title)
    assert page.evaluate("location.hash") == hrefs[0]
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    page.wait_for_function("location.hash.startsWith('#layout=')")
    assert page.errors == []


def test_hostile_metadata_is_shown_as_text(page, map_site):
    open_map(page, map_site, "#item=img00003.jpg")
    page.locator("#map-lightbox").wait_for(state="visible")
    assert page.text_content("#map-lb-title") == HOSTILE
    assert page.locator("#map-lightbox img[src=x]").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_search_lists_and_highlights(page, map_site):
    open_map(page, map_site)
    page.fill("#map-search-input", "disc maker")
    page.wait_for_function("document.querySelector('#map-search-count').textContent.includes('found')")
    results = page.locator("#map-results a")
    assert results.count() >= 1 and all("Disc" in results.nth(i).text_content() for i in range(results.count()))
    assert page.evaluate("Object.values(document.querySelectorAll('#map-results li')).length") == results.count()
    results.first.click()
    page.locator("#map-lightbox").wait_for(state="visible")
    assert page.text_content("#map-lb-title").startswith("Disc")
    page.keyboard.press("Escape")
    page.fill("#map-search-input", "caption-free nonsense zzz")
    page.wait_for_function("document.querySelector('#map-search-count').textContent === 'nothing found'")


def test_layout_switch_animates_and_is_linkable(page, map_site):
    open_map(page, map_site)
    for name, label in [("tsne", "t-SNE"), ("grid", "Grid"), ("date", "Timeline")]:
        page.click(f"label[for=map-layout-{name}]")
        page.wait_for_function(f"location.hash.startsWith('#layout={name}&view=')", timeout=10_000)
        assert label in page.text_content("#map-status")
    assert page.locator("#map-axis span").count() >= 3  # year ticks under the timeline
    url = page.url
    other = page.context.new_page()
    open_map(other, url.split("#")[0], "#" + url.split("#", 1)[1])
    assert other.is_checked("#map-layout-date")
    other.close()


def test_keyboard_pans_zooms_and_opens(page, map_site):
    open_map(page, map_site)
    page.focus("#map-canvas")

    def view():
        page.wait_for_timeout(500)
        return [float(v) for v in page.evaluate("location.hash").split("view=")[1].split(",")]

    page.keyboard.press("+")
    page.keyboard.press("+")
    x0, _, s0 = view()
    page.keyboard.press("ArrowRight")
    x1, _, s1 = view()
    assert x1 > x0 and s1 == s0
    page.keyboard.press("-")
    assert view()[2] < s1
    page.keyboard.press("Enter")
    page.locator("#map-lightbox").wait_for(state="visible")
    assert page.locator("#map-lb-nb a").count() >= 8


def test_film_frames_link_to_the_film_at_their_time(page, map_site):
    open_map(page, map_site, "#frame=test-film/1")
    page.locator("#map-lightbox").wait_for(state="visible")
    assert page.text_content("#map-lb-title") == "Test Film at 0:01"
    assert page.get_attribute("#map-lb-links a", "href") == "../films/test-film/#t=1.50"
    assert "stripes" in page.text_content("#map-lb-film")
    assert page.locator("#map-lb-nb a").count() >= 8
    assert page.is_visible("#map-frames-toggle")


def test_list_view_is_keyboard_operable_and_has_no_axe_violations(page, map_site):
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm ci)")
    open_map(page, map_site)
    page.click("#map-list-toggle")
    assert page.get_attribute("#map-list-toggle", "aria-pressed") == "true"
    summary = page.locator("#map-list-clusters summary").first
    summary.focus()
    page.keyboard.press("Enter")
    page.locator("#map-list-clusters details[open] li a").first.wait_for()
    labels = page.locator("#map-list-labels summary")
    assert labels.count() >= 1
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    violations = [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:3]} for v in result["violations"]]
    assert violations == [], json.dumps(violations, indent=1)
    link = page.locator("#map-list-clusters details[open] li a").first
    link.focus()
    page.keyboard.press("Enter")
    page.locator("#map-lightbox").wait_for(state="visible")


def test_filter_by_a_metadata_column(page, map_site):
    open_map(page, map_site)
    page.select_option("#map-filter-column", "creator")
    page.wait_for_function("!document.querySelector('#map-filter-value').hidden")
    options = page.locator("#map-filter-value option")
    assert options.count() == 4 and options.first.text_content() == "Maker 0 (10)"
    page.select_option("#map-filter-value", index=1)
    page.wait_for_function("document.querySelector('#map-status').textContent.includes('with creator')")
    assert "10 images with creator “Maker 1”" in page.text_content("#map-status")


@pytest.fixture(scope="module")
def named_map_site(tmp_path_factory, serve_dir):
    """A map of 32 images of four subjects whose titles and descriptions name them (no film)."""
    import synth
    from browser.site_fixtures import write_colour_map

    from generator.config import Settings

    tmp = tmp_path_factory.mktemp("named_map_site")
    content = tmp / "content"
    synth.make_subject_archive(content, 32)
    settings = Settings()
    settings.map.layouts = ["umap", "grid"]
    settings.map.umap_epochs = 60
    write_colour_map(content, tmp, settings)
    manifest = json.loads((tmp / "_site" / "map" / "manifest.json").read_text("utf-8"))
    return serve_dir(tmp / "_site") + "map/", manifest


def test_list_view_shows_each_regions_words_and_pictures(page, named_map_site):
    url, manifest = named_map_site
    open_map(page, url)
    labels = page.locator(".map-cluster-label")
    assert labels.count() >= 2 and all(labels.nth(i).text_content() for i in range(labels.count()))
    page.click("#map-list-toggle")
    groups = page.locator("#map-list-clusters details")
    assert groups.count() == len(manifest["clusters"])
    subjects = {"red", "disc", "blue", "stripes", "green", "checkerboard", "yellow", "rings", "circle", "bands",
                "squares", "circles"}
    for i, c in enumerate(manifest["clusters"]):
        group = groups.nth(i)
        assert group.locator(".map-list-name").text_content() == c["name"]
        words = group.locator(".map-list-words").text_content()
        assert words == ", ".join(c["words"]) and set(words.casefold().replace(",", " ").split()) & subjects
        strip = group.locator(".map-list-strip img")
        assert strip.count() == len(c["show"]) >= 1
    # every picture of the strips has loaded (they are shown before a region is opened)
    page.wait_for_function("[...document.querySelectorAll('.map-list-strip img')]"
                           ".every((im) => im.complete && im.naturalWidth > 0)", timeout=10_000)
    first = groups.first
    first.locator("summary").click()
    items = first.locator("li a")
    items.first.wait_for()
    assert items.count() == manifest["clusters"][0]["size"]
    assert items.first.locator("img").count() == 1 and items.first.locator("span").text_content()
    page.wait_for_function("[...document.querySelectorAll('#map-list-clusters details[open] li img')]"
                           ".every((im) => im.complete && im.naturalWidth > 0)", timeout=10_000)
    assert page.errors == []
    if AXE.exists():
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("() => axe.run('#map-list', {resultTypes: ['violations']})")
        assert result["violations"] == [], json.dumps([v["id"] for v in result["violations"]])
