"""``[collages]`` checked with the rest of ``site.toml``, before any work (called by :mod:`generator.config`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import registry
from ..errors import ConfigError

if TYPE_CHECKING:
    from .settings import CollageSettings


def collage_problems(c: CollageSettings) -> list[str]:
    """Every problem of ``[collages]``, one line each (the IS-Net model's absence among them, before any work)."""
    out = []
    try:
        entry = registry.resolve("cutter", c.cutter)
    except ConfigError as exc:
        return [f"[collages] {exc.message}"]
    if c.count and entry.unavailable() and entry.name != "auto":  # auto without OpenCV: the stage says it skips
        out.append(f"[collages] cutter {c.cutter!r} cannot run here: {entry.unavailable()}")
    if c.count and entry.name == "isnet":  # the model is an optional tool: its absence is said before any work
        from .isnet_model import missing_model

        problem = missing_model(c.cutter)
        if problem:
            out.append(f"[collages] {problem}")
    if not 0 <= c.count <= 10_000:
        out.append(f"[collages] count must be between 0 and 10000, got {c.count}")
    if not 128 <= c.size <= 8192:
        out.append(f"[collages] size must be between 128 and 8192 pixels, got {c.size}")
    from .styles import STYLES

    bad = [s for s in c.styles if s not in STYLES]
    if bad or not c.styles:
        out.append(f"[collages] styles: unknown {bad or 'empty list'}; choose from {', '.join(STYLES)}")
    bad = [s for s in c.sources if s.startswith("/") or ".." in s.split("/")]
    if bad:
        out.append(f"[collages] sources are folders or files inside archive/, got {bad}")
    return out
