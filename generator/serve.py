"""`build.py serve`: build, serve the output on localhost, rebuild on change, reload the browser.

The reload script is injected into HTML as it is served, never written into the built site. Rebuilds run
in this process, so models and compiled layout code stay loaded between them.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import threading
import time
from pathlib import Path
from typing import Any

from .errors import ElectricSpeechError
from .reporter import Reporter

REPO = Path(__file__).resolve().parents[1]
RELOAD_PATH = "/__electric_speech_reload"
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

    def __init__(self, *args: Any, state: BuildState, **kwargs: Any) -> None:
        self.state = state
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the terminal is for build output
        pass

    def do_GET(self) -> None:
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
    handler = functools.partial(Handler, directory=str(args.out.resolve()), state=state)
    server = http.server.ThreadingHTTPServer((args.host, args.port), handler)
    server.daemon_threads = True
    host, port = str(server.server_address[0]), int(server.server_address[1])
    reporter.info(f"serving {args.out} at http://{host}:{port}/ (Ctrl-C stops)")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    roots = [args.content, REPO / "templates", REPO / "site_src", REPO / "static"]
    ignore = {args.out.resolve()}
    try:
        before = snapshot(roots, ignore)
        while True:
            time.sleep(0.5)
            if args.no_reload:
                continue
            now = snapshot(roots, ignore)
            if now != before:
                before = now
                reporter.info("change seen: rebuilding")
                if rebuild():
                    state.bump()
    except KeyboardInterrupt:
        reporter.info("stopped")
    finally:
        server.shutdown()
    return 0
