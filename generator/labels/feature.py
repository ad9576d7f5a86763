"""Labels a curator teaches, as a feature: after the map, a probe per label scores the archive (see
:mod:`generator.labels.stage`); the site gets ``labels/`` and a page per label, each archive card and map
record its labels, the map a filter per label, the search each image's label names, and ``serve`` a
review queue per label."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..features.base import Contribution, Core, Feature
from ..model import NavEntry
from .settings import LabelSettings
from .stage import STAGE

if TYPE_CHECKING:
    from ..cache import Cache
    from ..config import Settings
    from ..review.queue import ReviewQueue
    from ..site.render import SiteRenderer
    from ..stages import StageContext


class LabelsFeature(Feature):
    name = "labels"
    stages = (STAGE,)
    settings = LabelSettings
    section = "labels"

    def contribute(self, ctx: StageContext, core: Core) -> Contribution | None:
        if core.site_map is None:  # the probes read the map's embeddings
            return None
        from .page import LABELS_URL, attach_to_map, facts, item_labels, render_labels, thumb_paths
        from .stage import run

        result = run(ctx, core.site_map)
        if result is None:
            return None
        site_map = core.site_map
        labels = item_labels(result)
        thumbs = thumb_paths(site_map) if "archive" in site_map.layers else {}
        attach_to_map(result, labels, site_map)

        def pages(renderer: SiteRenderer) -> None:
            render_labels(result, renderer, True, thumbs)

        return Contribution(
            nav=[NavEntry("Labels", LABELS_URL, "labels", order=40)], item_facts=facts(labels),
            search_terms={item_id: [name for name, _, _, _ in mine] for item_id, mine in labels.items()},
            pages=pages, summary=result.summary())

    def review_queues(self, content_dir: Path, cache: Cache, settings: Settings) -> list[ReviewQueue]:
        from .queue import label_queues

        return label_queues(content_dir, settings, cache)
