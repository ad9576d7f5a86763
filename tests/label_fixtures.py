"""An archive for the taught labels' tests: synthetic pictures in six shapes, half of them in warm colours
(reds, oranges, yellows) and half in cool ones (blues, cyans, violets). "warm" is a label no ImageNet class
names, which a curator teaches from a handful of examples; the colour-histogram embedder of bench/map/synth.py
sees it, so the tests need no model."""

from __future__ import annotations

import colorsys
import csv
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench" / "map"))
import synth  # noqa: E402


def mood_image(i: int, size: int = 64) -> tuple[np.ndarray, bool]:
    """Picture i and whether it is warm (every other pair, so warmth does not follow the shape)."""
    rng = np.random.default_rng(7000 + i)
    warm = (i // 2) % 2 == 0
    hue = rng.uniform(0.0, 0.14) if warm else rng.uniform(0.5, 0.75)
    base = np.array(colorsys.hsv_to_rgb(hue, rng.uniform(0.6, 1.0), rng.uniform(0.7, 1.0)))
    other = np.array(colorsys.hsv_to_rgb(hue + rng.uniform(-0.04, 0.04), rng.uniform(0.3, 0.8), rng.uniform(0.15, 0.4)))
    shape = synth.synth_image(i, size).astype(np.float32).mean(-1, keepdims=True) / 255.0
    mask = (shape > shape.mean()).astype(np.float32)
    img = mask * base + (1 - mask) * other
    return (np.clip(img, 0, 1) * 255).astype(np.uint8), warm


def make_mood_archive(content: Path, n: int = 48, size: int = 64) -> dict[str, bool]:
    """``n`` images under content/archive with a metadata.csv; returns id -> warm."""
    root = content / "archive"
    root.mkdir(parents=True, exist_ok=True)
    truth: dict[str, bool] = {}
    for i in range(n):
        img, warm = mood_image(i, size)
        rel = f"img{i:03d}.jpg"
        Image.fromarray(img).save(root / rel, quality=90)
        truth[rel] = warm
    with open(root / "metadata.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "title"])
        for i, rel in enumerate(truth):
            w.writerow([rel, f"{synth.FAMILIES[i % 6].title()} no. {i}"])
    return truth


def colour_embedder() -> None:
    from generator.archive.embed import register_embedder

    register_embedder("colour", "synth:ColourEmbedder")


SITE_TOML = """
[map]
embedder = "colour"
layouts = ["tsne", "grid"]
layout = "grid"
tsne_iter = 120
"""


def start_serve(content: Path, out: Path, timeout: float = 240):  # type: ignore[no-untyped-def]
    """`build.py serve` of ``content`` in a child process, with the colour embedder registered (as a site's
    plug-in would be): (process, "http://127.0.0.1:<port>/"). The caller terminates the process."""
    import re
    import subprocess
    import textwrap
    import time

    repo = Path(__file__).resolve().parents[1]
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(repo / "tests")!r})
        from label_fixtures import colour_embedder
        colour_embedder()
        from generator.cli import main
        sys.exit(main(["serve", "--content", {str(content)!r}, "--out", {str(out)!r}, "--port", "0", "--no-reload"]))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=repo, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = proc.stderr.readline() if proc.stderr else ""
        if not line and proc.poll() is not None:
            break
        m = re.search(r"serving .* at (http://127\.0\.0\.1:\d+/)", line)
        if m:
            import threading

            # keep reading what it says, so a full pipe never blocks it
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()  # type: ignore[union-attr]
            return proc, m.group(1)
    proc.terminate()
    raise RuntimeError("serve never said where it listens")
