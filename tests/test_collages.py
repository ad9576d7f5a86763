"""The collages: cut-outs cached, compositions reproducible for a seed, decisions, the review queue."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from collage_fixtures import synthetic_scan
from PIL import Image

from generator.cache import Cache
from generator.collage.settings import CollageSettings
from generator.config import Settings
from generator.model import ArchiveItem


@pytest.fixture
def archive(tmp_path):
    """Three scans with figures and two plain grounds, as a site folder's archive."""
    content = tmp_path / "site"
    folder = content / "archive" / "plates"
    folder.mkdir(parents=True)
    items = []
    for seed in range(3):
        scan, _ = synthetic_scan(seed, (200, 240))
        Image.fromarray(scan).save(folder / f"plate-{seed}.png")
        items.append(ArchiveItem(f"plates/plate-{seed}.png", folder / f"plate-{seed}.png"))
    (content / "archive" / "grounds").mkdir()
    for i, colour in enumerate([(200, 190, 170), (120, 150, 190)]):
        ramp = np.linspace(0.7, 1.0, 160)[:, None, None] * np.array(colour)[None, None, :]
        Image.fromarray(np.repeat(ramp, 160, 1).astype(np.uint8)).save(content / "archive" / "grounds" / f"g{i}.png")
        items.append(ArchiveItem(f"grounds/g{i}.png", content / "archive" / "grounds" / f"g{i}.png"))
    return content, items


def settings(**kw) -> CollageSettings:
    base = dict(cutter="paper", count=4, size=192, seed=3, sources=["plates"])
    base.update(kw)
    return CollageSettings(**base)  # type: ignore[arg-type]


def make(content: Path, items, cache_dir: Path, **kw):
    from generator.collage.series import make_series
    from generator.reporter import Reporter

    return make_series(content, items, settings(**kw), Cache(cache_dir), Reporter(quiet=True))


def pixels(series) -> list[np.ndarray]:
    return [np.asarray(Image.open(c.image)) for c in series.compositions]


def test_a_collage_is_reproducible_for_a_seed(archive, tmp_path):
    content, items = archive
    a = make(content, items, tmp_path / "cache-a")
    b = make(content, items, tmp_path / "cache-b")  # a separate cache: made again from nothing
    assert [c.id for c in a.compositions] == [c.id for c in b.compositions]
    assert all(np.array_equal(x, y) for x, y in zip(pixels(a), pixels(b)))
    assert [c.plan.style for c in a.compositions] == ["fractal", "scatter", "frieze", "fractal"]
    other = make(content, items, tmp_path / "cache-a", seed=4)
    assert not any(np.array_equal(x, y) for x, y in zip(pixels(a), pixels(other)))
    first = a.compositions[0]
    assert pixels(a)[0].shape == (192, 192, 3)
    # the ground is an archive picture that was not cut; the figures come from the sources
    assert first.plan.ground.startswith("grounds/") and first.plan.sources[0] == first.plan.ground
    assert all(s.startswith("plates/") for s in first.plan.sources[1:])
    fractal = first.plan.placements
    repeated = [p for p in fractal if p.figure == fractal[0].figure]
    heights = [p.height for p in repeated]
    assert len(repeated) >= 9 and all(b < a for a, b in zip(heights, heights[1:]))  # geometrically smaller


def test_cutouts_and_compositions_come_from_the_cache(archive, tmp_path, monkeypatch):
    from generator.collage import cutters

    content, items = archive
    make(content, items, tmp_path / "cache")

    def refuse(self, rgb):
        raise AssertionError("cut again")

    monkeypatch.setattr(cutters.PaperCutter, "cut", refuse)
    monkeypatch.setattr("generator.collage.compose.paint", lambda *a: (_ for _ in ()).throw(AssertionError("paint")))
    again = make(content, items, tmp_path / "cache")
    assert len(again.compositions) == 4
    # only what is not in the cache is cut: the grounds, now sources too
    with pytest.raises(AssertionError, match="cut again"):
        make(content, items, tmp_path / "cache", cutter="paper", sources=["plates/plate-0.png", "grounds"])


def test_decisions_choose_what_is_published(archive, tmp_path):
    from generator.collage.series import read_decisions, write_decisions
    from generator.errors import ContentError

    content, items = archive
    series = make(content, items, tmp_path / "cache")
    assert not series.reviewed and len(series.published()) == 4  # before any review: all of them
    ids = [c.id for c in series.compositions]
    write_decisions(content, {ids[0]: "yes", ids[1]: "no"})
    series = make(content, items, tmp_path / "cache")
    assert series.reviewed and [c.id for c in series.published()] == [ids[0]]
    (content / "collages" / "decisions.csv").write_text("file,decision\nx,maybe\n")
    with pytest.raises(ContentError, match="decisions.csv:2: decision must be yes or no"):
        read_decisions(content)


def test_review_queue_follows_the_protocol(archive, tmp_path):
    from generator.collage.review import collage_queue
    from generator.review.queue import ReviewItem

    content, _ = archive
    s = Settings(features={"collages": settings()})
    assert collage_queue(content, Settings(), Cache(tmp_path / "c")) is None  # count 0: no queue
    queue = collage_queue(content, s, Cache(tmp_path / "c"))
    assert queue is not None
    assert (queue.slug, queue.yes_word, queue.no_word) == ("collages", "keep", "discard")
    assert queue.csv_path == content / "collages" / "decisions.csv"
    items = queue.next_items({}, 10)
    assert len(items) == 4 and all(isinstance(i, ReviewItem) and i.image.is_file() for i in items)
    assert "plates/" in items[0].metadata["files"] and items[0].metadata["style"] == "fractal"
    rest = queue.next_items({items[0].key: "yes", items[1].key: "no"}, 1)
    assert [i.key for i in rest] == [items[2].key]


def test_settings_are_checked():
    from generator.collage.check import collage_problems as _collage_problems

    assert _collage_problems(settings()) == []
    problems = " ".join(_collage_problems(settings(styles=["cubist"], size=16, sources=["../x"])))
    assert "unknown ['cubist']" in problems and "size must be" in problems and "inside archive/" in problems
    assert "unknown cutter 'scissors'" in " ".join(_collage_problems(settings(cutter="scissors")))


def test_the_gallery_credits_sources_and_registers_a_dream_section(archive, tmp_path):
    from generator.collage.feature import CollagesFeature
    from generator.dreams.feature import DreamsFeature
    from generator.features.base import Core
    from generator.model import SiteModel
    from generator.reporter import Reporter
    from generator.site.output import OutputTree
    from generator.site.render import SiteRenderer, add_assets
    from generator.stages import StageContext
    from generator.stages.read import Content

    content, items = archive
    make(content, items, tmp_path / "cache")
    site = SiteModel(settings=Settings(features={"collages": settings()}), content_dir=content, archive=items)
    ctx = StageContext(content, site.settings, Cache(tmp_path / "cache"), Reporter(quiet=True))
    for feature in (CollagesFeature(), DreamsFeature()):  # the dreams index lists what the collages gave it
        given = feature.contribute(ctx, Core(site, None, Content()))
        assert given is not None
        site.add(given)
    (section,) = site.sections_of("dreams")
    assert section.title == "Collages" and section.url == "dreams/collages/" and section.blurb
    tree = OutputTree()
    renderer = SiteRenderer(site, tree, add_assets(OutputTree()))
    for make_pages in site.page_makers:
        make_pages(renderer)
    renderer.finish()
    html = tree.files["dreams/collages/index.html"]
    assert isinstance(html, bytes)
    text = html.decode()
    assert "Made by the machine" in text and text.count('class="collage-item"') == 4
    assert 'href="../../archive/files/plates/plate-' in text  # no map in this site: the archive file
    assert section.thumb in tree.files and '>Dreams</a>' in text  # the nav names the dreams section


def test_keep_or_discard_in_the_review_page_writes_the_decisions(archive, tmp_path):
    """The collages' queue is among the site's review queues, and "keep" on the review server writes
    collages/decisions.csv, which the next series reads to publish only the kept ones."""
    import functools
    import http.client
    import http.server
    import json
    import threading

    from generator.collage.series import DECISIONS
    from generator.labels.decisions import read_decisions
    from generator.review.queues import review_queues
    from generator.review.server import ReviewApp
    from generator.serve import BuildState, Handler

    content, items = archive
    s = Settings(features={"collages": settings()})
    queues = review_queues(content, s, Cache(tmp_path / "c"))
    assert [q.slug for q in queues] == ["collages"]  # no label here: the collages alone
    site = tmp_path / "_site"
    site.mkdir()
    app = ReviewApp(content, queues)
    handler = functools.partial(Handler, directory=str(site), state=BuildState(), review=app)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    port = httpd.server_address[1]
    app.hosts = {f"127.0.0.1:{port}"}
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    headers = {"X-Review-Token": app.token, "Origin": f"http://127.0.0.1:{port}", "Host": f"127.0.0.1:{port}",
               "Content-Type": "application/json"}

    def post(path: str, body: object) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", path, body=json.dumps(body).encode(), headers=headers)
        r = conn.getresponse()
        out = r.status, r.read()
        conn.close()
        return out

    try:
        status, body = post("/review/collages/api/next", {"have": [], "n": 2})
        offered = [it["key"] for it in json.loads(body)["items"]]
        assert status == 200 and len(offered) == 2
        assert post("/review/collages/api/decide", {"key": offered[0], "decision": "keep"})[0] == 200
        assert post("/review/collages/api/decide", {"key": offered[1], "decision": "discard"})[0] == 200
    finally:
        httpd.shutdown()
    assert read_decisions(content / DECISIONS) == {offered[0]: "yes", offered[1]: "no"}
    series = make(content, items, tmp_path / "c")
    assert series is not None and [c.id for c in series.published()] == [offered[0]]
