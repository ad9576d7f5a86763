"""The Captioner interface and its registry.

A captioner turns keyframe images into one English sentence each. Backends register under a name
(``describe``) or a prefix (``hf:`` followed by a model id or path). Creating a captioner must be
cheap: models load on the first call to :meth:`Captioner.caption`, so a build whose captions all come
from the cache never imports torch.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Callable

from ..config import CaptionSettings
from ..errors import ConfigError


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

    def close(self) -> None:
        """Free the model (optional)."""


CaptionerFactory = Callable[[str, CaptionSettings], Captioner]

# name or prefix -> "module:attribute" of the backend class, imported only when asked for
_BACKENDS: dict[str, str] = {
    "describe": "generator.captions.describe:DescribeCaptioner",
    "hf": "generator.captions.hf:HFCaptioner",
}


def register_captioner(name: str, target: str) -> None:
    """Register a backend by name (or prefix before ':') as ``"package.module:ClassName"``."""
    _BACKENDS[name] = target


def available_captioners() -> list[str]:
    return sorted(_BACKENDS)


def create_captioner(spec: str, settings: CaptionSettings) -> Captioner:
    """``describe`` or ``hf:Salesforce/blip-image-captioning-base`` or ``hf:/path/to/model``."""
    name = spec.split(":", 1)[0] if ":" in spec else spec
    target = _BACKENDS.get(name)
    if target is None:
        raise ConfigError(f"unknown captioner {spec!r}; choose one of: "
                          + ", ".join(f"{n}" if n != "hf" else "hf:<model id or path>" for n in available_captioners()))
    module_name, _, attr = target.partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    return cls(spec, settings)
