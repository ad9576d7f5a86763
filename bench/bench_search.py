"""The site-wide search at 10,000 pages: the Pagefind index's build time and size on disk, and query times
in Chromium (the first query of a fresh visit, which loads the index, and warm queries after it).

    .venv/bin/python bench/bench_search.py                       # 10,000 pages of Zipf-distributed words
    .venv/bin/python bench/bench_search.py --corpus pages        # the pages bench's text: 27 words, all in every page
    .venv/bin/python bench/bench_search.py --pages 1000 --json out.json --keep bench/out/search-site

The pages have the pages bench's shape (bench/bench_pages.py: ~560 words in paragraphs, a heading, a list, a
link). Their words are, by default, drawn from a vocabulary of 30,000 made-up words with Zipf's law (rank r
with weight 1/r), as a language's are, so that a query word is found in a few pages or in most of them as in
real text; ``--corpus pages`` uses the pages bench's own text instead, in which each of its 27 words is in
every page (the worst case: every query word matches all 10,000 pages). The site is built by the real
pipeline (`build.py`, pages only: the records are the pages), in bench/out/search-<random> (deleted at the
end unless --keep). The index build time is the search stage's own, printed by the build. Each query's time
is ``pagefind.search()`` (and, beside it, with the data of its first 10 results), measured in the page with
performance.now(): words of rank 1, 10, 100, 1,000 and 10,000 and two-word queries.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import itertools
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from bench_pages import CHILD_ENV, WORDS, generate  # noqa: E402

INDEXED_RE = re.compile(r"search: indexed (\d+) records .* in ([0-9.]+) s, bundle ([0-9.]+) MB")
BUILT_RE = re.compile(r"built .* in ([0-9.]+) s")
RARE = ("page 4242", "silence garden", "memory of the river", "colour shadow", "museum", "signal paper")
VOCABULARY = 30_000
SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]

QUERY_JS = """async ([q, first]) => {
  if (!window.__pf) { window.__pf = await import(new URL('../pagefind/pagefind.js', location.href).href); }
  const t0 = performance.now();
  if (first) await window.__pf.init();
  const r = await window.__pf.search(q);
  const t1 = performance.now();
  await Promise.all(r.results.slice(0, 10).map((x) => x.data()));
  return [t1 - t0, performance.now() - t0, r.results.length];
}"""


def vocabulary(rng: random.Random) -> list[str]:
    """VOCABULARY distinct made-up words of 2-4 syllables, most frequent first."""
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < VOCABULARY:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 4))))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def generate_zipf(root: Path, n_pages: int, seed: int) -> tuple[Path, list[str]]:
    """A site folder of n_pages pages shaped like the pages bench's, of Zipf-distributed words."""
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    cum = list(itertools.accumulate(1.0 / r for r in range(1, len(vocab) + 1)))
    ours = root / "ours"
    (ours / "pages").mkdir(parents=True, exist_ok=True)
    (ours / "site.toml").write_text('[site]\ntitle = "Bench"\n', encoding="utf-8")

    def words(n: int) -> list[str]:
        return rng.choices(vocab, cum_weights=cum, k=n)

    def paragraph(n: int = 80) -> str:
        w = words(n)
        w[0] = w[0].capitalize()
        for i in range(12, n - 1, 13):
            w[i] += "."
            w[i + 1] = w[i + 1].capitalize()
        return " ".join(w) + "."

    for i in range(n_pages):
        paras = [paragraph() for _ in range(6)]
        paras[2] += f" See [the next page](../page-{(i + 1) % n_pages:05d}/) for more."
        paras.insert(3, f"## Part {i}: on *{words(1)[0]}*")
        paras.insert(5, "\n".join(f"- {a} -- {b}" for a, b in zip(words(4), words(4))))
        t = words(3)
        front = f"---\ntitle: Page {i} about {t[0]} and {t[1]}\norder: {i}\nsummary: A page about {t[2]}.\n---\n\n"
        (ours / "pages" / f"page-{i:05d}.md").write_text(front + "\n\n".join(paras) + "\n", encoding="utf-8")
    return ours, vocab


def build(content: Path, out: Path) -> tuple[float, float, int, str]:
    """(whole build s, search stage s, records, stderr) of one cold build."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "build.py", "--content", str(content), "--out", str(out)], cwd=REPO,
                          env=CHILD_ENV, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"build failed:\n{proc.stderr[-3000:]}")
    m = INDEXED_RE.search(proc.stderr)
    if not m:
        raise SystemExit(f"the build did not index (is pagefind installed? pip install -e .[search]):\n{proc.stderr}")
    return wall, float(m.group(2)), int(m.group(1)), proc.stderr


def bundle_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    sys.path.insert(0, str(REPO / "tests" / "browser"))
    from conftest import RangeRequestHandler

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(RangeRequestHandler,
                                                                               directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


def queries(n: int, seed: int, vocab: list[str] | None) -> list[str]:
    rng = random.Random(seed)
    if vocab is None:  # the pages bench's text: every word is in every page
        words = list(WORDS)
        rng.shuffle(words)
        return (words[: max(1, n - len(RARE) // 2)] + list(RARE))[:n]
    ranks = (1, 10, 100, 1000, 10_000)
    single = [vocab[r - 1] for r in ranks]
    pairs = [f"{vocab[rng.randrange(50)]} {vocab[rng.randrange(50, 5000)]}" for _ in range(max(0, n - len(single)))]
    return (single + pairs)[:n]


def measure(url: str, qs: list[str]) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    chromium = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
    first, warm, again, hits, first_all, warm_all = [], [], [], [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            for q in qs:  # a fresh visit per query: nothing of the index is loaded yet
                context = browser.new_context()
                page = context.new_page()
                page.goto(url + "search/")
                ms, all_ms, n = page.evaluate(QUERY_JS, [q, True])
                first.append(ms)
                first_all.append(all_ms)
                hits.append(n)
                context.close()
            context = browser.new_context()
            page = context.new_page()
            page.goto(url + "search/")
            page.evaluate(QUERY_JS, ["film", True])  # the index's entry and wasm loaded
            for q in qs:
                ms, all_ms, _ = page.evaluate(QUERY_JS, [q, False])  # a new word: its index chunk is fetched
                warm.append(ms)
                warm_all.append(all_ms)
            for q in qs:
                again.append(page.evaluate(QUERY_JS, [q, False])[0])  # the same word again
            context.close()
        finally:
            browser.close()
    return {"first": first, "first_with_data": first_all, "warm": warm, "warm_with_data": warm_all,
            "repeat": again, "results": [float(h) for h in hits]}


def line(name: str, values: list[float], unit: str = "ms") -> str:
    return (f"{name:<40} {statistics.median(values):9.1f} {unit}  (min {min(values):.1f}, max {max(values):.1f}, "
            f"n={len(values)})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=9)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--corpus", choices=("zipf", "pages"), default="zipf",
                    help="zipf: made-up words with Zipf's law (default); pages: the pages bench's 27 words")
    ap.add_argument("--keep", type=Path, help="build the site into this folder and keep it")
    ap.add_argument("--json", type=Path, help="write the figures to this file")
    args = ap.parse_args()
    parent = REPO / "bench" / "out"
    parent.mkdir(parents=True, exist_ok=True)
    work = args.keep or Path(tempfile.mkdtemp(prefix="search-", dir=parent))
    work.mkdir(parents=True, exist_ok=True)
    try:
        t = time.perf_counter()
        vocab: list[str] | None = None
        if args.corpus == "zipf":
            content, vocab = generate_zipf(work, args.pages, args.seed)
        else:
            content, _ = generate(work, args.pages, args.seed)
        print(f"generated {args.pages} pages ({args.corpus}) in {time.perf_counter() - t:.1f} s ({work})")
        out = work / "_site"
        wall, index_s, records, _ = build(content, out)
        size, files = bundle_size(out / "pagefind")
        pages_bytes = sum(p.stat().st_size for p in (content / "pages").glob("*.md"))
        print(f"{'build (whole, cold, pages + index)':<40} {wall:9.1f} s")
        print(f"{'index build (search stage)':<40} {index_s:9.1f} s   {records} records, "
              f"{records / max(index_s, 1e-9):.0f} records/s")
        print(f"{'index size on disk':<40} {size / 1e6:9.1f} MB  {files} files; {size / records / 1e3:.1f} kB a page; "
              f"the markdown is {pages_bytes / 1e6:.1f} MB ({size / pages_bytes:.2f}x)")
        again = subprocess.run([sys.executable, "build.py", "--content", str(content), "--out", str(out)], cwd=REPO,
                               env=CHILD_ENV, capture_output=True, text=True)
        noop = BUILT_RE.search(again.stderr)
        print(f"{'no-op rebuild (index reused)':<40} {float(noop.group(1)) if noop else float('nan'):9.1f} s")
        server, url = serve(out)
        try:
            qs = queries(args.queries, args.seed, vocab)
            figures = measure(url, qs)
        finally:
            server.shutdown()
        print(f"queries: {', '.join(qs)}")
        for q, n, ms in zip(qs, figures["results"], figures["first"]):
            print(f"  {q!r:<28} {int(n):6d} results  first {ms:8.1f} ms")
        print(line("first query of a visit (loads the index)", figures["first"]))
        print(line("  ... with its first 10 results' data", figures["first_with_data"]))
        print(line("warm query, a new word", figures["warm"]))
        print(line("  ... with its first 10 results' data", figures["warm_with_data"]))
        print(line("warm query, the same word again", figures["repeat"]))
        print(line("results per query", figures["results"], unit=""))
        if args.json:
            args.json.write_text(json.dumps({"pages": args.pages, "corpus": args.corpus, "records": records,
                                             "build_s": wall, "index_s": index_s, "bundle_bytes": size,
                                             "bundle_files": files, "queries": qs, **figures}, indent=1))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
