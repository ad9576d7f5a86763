"""Write: the output tree into a staging folder beside ``--out``, swapped in only when complete; files
unchanged since the previous build are hard-linked from it instead of written again."""

from __future__ import annotations

from pathlib import Path

from ..site.write import PreviousSite, write_tree
from . import StageContext, StageInfo
from .render import Rendered

STAGE = StageInfo("write", "the output folder, replaced atomically", section="build")


def previous(out_dir: Path) -> PreviousSite:
    """What the last build wrote to ``out_dir`` (empty when it did not, or the folder is not ours)."""
    return PreviousSite(out_dir)


def run(ctx: StageContext, rendered: Rendered, out_dir: Path, before: PreviousSite) -> int:
    """How many files the new site holds."""
    return write_tree(rendered.tree, out_dir, ctx.content_dir, before, remove_old_later=ctx.options.in_process)
