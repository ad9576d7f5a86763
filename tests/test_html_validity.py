"""Every page of the built demo is valid HTML and every stylesheet of the site parses, by the W3C Nu HTML
Checker (the npm package vnu-jar, a dev dependency in package.json; it needs Java, which .ci/setup installs).

The checker runs once, on every .html of the site and every .css under assets/ together: a JVM takes
seconds to start. Errors fail. Warnings are allowed and printed (pytest -rP); the demo has some on purpose:
an explicit role="list" on lists drawn without bullets, which Safari's VoiceOver otherwise stops announcing
as lists, and the map's lightbox heading, empty until a picture is opened."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.fixture(scope="module")
def checked(demo_build) -> tuple[list[Path], list[Path], list[dict]]:
    """(pages, stylesheets, the checker's messages) for the demo."""
    java = shutil.which("java")
    if java is None:
        pytest.skip("no Java runtime for the W3C checker (apt-get install default-jre-headless; .ci/setup does)")
    if not VNU.exists():
        pytest.skip("vnu-jar is not installed (npm ci)")
    site: Path = demo_build["site"]
    pages = sorted(site.rglob("*.html"))
    sheets = sorted((site / "assets").rglob("*.css"))
    done = subprocess.run([java, "-jar", str(VNU), "--format", "json", "--stdout", "--also-check-css",
                           *map(str, pages), *map(str, sheets)], capture_output=True, text=True, timeout=600)
    assert done.stdout.strip(), f"the checker said nothing (exit {done.returncode}): {done.stderr[-2000:]}"
    return pages, sheets, json.loads(done.stdout)["messages"]


def _where(message: dict, site: Path) -> str:
    url = message.get("url", "").removeprefix("file:")
    name = Path(url).relative_to(site).as_posix() if url.startswith(str(site)) else url
    return f"{name}:{message.get('lastLine', '?')}: {message['message']}"


def _errors(messages: list[dict], suffix: str) -> list[dict]:
    """Errors (and failures to check, "non-document-error") in the files whose name ends with ``suffix``."""
    return [m for m in messages if m["type"] != "info" and m.get("url", "").endswith(suffix)]


def test_every_page_of_the_demo_is_valid_html(checked, demo_build):
    pages, _, messages = checked
    assert len(pages) >= 15
    warnings = Counter(m["message"] for m in messages if m["type"] == "info" and m.get("subType") == "warning")
    print("warnings:", "; ".join(f"{n} × {text}" for text, n in warnings.most_common()) or "none")  # pytest -rP
    errors = _errors(messages, ".html") + [m for m in messages if m["type"] != "info" and not m.get("url")]
    assert [_where(m, demo_build["site"]) for m in errors] == []


def test_every_stylesheet_parses(checked, demo_build):
    _, sheets, messages = checked
    assert {p.name for p in sheets} >= {"site.css", "header.css", "print.css", "map.css"}
    assert [_where(m, demo_build["site"]) for m in _errors(messages, ".css")] == []

