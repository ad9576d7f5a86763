"""Golden HTML of the front page, a film page, a page, the archive and the search page for a small fixed site.

After an intended change to the templates, regenerate and review the diff:

    ES_REGEN_GOLDEN=1 .venv/bin/pytest tests/test_golden_html.py

Asset cache-busting hashes are masked (``?v=HASH``) so restyling site.css or player.js does not
churn the goldens; everything else must match byte for byte.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser.site_fixtures import make_site

from generator.site.render import render_site

GOLDEN = Path(__file__).parent / "golden" / "html"
PAGES = {
    "index.html": "index.html",
    "films/test-card/index.html": "film.html",
    "about/index.html": "page.html",
    "archive/index.html": "archive.html",
    "search/index.html": "search.html",
}


def normalise(html: str) -> str:
    return re.sub(r"\?v=[0-9a-f]{8}", "?v=HASH", html)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("golden_html")
    return render_site(make_site(tmp, map_url="map/", search_url="search/"))


@pytest.mark.parametrize("rel", sorted(PAGES))
def test_golden_html(rendered, rel):
    actual = normalise(rendered.files[rel].decode("utf-8"))
    golden = GOLDEN / PAGES[rel]
    if os.environ.get("ES_REGEN_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"no golden {golden}: run ES_REGEN_GOLDEN=1 .venv/bin/pytest {__file__}"
    expected = golden.read_text(encoding="utf-8")
    assert actual == expected, f"{rel} differs from {golden} (regenerate with ES_REGEN_GOLDEN=1 if intended)"


def test_rendering_is_deterministic(rendered, tmp_path):
    again = render_site(make_site(tmp_path, map_url="map/", search_url="search/"))
    for rel in PAGES:
        assert again.files[rel] == rendered.files[rel]
