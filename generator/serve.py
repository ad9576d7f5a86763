"""`build.py serve`: build, serve the output on localhost, rebuild on change, reload the browser.

The reload script is injected into HTML as it is served, never written into the built site. Rebuilds run
in this process, so models and compiled layout code stay loaded between them. ``/review/`` is the review
page of the taught labels (generator/review/), served from here only, never part of the built site; the
decisions it writes do not each trigger a rebuild: the site follows once the review has paused.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ElectricSpeechError
from .reporter import Reporter

if TYPE_CHECKING:
    from .review.server import ReviewApp

REPO = Path(__file__).resolve().parents[1]
RELOAD_PATH = "/__electric_speech_reload"
REVIEW_PAUSE = 20.0  # seconds without a decision before the review's decisions are built into the site
RELOAD_SCRIPT = f"""<script>
(function () {{
  var v = null;
  function poll() {{
    fetch("{RELOAD_PATH}?v=" + (v === null ? "" : v)).then(function (r) {{ return r.text(); }})
      .then(function (t) {{ if (v !== null && t !== v) {{ location.reload(); return; }} v = t; poll(); }})
      .catch(function () {{ setTimeout(poll, 1000); }});
  }}
  poll();
}})();
</script>"""


class BuildState:
    def __init__(self) -> None:
        self.version = 0
        self.changed = threading.Condition()

    def bump(self) -> None:
        with self.changed:
            self.version += 1
            self.changed.notify_all()

    def wait_newer(self, known: str, timeout: float = 25.0) -> int:
        with self.changed:
            if known == str(self.version):
                self.changed.wait(timeout)
            return self.version


class Handler(http.server.SimpleHTTPRequestHandler):
    state: BuildState

    def __init__(self, *args: Any, state: BuildState, review: ReviewApp | None = None, **kwargs: Any) -> None:
        self.state = state
        self.review = review
        super().__init__(*args, **kwargs)

    def _review(self, method: str) -> bool:
        if not (self.path == "/review" or self.path.startswith("/review/")):
            return False
        if self.review is None:
            body = b"review is only served on 127.0.0.1 (serve --host 127.0.0.1)"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.review.handle(self, method)
        return True

    def do_POST(self) -> None:
        if not self._review("POST"):
            self.send_error(405, "the site is static: nothing here takes a POST")

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the terminal is for build output
        pass

    def do_GET(self) -> None:
        if self._review("GET"):
            return
        if self.path.startswith(RELOAD_PATH):
            known = self.path.partition("?v=")[2]
            body = str(self.state.wait_newer(known)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            html = path.read_text("utf-8", errors="replace")
            html = html.replace("</body>", RELOAD_SCRIPT + "</body>") if "</body>" in html else html + RELOAD_SCRIPT
            body = html.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


def snapshot(roots: list[Path], ignore: set[Path]) -> dict[Path, tuple[int, int]]:
    """(mtime, size) of every file under ``roots``, skipping hidden folders (the cache) and ``ignore``."""
    seen: dict[Path, tuple[int, int]] = {}
    ignored = {str(p) for p in ignore}
    for root in roots:
        if not root.exists():
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".") and os.path.join(folder, d) not in ignored]
            for name in files:
                if name.startswith("."):
                    continue
                path = os.path.join(folder, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                seen[Path(path)] = (st.st_mtime_ns, st.st_size)
    return seen


def serve(args: argparse.Namespace, reporter: Reporter) -> int:
    from .runner import print_summary, run_build

    def rebuild() -> bool:
        start = time.perf_counter()
        try:
            result = run_build(args, Reporter(quiet=args.quiet))
        except ElectricSpeechError as exc:
            reporter.info(f"error: {exc.oneline()} (still serving the previous build)")
            return False
        print_summary(result, reporter)
        r = result.stats.render
        reporter.info(f"rebuilt in {time.perf_counter() - start:.3f} s ({r.rendered} page(s) rendered)")
        return True

    if not rebuild() and not args.out.exists():
        return 1
    state = BuildState()
    review = _review_app(args, reporter)
    handler = functools.partial(Handler, directory=str(args.out.resolve()), state=state, review=review)
    server = http.server.ThreadingHTTPServer((args.host, args.port), handler)
    server.daemon_threads = True
    host, port = str(server.server_address[0]), int(server.server_address[1])
    if review is not None:
        review.hosts = {f"{name}:{port}" for name in ("127.0.0.1", "localhost")}
    roots = [args.content.resolve(), REPO / "templates", REPO / "site_src", REPO / "static"]
    ignore = {args.out.resolve()}
    before = snapshot(roots, ignore)  # watching from here: a change made once the address is shown is seen
    threading.Thread(target=server.serve_forever, daemon=True).start()
    reporter.info(f"serving {args.out} at http://{host}:{port}/ (Ctrl-C stops)")
    if review is not None and review.states:
        reporter.info(f"review {len(review.states)} queue(s) at http://{host}:{port}/review/")
    try:
        while True:
            time.sleep(0.5)
            if args.no_reload:
                continue
            now = snapshot(roots, ignore)
            if review is not None and _masked_own_writes(review, before, now) and \
                    time.time() - review.last_write > REVIEW_PAUSE:
                now = dict(now)
                for path in review.own_writes:  # the review paused: build its decisions into the site
                    before.pop(path, None)
                review.own_writes.clear()
            if now != before:
                before = now
                reporter.info("change seen: rebuilding")
                if rebuild():
                    state.bump()
                    if review is not None:
                        _refresh_queues(args, review)
    except KeyboardInterrupt:
        reporter.info("stopped")
    finally:
        server.shutdown()
    return 0


def _review_app(args: argparse.Namespace, reporter: Reporter) -> ReviewApp | None:
    """The review routes, on a loopback address only (anyone who can reach the server could write)."""
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        reporter.info(f"review: off, as serve listens on {args.host} (it writes to the site folder: 127.0.0.1 only)")
        return None
    from .review.server import ReviewApp

    app = ReviewApp(args.content, [])
    _refresh_queues(args, app)
    return app


def _refresh_queues(args: argparse.Namespace, app: ReviewApp) -> None:
    from .cache import Cache
    from .review.queues import review_queues
    from .runner import settings_from_args

    try:
        settings = settings_from_args(args)
        app.batch = settings.labels.review_batch
        app.settings = settings  # the site's title and language on the review page
        app.set_queues(review_queues(args.content, settings, Cache(args.content / settings.build.cache_dir)))
    except ElectricSpeechError:
        pass  # the build said why; the queues stay as they were


def _masked_own_writes(app: ReviewApp, before: dict[Path, tuple[int, int]], now: dict[Path, tuple[int, int]]) -> bool:
    """Hide the review's own CSV writes from the watcher (True when some are pending a rebuild)."""
    pending = False
    for path, sig in list(app.own_writes.items()):
        if now.get(path) == sig:
            before[path] = sig
            pending = True
    return pending
