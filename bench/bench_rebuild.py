"""No-op rebuild: how long `python build.py` takes when nothing changed, against the cold build, on a
copy of the demo. Both measured in this run. Target: the no-op rebuild, whole process, <= 0.4 s.

    .venv/bin/python bench/bench_rebuild.py [--content content] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# children keep their bytecode caches, as on any installed machine
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
NOOP_TARGET_S = 0.4  # no-op rebuild of the demo, whole process (interpreter start included)


def timed_build(content: Path, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, str(REPO / "build.py"), "--content", str(content), "--out", str(out), "-q"],
                   check=True, cwd=REPO, env=CHILD_ENV)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--content", type=Path, default=REPO / "content")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(args.content, content, ignore=shutil.ignore_patterns(".cache", ".publish"))
        out = Path(tmp) / "_site"
        cold = timed_build(content, out)
        noop = [timed_build(content, out) for _ in range(args.repeat)]
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import generator.cli"], check=True, cwd=REPO, env=CHILD_ENV)
        python_start = time.perf_counter() - start
    med = statistics.median(noop)
    print(f"cold build (empty cache):      {cold:8.2f} s")
    print(f"no-op rebuild (median of {args.repeat}):  {med:8.3f} s   (min {min(noop):.3f}, max {max(noop):.3f})")
    print(f"  of which interpreter start + import generator.cli: {python_start:.3f} s")
    print(f"ratio no-op / cold:            {med / cold:8.4f}")
    verdict = "PASS" if med <= NOOP_TARGET_S else "FAIL"
    print(f"target: no-op rebuild <= {NOOP_TARGET_S} s whole process: {med:.3f} s  {verdict}")


if __name__ == "__main__":
    main()
