"""Plain pages against Hugo: cold build, no-op rebuild, one-page edit (new process and inside `serve`), and a
10x larger site for linearity and peak memory. Both tools build the same generated pages in this run.

    .venv/bin/python bench/bench_pages.py                  # 1,000 pages, 5 rounds, then 10,000 pages once
    .venv/bin/python bench/bench_pages.py --quick          # 2 rounds, 3 serve edits, no large site
    .venv/bin/python bench/bench_pages.py --pages 200 --big 0 --json out.json --keep bench/out/sites
    .venv/bin/python bench/bench_pages.py --quick --dir /mnt/other-disk  # sites in /mnt/other-disk/pages-*

The sites are generated, and both tools build them, in one working folder: bench/out/pages-<random> under the
repository (deleted at the end), --dir DIR/pages-<random> (deleted too), or --keep DIR (kept). It is not a
tempfile folder under /tmp because /tmp may sit on a much slower file system than the one the sites really live on.

Each round runs Hugo's full build, our cold build, our no-op rebuild and our one-page edit in turn, so a
ratio to Hugo is taken round by round (median, min and max of the paired ratios). Times are whole processes.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PARENT = REPO / "bench" / "out"  # gitignored
WORDS = ("machine", "film", "cloud", "light", "archive", "image", "caption", "sentence", "frame", "river", "window",
         "night", "city", "voice", "screen", "museum", "street", "garden", "memory", "silence", "camera", "reader",
         "signal", "paper", "table", "colour", "shadow")
REBUILT_RE = re.compile(r"rebuilt in ([0-9.]+) s")
SUMMARY_RE = re.compile(r"^built .* in ([0-9.]+) s$")
HUGO_CONFIG = """baseURL = "http://example.org/"
title = "Bench"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404", "section"]
"""
HUGO_LAYOUTS = {
    "baseof.html": '<!doctype html><html lang="en"><head><meta charset="utf-8">'
                   """<title>{{ .Title }} | {{ .Site.Title }}</title>
</head><body><nav>{{ range first 8 .Site.RegularPages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>
{{ end }}</nav><main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "single.html": '{{ define "main" }}<h1>{{ .Title }}</h1><p>{{ .Params.summary }}</p>{{ .Content }}{{ end }}\n',
    "list.html": '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}{{ end }}\n',
}


@dataclass
class Figure:
    name: str
    times: list[float]
    unit: str = "s"  # "s": seconds, "x": a ratio
    target: float | None = None
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def passed(self) -> bool | None:
        return None if self.target is None else self.median <= self.target

    def line(self) -> str:
        t = self.times
        spread = f"(min {min(t):.3f}, max {max(t):.3f}, n={len(t)})"
        target = f"target <= {self.target:g}{self.unit}" if self.target is not None else ""
        verdict = {None: "", True: "PASS", False: "FAIL"}[self.passed]
        return f"{self.name:<34} {self.median:9.3f}{self.unit:<2} {spread:<36} {target:<16} {verdict} {self.note}"


def paragraph(rng: random.Random, n: int = 80) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    words[0] = words[0].capitalize()
    for i in range(12, n - 1, 13):
        words[i] += "."
        words[i + 1] = words[i + 1].capitalize()
    return " ".join(words) + "."


def page_body(rng: random.Random, i: int, n_pages: int) -> list[str]:
    """Six ~80-word paragraphs, a heading, emphasis, a link, a list, quotes and dashes: a ~500-word page."""
    paras = [paragraph(rng) for _ in range(6)]
    paras[0] += ' The *machine* -- as ever -- "reads" what it sees and calls it "speech".'
    paras[2] += f" See [the next page](../page-{(i + 1) % n_pages:05d}/) for more."
    paras.insert(3, f"## Part {i}: on *{rng.choice(WORDS)}*")
    paras.insert(5, "\n".join(f"- {rng.choice(WORDS)} -- {rng.choice(WORDS)}" for _ in range(4)))
    return paras


def generate(root: Path, n_pages: int, seed: int) -> tuple[Path, Path]:
    """Our site folder and an equivalent Hugo site under root, with the same pages."""
    rng = random.Random(seed)
    ours, hugo = root / "ours", root / "hugo"
    for d in (ours / "pages", hugo / "content", hugo / "layouts" / "_default"):
        d.mkdir(parents=True, exist_ok=True)
    (ours / "site.toml").write_text('[site]\ntitle = "Bench"\n', encoding="utf-8")
    (hugo / "config.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        (hugo / "layouts" / "_default" / name).write_text(text, encoding="utf-8")
    for i in range(n_pages):
        slug = f"page-{i:05d}"
        front = (f"---\ntitle: Page {i} about {rng.choice(WORDS)}\norder: {i}\n"
                 f"summary: A page about {rng.choice(WORDS)}.\n---\n\n")
        text = front + "\n\n".join(page_body(rng, i, n_pages)) + "\n"
        (ours / "pages" / f"{slug}.md").write_text(text, encoding="utf-8")
        (hugo / "content" / f"{slug}.md").write_text(text, encoding="utf-8")
    return ours, hugo


# Children keep their bytecode caches, as on any installed machine (a PYTHONDONTWRITEBYTECODE set in this
# environment would make every run recompile every module it imports).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one whole process, which must succeed."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=CHILD_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err.decode(errors='replace')[-2000:]}")
    return seconds, usage.ru_maxrss


def ours_cmd(content: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, str(REPO / "build.py"), *extra, "--content", str(content), "--out", str(out)]


def ours_build(content: Path, out: Path, cold: bool) -> tuple[float, int]:
    if cold:
        shutil.rmtree(content / ".cache", ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
    return timed(ours_cmd(content, out, "-q"))


def hugo_build(hugo: str, site: Path, out: Path) -> tuple[float, int]:
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(site / "resources", ignore_errors=True)
    return timed([hugo, "--quiet", "-s", str(site), "-d", str(out)])


def edit_page(content: Path, n: int) -> None:
    """Replace the second body paragraph of one page with new text (n makes each edit different)."""
    path = content / "pages" / "page-00007.md"
    front, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
    paras = body.split("\n\n")
    paras[1] = paragraph(random.Random(n)) + f" Edit {n}."
    path.write_text(front + "\n---\n" + "\n\n".join(paras), encoding="utf-8")


def find_hugo() -> str | None:
    found = shutil.which("hugo")
    if found:
        return found
    print("hugo not found: trying `apt-get install -y hugo`", file=sys.stderr)
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "hugo"], check=False)
    return shutil.which("hugo")


def serve_edits(content: Path, out: Path, edits: int) -> list[float]:
    """Rebuild times printed by `build.py serve` after one-page edits (its own figure, in-process)."""
    proc = subprocess.Popen(ours_cmd(content, out, "serve") + ["--port", "0"], cwd=REPO, env=CHILD_ENV, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lines: queue.Queue[str] = queue.Queue()
    log: list[str] = []

    def reader() -> None:
        for line in proc.stderr or []:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=reader, daemon=True).start()

    def next_line(timeout: float) -> str | None:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            return None
        log.append(line)
        return line

    times: list[float] = []
    try:
        while (line := next_line(600)) is None or not line.startswith("serving "):
            if line is None or proc.poll() is not None:
                raise RuntimeError("serve did not start:\n" + "\n".join(log[-20:]))
        for n in range(edits):
            time.sleep(1.2)
            while next_line(0) is not None:  # a late line from the previous rebuild is not this edit's
                pass
            edit_page(content, 1000 + n)
            seconds = None
            while seconds is None:
                line = next_line(600)
                if line is None:
                    raise RuntimeError("no rebuild line from serve:\n" + "\n".join(log[-20:]))
                if m := REBUILT_RE.search(line):
                    seconds = float(m.group(1))
                elif m := SUMMARY_RE.match(line):
                    seconds = float(m.group(1))  # today's line; prefer a `rebuilt in` line that follows it
                    while (more := next_line(0.3)) is not None:
                        if m2 := REBUILT_RE.search(more):
                            seconds = float(m2.group(1))
                            break
            times.append(seconds)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=1000, help="pages in the main site (default 1000)")
    ap.add_argument("--repeat", type=int, help="rounds (default 5, --quick 2)")
    ap.add_argument("--big", type=int, help="pages in the large site (default 10 x --pages; 0 skips it; --quick: 0)")
    ap.add_argument("--big-repeat", type=int, default=1, help="cold builds of the large site (default 1)")
    ap.add_argument("--quick", action="store_true", help="fewer repeats, no large site")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, metavar="FILE", help="save the figures as JSON")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--keep", type=Path, metavar="DIR", help="generate the sites in DIR and keep them")
    where.add_argument("--dir", type=Path, metavar="DIR", default=DEFAULT_PARENT,
                       help="make the working folder DIR/pages-<random>, deleted at the end "
                            "(default: bench/out under the repository)")
    args = ap.parse_args()
    repeat = args.repeat or (2 if args.quick else 5)
    big = args.big if args.big is not None else (0 if args.quick else 10 * args.pages)
    hugo = find_hugo()
    if hugo is None:
        print("error: hugo is not installed and could not be installed (apt-get install hugo); "
              "the ratios to Hugo cannot be measured", file=sys.stderr)
        return 2
    version = subprocess.run([hugo, "version"], check=True, capture_output=True, text=True).stdout.split()[1]
    if args.keep is not None:
        root = args.keep.resolve()
        root.mkdir(parents=True, exist_ok=True)
    else:
        parent = args.dir.resolve()
        parent.mkdir(parents=True, exist_ok=True)
        root = Path(tempfile.mkdtemp(prefix="pages-", dir=parent))
    figures: list[Figure] = []
    try:
        ours, site = generate(root / f"p{args.pages}", args.pages, args.seed)
        out, hugo_out = root / f"p{args.pages}" / "ours_out", root / f"p{args.pages}" / "hugo_out"
        print(f"{args.pages} pages, {repeat} rounds, {hugo} {version}, python {sys.version.split()[0]}, "
              f"{os.cpu_count()} cpus, sites in {root}", flush=True)
        ours_build(ours, out, cold=True)  # warm-up (byte code, page cache): not counted
        hugo_build(hugo, site, hugo_out)
        rows: dict[str, list[float]] = {k: [] for k in ("hugo", "cold", "noop", "edit")}
        for n in range(repeat):
            rows["hugo"].append(hugo_build(hugo, site, hugo_out)[0])
            rows["cold"].append(ours_build(ours, out, cold=True)[0])
            rows["noop"].append(ours_build(ours, out, cold=False)[0])
            edit_page(ours, n)
            rows["edit"].append(ours_build(ours, out, cold=False)[0])
            print(f"  round {n + 1}: " + ", ".join(f"{k} {v[-1]:.3f} s" for k, v in rows.items()), flush=True)
        ratio = {k: [a / h for a, h in zip(rows[k], rows["hugo"])] for k in ("cold", "noop", "edit")}
        figures += [
            Figure("hugo full build", rows["hugo"]),
            Figure("ours cold build", rows["cold"]),
            Figure("  ratio cold / hugo", ratio["cold"], "x", 2.5),
            Figure("ours no-op rebuild", rows["noop"]),
            Figure("  ratio no-op / hugo", ratio["noop"], "x", 1.0),
            Figure("ours one-page edit (new process)", rows["edit"]),
            Figure("  ratio edit / hugo", ratio["edit"], "x", 0.6),
        ]
        edits = serve_edits(ours, out, 3 if args.quick else repeat)
        figures.append(Figure("ours one-page edit in serve", edits, "s", 0.1, "(serve's own figure)"))
        if big:
            ours_big, site_big = generate(root / f"p{big}", big, args.seed)
            print(f"{big} pages generated", flush=True)
            runs = [ours_build(ours_big, root / f"p{big}" / "ours_out", cold=True) for _ in range(args.big_repeat)]
            hugo_big = hugo_build(hugo, site_big, root / f"p{big}" / "hugo_out")[0]
            cold_1k = statistics.median(rows["cold"])
            figures += [
                Figure(f"hugo full build, {big} pages", [hugo_big]),
                Figure(f"ours cold build, {big} pages", [t for t, _ in runs]),
                Figure(f"  ratio to {args.pages}-page cold", [t / cold_1k for t, _ in runs], "x",
                       big / args.pages * 1.1),
                Figure(f"  peak RSS, {big} pages", [rss / 2**20 for _, rss in runs], "GB", 1.0, "(GiB, max RSS)"),
            ]
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    print()
    for fig in figures:
        print(fig.line().rstrip())
    failed = sum(fig.passed is False for fig in figures)
    print(f"\n{failed} of {sum(fig.target is not None for fig in figures)} targets missed")
    if args.json:
        data = {"pages": args.pages, "big": big, "repeat": repeat, "hugo": version,
                "figures": [asdict(f) | {"median": f.median, "passed": f.passed} for f in figures]}
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
