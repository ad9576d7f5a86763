"""The Captioner interface and its registry.

A captioner turns keyframe images into one English sentence each. Backends register in
:mod:`generator.registry` under a name (``describe``) or a prefix (``hf:`` followed by a model id or
path). Creating a captioner must be
cheap: models load on the first call to :meth:`Captioner.caption`, so a build whose captions all come
from the cache never imports torch.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from .. import registry
from ..config import CaptionSettings


class Captioner(ABC):
    """One sentence per image. Subclasses load their model lazily."""

    #: bump when a backend's output for the same model and settings changes
    version: int = 1

    def __init__(self, spec: str, settings: CaptionSettings) -> None:
        self.spec = spec
        self.settings = settings

    @abstractmethod
    def identity(self) -> str:
        """What determines the sentences besides the image: model id/weights, settings, version.
        Goes into the cache key; must not load the model."""

    @abstractmethod
    def caption(self, images: list[Path]) -> list[str]:
        """Sentences for a batch of images, in order."""

    def close(self) -> None:  # noqa: B027 - optional for backends, so not abstract
        """Free the model (optional)."""


def register_captioner(name: str, target: str, **fields: Any) -> None:
    """Register a backend by name (or prefix before ':') as ``"package.module:ClassName"``."""
    registry.register("captioner", name, target, **fields)


def create_captioner(spec: str, settings: CaptionSettings) -> Captioner:
    """``describe`` or ``hf:Salesforce/blip-image-captioning-base`` or ``hf:/path/to/model``."""
    captioner: Captioner = registry.create("captioner", spec, settings)
    return captioner
