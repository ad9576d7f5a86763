"""The optional features of a build, in the order their hooks run (see :mod:`generator.features.base`).

Adding a feature: write a package with a ``feature.py`` whose class derives from
:class:`~generator.features.base.Feature`, and name it in :data:`FEATURES` below. Nothing else changes:
its settings section, stages and cache namespaces, pages, nav entries, search records, commands and
review queues all come from that class.

Each hook runs for every feature before the next hook of the build (dreams' films are made before the
media stage wherever dreams stands in the list). The order matters where one feature lists what others
gave: the dreams index lists the collages' section, so ``dreams`` comes after ``collages``; search
indexes every other feature's records, so it comes last.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import Feature

#: "module:Class" of every feature, in hook order. Imported on first use (each feature.py is light: its
#: heavy work is imported inside the hooks that find something to do).
FEATURES: tuple[str, ...] = (
    "generator.stories.feature:StoriesFeature",
    "generator.narration.feature:NarrationFeature",
    "generator.labels.feature:LabelsFeature",
    "generator.portraits.feature:PortraitsFeature",
    "generator.collage.feature:CollagesFeature",
    "generator.dreams.feature:DreamsFeature",
    "generator.nextframe.feature:NextFrameFeature",
    "generator.iiif.feature:IIIFFeature",
    "generator.search.feature:SearchFeature",
)


@cache
def feature_classes() -> tuple[type[Feature], ...]:
    out = []
    for target in FEATURES:
        module, _, name = target.partition(":")
        out.append(getattr(importlib.import_module(module), name))
    return tuple(out)


def create_features() -> list[Feature]:
    """One fresh instance of every feature for one build (a hook may keep what a later hook of the same
    build needs on ``self``)."""
    return [cls() for cls in feature_classes()]


def settings_sections() -> dict[str, type]:
    """site.toml section name -> settings dataclass, of every feature that has one."""
    out: dict[str, type] = {}
    for cls in feature_classes():
        if cls.settings is not None and cls.section and cls.section not in out:
            out[cls.section] = cls.settings
    return out
