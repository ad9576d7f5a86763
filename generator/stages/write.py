"""Write: the output tree into a staging folder, swapped in for ``--out`` only when complete. The staging
folder is the site from before the previous build, kept in the cache and brought up to date, so a build
writes only the files that changed (and a no-op build nothing)."""

from __future__ import annotations

from pathlib import Path

from ..site.staging import Staging
from ..site.write import PreviousSite, begin, write_tree
from . import StageContext, StageInfo
from .render import Rendered

SPARE = "site"  # the cache's scratch folder for the staging and spare sites (see generator.site.write)
STAGE = StageInfo("write", "the output folder, replaced atomically; unchanged files linked", section="build")


def start(ctx: StageContext, out_dir: Path) -> Staging:
    """Begin preparing the staging folder in the background, from the start of the build (see
    :mod:`generator.site.staging`); before :func:`previous`, as it may first restore an interrupted swap."""
    return begin(out_dir, ctx.content_dir, ctx.cache.scratch(SPARE))


def previous(out_dir: Path) -> PreviousSite:
    """What the last build wrote to ``out_dir`` (empty when it did not, or the folder is not ours)."""
    return PreviousSite(out_dir)


def run(ctx: StageContext, rendered: Rendered, out_dir: Path, before: PreviousSite, staging: Staging) -> int:
    """How many files the new site holds."""
    return write_tree(rendered.tree, out_dir, ctx.content_dir, before, keep=ctx.cache.scratch(SPARE), staging=staging)
