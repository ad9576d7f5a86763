"""axe-core (node_modules/axe-core, a dev dependency in package.json) finds no violations."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # Chromium: the full suite's lane

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[dict]:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm ci)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


@pytest.mark.parametrize("path", ["", "films/test-card/", "about/", "archive/"])
def test_no_axe_violations(page, film_site, path):
    url, _ = film_site
    page.goto(url + path)
    page.wait_for_load_state("load")
    assert axe_violations(page) == []


def test_no_axe_violations_while_playing_and_searching(page, film_site):
    url, _ = film_site
    page.goto(url + "films/many-cues/")
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; v.currentTime = 4; }")
    page.wait_for_function("() => document.querySelector('.cue.is-active') !== null")
    page.fill("#cue-search", "number 1")
    assert axe_violations(page) == []
