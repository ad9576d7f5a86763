"""The review queues of a site folder, as ``build.py serve`` offers them on /review/: every feature's (a
queue per taught label, the collages' keep-or-discard), in the features' order."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..cache import Cache
    from ..config import Settings
    from .queue import ReviewQueue


def review_queues(content_dir: Path, settings: Settings, cache: Cache) -> list[ReviewQueue]:
    from ..features import create_features

    return [q for f in create_features() for q in f.review_queues(content_dir, cache, settings)]
