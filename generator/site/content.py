"""Read the curators' files: films/<slug>/index.md, pages/<slug>.md (markdown with YAML front matter).

Text mistakes (malformed front matter, a missing title or video) are collected for every file and
then fail the build before anything is written: they are quick to fix and a curator wants to know.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ContentError
from ..model import MADE_BY, Film, Page
from .content_index import ContentIndex
from .markdown_batch import MarkdownStore, body_key

if TYPE_CHECKING:
    from ..cache import Cache

SLUG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
RESERVED_SLUGS = {"films", "archive", "map", "stories", "assets", "index.html", "404.html"}


@dataclass
class Document:
    path: Path
    meta: dict[str, Any]
    body: str  # markdown source without the front matter


@dataclass
class ContentResult:
    films: list[Film] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)


def _load_yaml(text: str) -> Any:
    import yaml

    # libyaml parses front matter 3x faster; its error messages differ, so a failure is parsed again
    # by the pure-Python loader, whose message and line the curator sees
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.load(text, Loader=loader)  # noqa: S506 - CSafeLoader is the safe loader
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


def split_front_matter(path: Path, text: str) -> Document:
    import yaml

    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return Document(path, {}, text)
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        raise ContentError("front matter starts with --- but has no closing --- line", path, 1)
    try:
        meta = _load_yaml("".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ContentError(f"malformed front matter: {problem}", path, line) from None
    if not isinstance(meta, dict):
        raise ContentError("front matter must be a mapping of `key: value` lines", path, 2)
    return Document(path, meta, "".join(lines[end + 1:]))


def read_document(path: Path) -> Document:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(f"not UTF-8 text (byte {exc.start})", path) from None
    except OSError as exc:
        raise ContentError(f"cannot read: {exc.strerror}", path) from None
    return split_front_matter(path, text)


def _text(doc: Document, key: str, required: bool = False) -> str:
    value = doc.meta.get(key)
    if value is None or value == "":
        if required:
            raise ContentError(f"front matter needs `{key}:`", doc.path, 1)
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        raise ContentError(f"`{key}:` must be text, not a {type(value).__name__}", doc.path, 1)
    return str(value).strip()


def _draft(doc: Document) -> bool:
    value = doc.meta.get("draft", False)
    if not isinstance(value, bool):
        raise ContentError("`draft:` must be true or false", doc.path, 1)
    return value


def _check_slug(slug: str, path: Path) -> None:
    if not SLUG_RE.match(slug):
        raise ContentError(f"folder or file name {slug!r} cannot be a URL: use letters, digits, - _ .", path)
    if slug.lower() in RESERVED_SLUGS:
        raise ContentError(f"the name {slug!r} is reserved for the site itself; rename it", path)


def _made_by(doc: Document) -> str:
    """``made_by:`` of the front matter ("" for filmed footage). The films that ``next-frame-film`` and
    ``reenact`` wrote before that key existed say only ``synthetic:`` (and ``driver:`` for a re-enactment):
    read from those, since YouTube must be told about them too."""
    made_by = _text(doc, "made_by")
    if made_by and made_by not in MADE_BY:
        raise ContentError(f"`made_by: {made_by}` must be one of {', '.join(MADE_BY)}", doc.path, 1)
    if made_by or not doc.meta.get("synthetic"):
        return made_by
    if doc.meta.get("driver"):
        return "reenact"
    return "nextframe" if doc.meta.get("source") else "synthetic"


def film_from(doc: Document) -> Film:
    """A film from its index.md (the essay's HTML is filled in by :func:`read_content`)."""
    index_md = doc.path
    slug = index_md.parent.name
    _check_slug(slug, index_md)
    title = _text(doc, "title", required=True)
    video_name = _text(doc, "video", required=True)
    video = (index_md.parent / video_name).resolve()
    if index_md.parent.resolve() not in video.parents:
        raise ContentError(f"`video: {video_name}` must be a file in the film's own folder", index_md, 1)
    if not video.is_file():
        raise ContentError(f"`video: {video_name}` names a file that does not exist", index_md, 1)
    tags = doc.meta.get("tags", [])
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",") if t.strip()]
    if not isinstance(tags, list):
        raise ContentError("`tags:` must be a list", index_md, 1)
    return Film(
        slug=slug, title=title, source=index_md, video=video,
        date=_text(doc, "date"), summary=_text(doc, "summary"), draft=_draft(doc),
        essay_text=doc.body.strip(),
        tags=[str(t) for t in tags], meta={k: v for k, v in doc.meta.items()}, made_by=_made_by(doc),
    )


def page_from(doc: Document) -> Page:
    """A page from its markdown file (the body's HTML is filled in by :func:`read_content`)."""
    slug = doc.path.stem
    _check_slug(slug, doc.path)
    return Page(slug=slug, title=_text(doc, "title", required=True), source=doc.path, draft=_draft(doc),
                meta=dict(doc.meta))


def read_content(content_dir: Path, include_drafts: bool = False, cache: Cache | None = None) -> ContentResult:
    """Every film and page of a site folder; errors are collected, not raised one at a time.

    Films are read whole (their essay's source goes to YouTube too). A page unchanged since the last build
    (same size and mtime) is not read at all: its front matter comes from the content index and its HTML
    stays in the cache until a page has to be rendered (``Page.body_key``)."""
    result = ContentResult()
    index = ContentIndex(cache)
    films: list[tuple[Film, str]] = []
    pages: list[Page] = []
    fresh: list[tuple[Page, str]] = []  # pages read now: their HTML is made (or found) below
    films_dir, pages_dir = content_dir / "films", content_dir / "pages"
    if films_dir.is_dir():
        for folder in sorted(p for p in films_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            index_md = folder / "index.md"
            if not index_md.exists():
                result.errors.append(ContentError("film folder has no index.md", folder))
                continue
            try:
                doc = read_document(index_md)
                film = film_from(doc)
            except ContentError as exc:
                result.errors.append(exc)
                continue
            if include_drafts or not film.draft:
                films.append((film, doc.body))
    if pages_dir.is_dir():
        for path in sorted(pages_dir.glob("*.md")):
            known = index.lookup(path)
            try:
                doc = Document(path, known[0], "") if known else read_document(path)
                page = page_from(doc)
            except ContentError as exc:
                result.errors.append(exc)
                continue
            if known:
                page.body_key = known[1]
            else:
                page.body_key = body_key(doc.body)
                index.store(path, doc.meta, page.body_key)
                fresh.append((page, doc.body))
            if include_drafts or not page.draft:
                pages.append(page)
    if result.errors:
        return result  # the build stops here: no markdown is converted for nothing
    store = MarkdownStore(cache)
    html = store.html([body for _, body in films] + [body for _, body in fresh])
    for (film, _), essay in zip(films, html):
        film.essay_html = essay
    for (page, _), body in zip(fresh, html[len(films):]):
        page.body_html = body
    index.save()
    result.films = [f for f, _ in films]
    result.pages = pages
    # newest first on the front page; undated films keep their folder order at the end
    result.films.sort(key=lambda f: f.slug)
    result.films.sort(key=lambda f: f.date, reverse=True)  # stable: equal dates keep slug order
    result.films.sort(key=lambda f: f.date == "")
    result.pages.sort(key=lambda p: (_order(p), p.slug))
    return result


def page_html(page: Page, cache: Cache | None) -> str:
    """The HTML of a page's body: in hand, from the cache by its key, or converted from its file again."""
    if page.body_html or not page.body_key:
        return page.body_html
    found = MarkdownStore(cache).get(page.body_key)
    if found is None:
        found = MarkdownStore(cache).html([read_document(page.source).body])[0]
    page.body_html = found
    return found


def _order(page: Page) -> int:
    """Pages are listed by their optional `order:` front matter, then by name."""
    value = page.meta.get("order", 100)
    return value if isinstance(value, int) and not isinstance(value, bool) else 100
