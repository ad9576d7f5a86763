"""Films made by a next-frame network, as a feature: no stage of the build, two commands of its own
(``build.py next-frame-film``, ``build.py reenact``) that each write a film folder the next build treats like
any other (see :mod:`generator.nextframe`)."""

from __future__ import annotations

from ..features.base import Command, Feature
from .command import (
    NEXT_FRAME_DESCRIPTION,
    REENACT_DESCRIPTION,
    add_next_frame_arguments,
    add_reenact_arguments,
    run_next_frame,
    run_reenact,
)


class NextFrameFeature(Feature):
    name = "nextframe"

    def commands(self) -> list[Command]:
        return [
            Command("next-frame-film", "dream a film with a next-frame network trained on one of the site's films",
                    NEXT_FRAME_DESCRIPTION, add_next_frame_arguments, run_next_frame),
            Command("reenact", "re-enact the face of one film with the face landmarks of another",
                    REENACT_DESCRIPTION, add_reenact_arguments, run_reenact),
        ]
