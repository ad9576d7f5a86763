"""The identity of the ``describe`` captioner (what decides its sentences besides the image), computed
without creating it: a build whose captions are all cached never imports the captioner or numpy."""

from __future__ import annotations

import importlib.util

from ..config import CaptionSettings
from ..models.ids import MODEL_ID, VOCABULARY_VERSION

DESCRIBE_VERSION = 2  # bump when describe's sentences for the same model and settings change (2: faces found
# reliably, one detector per thread)
SCENE_VERSION = 1  # bump when the scene attributes (colour, light, sky) change
PAREIDOLIA_VERSION = 1  # bump when the pareidolia reading's sentences change


def faces_available() -> bool:
    """dlib can be imported (checked without importing it)."""
    return importlib.util.find_spec("dlib") is not None


def describe_identity(spec: str, settings: CaptionSettings) -> str:
    faces = "dlib-hog" if settings.faces and faces_available() else "off"
    # the literal reading adds nothing, so captions cached before readings existed stay valid
    reading = "" if settings.reading == "literal" else f"/reading={settings.reading}{PAREIDOLIA_VERSION}"
    return (f"describe/v{DESCRIBE_VERSION}/vocab{VOCABULARY_VERSION}/scene{SCENE_VERSION}/{MODEL_ID}"
            f"/faces={faces}/min_confidence={settings.min_confidence:g}{reading}")
