"""Films made by a next-frame network, as a feature: no stage of the build, two commands of its own
(``build.py next-frame-film``, ``build.py reenact``) that each write a film folder the next build treats like
any other (see :mod:`generator.nextframe`)."""

from __future__ import annotations

from ..features.base import Command, Feature
from ..registry import register
from .command import (
    NEXT_FRAME_DESCRIPTION,
    REENACT_DESCRIPTION,
    add_next_frame_arguments,
    add_reenact_arguments,
    run_next_frame,
    run_reenact,
)

# the parts this feature brings to the one registry (see generator.registry)
register("film-maker", "next-frame-film", "generator.nextframe.make:next_frame_film", requires=("torch",),
         install="pip install -e .", kind_summary="makes a synthetic film from a site film (build.py next-frame-film, "
                                                  "build.py reenact; not part of the default build)",
         summary="a next-frame U-Net trained on the film, run on its own output with noise and footage fed back")
register("film-maker", "reenact", "generator.nextframe.make:reenact",
         requires=("torch", "dlib", "face_recognition_models"), install="pip install -e .[faces]",
         summary="pix2pix-style: dlib's 68 face landmarks drawn, turned into the target film's face, driven by "
                 "another film's landmarks")


class NextFrameFeature(Feature):
    name = "nextframe"

    def commands(self) -> list[Command]:
        return [
            Command("next-frame-film", "dream a film with a next-frame network trained on one of the site's films",
                    NEXT_FRAME_DESCRIPTION, add_next_frame_arguments, run_next_frame),
            Command("reenact", "re-enact the face of one film with the face landmarks of another",
                    REENACT_DESCRIPTION, add_reenact_arguments, run_reenact),
        ]
