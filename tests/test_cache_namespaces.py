"""Every cache namespace a build opens is declared, at the version it is opened with, by one stage of
:func:`generator.pipeline.stages` (``build.py list`` shows them), and every namespace is declared once."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from generator.cache import Cache
from generator.pipeline import stages

REPO = Path(__file__).resolve().parents[1]


def declared() -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for stage in stages():
        for name, version in stage.namespaces:
            out.setdefault(name, set()).add(version)
    return out


def owners() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for stage in stages():
        for name, _ in stage.namespaces:
            out.setdefault(name, []).append(stage.name)
    return out


class Recorder:
    """What a build asks of the cache: the (namespace, version) pairs it opens, and the namespaces any
    artifact is read or written in (whether or not through a namespace)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.opened: set[tuple[str, int]] = set()
        self.touched: set[str] = set()
        namespace, path = Cache.namespace, Cache.path
        get_record, put_record = Cache.get_record, Cache.put_record

        def opening(cache, name, version):  # type: ignore[no-untyped-def]
            self.opened.add((name, version))
            return namespace(cache, name, version)

        def pathing(cache, stage, key, suffix=""):  # type: ignore[no-untyped-def]
            self.touched.add(stage)
            return path(cache, stage, key, suffix)

        def getting(cache, stage, key, counted=True):  # type: ignore[no-untyped-def]
            self.touched.add(stage)
            return get_record(cache, stage, key, counted)

        def putting(cache, stage, key, value):  # type: ignore[no-untyped-def]
            self.touched.add(stage)
            return put_record(cache, stage, key, value)

        monkeypatch.setattr(Cache, "namespace", opening)
        monkeypatch.setattr(Cache, "path", pathing)
        monkeypatch.setattr(Cache, "get_record", getting)
        monkeypatch.setattr(Cache, "put_record", putting)

    def check(self) -> None:
        known = declared()
        undeclared = sorted((n, v) for n, v in self.opened if v not in known.get(n, set()))
        assert not undeclared, f"opened but not declared by a stage at that version: {undeclared} (declared: {known})"
        names = {n for n, _ in self.opened}
        assert self.touched <= names, f"used without being opened as a namespace: {sorted(self.touched - names)}"


def test_every_namespace_is_declared_once_at_one_version():
    assert {n: v for n, v in declared().items() if len(v) > 1} == {}
    assert {n: s for n, s in owners().items() if len(s) > 1} == {}


def test_the_read_stage_declares_the_stores_it_opens():
    from generator.site import content_index, markdown_batch
    from generator.stages import read

    assert (markdown_batch.NAMESPACE, markdown_batch.VERSION) in read.STAGE.namespaces
    assert (content_index.NAMESPACE, content_index.VERSION) in read.STAGE.namespaces


@pytest.mark.parametrize("with_map", [False, pytest.param(True, marks=pytest.mark.slow)])  # UMAP: 25 s more
def test_a_build_opens_only_declared_namespaces(tmp_path, monkeypatch, with_map):
    """A site with pages, a film and an archive (its map made with a colour embedder), built with every
    namespace open recorded."""
    sys.path.insert(0, str(REPO / "bench" / "map"))
    from archive_fixtures import make_site

    from generator.archive.embed import register_embedder
    from generator.captions.base import register_captioner
    from generator.config import Settings
    from generator.pipeline import build
    from generator.reporter import Reporter
    from generator.stages import BuildOptions

    register_captioner("test-colour", "colour_captioner:ColourCaptioner")
    register_embedder("colour", "synth:ColourEmbedder")
    content = make_site(tmp_path)
    (content / "pages").mkdir()
    (content / "pages" / "about.md").write_text("---\ntitle: About\n---\nThe machine *reads* what it sees.\n")
    settings = Settings()
    settings.captions.captioner = "test-colour"
    settings.map.embedder = "colour"
    settings.map.layouts = ["grid"]
    recorder = Recorder(monkeypatch)
    result = build(content, tmp_path / "_site", settings, Reporter(quiet=True), BuildOptions(with_map=with_map))
    assert result.stats.films == 1 and result.stats.archive > 0 and bool(result.site.map_url) == with_map
    opened = {n for n, _ in recorder.opened}
    assert {"markdown", "read", "probe", "keyframes", "renditions", "captions", "pages"} <= opened
    assert ("map-atlas" in opened) == with_map
    recorder.check()


@pytest.mark.slow
def test_the_demo_uses_only_declared_namespaces(demo_build, demo_copy, monkeypatch):
    """The demo (every feature on): each namespace its cold build left in the cache is declared, and a
    rebuild opens each at its declared version."""
    from generator.stages.write import SPARE

    cache = demo_build["content"] / ".cache"
    known = declared()
    folders = {p.name for p in cache.iterdir() if p.is_dir()} - {SPARE}
    assert folders and folders <= set(known), f"undeclared namespaces in the demo's cache: {folders - set(known)}"
    with sqlite3.connect(cache / Cache.RECORDS) as db:
        records = {row[0] for row in db.execute("SELECT DISTINCT ns FROM records")}
    assert records and records <= set(known), f"undeclared namespaces among its records: {records - set(known)}"

    from generator.cli import make_parser, run_build
    from generator.reporter import Reporter

    recorder = Recorder(monkeypatch)
    args = make_parser().parse_args(["build", "--content", str(demo_copy / "content"), "--out",
                                     str(demo_copy / "_site"), "-q"])
    run_build(args, Reporter(quiet=True))
    assert len(recorder.opened) >= len(folders) // 2
    recorder.check()
