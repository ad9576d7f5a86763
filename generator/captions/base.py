"""The Captioner interface and its registry.

A captioner turns keyframe images into one English sentence each. Backends register in
:mod:`generator.registry` under a name (``describe``) or a prefix (``hf:`` followed by a model id or
path). Creating a captioner must be
cheap: models load on the first call to :meth:`Captioner.caption`, so a build whose captions all come
from the cache never imports torch.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import registry
from ..config import CaptionSettings, MapSettings

if TYPE_CHECKING:
    from ..cache import Cache
    from ..executors.base import Executor
    from ..model import ArchiveItem
    from ..reporter import Reporter


@dataclass
class CaptionSite:
    """The site a captioner may read besides the pictures (its archive and the curators' metadata), with the
    build's cache, reporter and executor. Given to captioners that set ``uses_site``."""

    content_dir: Path
    cache: Cache
    reporter: Reporter
    map_settings: MapSettings  # the archive's embedder, as the map uses it
    executor: Callable[[], Executor]  # the build's executor, created on first use
    archive: list[ArchiveItem] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # metadata.csv columns besides `file`


class Captioner(ABC):
    """One sentence per image. Subclasses load their model lazily."""

    #: bump when a backend's output for the same model and settings changes
    version: int = 1
    #: True when the sentences depend on the site as well as the picture (the archive's descriptions): the
    #: captions stage calls :meth:`bind` before :meth:`identity`, which then covers what it read there
    uses_site: bool = False
    #: True when :meth:`caption` must run in the build's own process: the stage calls it directly, with every
    #: missing keyframe at once, instead of handing batches to the executor (such a captioner sends its own
    #: heavy work, e.g. embeddings, through ``site.executor()``)
    local_only: bool = False

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

    def bind(self, site: CaptionSite) -> None:  # noqa: B027 - only for captioners with uses_site
        """Read what the sentences depend on from the site (cheaply: no model, no decoding)."""

    def close(self) -> None:  # noqa: B027 - optional for backends, so not abstract
        """Free the model (optional)."""


def register_captioner(name: str, target: str, **fields: Any) -> None:
    """Register a backend by name (or prefix before ':') as ``"package.module:ClassName"``."""
    registry.register("captioner", name, target, **fields)


def create_captioner(spec: str, settings: CaptionSettings) -> Captioner:
    """``describe`` or ``hf:Salesforce/blip-image-captioning-base`` or ``hf:/path/to/model``."""
    captioner: Captioner = registry.create("captioner", spec, settings)
    return captioner
