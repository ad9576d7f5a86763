"""The portrait matcher as a feature: after the map, every archive image and the keyframes of the filmed
films searched for faces (see :mod:`generator.portraits.stage`); the site gets ``portraits/``, a gallery of
those faces where a visitor's photo is matched in the browser (face-api from node_modules: without it, one
warning and no page)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..features.base import Contribution, Core, Feature
from ..model import NavEntry
from ..registry import register
from .settings import PortraitsSettings
from .stage import STAGE

# the parts this feature brings to the one registry (see generator.registry)
register("face-detector", "hog", "generator.portraits.finder:FaceFinder", requires=("dlib",),
         install="pip install -e .[portraits]", kind_summary="finds the faces of the portrait matcher ([portraits] "
                                                             "detector)",
         summary="dlib's HOG + linear SVM frontal face detector: ~0.1 s per 512 px picture on a CPU")
register("face-detector", "cnn", "generator.portraits.finder:FaceFinder", requires=("dlib", "face_recognition_models"),
         install="pip install -e .[portraits]",
         summary="dlib's MMOD CNN face detector (face-recognition-models): more poses, several times slower")

if TYPE_CHECKING:
    from ..site.render import SiteRenderer
    from ..stages import StageContext


class PortraitsFeature(Feature):
    name = "portraits"
    stages = (STAGE,)
    settings = PortraitsSettings
    section = "portraits"

    def contribute(self, ctx: StageContext, core: Core) -> Contribution | None:
        from .stage import run

        found = run(ctx, core.site.archive, core.site.films, with_map=core.site_map is not None)
        if found is None or not found.faces:
            return None
        from .page import PORTRAITS_URL, face_api_missing, render_portraits

        if face_api_missing(ctx.reporter):  # warned: without face-api the page finds no face
            return None

        def pages(renderer: SiteRenderer) -> None:
            render_portraits(found, renderer, renderer.out)

        return Contribution(nav=[NavEntry("Portraits", PORTRAITS_URL, "portraits", order=41)], pages=pages)
