"""The search stage: its records (every cue with its moment, archive images linked to the map, pages), the
contributed records and terms, exclusions, settings, and the cache (a rebuild with the same records does not
index again nor import pagefind; one changed caption indexes again)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from browser.site_fixtures import make_site

from generator.cache import Cache
from generator.config import load_settings
from generator.errors import ConfigError
from generator.model import Cue
from generator.reporter import Reporter
from generator.search import stage as search
from generator.search.records import SearchRecord, archive_records, records_digest, site_records, speech_records
from generator.site.output import OutputTree
from generator.site.render import RenderStats, render_site
from generator.stages import StageContext
from generator.stages.render import Rendered

REPO = Path(__file__).resolve().parents[1]
needs_pagefind = pytest.mark.skipif(bool(search.unavailable()), reason="pagefind[bin] is not installed")


def test_every_cue_is_a_record_that_opens_the_film_at_its_moment(tmp_path):
    site = make_site(tmp_path)
    film = site.films[0]
    records = speech_records(film)
    assert len(records) == len(film.cues) == 4
    for record, cue in zip(records, film.cues):
        assert record.kind == "speech" and record.text == cue.text and record.title == film.title
        assert record.url == f"films/test-card/#t={cue.start:.2f}"
        assert record.meta["time"] == f"00:{int(cue.start):02d}"
        assert record.meta["image"].startswith("films/test-card/frames/")  # the cue's own keyframe
    assert records[1].url == "films/test-card/#t=2.50"


def test_pages_and_essays_are_html_records_read_only_when_indexed(tmp_path, monkeypatch):
    import generator.site.content as content

    site = make_site(tmp_path)
    page = site.pages[0]
    html, page.body_html, page.body_key = page.body_html, "", "k" * 64  # as read_content leaves an unchanged page
    loaded: list[str] = []
    monkeypatch.setattr(content, "page_html", lambda p, cache: loaded.append(p.slug) or html)
    records = site_records(site, None, None)
    about = next(r for r in records if r.url == "about/")
    assert about.kind == "page" and about.title == "About" and about.meta["summary"] == "What this is."
    digest = records_digest(records)
    assert loaded == []  # the identity holds the body's key, not its HTML
    assert "machines" in about.body() and loaded == ["about"]
    assert records_digest(records) == digest  # still identified by the key
    page.body_key = "j" * 64
    assert records_digest(site_records(site, None, None)) != digest  # an edited page changes the index
    essay = next(r for r in records if r.url == "films/test-card/")
    assert essay.kind == "page" and essay.meta["type"] == "Film"
    assert "Curator" in essay.body() and "Patterns, watched." in essay.body()


def test_a_film_is_found_with_its_poster_and_its_length_as_its_card_shows_them(tmp_path):
    site = make_site(tmp_path)
    film = site.films[0]
    assert film.info is not None
    film.info = dataclasses.replace(film.info, duration=25.6)
    record = next(r for r in site_records(site, None, None) if r.url == "films/test-card/")
    html = render_site(site).files["index.html"].decode()
    assert record.meta["image"] == "films/test-card/poster.jpg" and 'src="films/test-card/poster.jpg"' in html
    assert record.meta["duration"] == "0:25" and '<time datetime="PT25S">0:25</time>' in html
    film.keyframes, film.info = [], None  # nothing to show: no picture, the length the cues give
    record = next(r for r in site_records(site, None, None) if r.url == "films/test-card/")
    assert "image" not in record.meta and record.meta["duration"] == "0:10"


def test_archive_fields_are_sentences_so_that_excerpts_read_as_sentences(tmp_path):
    site = make_site(tmp_path, map_url="map/")
    layer = SimpleNamespace(records=[{"id": "a.jpg", "t": "A", "m": [["creator", "NASA"], ["medium", "photograph"],
                                                                  ["description", "A rocket at dusk"]],
                                      "img": "", "l": [], "c": 0}])
    site_map = SimpleNamespace(layers={"archive": layer}, manifest={"clusters": []})
    record, = archive_records(site, site_map)  # type: ignore[arg-type]
    assert record.text == "A rocket at dusk. Creator: NASA. Medium: photograph."


def test_archive_items_open_the_map_at_the_item(tmp_path):
    site = make_site(tmp_path, map_url="map/")
    site.search_terms = {"photos/harbour 1.jpg": ["calm", "grey"]}
    layer = SimpleNamespace(records=[
        {"id": "photos/harbour 1.jpg", "t": "Harbour", "m": [["title", "Harbour"], ["place", "Ostend"],
                                                                ["description", "Boats at rest."]],
         "img": "img/ab/abc.jpg", "l": [[1, "breakwater, groin", 0.8], [2, "dock", 0.1]], "c": 0},
        {"id": "field.jpg", "t": "field", "m": [["year", "1950"]], "img": "img/cd/cde.jpg", "l": [], "c": 1},
    ])
    site_map = SimpleNamespace(layers={"archive": layer},
                               manifest={"clusters": [{"id": 0, "name": "harbours"}, {"id": 1, "name": "fields"}]})
    records = archive_records(site, site_map)  # type: ignore[arg-type]
    harbour, field = records
    assert harbour.url == "map/#item=photos%2Fharbour%201.jpg" and field.url == "map/#item=field.jpg"
    assert harbour.kind == "archive" and harbour.title == "Harbour" and harbour.meta["image"] == "map/img/ab/abc.jpg"
    assert harbour.text.startswith("Boats at rest.")  # the description first: the best excerpt
    for words in ("Ostend", "breakwater, groin", "dock", "harbours", "calm", "grey"):
        assert words in harbour.text
    assert "Harbour" not in harbour.text  # the title is the record's title, not its text again


def test_without_a_map_archive_items_open_the_archive_page_at_the_item(tmp_path):
    site = make_site(tmp_path)
    records = archive_records(site, None)
    assert len(records) == 2 and all(r.url.startswith("archive/#item-") for r in records)
    html = render_site(site).files["archive/index.html"].decode()
    for r in records:
        assert f'id="{r.url.split("#", 1)[1]}"' in html


def test_other_stages_contribute_records(tmp_path):
    site = make_site(tmp_path)
    site.search_records = [SearchRecord("label", "labels/calm/", "calm", "Images a curator called calm.")]
    records = site_records(site, None, None)
    assert records[-1].kind == "label" and records[-1].url == "labels/calm/"
    kinds = {r.kind for r in records}
    assert kinds == {"page", "speech", "archive", "label"}


def test_settings_of_search(tmp_path):
    (tmp_path / "site.toml").write_text('[search]\nlanguage = "pt-BR"\nexclude = ["credits/", "map/*"]\n')
    s = load_settings(tmp_path).search
    assert s.enabled and s.language == "pt-BR" and s.exclude == ["credits/", "map/*"]
    (tmp_path / "site.toml").write_text('[search]\nlanguage = "Portuguese!"\n')
    with pytest.raises(ConfigError, match=r"\[search\] language must be a language code"):
        load_settings(tmp_path)
    (tmp_path / "site.toml").write_text('[search]\nenable = false\n')
    with pytest.raises(ConfigError, match=r"unknown setting \[search\] enable "):
        load_settings(tmp_path)


def _stage(tmp_path: Path, site, cache: Cache | None = None):
    ctx = StageContext(tmp_path / "content", site.settings, cache or Cache(tmp_path / "cache"), Reporter(quiet=True))
    assert search.prepare(ctx, site)
    site.search_url = search.SEARCH_URL  # as the search feature gives it when prepare() says yes
    rendered = Rendered(OutputTree(), RenderStats())
    stats = search.run(ctx, site, None, rendered)
    return stats, rendered.tree, ctx


@needs_pagefind
def test_the_index_is_made_once_and_again_when_a_caption_changes(tmp_path):
    site = make_site(tmp_path)
    first, tree, ctx = _stage(tmp_path, site)
    assert first.indexed and first.records == len(site_records(site, None, None))
    assert first.by_kind == {"page": 2, "speech": 4, "archive": 2}
    files = sorted(rel for rel in tree.files if rel.startswith("pagefind/"))
    assert "pagefind/pagefind.js" in files and "pagefind/pagefind-entry.json" in files
    assert not any("-ui." in f or "highlight" in f for f in files)  # Pagefind's own UIs are not shipped
    entry = json.loads(Path(tree.files["pagefind/pagefind-entry.json"]).read_text())  # type: ignore[arg-type]
    assert "en" in entry["languages"]

    again, tree2, _ = _stage(tmp_path, make_site(tmp_path))
    assert not again.indexed and sorted(r for r in tree2.files if r.startswith("pagefind/")) == files

    changed = make_site(tmp_path)
    film = changed.films[0]
    film.cues[2] = Cue(3, film.cues[2].start, film.cues[2].end, ("a lighthouse on a grey screen",))
    third, _, _ = _stage(tmp_path, changed)
    assert third.indexed
    bundles = [p for p in (tmp_path / "cache" / "search").glob("*/*") if p.is_dir()]
    assert len(bundles) == 1  # the cache keeps the latest bundle only


@needs_pagefind
def test_excluded_addresses_are_left_out(tmp_path):
    site = make_site(tmp_path)
    site.settings.search.exclude = ["films/*#t=*", "about/"]
    stats, _, _ = _stage(tmp_path, site)
    assert stats.by_kind == {"page": 1, "archive": 2}


def test_a_site_without_pagefind_is_built_without_search(tmp_path, monkeypatch):
    site = make_site(tmp_path)
    monkeypatch.setattr(search, "unavailable", lambda: "pagefind not installed (pip install -e .[search])")
    reporter = Reporter(quiet=True)
    ctx = StageContext(tmp_path / "content", site.settings, Cache(tmp_path / "cache"), reporter)
    assert not search.prepare(ctx, site) and not site.search_url
    assert reporter.warnings == ["search: pagefind not installed (pip install -e .[search]); the site is built "
                                 "without search ([search] enabled = false says so without this warning)"]
    site.settings.search.enabled = False
    quiet = Reporter(quiet=True)
    assert not search.prepare(StageContext(tmp_path, site.settings, Cache(tmp_path / "c2"), quiet), site)
    assert quiet.warnings == []
    assert 'class="site-search"' not in render_site(site).files["index.html"].decode()


@needs_pagefind
def test_a_noop_rebuild_reuses_the_bundle_without_importing_pagefind(tmp_path):
    content = tmp_path / "content"
    (content / "pages").mkdir(parents=True)
    (content / "pages" / "about.md").write_text("---\ntitle: About\n---\nThe machine speaks of lighthouses.\n")
    out = tmp_path / "_site"
    code = ("import sys; from generator.cli import main; rc = main(['--content', sys.argv[1], '--out', sys.argv[2], "
            "'-q']); print(rc, sorted(m for m in ('pagefind', 'generator.search.bundle') if m in sys.modules))")
    runs = [subprocess.run([sys.executable, "-c", code, str(content), str(out)], cwd=REPO, capture_output=True,
                           text=True, timeout=120) for _ in range(2)]
    assert runs[0].stdout.split() == ["0", "['generator.search.bundle',", "'pagefind']"], runs[0].stderr
    assert runs[1].stdout.split() == ["0", "[]"], runs[1].stderr
    assert (out / "pagefind" / "pagefind.js").is_file() and (out / "search" / "index.html").is_file()
    assert 'action="../search/"' in (out / "about" / "index.html").read_text()
