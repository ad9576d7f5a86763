"""The review routes of `build.py serve`: decisions written to the CSV and undone; writes refused (403)
without the run's token, from another origin or host, for an item the queue never offered, or to a file
outside the site folder."""

from __future__ import annotations

import functools
import http.client
import http.server
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image

from generator.labels.decisions import read_decisions
from generator.review.queue import ReviewItem
from generator.review.server import ReviewApp
from generator.serve import BuildState, Handler


@dataclass
class FakeQueue:
    slug: str
    csv_path: Path
    items: list[ReviewItem]
    title: str = "Fake"
    yes_word: str = "yes"
    no_word: str = "no"
    asked: list[dict[str, str]] = field(default_factory=list)

    def next_items(self, decided: dict[str, str], n: int) -> list[ReviewItem]:
        self.asked.append(dict(decided))
        return [it for it in self.items if it.key not in decided][:n]


@pytest.fixture
def server(tmp_path):
    content, site = tmp_path / "content", tmp_path / "_site"
    site.mkdir()
    (site / "index.html").write_text("<html><body>static</body></html>")
    items = []
    for i in range(6):
        img = tmp_path / "img" / f"{i}.jpg"
        img.parent.mkdir(exist_ok=True)
        Image.new("RGB", (32, 24), (40 * i, 90, 200)).save(img)
        items.append(ReviewItem(f"a/{i}.jpg", img, f"Image {i}", {"title": f"Image {i}"}, 0.5))
    good = FakeQueue("calm", content / "labels" / "calm.csv", items)
    outside = FakeQueue("escape", tmp_path / "elsewhere.csv", items)
    app = ReviewApp(content, [good, outside])
    handler = functools.partial(Handler, directory=str(site), state=BuildState(), review=app)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    port = httpd.server_address[1]
    app.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield app, port, good
    httpd.shutdown()


def request(port: int, method: str, path: str, body: object = None, headers: dict[str, str] | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    data = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=data, headers=headers or {})
    r = conn.getresponse()
    payload = r.read()
    conn.close()
    return r.status, payload


def ok_headers(app: ReviewApp, port: int) -> dict[str, str]:
    return {"X-Review-Token": app.token, "Origin": f"http://127.0.0.1:{port}", "Host": f"127.0.0.1:{port}",
            "Content-Type": "application/json"}


def test_decide_and_undo_write_the_csv(server):
    app, port, queue = server
    h = ok_headers(app, port)
    status, page = request(port, "GET", "/review/calm/")
    assert status == 200 and app.token.encode() in page and b"review.js" in page
    status, body = request(port, "POST", "/review/calm/api/next", {"have": [], "n": 3}, h)
    items = json.loads(body)["items"]
    assert status == 200 and [it["key"] for it in items] == ["a/0.jpg", "a/1.jpg", "a/2.jpg"]
    status, img = request(port, "GET", "/review/calm/" + items[0]["src"])
    assert status == 200 and img[:2] == b"\xff\xd8"
    for it, word in zip(items, ["yes", "no", "yes"]):
        status, body = request(port, "POST", "/review/calm/api/decide", {"key": it["key"], "decision": word}, h)
        assert status == 200
    assert json.loads(body) == {"yes": 2, "no": 1, "undo": 3}
    assert read_decisions(queue.csv_path) == {"a/0.jpg": "yes", "a/1.jpg": "no", "a/2.jpg": "yes"}
    status, _ = request(port, "POST", "/review/calm/api/undo", {"key": "a/2.jpg"}, h)
    assert status == 200 and read_decisions(queue.csv_path) == {"a/0.jpg": "yes", "a/1.jpg": "no"}
    status, _ = request(port, "POST", "/review/calm/api/undo", {"key": "a/2.jpg"}, h)
    assert status == 409  # only the last decision can be undone
    # the items the page holds are not offered again
    request(port, "POST", "/review/calm/api/next", {"have": ["a/3.jpg"], "n": 2}, h)
    assert queue.asked[-1]["a/3.jpg"] == "pending" and queue.asked[-1]["a/0.jpg"] == "yes"
    # a decision re-made moves to the end: the CSV is the curator's log in order
    request(port, "POST", "/review/calm/api/decide", {"key": "a/0.jpg", "decision": "no"}, h)
    assert list(read_decisions(queue.csv_path).items()) == [("a/1.jpg", "no"), ("a/0.jpg", "no")]
    assert queue.csv_path.resolve() in app.own_writes


@pytest.mark.parametrize("change", ["no token", "wrong token", "no origin", "other origin", "other host",
                                    "unknown item", "outside"])
def test_writes_are_refused(server, change):
    app, port, queue = server
    h = ok_headers(app, port)
    slug, key = "calm", "a/0.jpg"
    request(port, "POST", "/review/calm/api/next", {"n": 6}, h)
    request(port, "POST", "/review/escape/api/next", {"n": 6}, h)
    if change == "no token":
        del h["X-Review-Token"]
    elif change == "wrong token":
        h["X-Review-Token"] = app.token[:-1] + ("x" if app.token[-1] != "x" else "y")
    elif change == "no origin":
        del h["Origin"]
    elif change == "other origin":
        h["Origin"] = "http://evil.example"
    elif change == "other host":  # DNS rebinding: a page of another name that resolves here
        h["Host"], h["Origin"] = f"evil.example:{port}", f"http://evil.example:{port}"
    elif change == "unknown item":
        key = "../../site.toml"
    elif change == "outside":
        slug = "escape"
    status, body = request(port, "POST", f"/review/{slug}/api/decide", {"key": key, "decision": "yes"}, h)
    assert status == 403, body
    assert not queue.csv_path.exists() and not (queue.csv_path.parents[2] / "elsewhere.csv").exists()


def test_the_static_site_takes_no_post(server):
    app, port, _ = server
    status, _ = request(port, "POST", "/index.html", {})
    assert status == 405
    status, body = request(port, "GET", "/review/")
    assert status == 200 and b'href="calm/"' in body
    status, _ = request(port, "GET", "/review/nothing/")
    assert status == 404
    # another name for this address (DNS rebinding) never gets the page that holds the token
    status, body = request(port, "GET", "/review/calm/", headers={"Host": f"evil.example:{port}"})
    assert status == 403 and app.token.encode() not in body


def test_the_review_page_is_rendered_in_the_sites_frame(server):
    """templates/review.html extends base.html: the site's header, footer and style around the review, the
    queue's words escaped, the token only in the page's data."""
    app, port, queue = server
    queue.title = "Calm <b>& still</b>"
    status, body = request(port, "GET", "/review/calm/")
    page = body.decode()
    assert status == 200 and 'class="site-header"' in page and 'class="site-footer"' in page
    assert '<link rel="stylesheet" href="/assets/site.css">' in page and "/review/assets/review.css" in page
    assert "<title>Review: Calm &lt;b&gt;&amp; still&lt;/b&gt; · Electric Speech</title>" in page
    assert "<b>" not in page and page.count(app.token) == 1 and 'id="rv-app" data-review="{&#34;token' in page
    status, body = request(port, "GET", "/review/")
    assert status == 200 and b'class="site-header"' in body and b"review.js" not in body
