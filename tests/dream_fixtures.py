"""A tiny site that dreams: one archive image, one short film, the channel atlas; every size small so a
cold build dreams in seconds on one thread (used by tests/test_dreams_build.py and the browser test)."""

from __future__ import annotations

from pathlib import Path

from archive_fixtures import pattern
from media_fixtures import make_clip

SITE_TOML = """\
[site]
title = "Dream test"

[dreams]
images = { "pattern.jpg" = "tiny" }
films = { clip = "tiny" }
atlas = true
atlas_layer = 3
atlas_channels = 4
atlas_size = 48
atlas_steps = 2
film_seconds = 1.0
film_size = 64
film_fps = 5
carry_steps = 1
threads = 1

[dreams.presets.tiny]
layer = 3
octaves = 2
steps = 2
size = 64
"""


def make_dream_site(root: Path, site_toml: str = SITE_TOML) -> Path:
    content = root / "content"
    (content / "archive").mkdir(parents=True)
    pattern("stripes", 0, (96, 72)).save(content / "archive" / "pattern.jpg", quality=92)
    folder = content / "films" / "clip"
    folder.mkdir(parents=True)
    make_clip(folder / "clip.mp4", duration=2, size="128x96", cuts=(1.0,), sources=("mandelbrot", "testsrc2"))
    (folder / "index.md").write_text("---\ntitle: Clip\nvideo: clip.mp4\n---\nA short clip.\n", encoding="utf-8")
    (content / "site.toml").write_text(site_toml, encoding="utf-8")
    return content
