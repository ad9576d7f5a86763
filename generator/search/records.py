"""What the site-wide search finds: one record per page, film essay, cue of the machine's speech and archive
image, each with the address a hit opens and the kind it is filtered by.

- a **page** or a film's essay: its HTML (headings become sub-results), at the page's address; a film's
  hit shows its poster and its length, as its card does;
- a **cue**: its text, at ``films/<slug>/#t=<start>``, which the film page's player seeks to;
- an **archive** image: its title, description and other metadata, the machine's labels and the name of
  its region of the map, at ``map/#item=<id>`` (``archive/#item-…`` on a site built without the map).

Features contribute through the site model (:class:`generator.features.base.Contribution`):
``site.search_records``, records indexed with the rest (any ``kind`` becomes a filter), and
``site.search_terms``, ``{archive item id: [words]}`` added to that item's record (e.g. the labels a
curator taught that the image carries).

Addresses are relative to the site root; the bundle lives at ``pagefind/`` of the root, from which
Pagefind's script derives the base it puts in front of them, so the site works from any sub-path.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..model import Film, SearchRecord, SiteModel
from ..site.views import anchor_id, film_duration, page_summary, poster_keyframe, url_path
from ..timefmt import clock, short_duration

if TYPE_CHECKING:
    from ..archive.mapdata import MapResult
    from ..cache import Cache

KINDS = ("speech", "page", "archive")  # the built-in filters, in the order the search page offers them
ARCHIVE_PAGE = 500  # as generator.site.render.ARCHIVE_PAGE (not imported: that module pulls in jinja2)


def records_digest(records: Iterable[SearchRecord]) -> str:
    h = hashlib.sha256()
    import json

    for r in records:
        h.update(json.dumps(r.identity(), ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        h.update(b"\x1e")
    return h.hexdigest()


def speech_records(film: Film) -> list[SearchRecord]:
    """Every cue of the film: its text, at the film's address with ``#t=`` its start."""
    keyframes = sorted(film.keyframes, key=lambda k: k.time)
    times = [k.time for k in keyframes]
    base = url_path(film.url)
    out = []
    for cue in film.cues:
        meta = {"time": clock(cue.start), "film": film.title, "kind": "speech"}
        i = bisect_right(times, cue.start + 0.05) - 1  # the keyframe the caption was written for (as views.py)
        if i >= 0:
            meta["image"] = f"{base}frames/{keyframes[i].index}.jpg"
        out.append(SearchRecord("speech", f"{base}#t={cue.start:.2f}", film.title, cue.text, meta))
    return out


def film_record(film: Film) -> SearchRecord:
    """The film's page as a page: its title, summary and essay, with its poster (the one its page and card
    show) and its length (in the same whole seconds as everywhere)."""
    from markupsafe import escape

    summary = f"<p>{escape(film.summary)}</p>" if film.summary else ""
    meta = {"kind": "page", "type": "Film"}
    if poster_keyframe(film) is not None:
        meta["image"] = f"{url_path(film.url)}poster.jpg"
    duration = film_duration(film)
    if duration > 0:
        meta["duration"] = short_duration(duration)
    return SearchRecord("page", url_path(film.url), film.title, meta=meta, html=summary + film.essay_html)


def page_records(site: SiteModel, cache: Cache | None) -> list[SearchRecord]:
    from ..site.content import page_html

    out = []
    for page in site.pages:
        meta = {"kind": "page"}
        summary = page_summary(page.meta)
        if summary:
            meta["summary"] = summary
        source = page.body_key or hashlib.sha256(page.body_html.encode("utf-8")).hexdigest()
        out.append(SearchRecord("page", url_path(page.url), page.title, meta=meta, source=source,
                                load=lambda page=page: page_html(page, cache)))  # type: ignore[misc]
    return out


def _map_link(item_id: str) -> str:
    return "map/#item=" + quote(item_id, safe="-_.!~*'()")  # what encodeURIComponent gives (map/hash.js reads it)


def archive_records(site: SiteModel, site_map: MapResult | None) -> list[SearchRecord]:
    """One record per archive image: from the map's records (with its labels and region names) when the
    site has a map, else from the archive's metadata, linked to the image on the archive's pages."""
    terms = site.search_terms
    layer = site_map.layers.get("archive") if site_map is not None else None
    if layer is not None and site_map is not None:
        regions = {int(c["id"]): str(c.get("name") or "") for c in site_map.manifest.get("clusters", [])}
        out = []
        for rec in layer.records:
            metadata = [(str(k), str(v)) for k, v in rec.get("m", []) if v and str(k).lower() != "title"]
            labels = [str(name) for _, name, _ in rec.get("l", [])]
            region = regions.get(int(rec.get("c", -1)), "")
            out.append(_archive_record(str(rec["id"]), str(rec["t"]), metadata, labels, region,
                                       terms.get(str(rec["id"]), []), _map_link(str(rec["id"])),
                                       "map/" + str(rec["img"]) if rec.get("img") else ""))
        return out
    taken: set[str] = set()
    out = []
    for n, item in enumerate(site.archive):
        anchor = anchor_id("item-", item.id, taken)  # the archive pages' own anchors, made the same way
        page = n // ARCHIVE_PAGE + 1
        where = "archive/" if page == 1 else f"archive/page/{page}/"
        metadata = [(k, v) for k, v in item.metadata.items() if v and k.lower() != "title"]
        out.append(_archive_record(item.id, item.title, metadata, [], "", terms.get(item.id, []),
                                   f"{where}#{anchor}", "archive/files/" + url_path(item.id)))
    return out


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text[-1:] in ".!?…" else text + "."


def _archive_record(item_id: str, title: str, metadata: list[tuple[str, str]], labels: list[str], region: str,
                    taught: list[str], url: str, image: str) -> SearchRecord:
    # the description first: it makes the best excerpt; then each field as a sentence of its own ("Creator:
    # NASA."), so that an excerpt reads as sentences and not as a run of values
    metadata.sort(key=lambda kv: kv[0].lower() != "description")
    parts = [_sentence(v if k.lower() == "description" else f"{k[:1].upper()}{k[1:]}: {v}") for k, v in metadata]
    if labels:
        parts.append("The machine sees: " + ", ".join(labels) + ".")
    if region:
        parts.append(f"On the map among {region}.")
    if taught:
        parts.append("Labels: " + ", ".join(taught) + ".")
    meta = {"kind": "archive", "id": item_id}
    if image:
        meta["image"] = image
    return SearchRecord("archive", url, title, " ".join(parts), meta)


def site_records(site: SiteModel, site_map: MapResult | None, cache: Cache | None) -> list[SearchRecord]:
    """Every record of the site, in a stable order: pages, films (essay, then cues), archive, contributed."""
    records = page_records(site, cache)
    for film in site.films:
        records.append(film_record(film))
        records += speech_records(film)
    records += archive_records(site, site_map)
    records += site.search_records
    return records
