"""Incremental builds of a text site: a no-op writes nothing, a one-page edit renders and writes one page,
a change to what every page shows renders them all, and the output is always the whole site."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def build(content: Path, out: Path, *extra: str):
    from generator.cli import make_parser
    from generator.reporter import Reporter
    from generator.runner import run_build

    args = make_parser().parse_args(["build", "--content", str(content), "--out", str(out), "-q", *extra])
    return run_build(args, Reporter(quiet=True))


def write_page(content: Path, slug: str, title: str, body: str, **meta: object) -> Path:
    path = content / "pages" / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    extra = "".join(f"{k}: {v}\n" for k, v in meta.items())
    path.write_text(f"---\ntitle: {title}\n{extra}---\n{body}\n", encoding="utf-8")
    return path


@pytest.fixture
def site(tmp_path):
    content = tmp_path / "content"
    for i in range(12):
        write_page(content, f"p{i:02d}", f"Page {i}", f"Body of *page* {i} -- \"quoted\".", order=i)
    return content, tmp_path / "_site"


def inodes(out: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(out).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")}


def test_noop_build_writes_nothing(site):
    content, out = site
    first = build(content, out)
    assert first.stats.render.rendered == 15  # 12 pages, the front page, the 404, the search page
    before = inodes(out)
    again = build(content, out)
    assert again.stats.render.rendered == 0 and again.stats.render.unchanged == 15
    assert inodes(out) == before, "not one file of the site was replaced"


def test_one_page_edit_renders_and_writes_one_page(site):
    content, out = site
    build(content, out)
    build(content, out)  # the spare site now exists
    before = inodes(out)
    write_page(content, "p05", "Page 5", "A new body for page five.", order=5)
    result = build(content, out)
    # one page converted; the search index, made again, reads the other pages' HTML from the cache
    assert result.stats.render.rendered == 1 and result.stats.cache["markdown"] == (11, 1)
    after = inodes(out)
    changed = {rel for rel in after if after[rel] != before.get(rel)}
    assert {rel for rel in changed if not rel.startswith("pagefind/")} == {"p05/index.html"}  # and the search index
    assert "A new body for page five." in (out / "p05" / "index.html").read_text()


def test_what_every_page_shows_renders_every_page(site):
    content, out = site
    build(content, out)
    write_page(content, "p03", "A renamed page", "Body of *page* 3.", order=3)  # its title is in every nav
    result = build(content, out)
    assert result.stats.render.rendered == 15
    assert all("A renamed page" in (out / f"p{i:02d}" / "index.html").read_text() for i in range(6))


def test_added_and_removed_pages_and_hand_edits(site):
    content, out = site
    build(content, out)
    (content / "pages" / "p11.md").unlink()
    write_page(content, "fresh", "Fresh", "Just written.", order=99)
    (out / "p00" / "index.html").write_text("edited by hand")
    build(content, out)
    assert not (out / "p11").exists() and (out / "fresh" / "index.html").exists()
    assert "Body of <em>page</em> 0" in (out / "p00" / "index.html").read_text(), "a hand edit is not trusted"
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")], "nothing left beside the site"


def test_an_unchanged_page_is_not_read_again(site, monkeypatch):
    content, out = site
    build(content, out)
    write_page(content, "p07", "Page 7", "Changed.", order=7)
    from generator.site import content as content_mod

    read: list[str] = []
    original = content_mod.read_document
    monkeypatch.setattr(content_mod, "read_document", lambda p: read.append(p.name) or original(p))
    build(content, out)
    assert read == ["p07.md"]


def test_navigation_stays_bounded_on_a_large_site(tmp_path):
    from generator.site.render import NAV_PAGES

    content = tmp_path / "content"
    for i in range(30):
        write_page(content, f"q{i:02d}", f"Q {i}", "Text.", order=i)
    build(content, tmp_path / "_site")
    html = (tmp_path / "_site" / "q10" / "index.html").read_text()
    nav = html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    assert nav.count("<li>") == NAV_PAGES and "All 30 pages" in nav and 'href="../#reading"' in nav
    front = (tmp_path / "_site" / "index.html").read_text()
    assert all(f'href="q{i:02d}/"' in front for i in range(30)), "the front page still lists every page"


def test_large_archive_is_paginated(tmp_path):
    from PIL import Image

    from generator.site.render import ARCHIVE_PAGE

    content = tmp_path / "content"
    (content / "archive").mkdir(parents=True)
    n = ARCHIVE_PAGE * 2 + 7
    Image.new("RGB", (8, 8), (120, 30, 30)).save(content / "archive" / "seed.png")
    for i in range(n - 1):
        os.link(content / "archive" / "seed.png", content / "archive" / f"img{i:04d}.png")
    build(content, tmp_path / "_site", "--no-map")
    site = tmp_path / "_site" / "archive"
    pages = [site / "index.html", site / "page" / "2" / "index.html", site / "page" / "3" / "index.html"]
    assert all(p.exists() for p in pages) and not (site / "page" / "4").exists()
    counts = [p.read_text().count('class="archive-item"') for p in pages]
    assert counts == [ARCHIVE_PAGE, ARCHIVE_PAGE, 7]
    last = pages[2].read_text()
    assert f"{n} images." in last and 'src="../../files/img' in last and 'href="../2/" rel="prev"' in last
    assert 'aria-current="page">3<' in last and 'href="../../"' in last


def test_pages_only_noop_imports_no_heavy_library(site):
    content, out = site
    build(content, out)
    code = ("import sys; from generator.cli import main; rc = main(['--content', sys.argv[1], '--out', sys.argv[2], "
            "'-q']); print(rc, sorted(m for m in ('numpy', 'scipy', 'torch', 'umap', 'transformers', 'jinja2', "
            "'markdown', 'PIL', 'pagefind') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code, str(content), str(out)], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.stdout.split() == ["0", "[]"], proc.stderr


def test_a_settings_mistake_stops_the_build_before_any_work(site, tmp_path):
    content, out = site
    (content / "site.toml").write_text('[map]\nlayouts = ["umap", "mosaic"]\n')
    from generator.errors import ConfigError

    with pytest.raises(ConfigError, match=r"\[map\] layouts: unknown \['mosaic'\]"):
        build(content, out)
    assert not (content / ".cache").exists() and not out.exists()
