"""What the build publishes of the taught labels: ``labels/`` (every label), ``labels/<slug>/`` (the images
with the label, most confident first), the map's filter data (one byte of confidence per archive item, in
map order, fetched only when the filter is used) and each item's labels in the map's records and on the
archive page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..site.views import url_path

if TYPE_CHECKING:
    from ..archive.mapdata import MapResult
    from ..labels.stage import LabelsResult, TaughtLabel
    from ..site.render import SiteRenderer

LABELS_URL = "labels/"
TAUGHT_DIR = "taught/"  # under the archive layer's data folder


@dataclass(frozen=True)
class LabelCard:
    """One image of a label page."""

    id: str
    title: str
    img: str  # relative to the label page
    href: str  # the item on the map
    percent: int
    decided: str  # "yes" / "no" / "" (the machine's alone)


@dataclass(frozen=True)
class LabelSummary:
    name: str
    slug: str
    has: int
    yes: int
    no: int
    accuracy: str  # "0.92 (5-fold)" or why there is none
    cover: tuple[str, ...]  # a few images, relative to labels/


def _percent(p: float) -> int:
    return int(round(float(p) * 100))


def _accuracy(lab: TaughtLabel) -> str:
    if not lab.trained:
        return "not trained yet"
    if lab.accuracy is None:
        return "too few decisions to cross-validate"
    return f"{lab.accuracy:.2f} ({lab.folds}-fold cross-validation)"


def item_labels(result: LabelsResult) -> dict[str, list[tuple[str, str, int, str]]]:
    """archive id -> [(name, slug, percent, decided)] of the labels it has (by the curator, or the machine
    at or above the threshold)."""
    out: dict[str, list[tuple[str, str, int, str]]] = {}
    for lab in result.labels:
        for i, item in enumerate(result.items):
            decided = lab.decided.get(item.id, "")
            p = float(lab.scores[i]) if lab.trained else 0.0
            if decided == "yes" or (not decided and lab.trained and p >= result.threshold):
                out.setdefault(item.id, []).append((lab.name, lab.slug, _percent(p), decided))
    return out


def facts(labels: dict[str, list[tuple[str, str, int, str]]]) -> dict[str, list[tuple[str, str]]]:
    """archive id -> the "Labels" line of its archive card."""
    return {item_id: [("Labels", ", ".join(f"{name} ({'the curator’s' if d else f'{pct} %'})"
                                           for name, _, pct, d in mine))] for item_id, mine in labels.items()}


def attach_to_map(result: LabelsResult, labels: dict[str, list[tuple[str, str, int, str]]],
                  site_map: MapResult) -> None:
    """Give the map what it shows of the labels (before anything is rendered): the filter's data and each
    item's labels in its record."""
    if "archive" not in site_map.layers:
        return
    layer = site_map.layers["archive"]
    row_of = {item.id: i for i, item in enumerate(result.items)}
    for lab in result.labels:
        rows = np.array([row_of.get(i, -1) for i in layer.ids], np.int64)
        p = np.where(rows >= 0, lab.scores[np.maximum(rows, 0)] if lab.trained else 0.0, 0.0)
        for k, item_id in enumerate(layer.ids):  # the curator's word beats the machine's guess
            d = lab.decided.get(item_id)
            if d:
                p[k] = 1.0 if d == "yes" else 0.0
        codes = np.clip(np.round(p * 254), 0, 254).astype(np.uint8) + 1  # 0: not scored; 1..255: 0..100 %
        if not lab.trained:
            codes[:] = [255 if lab.decided.get(i) == "yes" else (1 if lab.decided.get(i) else 0) for i in layer.ids]
        name = f"{TAUGHT_DIR}{lab.slug}-{lab.key[:10]}.bin"
        site_map.manifest.setdefault("taught", []).append(
            {"name": lab.name, "slug": lab.slug, "file": name, "threshold": result.threshold,
             "href": f"../{LABELS_URL}{url_path(lab.slug)}/"})
        layer.extra[name] = codes.tobytes()
    for rec, fields in zip(layer.records, layer.search):
        mine = labels.get(str(rec.get("id")), [])
        if mine:
            rec["tl"] = [[name, slug, pct, d] for name, slug, pct, d in mine]
            fields.extend(name for name, _, _, _ in mine)


def render_labels(result: LabelsResult, renderer: SiteRenderer, has_map: bool, thumbs: dict[str, str]) -> None:
    """labels/index.html and labels/<slug>/index.html (``thumbs``: archive id -> the map's thumbnail)."""
    summaries = []
    for lab in result.labels:
        cards = _cards(result, lab, thumbs, "../../", has_map)
        summaries.append(LabelSummary(lab.name, lab.slug, len(cards), lab.yes, lab.no, _accuracy(lab),
                                      tuple(c.img[3:] for c in cards[:4])))
        rel = f"{LABELS_URL}{lab.slug}/index.html"
        renderer.page("label.html", rel, "labels", dict(
            page_title=f"Label: {lab.name}", label=summaries[-1], cards=cards, total=len(result.items),
            threshold=_percent(result.threshold), wide=True,
            description=f"{len(cards)} archive images labelled “{lab.name}” by a curator and a machine they taught."))
    renderer.page("labels.html", LABELS_URL + "index.html", "labels", dict(
        page_title="Labels", labels=summaries, total=len(result.items), wide=True,
        description="Labels a curator taught the machine from a few examples, and the images it gives them."))


def _cards(result: LabelsResult, lab: TaughtLabel, thumbs: dict[str, str], root: str,
           has_map: bool) -> list[LabelCard]:
    cards = []
    for i, item in enumerate(result.items):
        decided = lab.decided.get(item.id, "")
        p = float(lab.scores[i]) if lab.trained else (1.0 if decided == "yes" else 0.0)
        if decided == "no" or (not decided and (not lab.trained or p < result.threshold)):
            continue
        img = f"{root}map/{thumbs[item.id]}" if item.id in thumbs else f"{root}archive/files/{url_path(item.id)}"
        href = f"{root}map/#item={url_path(item.id)}" if has_map else f"{root}archive/files/{url_path(item.id)}"
        cards.append(LabelCard(item.id, item.title, img, href, _percent(p), decided))
    # the machine's confidence decides the order; the curator's yes are certain, and shown first
    cards.sort(key=lambda c: (c.decided != "yes", -c.percent, c.id))
    return cards


def thumb_paths(site_map: MapResult) -> dict[str, str]:
    """archive id -> the map's large thumbnail of it (relative to map/)."""
    out: dict[str, Any] = {}
    for rec in site_map.layers["archive"].records if "archive" in site_map.layers else []:
        out[str(rec["id"])] = rec["img"]
    return out
