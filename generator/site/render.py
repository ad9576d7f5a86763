"""Render the site model into the output tree: HTML pages, subtitle files, copied media and assets.

Pages link relatively (``root`` is ``"../"`` per level) so the site works from any sub-path of any static
host. Templates autoescape: captions, titles, file names and metadata are text; only the curator's essay
and page HTML is passed through as markup.

Incremental: what every page shares (navigation, settings, asset versions) is computed once per build,
and each page is identified by a key, the hash of the templates and of everything its template is given.
A page whose key the previous site already holds is linked from it by the write stage; otherwise its
HTML comes from the cache of rendered pages or is rendered (and cached). A one-page edit renders one page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from ..model import Page, SiteModel
from .assets import SITE_SRC, STATIC, TEMPLATES, add_assets
from .content import page_html
from .made import site_note
from .output import NoPrevious, OutputTree, PreviousOutputs
from .render_jobs import RenderJob, render_jobs
from .responsive import Pictures
from .templates import environment, templates_digest
from .views import (
    ArchiveView,
    Fact,
    FilmView,
    FilmViewSettings,
    NavItem,
    PageLink,
    anchor_id,
    film_view,
    page_summary,
    url_path,
)

if TYPE_CHECKING:
    from ..cache import Cache

__all__ = ["SITE_SRC", "STATIC", "TEMPLATES", "SiteRenderer", "add_assets", "environment", "render_site",
           "render_template"]

NAMESPACE = "pages"  # the cache of rendered HTML, by page key
VERSION = 1  # bump when the renderer gives a template different values for the same site model
NAV_PAGES = 6  # pages named in the header; a site with more names the first ones and links to the rest
ARCHIVE_PAGE = 500  # archive images per page of archive/
PAGE_CSS = ("site.css", "header.css", "print.css")  # the stylesheets of base.html, in its order


def _plain(obj: Any) -> Any:
    """The JSON form of a template value, for its fingerprint. Anything without a stable form (a function,
    an object of unknown kind) is an error rather than a silently stale page."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, (set, frozenset)):
        return sorted(obj, key=repr)
    if isinstance(obj, (dt.date, dt.datetime)):
        return obj.isoformat()
    raise TypeError(f"template value of type {type(obj).__name__} has no fingerprint")


def fingerprint(*parts: Any) -> str:
    blob = json.dumps(parts, default=_plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass
class RenderStats:
    rendered: int = 0  # pages whose HTML was made by the templates
    from_cache: int = 0  # ... read from the cache of rendered pages
    unchanged: int = 0  # ... already in the previous site, linked


class SiteRenderer:
    """Holds what every page shares (settings, nav, asset versions) while the pages are rendered."""

    def __init__(self, site: SiteModel, out: OutputTree, assets: dict[str, str], cache: Cache | None = None,
                 previous: PreviousOutputs | None = None) -> None:
        self.site = site
        self.out = out
        self.assets = assets
        self.previous = previous or NoPrevious()
        self.cache = cache
        self.pictures = Pictures(cache, out)  # the WebP variants of the pictures pages show (none without a cache)
        self.ns = cache.namespace(NAMESPACE, VERSION) if cache is not None else None
        self.stats = RenderStats()
        self.jobs: list[RenderJob] = []
        s = site.settings.site
        self.title = s.title
        self.language = s.language or "en"
        self.description = s.description
        self.base_url = s.base_url.rstrip("/")
        self.map_url = site.map_url
        self.search_url = site.search_url  # given by the search feature
        self.captioner = site.settings.captions.captioner
        self._nav = self._nav_items()
        self._shared = fingerprint(VERSION, templates_digest(), assets, self.title, self.language, self.description,
                                   self.base_url, s.author, self.captioner, self._nav, self.search_url)

    # -- shared context

    def _nav_items(self) -> list[tuple[str, str, str, bool]]:
        """(label, href below the root, key, is an anchor of the front page), once per build."""
        items: list[tuple[str, str, str, bool]] = []
        if self.site.films:
            items.append(("Films", "#films", "films", True))
        pages = self.site.pages
        shown = pages if len(pages) <= NAV_PAGES else pages[:NAV_PAGES - 1]
        items += [(p.title, url_path(p.url), "page:" + p.slug, False) for p in shown]
        if len(shown) < len(pages):
            items.append((f"All {len(pages)} pages", "#reading", "reading", True))
        if self.site.archive:
            items.append(("Archive", "archive/", "archive", False))
        if self.map_url:
            items.append(("Map", self.map_url, "map", False))
        items += [(e.label, e.href, e.key, False) for e in sorted(self.site.nav, key=lambda e: e.order)]
        return items

    def nav(self, root: str, current: str) -> list[NavItem]:
        return [NavItem(label, (root + href) if root or not anchor else href, "current" if key == current else "")
                for label, href, key, anchor in self._nav]

    def context(self, rel: str, current: str, **extra: Any) -> dict[str, Any]:
        """Template variables for the page written at ``rel`` (e.g. ``films/x/index.html``); ``extra`` may
        override any of them (the 404 page sets its own ``root``)."""
        root = str(extra.get("root", "../" * rel.count("/")))
        page_url = rel[: -len("index.html")] if rel.endswith("index.html") else rel
        ctx: dict[str, Any] = {
            "root": root,
            "home": root or "./",
            "site_title": self.title,
            "lang": self.language,
            "description": self.description,
            "author": self.site.settings.site.author,
            "canonical": f"{self.base_url}/{url_path(page_url)}" if self.base_url else "",
            "og_image": "",
            "og_type": "website",
            "asset": self.assets,
            "nav": self.nav(root, current),
            "search_href": (root + self.search_url) if self.search_url and current != "search" else "",
            "captioner": self.captioner,
            "inline_css": "",
            "page_title": "",
            "body_class": "light",
            "wide": False,  # film and archive pages use the wider frame
            "page_links": [],  # what features link from this page (see page())
        }
        ctx.update(extra)
        return ctx

    def page(self, template: str, rel: str, current: str, extra: dict[str, Any], keyed: dict[str, Any] | None = None,
             late: Callable[[], dict[str, Any]] | None = None, prepare: Callable[[], None] | None = None) -> None:
        """The page at ``rel``: unchanged from the previous site, from the cache, or rendered now.

        Its key hashes what every page shares (once per build), the template, ``rel``, ``current`` and
        ``keyed`` (by default ``extra``: what this page's template is given besides the shared context).
        ``late()`` adds values needed only to render, which ``keyed`` identifies (a page body's HTML), once
        ``prepare()`` has run in this process (reading them from the cache)."""
        links = self.site.links.get(current)
        if links:  # what features link from this page (a IIIF manifest): part of what the page is made from
            extra = {**extra, "page_links": links}
            keyed = None if keyed is None else {**keyed, "page_links": links}
        key = fingerprint(self._shared, template, rel, current, extra if keyed is None else keyed)
        if self.previous.has(rel, key):
            self.out.add_reused(rel, key)
            self.stats.unchanged += 1
            return
        if self.ns is not None:
            stored = self.ns.get_record(key, counted=False)  # reported as RenderStats, not artifacts
            if stored is not None:
                self.out.add_bytes(rel, stored, key)
                self.stats.from_cache += 1
                return

        def context() -> dict[str, Any]:
            ctx = self.context(rel, current, **extra)
            if late is not None:
                ctx.update(late())
            return ctx

        self.jobs.append(RenderJob(template, rel, key, context, prepare))

    def finish(self) -> None:
        """Render every page that could not be reused (see :mod:`.render_jobs`)."""
        jobs, self.jobs = self.jobs, []
        for job, html in zip(jobs, render_jobs(jobs)):
            data = html.encode("utf-8")
            self.out.add_bytes(job.rel, data, job.key)
            if self.ns is not None:
                self.ns.put_record(job.key, data)
        self.stats.rendered += len(jobs)

    # -- films, pages, archive, index, 404

    def film_views(self) -> list[FilmView]:
        vs = FilmViewSettings(self.language, self.base_url, self.captioner, self.site.settings.youtube.player,
                              self.site.settings.video.publish_original)
        return [film_view(f, vs, self.out.add_file, self.pictures) for f in self.site.films]

    def render_film(self, view: FilmView) -> None:
        film = view.film
        prefix = f"films/{film.slug}/"
        rendition = film.rendition
        if rendition is None:
            self.out.add_file(prefix + film.video.name, film.video)
        else:
            self.out.add_file(prefix + view.video_name, rendition.mp4)
            if rendition.hls is not None:
                self.out.add_tree(prefix + "hls/", rendition.hls)
            if view.original_href:
                self.out.add_file(prefix + "original/" + film.video.name, film.video)
        if film.vtt:
            self.out.add_text(prefix + view.vtt_name, film.vtt)
        if film.srt:
            self.out.add_text(prefix + view.srt_name, film.srt)
        if film.narration is not None:
            self.out.add_file(prefix + view.narration_name, film.narration.track)
            self.out.add_text(prefix + view.descriptions_name, film.narration.vtt)
            if film.narration.described is not None:
                self.out.add_file(prefix + view.described_name, film.narration.described)
        rel = prefix + "index.html"
        og_image = f"{self.base_url}/{view.url}{view.poster}" if self.base_url and view.poster else ""
        self.page("film.html", rel, "film:" + film.slug, dict(
            f=view, page_title=film.title, description=film.summary or self.description, og_image=og_image,
            og_type="video.other", body_class="dark film-page", wide=True,
            footer_note=view.made.line if view.made is not None else ""))  # this film's own account

    def render_page(self, page: Page) -> None:
        rel = f"{page.slug}/index.html"
        summary = page_summary(page.meta)
        extra = dict(page=page, summary=summary, page_title=page.title, description=summary or self.description)
        # identified by its source, so an unchanged page's HTML need not even be read
        source = page.body_key or hashlib.sha256(page.body_html.encode("utf-8")).hexdigest()
        identity = (page.slug, page.title, str(page.source), page.draft, page.meta, source)
        self.page("page.html", rel, "page:" + page.slug, extra, keyed={**extra, "page": identity},
                  late=lambda: {"body": Markup(page.body_html)}, prepare=lambda: self._load_body(page))

    def _load_body(self, page: Page) -> None:
        page_html(page, self.cache)

    def archive_views(self) -> list[ArchiveView]:
        taken: set[str] = set()
        columns = [c for c in self.site.archive_columns if c.lower() != "title"]
        views = []
        self.pictures.prepare_at(self.site.item_images.values())
        for item in self.site.archive:
            self.out.add_file(f"archive/files/{item.id}", item.path)
            fields = [Fact(c, str(item.metadata.get(c, ""))) for c in columns if item.metadata.get(c)]
            fields += [Fact(label, text) for label, text in self.site.item_facts.get(item.id, [])]
            views.append(ArchiveView(item.id, anchor_id("item-", item.id, taken), item.title,
                                     "files/" + url_path(item.id), item.width, item.height, fields,
                                     self.site.item_images.get(item.id, ""),
                                     self.pictures.at(self.site.item_images.get(item.id, ""))))
        return views

    def render_archive(self) -> None:
        """archive/ lists ARCHIVE_PAGE images a page: archive/index.html, then archive/page/2/ ..."""
        views = self.archive_views()
        count = max(1, -(-len(views) // ARCHIVE_PAGE))
        for n in range(1, count + 1):
            rel = "archive/index.html" if n == 1 else f"archive/page/{n}/index.html"
            pager = self._pager(n, count)
            self.page("archive.html", rel, "archive", dict(
                items=views[(n - 1) * ARCHIVE_PAGE:n * ARCHIVE_PAGE], total=len(views), wide=True, pager=pager,
                page_title="Archive" if n == 1 else f"Archive, page {n} of {count}", files=("../../" if n > 1 else ""),
                map_href=("../" * (rel.count("/")) + self.map_url) if self.map_url else ""))

    def _pager(self, here: int, count: int) -> list[tuple[str, str, str]]:
        """(label, href, rel) of the pager: previous, the first, the last and two around this page (a
        thousand pages do not make every page list a thousand links), next; "" href: this page or a gap."""
        if count < 2:
            return []
        shown = sorted({1, count, *range(max(1, here - 2), min(count, here + 2) + 1)})
        links: list[tuple[str, str, str]] = []
        if here > 1:
            links.append(("Previous", self._archive_href(here, here - 1), "prev"))
        last = 0
        for k in shown:
            if k > last + 1:
                links.append(("…", "", "gap"))
            links.append((str(k), "" if k == here else self._archive_href(here, k), ""))
            last = k
        if here < count:
            links.append(("Next", self._archive_href(here, here + 1), "next"))
        return links

    @staticmethod
    def _archive_href(here: int, target: int) -> str:
        """The link from archive page ``here`` to page ``target`` (1 is archive/, k is archive/page/k/)."""
        if here == 1:
            return "./" if target == 1 else f"page/{target}/"
        return "../../" if target == 1 else f"../{target}/"

    def render_index(self, films: list[FilmView]) -> None:
        teaser = [item for item in self.site.archive if item.width and item.height][:6]
        pages = [PageLink(p.title, p.url, page_summary(p.meta)) for p in self.site.pages]
        images = {item.id: self.site.item_images[item.id] for item in teaser if item.id in self.site.item_images}
        pictures = {item_id: self.pictures.at(rel) for item_id, rel in images.items()}
        self.page("index.html", "index.html", "home", dict(films=films, pages=pages, archive_teaser=teaser,
                                                           item_images=images, item_pictures=pictures,
                                                           films_note=site_note((f.film for f in films),
                                                                                self.captioner),
                                                           archive_count=len(self.site.archive), map_href=self.map_url))

    def render_404(self) -> None:
        # A 404 page is served at whatever address was missing, so relative links cannot work:
        # link to the configured base URL (or the host root) and inline the stylesheet.
        root = (self.base_url + "/") if self.base_url else "/"
        # every stylesheet base.html links (print.css wraps its rules in @media print itself)
        css = "\n".join((SITE_SRC / name).read_text(encoding="utf-8") for name in PAGE_CSS
                        if (SITE_SRC / name).exists())
        css = css.replace('url("fonts/', f'url("{root}assets/fonts/')
        self.page("404.html", "404.html", "404", dict(
            page_title="Not found", inline_css=Markup(css.replace("</", "<\\/")), canonical="", root=root, home=root))


def render_template(site: SiteModel, template: str, rel: str, out: OutputTree, **extra: Any) -> None:
    """Render one more page with the shared layout (e.g. the map page) into ``out`` at ``rel``.

    ``extra`` is added to the standard context (root, nav, asset urls ...); ``current`` selects the nav
    item shown as the current page ("map", "archive", ...)."""
    current = str(extra.pop("current", ""))
    renderer = SiteRenderer(site, out, add_assets(OutputTree()))
    renderer.page(template, rel, current, extra)
    renderer.finish()


def render_site(site: SiteModel, cache: Cache | None = None, previous: PreviousOutputs | None = None) -> OutputTree:
    """The whole output tree except map/*: pages, film folders, archive files, assets, 404, and the pages
    the features gave the site."""
    out = OutputTree()
    renderer = SiteRenderer(site, out, add_assets(out), cache, previous)
    for make_pages in site.page_makers:
        make_pages(renderer)
    render_all(renderer)
    return out


def render_all(renderer: SiteRenderer) -> None:
    site = renderer.site
    films = renderer.film_views()
    for view in films:
        renderer.render_film(view)
    for page in site.pages:
        renderer.render_page(page)
    if site.archive:
        renderer.render_archive()
    renderer.render_index(films)
    renderer.render_404()
    renderer.finish()
