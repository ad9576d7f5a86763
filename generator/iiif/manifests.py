"""IIIF Presentation API 3.0 manifests: the archive as one Manifest, each film as another.

Pure functions from plain records to JSON-ready dicts; the stage that gathers the records and writes
the files lives elsewhere. What the specification requires (https://iiif.io/api/presentation/3.0/):

- every ``id`` is an absolute HTTP(S) URI, so the site's absolute base URL is needed and checked here;
- labels, summaries and metadata are language maps; curators' texts go under ``none`` (we do not know
  their language), our own words under ``en``;
- a Canvas id has no fragment; each Canvas paints its content through an AnnotationPage in ``items``,
  while captions and descriptions, which are derived from the film rather than part of it, are
  ``supplementing`` Annotations in the Canvas's ``annotations`` (Cookbook recipe 0219);
- ``rights`` must be a Creative Commons or RightsStatements.org URI, given in their ``http`` form.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

CONTEXT = "http://iiif.io/api/presentation/3/context.json"
ARCHIVE_MANIFEST = "iiif/manifest.json"

JSON = dict[str, Any]


@dataclass(frozen=True)
class ImageEntry:
    """One archive picture, with the files the site already publishes for it (all URLs site-relative)."""

    id: str  # archive id, e.g. "ships/plate 47.jpg"
    label: str  # its title
    width: int  # of the original, after EXIF rotation
    height: int
    metadata: Sequence[tuple[str, str]]  # (column, value) pairs, in the order the curator wrote them
    image: str  # the JPEG shown (at most 512 px), e.g. "map/img/ab/abcd.jpg"
    image_size: tuple[int, int]  # (width, height) of that JPEG
    thumbnail: str  # a small JPEG (at most 128 px); "" for none
    thumbnail_size: tuple[int, int]
    service: str = ""  # folder of a level-0 IIIF Image API 3 service (holds info.json); "" for none
    homepage: str = ""  # the page showing it, e.g. "map/#item=ships%2Fplate%2047.jpg"


@dataclass(frozen=True)
class FilmEntry:
    """One film and its published renditions (all URLs site-relative)."""

    slug: str
    title: str
    summary: str
    duration: float  # seconds
    width: int
    height: int
    video: str  # the MP4 rendition
    poster: str  # a JPEG poster; "" for none
    poster_size: tuple[int, int]
    tracks: Sequence[tuple[str, str, str]]  # (URL of a .vtt, language code e.g. "en", label e.g. "Descriptions")
    homepage: str  # the film's page, e.g. "films/<slug>/"
    video_format: str = "video/mp4"


def manifest_path_for_archive() -> str:
    """Where the archive's manifest is written, relative to the site root."""
    return ARCHIVE_MANIFEST


def manifest_path_for_film(slug: str) -> str:
    """Where a film's manifest is written, relative to the site root."""
    if not slug or "/" in slug or slug in {".", ".."}:
        raise ValueError(f"a film slug must be one path segment, not {slug!r}")
    return f"iiif/films/{slug}.json"


# -- URLs ----------------------------------------------------------------------------------------------

# RFC 3986 unreserved characters, sub-delimiters and the few gen-delims a path or query may hold.
_KEEP = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?")
_HEX = frozenset(b"0123456789abcdefABCDEF")


def _quote(part: str) -> str:
    """Percent-encode what may not stand in a URI, keeping ``%XX`` escapes already there.

    Idempotent, so a caller may pass paths quoted or not (the map's ``#item=`` links come quoted, archive
    ids with spaces do not). Undecodable file-name bytes (``surrogateescape``) are encoded as the bytes
    they were, which is the URL the web server will answer to.
    """
    raw = part.encode("utf-8", "surrogateescape")
    out: list[str] = []
    for i, b in enumerate(raw):
        c = chr(b)
        if b < 128 and c in _KEEP:
            out.append(c)
        elif c == "%" and len(raw) > i + 2 and raw[i + 1] in _HEX and raw[i + 2] in _HEX:
            out.append(c)
        else:
            out.append(f"%{b:02X}")
    return "".join(out)


def check_base_url(base_url: str) -> str:
    """The site's absolute base without its trailing slash; ValueError unless it is HTTP(S).

    IIIF ids MUST be HTTP(S) URIs, and a viewer opened from another site resolves nothing relative,
    so manifests cannot be written for a site that does not know its public address.
    """
    parts = urlsplit(base_url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.fragment or parts.query:
        raise ValueError(f"IIIF manifests need the site's absolute http(s) base URL, got {base_url!r}")
    return base_url.strip().rstrip("/")


def absolute(base_url: str, path: str) -> str:
    """The absolute, quoted URL of a site-relative ``path`` (an absolute http(s) URL is kept)."""
    url = path if path.startswith(("http://", "https://")) else check_base_url(base_url) + "/" + path.lstrip("/")
    head, sep, fragment = url.partition("#")
    return _quote(head) + sep + _quote(fragment)


def normalise_rights(rights: str) -> str:
    """A Creative Commons or RightsStatements.org URI in the ``http`` form the spec requires.

    People copy the ``https`` address from their browser; both vocabularies define their URIs as ``http``
    with a trailing slash, so that is what is written. Anything else is a ValueError: the spec allows
    no other values (a free-text licence belongs in ``requiredStatement`` or ``metadata``).
    """
    parts = urlsplit(rights.strip())
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    allowed = {"creativecommons.org": ("/licenses/", "/publicdomain/"), "rightsstatements.org": ("/vocab/",)}
    prefixes = allowed.get(parts.netloc.lower(), ())
    if parts.scheme not in {"http", "https"} or not path.startswith(prefixes) or not prefixes:
        raise ValueError(f"rights must be a Creative Commons or RightsStatements.org URI, not {rights!r}")
    return f"http://{parts.netloc.lower()}{path}"


# -- values --------------------------------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")


def _plain(text: str) -> str:
    """Text that no client will read as HTML.

    Section 4.5 lets ``summary`` and metadata values carry HTML, and says a client tells HTML from plain
    text by the first character being ``<`` and the last ``>``; for plain text that happens to look so it
    recommends an extra whitespace character at the end. So a curator's ``<script>…</script>`` gets a
    trailing space and is shown as the text it is; nothing is stripped or entity-escaped (an ``&lt;``
    would be shown literally by the clients that do treat the value as text). Lone surrogates (from
    undecodable file names) cannot be written as UTF-8 and become U+FFFD.
    """
    text = _SURROGATE.sub("\ufffd", text)
    return text + " " if text.startswith("<") and text.endswith(">") else text


def _lang(text: str, language: str = "none") -> JSON:
    return {language: [_plain(text)]}


def _dimension(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    return value


def _jpeg(url: str, size: tuple[int, int], what: str) -> JSON:
    return {"id": url, "type": "Image", "format": "image/jpeg",
            "width": _dimension(size[0], f"{what} width"), "height": _dimension(size[1], f"{what} height")}


def _homepage(url: str, label: str) -> JSON:
    return {"id": url, "type": "Text", "label": _lang(label), "format": "text/html"}


def _painted(canvas_id: str, body: JSON) -> list[JSON]:
    """The Canvas's ``items``: one AnnotationPage whose one Annotation paints ``body`` on the whole Canvas."""
    annotation = {"id": f"{canvas_id}/annotation", "type": "Annotation", "motivation": "painting",
                  "body": body, "target": canvas_id}
    return [{"id": f"{canvas_id}/page", "type": "AnnotationPage", "items": [annotation]}]


def _manifest_head(manifest_id: str, label: JSON, rights: str, base_url: str, site_title: str) -> JSON:
    head: JSON = {"@context": CONTEXT, "id": manifest_id, "type": "Manifest", "label": label}
    if rights:
        head["rights"] = normalise_rights(rights)
    # The site as the provider (a Manifest SHOULD have one): an Agent needs a URI of its own, so it is the
    # site's address with a fragment, distinct from the homepage it links to.
    if site_title:
        site = absolute(base_url, "")
        head["provider"] = [{"id": f"{site}#publisher", "type": "Agent", "label": _lang(site_title),
                             "homepage": [_homepage(site, site_title)]}]
    return head


def _stem(manifest_id: str) -> str:
    return manifest_id.removesuffix(".json")


# -- the archive ---------------------------------------------------------------------------------------


def _picture_canvas(canvas_id: str, entry: ImageEntry, base_url: str) -> JSON:
    body = _jpeg(absolute(base_url, entry.image), entry.image_size, f"{entry.id!r} image")
    if entry.service:
        # The painted body stays the 512-px JPEG the site already publishes, with the level-0 service
        # beside it, rather than a full-size URL inside the service (which the spec also allows):
        # - Mirador and the Universal Viewer look for an image service on the body first and, when they
        #   find one, deep-zoom through its info.json and tiles whatever the body's id is;
        # - a level-0 pyramid is a folder of static tiles that need not hold a ``full/max`` rendition,
        #   whereas this JPEG surely exists, so clients without Image API support (and thumbnails
        #   strips, and harvesters) still get a picture, and the body's width/height are those of the
        #   file at its id;
        # - the spec forbids only the bare service URL as the body's id.
        body["service"] = [{"id": absolute(base_url, entry.service.rstrip("/")), "type": "ImageService3",
                            "profile": "level0"}]
    label = entry.label or entry.id
    canvas: JSON = {
        "id": canvas_id, "type": "Canvas", "label": _lang(label),
        "width": _dimension(entry.width, f"{entry.id!r} width"),
        "height": _dimension(entry.height, f"{entry.id!r} height"),
    }
    metadata = [{"label": _lang(column), "value": _lang(value)} for column, value in entry.metadata if value]
    if metadata:
        canvas["metadata"] = metadata
    if entry.thumbnail:
        canvas["thumbnail"] = [_jpeg(absolute(base_url, entry.thumbnail), entry.thumbnail_size,
                                     f"{entry.id!r} thumbnail")]
    if entry.homepage:
        canvas["homepage"] = [_homepage(absolute(base_url, entry.homepage), label)]
    canvas["items"] = _painted(canvas_id, body)
    return canvas


def archive_manifest(entries: Sequence[ImageEntry], base_url: str, site_title: str, rights: str = "",
                     *, homepage: str = "") -> JSON:
    """One Manifest for the whole archive: a Canvas per picture, in the order given.

    ``homepage`` (site-relative, optional) is the page that shows the archive, e.g. ``"map/"``. Raises
    ValueError for a base URL that is not absolute HTTP(S), invalid ``rights``, no pictures (a Manifest
    MUST have at least one Canvas) or a picture without positive sizes.
    """
    if not entries:
        raise ValueError("an archive manifest needs at least one picture")
    manifest_id = absolute(base_url, manifest_path_for_archive())
    title = site_title or "Archive"
    manifest = _manifest_head(manifest_id, _lang(title), rights, base_url, title)
    count = f"{len(entries)} picture" + ("" if len(entries) == 1 else "s")
    manifest["summary"] = _lang(f"The picture archive of {title}: {count}.", "en")
    # The pictures are laid out on a map, not read in a sequence: ask viewers not to imply an order.
    manifest["behavior"] = ["unordered"]
    first_thumbnail = next((e for e in entries if e.thumbnail), None)
    if first_thumbnail is not None:
        manifest["thumbnail"] = [_jpeg(absolute(base_url, first_thumbnail.thumbnail), first_thumbnail.thumbnail_size,
                                       f"{first_thumbnail.id!r} thumbnail")]
    if homepage:
        manifest["homepage"] = [_homepage(absolute(base_url, homepage), title)]
    stem = _stem(manifest_id)
    manifest["items"] = [_picture_canvas(f"{stem}/canvas/{n}", entry, base_url)
                         for n, entry in enumerate(entries, start=1)]
    return manifest


# -- films ---------------------------------------------------------------------------------------------


def _tracks_page(canvas_id: str, film: FilmEntry, base_url: str) -> JSON:
    """Captions and descriptions as ``supplementing`` Annotations, one per WebVTT file (Cookbook 0219).

    One Annotation per track rather than a Choice: a Choice offers alternatives (the same captions in
    several languages, recipe 0074), while machine captions and audio descriptions are different kinds
    of text that a player may offer side by side.
    """
    annotations = []
    for n, (url, language, label) in enumerate(film.tracks, start=1):
        body: JSON = {"id": absolute(base_url, url), "type": "Text", "format": "text/vtt",
                      "label": _lang(label, "en")}
        if language:
            # A string, as in the recipe and the Web Annotation model: players hand it to <track srclang>.
            body["language"] = language
        annotations.append({"id": f"{canvas_id}/tracks/{n}", "type": "Annotation", "motivation": "supplementing",
                            "body": body, "target": canvas_id})
    return {"id": f"{canvas_id}/tracks", "type": "AnnotationPage", "items": annotations}


def _poster_canvas(canvas_id: str, poster: JSON) -> JSON:
    """A placeholder Canvas painted with the poster, shown before playback by viewers that support it."""
    placeholder_id = f"{canvas_id}/placeholder"
    return {"id": placeholder_id, "type": "Canvas", "width": poster["width"], "height": poster["height"],
            "items": _painted(placeholder_id, dict(poster))}


def film_manifest(film: FilmEntry, base_url: str, site_title: str, rights: str = "") -> JSON:
    """One Manifest for a film: one Canvas with its duration, the video painted on it, its tracks beside.

    Raises ValueError for a base URL that is not absolute HTTP(S), invalid ``rights``, or a film without
    a positive duration and size (a Video may only be painted on a Canvas that has all three).
    """
    if not (isinstance(film.duration, int | float) and math.isfinite(film.duration) and film.duration > 0):
        raise ValueError(f"film {film.slug!r}: duration must be a positive number of seconds, got {film.duration!r}")
    width = _dimension(film.width, f"film {film.slug!r} width")
    height = _dimension(film.height, f"film {film.slug!r} height")
    duration = float(film.duration)
    manifest_id = absolute(base_url, manifest_path_for_film(film.slug))
    title = film.title or film.slug
    manifest = _manifest_head(manifest_id, _lang(title), rights, base_url, site_title)
    if film.summary:
        manifest["summary"] = _lang(film.summary)
    if film.homepage:
        manifest["homepage"] = [_homepage(absolute(base_url, film.homepage), title)]
    poster = None
    if film.poster:
        poster = _jpeg(absolute(base_url, film.poster), film.poster_size, f"film {film.slug!r} poster")
        manifest["thumbnail"] = [poster]
    canvas_id = f"{_stem(manifest_id)}/canvas/1"
    canvas: JSON = {"id": canvas_id, "type": "Canvas", "label": _lang(title),
                    "width": width, "height": height, "duration": duration}
    if poster is not None:
        canvas["thumbnail"] = [dict(poster)]
        canvas["placeholderCanvas"] = _poster_canvas(canvas_id, poster)
    video = {"id": absolute(base_url, film.video), "type": "Video", "format": film.video_format,
             "width": width, "height": height, "duration": duration}
    canvas["items"] = _painted(canvas_id, video)
    if film.tracks:
        canvas["annotations"] = [_tracks_page(canvas_id, film, base_url)]
    manifest["items"] = [canvas]
    return manifest


# -- serialisation -------------------------------------------------------------------------------------


def to_json_bytes(manifest: JSON) -> bytes:
    """Compact UTF-8 JSON, keys in the order built (the spec wants ``@context`` first, so no sorting).

    The same manifest always gives the same bytes. U+2028 and U+2029 are valid in JSON strings but end a
    line in older JavaScript, where a manifest may be pasted into a script: they are escaped.
    """
    if "@context" in manifest:
        manifest = {"@context": manifest["@context"], **manifest}
    text = json.dumps(manifest, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode("utf-8")
