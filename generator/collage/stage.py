"""Collages: figures cut out of archive images recombined into compositions (see :mod:`generator.collage`),
after the map (which has read every archive image), before render (which publishes the kept ones at
``dreams/collages/``).

Cached twice: each cut-out by (image bytes, cutter, its parameters and model, version), each composition
by its plan (style, seed, size, ground, the cut-outs' keys, the placements). A build with nothing changed
reads one small JSON record per source and per composition and imports no cutter's library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..collage.compose import NAMESPACE as COMPOSITIONS
from ..collage.compose import VERSION as COMPOSITIONS_VERSION
from ..collage.cutouts import NAMESPACE as CUTOUTS
from ..collage.cutouts import VERSION as CUTOUTS_VERSION
from ..stages import StageContext, StageInfo
from .settings import CollageSettings

if TYPE_CHECKING:
    from ..collage.series import Series
    from ..model import ArchiveItem

STAGE = StageInfo("collages", "figures cut out of the archive recombined into collages (dreams/collages/)",
                  section="collages", namespaces=((CUTOUTS, CUTOUTS_VERSION), (COMPOSITIONS, COMPOSITIONS_VERSION)),
                  phase="contribute")


def run(ctx: StageContext, archive: list[ArchiveItem]) -> Series | None:
    """None when ``[collages] count`` is 0 (the default) or nothing could be made."""
    settings = ctx.settings.of(CollageSettings)
    if settings.count <= 0 or not archive:
        return None
    from ..registry import resolve

    entry = resolve("cutter", settings.cutter)
    if entry.unavailable():  # only "auto" gets here (validation refuses the others): the demo builds without it
        ctx.reporter.info(f"collages: skipped, the cutters need {entry.unavailable()}")
        return None
    from ..collage.series import make_series

    series = make_series(ctx.content_dir, archive, settings, ctx.cache, ctx.reporter)
    if series is not None:
        kept = len(series.published())
        state = (f"{kept} kept of {len(series.compositions)}" if series.reviewed
                 else f"{kept} (none reviewed yet: all published; keep or discard them in build.py serve)")
        ctx.reporter.info(f"collages: {len(series.compositions)} composition(s) cut by {series.cutter}; "
                          f"published: {state}")
    return series
