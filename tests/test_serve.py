"""`build.py serve`: serves the build, injects the reload script, rebuilds on change."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def get(url: str, timeout: float = 30) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode("utf-8")


def test_serve_rebuilds_and_signals_reload(tmp_path):
    content = tmp_path / "content"
    (content / "pages").mkdir(parents=True)
    page = content / "pages" / "about.md"
    page.write_text("---\ntitle: About\n---\nFirst version.\n")
    proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--content", str(content),
                             "--out", str(tmp_path / "_site"), "--port", "0"],
                            cwd=REPO, stderr=subprocess.PIPE, text=True)
    try:
        url = None
        deadline = time.time() + 60
        while time.time() < deadline and url is None:
            line = proc.stderr.readline()
            m = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
            if m:
                url = m.group(1)
        assert url, "serve never said where it listens"
        html = get(url + "about/")
        assert "First version." in html and "__electric_speech_reload" in html
        assert "__electric_speech_reload" not in (tmp_path / "_site" / "about" / "index.html").read_text()
        version = get(url + "__electric_speech_reload?v=")
        # serve watches the site folder from before it says where it listens: the change is seen at once
        page.write_text("---\ntitle: About\n---\nSecond version.\n")
        newer = version
        deadline = time.time() + 60
        while newer == version and time.time() < deadline:  # each request waits up to 25 s for a rebuild
            newer = get(url + f"__electric_speech_reload?v={version}", timeout=40)
        assert newer != version, "no rebuild within 60 s of the change"
        assert "Second version." in get(url + "about/")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
