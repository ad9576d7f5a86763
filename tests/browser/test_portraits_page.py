"""The portraits page in Chromium: the gallery of the faces found, before any photo (at a phone's width);
the fake camera (a .y4m of the astronaut's whole portrait) and the photo picker each find the crop of the
same face first; every request the page makes is to the site itself; the page's search code agrees with
numpy; keyboard and axe."""

from __future__ import annotations

import base64
import shutil
from urllib.parse import urlsplit

import numpy as np
import pytest
from browser.conftest import CHROMIUM, CHROMIUM_ARGS
from portrait_fixtures import PORTRAIT, build_face_site, make_y4m

from generator.portraits import models

pytestmark = [pytest.mark.browser, pytest.mark.slow,  # Chromium: the full suite's lane
              pytest.mark.skipif(bool(models.unavailable()), reason=models.unavailable() or "")]
CROP_TITLE = "Eileen Collins (detail)"
WAIT_MS = 90_000  # the first look loads 7 MB of weights and compiles the WebAssembly backend (~2 s idle)


@pytest.fixture(scope="module")
def face_site(tmp_path_factory, serve_dir):
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg is not installed")
    tmp = tmp_path_factory.mktemp("faces")
    out = build_face_site(tmp)
    return serve_dir(out), make_y4m(tmp / "astronaut.y4m")


@pytest.fixture(scope="module")
def camera_browser(face_site, playwright_driver):
    """A Chromium whose camera is the fake device playing the astronaut clip, allowed without a prompt."""
    _, y4m = face_site
    args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={y4m}"]
    instance = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=args)
    try:
        yield instance
    finally:
        instance.close()


@pytest.fixture
def cam_page(camera_browser):
    context = camera_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.requests = []  # type: ignore[attr-defined]
    page.errors = []  # type: ignore[attr-defined]
    page.on("request", lambda r: page.requests.append(r.url))  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))  # type: ignore[attr-defined]
    yield page
    context.close()


def _matches(page) -> list[dict]:
    page.wait_for_function("() => window.__portraits && window.__portraits.matches.length > 0", timeout=WAIT_MS)
    return page.evaluate("() => window.__portraits.matches")


def test_the_gallery_shows_every_face_before_a_photo_is_given(cam_page, face_site):
    """At 390 px: one linked crop per face of the index, with its title, no results section yet, nothing of
    face-api loaded, the links reached with the keyboard, no horizontal scrolling, and no axe violation."""
    url, _ = face_site
    page = cam_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url + "portraits/")
    page.wait_for_load_state("networkidle")
    meta = page.evaluate("async () => (await (await fetch('faces.json')).json()).faces")
    items = page.locator("#portraits-gallery > li")
    assert items.count() == len(meta) == 2
    for i, (crop, href, title, _) in enumerate(meta):
        link = items.nth(i).locator("a")
        assert link.get_attribute("href") == href and title in link.inner_text()
        img = link.locator("img")
        img.scroll_into_view_if_needed()
        assert img.get_attribute("src") == crop and title in (img.get_attribute("alt") or "")
        page.wait_for_function("img => img.complete && img.naturalWidth === 128", arg=img.element_handle())
    assert page.is_hidden("#portraits-found")  # the results' section waits for a photo
    assert page.evaluate("() => window.__portraits.backend") == ""
    assert not [u for u in page.requests if "face-api" in u or ".wasm" in u]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    tiles = [items.nth(i).bounding_box() for i in range(2)]
    assert all(t and t["width"] >= 90 for t in tiles) and tiles[0]["y"] == tiles[1]["y"]  # side by side
    for _ in range(40):  # the first face is reached with the Tab key
        page.keyboard.press("Tab")
        if page.evaluate("() => !!document.activeElement.closest('#portraits-gallery')"):
            break
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == meta[0][1]
    from browser.test_accessibility import axe_violations

    assert axe_violations(page) == []
    assert page.errors == []


def test_fake_camera_finds_the_same_face_first_and_nothing_leaves_the_site(cam_page, face_site):
    url, _ = face_site
    page = cam_page
    page.goto(url + "portraits/")
    assert page.evaluate("() => window.__portraits.backend") == ""  # nothing loaded before the button
    assert not [u for u in page.requests if "face-api" in u or ".wasm" in u]
    page.focus("#portraits-camera")
    page.keyboard.press("Enter")  # keyboard operable
    matches = _matches(page)
    assert matches[0]["title"] == CROP_TITLE and matches[0]["distance"] < 0.45, matches
    assert matches[0]["href"] == "../archive/files/details/astronaut-face.jpg"  # built without the map
    assert [m["title"] for m in matches] == [CROP_TITLE, "Cameraman"]
    report = page.evaluate("() => window.__portraits")
    print(f"\nportraits: backend {report['backend']}, model + index load {report['loadMs']} ms, "
          f"describe {report['describeMs']} ms, search {[round(s, 2) for s in report['searchMs']]} ms")
    assert report["backend"] == "wasm"
    assert page.get_attribute("#portraits-camera", "aria-pressed") == "true"
    assert "the closest is Eileen Collins" in page.inner_text("#portraits-status")
    first = page.locator("#portraits-results li a").first
    assert first.get_attribute("href") == matches[0]["href"]
    assert first.locator("img").evaluate("img => img.complete && img.naturalWidth") == 128
    page.click("#portraits-camera")  # stops the camera
    page.wait_for_function("() => document.querySelector('#portraits-video').hidden")
    origin = urlsplit(url).netloc
    outside = [u for u in page.requests if urlsplit(u).netloc != origin or urlsplit(u).scheme != "http"]
    assert outside == [] and len(page.requests) > 10, page.requests
    assert any(u.endswith(".wasm") for u in page.requests) and any("face_recognition_model.bin" in u
                                                                    for u in page.requests)
    assert page.errors == []


def test_photo_picker_and_drop_find_the_same_face(cam_page, face_site):
    url, _ = face_site
    page = cam_page
    page.goto(url + "portraits/")
    page.set_input_files("#portraits-file", str(PORTRAIT))
    assert _matches(page)[0]["title"] == CROP_TITLE
    assert page.is_visible("#portraits-photo") and page.is_visible("#portraits-results")
    assert page.locator("#portraits-gallery > li").count() == 2  # the gallery stays below the results
    # a photo dropped on the zone: the cameraman's picture, whose nearest face is his own
    page.evaluate("""async () => {
        window.__portraits.matches = [];
        const blob = await (await fetch('../archive/files/photographs/camera.jpg')).blob();
        const dt = new DataTransfer();
        dt.items.add(new File([blob], 'camera.jpg', {type: 'image/jpeg'}));
        const zone = document.querySelector('#portraits-drop');
        zone.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true}));
    }""")
    assert _matches(page)[0]["title"] == "Cameraman"
    origin = urlsplit(url).netloc
    assert all(urlsplit(u).netloc == origin for u in page.requests), page.requests
    from browser.test_accessibility import axe_violations

    assert axe_violations(page) == []
    assert page.errors == []


def test_the_pages_search_agrees_with_numpy(cam_page, face_site):
    """search.js (partial distances over int8) against an exact float search of the same quantised vectors."""
    url, _ = face_site
    page = cam_page
    page.goto(url + "portraits/")
    rng = np.random.default_rng(7)
    vectors = rng.normal(0, 0.09, (1000, 128)).astype(np.float32)
    queries = rng.normal(0, 0.09, (5, 128)).astype(np.float32)
    from generator.portraits.index import decode, encode

    data = encode(vectors)
    stored = decode(data)
    got = page.evaluate("""async ([b64, queries]) => {
        const m = await import(document.querySelector('script[type=module]').src.replace('main.js', 'search.js'));
        const index = m.parseIndex(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer);
        const each = (use) => queries.map((q) => m.nearest(index, q, 6, use));
        return {engine: m.engine(index), found: [each("js"), each("wasm-simd")]};
    }""", [base64.b64encode(data).decode("ascii"), queries.tolist()])
    assert got["engine"] == "wasm-simd"
    for found_by_engine in got["found"]:
        for q, found in zip(queries, found_by_engine):
            exact = np.linalg.norm(stored - q, axis=1)
            assert [f["index"] for f in found] == list(np.argsort(exact, kind="stable")[:6])
            assert np.allclose([f["distance"] for f in found], np.sort(exact)[:6], atol=1e-4)
