"""The review routes of `build.py serve`: ``/review/`` (the queues), ``/review/<slug>/`` (one image at a time)
and the small JSON API the page calls to get the next images and write decisions.

Only a local person may write: the server listens on 127.0.0.1; every write carries the per-run random token
embedded in the review page (``X-Review-Token``), comes from the server's own origin (``Origin``, and a Host
that names it, against DNS rebinding), names an item this queue has handed out, and goes to the queue's CSV,
which must lie inside the site folder. Nothing of this is ever written into the built site.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from .decisions import NO, YES, read_decisions, write_decisions
from .queue import ReviewItem, ReviewQueue

if TYPE_CHECKING:
    from ..config import Settings

# the review page's own script and style, front-end sources like the rest of the site's (never in the built site)
ASSET_DIR = Path(__file__).resolve().parents[2] / "site_src" / "review"
ASSETS = {"review.js": "text/javascript; charset=utf-8", "review.css": "text/css; charset=utf-8"}
# what base.html asks of the site's assets/ (served from the built site, unversioned)
PAGE_ASSETS = ("site.css", "header.css", "print.css", "favicon.svg")
MAX_BODY = 64 * 1024


@dataclass
class QueueState:
    queue: ReviewQueue
    decided: dict[str, str] | None = None  # the CSV's, loaded on first use
    mtime: int = -1  # of the CSV as last read or written by us
    served: dict[str, ReviewItem] = field(default_factory=dict)  # key -> item handed out
    images: list[Path] = field(default_factory=list)  # /img/<n> -> file
    undo: list[tuple[str, str | None]] = field(default_factory=list)  # (key, decision before)


class ReviewApp:
    def __init__(self, content_dir: Path, queues: list[ReviewQueue], batch: int = 8,
                 settings: Settings | None = None) -> None:
        self.content_dir = content_dir.resolve()
        self.settings = settings  # the site's title, language, author and captioner for the page's frame
        self.token = secrets.token_urlsafe(24)
        self.batch = batch
        self.hosts: set[str] = set()  # "127.0.0.1:<port>", "localhost:<port>": set once the server is bound
        self.last_write = 0.0  # time.time() of the last decision written
        self.lock = threading.RLock()
        self.own_writes: dict[Path, tuple[int, int]] = {}  # files we wrote (the watcher need not rebuild for them)
        self.states: dict[str, QueueState] = {}
        self.set_queues(queues)

    def set_queues(self, queues: list[ReviewQueue]) -> None:
        with self.lock:
            old = self.states
            self.states = {q.slug: QueueState(q) for q in queues}
            for slug, st in self.states.items():  # keep what a page open across a rebuild relies on
                if slug in old:
                    st.undo, st.served, st.images = old[slug].undo, old[slug].served, old[slug].images

    # -- decisions -------------------------------------------------------------------------------
    def _decided(self, st: QueueState) -> dict[str, str]:
        path = st.queue.csv_path
        mtime = path.stat().st_mtime_ns if path.exists() else 0
        if st.decided is None or mtime != st.mtime:  # edited by hand meanwhile: the file wins
            st.decided, st.mtime = read_decisions(path), mtime
        return st.decided

    def _write(self, st: QueueState) -> None:
        path = st.queue.csv_path.resolve()
        if not path.is_relative_to(self.content_dir):
            raise PermissionError(f"{path} is outside the site folder")
        write_decisions(path, st.decided or {})
        s = path.stat()
        st.mtime = s.st_mtime_ns
        self.own_writes[path] = (s.st_mtime_ns, s.st_size)
        self.last_write = time.time()

    def decide(self, st: QueueState, key: str, word: str) -> dict[str, Any]:
        decided = self._decided(st)
        st.undo.append((key, decided.get(key)))
        decided.pop(key, None)
        decided[key] = word
        self._write(st)
        return self._counts(st)

    def undo(self, st: QueueState, key: str) -> dict[str, Any] | None:
        if not st.undo or st.undo[-1][0] != key:
            return None
        _, before = st.undo.pop()
        decided = self._decided(st)
        decided.pop(key, None)
        if before is not None:
            decided[key] = before
        self._write(st)
        return self._counts(st)

    def _counts(self, st: QueueState) -> dict[str, Any]:
        d = st.decided or {}
        return {"yes": sum(v == YES for v in d.values()), "no": sum(v == NO for v in d.values()),
                "undo": len(st.undo)}

    def next_items(self, st: QueueState, have: list[str], n: int) -> dict[str, Any]:
        decided = dict(self._decided(st))
        for k in have:
            decided.setdefault(k, "pending")
        items = st.queue.next_items(decided, n)
        out = []
        for it in items:
            st.served[it.key] = it
            st.images.append(it.image)
            out.append({"key": it.key, "title": it.title, "metadata": it.metadata, "score": it.score,
                        "src": f"img/{len(st.images) - 1}"})
        if hasattr(st.queue, "retrain_if_due"):
            st.queue.retrain_if_due(decided)
        return {"items": out, **self._counts(st)}

    # -- HTTP ------------------------------------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = [unquote(p) for p in h.path.split("?", 1)[0].split("/") if p]  # ["review", slug, ...]
        try:
            if h.headers.get("Host", "") not in self.hosts:  # the page holds the token: not for another name
                raise PermissionError("wrong host")
            if h.path.split("?", 1)[0] == "/review":
                h.send_response(301)
                h.send_header("Location", "/review/")
                h.send_header("Content-Length", "0")
                h.end_headers()
                return
            if method == "GET":
                self._get(h, parts)
            else:
                self._post(h, parts)
        except PermissionError as exc:
            _send(h, 403, str(exc).encode(), "text/plain; charset=utf-8")

    def _get(self, h: BaseHTTPRequestHandler, parts: list[str]) -> None:
        if len(parts) == 1:
            return _send(h, 200, self._list_page().encode(), "text/html; charset=utf-8")
        if len(parts) == 3 and parts[1] == "assets" and parts[2] in ASSETS:
            return _send(h, 200, (ASSET_DIR / parts[2]).read_bytes(), ASSETS[parts[2]])
        st = self.states.get(parts[1])
        if st is None:
            return _send(h, 404, b"no such review queue", "text/plain; charset=utf-8")
        if len(parts) == 2:
            if not h.path.split("?", 1)[0].endswith("/"):
                h.send_response(301)
                h.send_header("Location", f"/review/{quote(parts[1])}/")
                h.send_header("Content-Length", "0")
                h.end_headers()
                return None
            return _send(h, 200, self._review_page(st).encode(), "text/html; charset=utf-8")
        if len(parts) == 4 and parts[2] == "img" and parts[3].isdigit() and int(parts[3]) < len(st.images):
            path = st.images[int(parts[3])]
            kind = "image/png" if path.suffix.lower() == ".png" else "image/jpeg"
            return _send(h, 200, path.read_bytes(), kind, cache="private, max-age=3600")
        return _send(h, 404, b"not found", "text/plain; charset=utf-8")

    def _post(self, h: BaseHTTPRequestHandler, parts: list[str]) -> None:
        self._check_writer(h)
        if len(parts) != 4 or parts[2] != "api" or parts[1] not in self.states:
            return _send(h, 404, b"not found", "text/plain; charset=utf-8")
        length = int(h.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return _send(h, 413, b"too large", "text/plain; charset=utf-8")
        try:
            body = json.loads(h.rfile.read(length) or b"{}")
        except ValueError:
            return _send(h, 400, b"not JSON", "text/plain; charset=utf-8")
        if not isinstance(body, dict):
            return _send(h, 400, b"not a JSON object", "text/plain; charset=utf-8")
        st, action = self.states[parts[1]], parts[3]
        with self.lock:
            if action == "next":
                have = [str(k) for k in body.get("have", []) if isinstance(k, str)][:512]
                n = max(1, min(int(body.get("n", self.batch)), 64))
                return _json(h, self.next_items(st, have, n))
            key = body.get("key")
            if not isinstance(key, str) or key not in st.served:
                raise PermissionError("unknown item: the queue did not offer it")
            if action == "decide":
                word = {st.queue.yes_word: YES, st.queue.no_word: NO, YES: YES, NO: NO}.get(str(body.get("decision")))
                if word is None:
                    return _send(h, 400, b"decision must be yes or no", "text/plain; charset=utf-8")
                return _json(h, self.decide(st, key, word))
            if action == "undo":
                counts = self.undo(st, key)
                return _json(h, counts) if counts is not None else _send(h, 409, b"nothing to undo for this item",
                                                                         "text/plain; charset=utf-8")
        return _send(h, 404, b"not found", "text/plain; charset=utf-8")

    def _check_writer(self, h: BaseHTTPRequestHandler) -> None:
        if not secrets.compare_digest(h.headers.get("X-Review-Token", ""), self.token):
            raise PermissionError("missing or wrong review token")
        host = h.headers.get("Host", "")
        if host not in self.hosts:  # a page of another name for this address (DNS rebinding)
            raise PermissionError("wrong host")
        if h.headers.get("Origin", "") != "http://" + host:
            raise PermissionError("wrong origin")

    # -- pages -----------------------------------------------------------------------------------
    def _list_page(self) -> str:
        queues = [{"href": f"{quote(s)}/", "title": st.queue.title} for s, st in self.states.items()]
        return self._render("Review", queues=queues, queue=None, review_data="")

    def _review_page(self, st: QueueState) -> str:
        q = st.queue
        data = json.dumps({"token": self.token, "batch": self.batch, "yes": q.yes_word, "no": q.no_word})
        return self._render(f"Review: {q.title}", queue=q, csv_name=self._rel(q.csv_path), review_data=data)

    def _render(self, title: str, **values: Any) -> str:
        """templates/review.html, with the site's jinja environment, in the site's frame (base.html: its
        header, footer and style, served from the built site's assets/)."""
        from ..site.templates import environment

        s = self.settings
        if s is None:
            from ..config import Settings

            s = self.settings = Settings()
        frame = {"root": "/", "home": "/", "site_title": s.site.title, "lang": s.site.language or "en",
                 "description": "", "author": s.site.author, "canonical": "", "og_image": "", "og_type": "website",
                 "asset": {name: name for name in PAGE_ASSETS}, "nav": [], "search_href": "",
                 "captioner": s.captions.captioner, "inline_css": "", "page_title": title,
                 "body_class": "dark review", "wide": True}
        return environment().get_template("review.html").render(**frame, **values)

    def _rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.content_dir).as_posix()
        except ValueError:
            return str(path)


def _send(h: BaseHTTPRequestHandler, code: int, body: bytes, kind: str, cache: str = "no-store") -> None:
    h.send_response(code)
    h.send_header("Content-Type", kind)
    h.send_header("Cache-Control", cache)
    h.send_header("Content-Length", str(len(body)))
    h.send_header("X-Content-Type-Options", "nosniff")
    h.end_headers()
    h.wfile.write(body)


def _json(h: BaseHTTPRequestHandler, obj: Any) -> None:
    _send(h, 200, json.dumps(obj).encode(), "application/json")
