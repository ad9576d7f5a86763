"""``[labels]``: the settings of the labels a curator teaches, with their rules."""

from __future__ import annotations

from dataclasses import dataclass

from ..setting_rules import INSIDE_SITE, above, at_least, between, setting, strictly_between


@dataclass
class LabelSettings:
    """``[labels]``: labels a curator teaches (``labels/<name>.csv`` or ``labels/<name>/`` in the site folder)."""

    folder: str = setting("labels", INSIDE_SITE)  # in the site folder: <name>.csv (file,decision yes/no) and/or <name>/
    # example images
    C: float = setting(10.0, above(0))  # inverse L2 regularisation of the logistic probe (smaller: smoother, for few
    # examples)
    min_examples: int = setting(4, at_least(2))  # decisions (at least one yes and one no) before the probe scores the
    # archive
    cv_folds: int = setting(5, at_least(2))  # stratified k-fold cross-validation (fewer when a class has fewer
    # examples)
    review_batch: int = setting(8, between(1, 64))  # images the review page holds ahead (decoded before they are shown)
    retrain_every: int = setting(10, at_least(1))  # the review server retrains the probe after this many new decisions
    threshold: float = setting(0.5, strictly_between(0, 1))  # machine confidence from which an image counts as having
    # the label
    assumed_negatives: int = setting(3, at_least(0))  # a label with no "no" yet: this many unlabelled images per yes
    # stand in as no
    seed: int = 42
