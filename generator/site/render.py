"""Render the site model into the output tree: HTML pages, subtitle files, copied media and assets.

Everything a visitor sees except the map (the archive stage adds ``map/*`` to the same tree). Pages link
relatively (``root`` is ``"../"`` per level) so the site works from any sub-path of any static host.
Templates autoescape: captions, titles, file names and metadata are text; only the curator's essay and
page HTML is passed through as markup.
"""

from __future__ import annotations

import functools
import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from .model import Film, Page, SiteModel
from .output import OutputTree

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates"
SITE_SRC = REPO / "site_src"
STATIC = REPO / "static"

VIDEO_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/mp4",  # QuickTime files with H.264 play where MP4 does; "video/quicktime" makes Chrome refuse
    ".webm": "video/webm",
    ".ogv": "video/ogg",
}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


# ---------------------------------------------------------------- formatting helpers

def clock(seconds: float) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour on): the timestamp shown beside a cue."""
    s = max(0, int(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration for ``<time datetime>``."""
    s = max(0, int(round(seconds)))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + f"{s}S"


def spoken_duration(seconds: float) -> str:
    s = max(0, int(round(seconds)))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h} h {m:02d} min"
    if m:
        return f"{m} min {s:02d} s"
    return f"{s} s"


def short_duration(seconds: float) -> str:
    """``3:12`` style for film cards."""
    s = max(0, int(round(seconds)))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def frame_rate(fps: float) -> str:
    text = f"{fps:.3f}".rstrip("0").rstrip(".")
    return f"{text} fps"


@dataclass(frozen=True)
class DateLabel:
    text: str
    iso: str  # empty when the front matter's date is not machine-readable


def date_label(value: Any, language: str) -> DateLabel:
    text = str(value or "").strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if m and language.lower().startswith("en") and 1 <= int(m[2]) <= 12:
        return DateLabel(f"{int(m[3])} {MONTHS[int(m[2]) - 1]} {m[1]}", text)
    if m or re.fullmatch(r"\d{4}(-\d{2})?", text):
        return DateLabel(text, text)
    return DateLabel(text, "")


def url_path(rel: str) -> str:
    """Percent-encode a relative path for use in an href/src (file names may hold spaces, #, ?)."""
    return quote(rel, safe="/")


def anchor_id(prefix: str, text: str, taken: set[str]) -> str:
    base = prefix + (re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-").lower() or "x")
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def image_size(path: Path) -> tuple[int, int] | None:
    """Pixel size of a JPEG/PNG, reading only its header; None when unreadable."""
    try:
        from PIL import Image

        with Image.open(path) as im:
            return im.size
    except Exception:  # a missing or odd thumbnail only loses the width/height hint
        return None


# ---------------------------------------------------------------- views: what the templates see

@dataclass(frozen=True)
class CueView:
    index: int
    start: float
    end: float
    time_label: str
    text: str
    lines: tuple[str, ...]
    href: str  # works without JavaScript: the film file (or YouTube) at this time
    frame: str  # thumbnail relative to the film folder, or ""


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass
class FilmView:
    film: Film
    slug: str
    url: str  # relative to the site root, ends with "/"
    title: str
    date: DateLabel
    summary: str
    essay: Markup
    video_name: str
    video_href: str
    video_type: str
    vtt_name: str  # "" when the film has no captions yet
    srt_name: str
    poster: str  # relative to the film folder, "" when there are no keyframes
    image_w: int
    image_h: int
    duration: float
    cues: list[CueView] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    mode: str = "self"  # "self", "youtube" or "both"
    youtube_id: str = ""
    youtube_embed: str = ""

    @property
    def duration_label(self) -> str:
        return short_duration(self.duration)

    @property
    def duration_iso(self) -> str:
        return iso_duration(self.duration)


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    key: str


@dataclass(frozen=True)
class ArchiveView:
    id: str
    anchor: str
    title: str
    href: str  # relative to archive/
    width: int
    height: int
    fields: list[Fact]


# ---------------------------------------------------------------- environment and assets

@functools.lru_cache(maxsize=4)
def environment(templates: Path = TEMPLATES) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["clock"] = clock
    env.filters["urlpath"] = url_path
    return env


def add_assets(out: OutputTree) -> dict[str, str]:
    """Copy site_src/ and static/ to assets/; return name -> "name?v=<hash8>" for cache busting."""
    versions: dict[str, str] = {}
    for root in (STATIC, SITE_SRC):  # site_src last: our own sources win a name clash
        if not root.is_dir():
            continue
        out.add_tree("assets/", root)
        for p in sorted(root.rglob("*")):
            if p.is_file() and not p.name.startswith("."):
                name = p.relative_to(root).as_posix()
                digest = hashlib.sha256(p.read_bytes()).hexdigest()[:8]
                versions[name] = f"{url_path(name)}?v={digest}"
    return versions


# ---------------------------------------------------------------- the renderer

class SiteRenderer:
    """Holds what every page shares (settings, nav, asset versions) while the pages are rendered."""

    def __init__(self, site: SiteModel, out: OutputTree, assets: dict[str, str]) -> None:
        self.site = site
        self.out = out
        self.assets = assets
        self.env = environment()
        s = site.settings.site
        self.title = s.title
        self.language = s.language or "en"
        self.description = s.description
        self.base_url = s.base_url.rstrip("/")
        self.map_url = str(site.extras.get("map_url") or "")
        self.captioner = site.settings.captions.captioner

    # -- shared context

    def nav(self, root: str, current: str) -> list[NavItem]:
        items: list[NavItem] = []
        if self.site.films:
            items.append(NavItem("Films", f"{root}#films" if root else "#films", "films"))
        items += [NavItem(p.title, root + url_path(p.url), "page:" + p.slug) for p in self.site.pages]
        if self.site.archive:
            items.append(NavItem("Archive", root + "archive/", "archive"))
        if self.map_url:
            items.append(NavItem("Map", root + self.map_url, "map"))
        return [NavItem(i.label, i.href, "current" if i.key == current else "") for i in items]

    def context(self, rel: str, current: str, **extra: Any) -> dict[str, Any]:
        """Template variables for the page written at ``rel`` (e.g. ``films/x/index.html``)."""
        root = "../" * rel.count("/")
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
            "captioner": self.captioner,
            "inline_css": "",
            "page_title": "",
            "body_class": "light",
            "wide": False,  # film and archive pages use the wider frame
        }
        ctx.update(extra)
        return ctx

    def write(self, template: str, rel: str, ctx: dict[str, Any]) -> None:
        self.out.add_text(rel, self.env.get_template(template).render(ctx))

    # -- films

    def film_view(self, film: Film) -> FilmView:
        """What the templates need about a film; queues its poster and transcript thumbnails."""
        prefix = f"films/{film.slug}/"
        info = film.info
        keyframes = sorted(film.keyframes, key=lambda k: k.time)
        poster = ""
        w, h = info.display_size if info else (16, 9)
        if keyframes:
            pick = keyframes[len(keyframes) // 3] if len(keyframes) >= 3 else keyframes[min(1, len(keyframes) - 1)]
            self.out.add_file(prefix + "poster.jpg", pick.image)
            poster = "poster.jpg"
            w, h = image_size(pick.image) or (w, h)

        mode = self.site.settings.youtube.player if film.youtube_id else "self"
        video_name = film.video.name
        times = [k.time for k in keyframes]
        used_frames: set[int] = set()
        cues: list[CueView] = []
        for cue in film.cues:
            frame = ""
            i = bisect_right(times, cue.start + 0.05) - 1  # the keyframe the caption was written for
            if i >= 0:
                kf = keyframes[i]
                frame = f"frames/{kf.index}.jpg"
                if kf.index not in used_frames:
                    used_frames.add(kf.index)
                    self.out.add_file(prefix + frame, kf.image)
            if mode == "youtube":
                href = f"https://www.youtube.com/watch?v={quote(film.youtube_id)}&t={int(cue.start)}s"
            else:
                href = f"{url_path(video_name)}#t={cue.start:.3f}"
            cues.append(CueView(cue.index, cue.start, cue.end, clock(cue.start), cue.text, tuple(cue.lines),
                                href, frame))

        duration = info.duration if info else (film.cues[-1].end if film.cues else 0.0)
        facts: list[Fact] = []
        if info:
            facts.append(Fact("Duration", spoken_duration(info.duration)))
            dw, dh = info.display_size
            facts.append(Fact("Picture", f"{dw} × {dh} px"))
            rate = frame_rate(info.fps) + (" (variable)" if info.variable_frame_rate else "")
            facts.append(Fact("Frame rate", rate))
            facts.append(Fact("Sound", "with sound" if info.has_audio else "silent"))
        if keyframes:
            cuts = sum(1 for k in keyframes if k.scene_cut)
            facts.append(Fact("Keyframes", f"{len(keyframes)} ({cuts} at shot changes)"))
        facts.append(Fact("Machine captions", str(len(film.cues))))
        facts.append(Fact("Captioner", self.captioner))

        embed = ""
        if film.youtube_id:
            params = f"enablejsapi=1&rel=0&playsinline=1&cc_load_policy=1&cc_lang_pref={quote(self.language)}"
            if self.base_url:
                origin = re.match(r"^[a-z]+://[^/]+", self.base_url)
                if origin:
                    params += "&origin=" + quote(origin[0], safe="")
            embed = f"https://www.youtube-nocookie.com/embed/{quote(film.youtube_id)}?{params}"

        return FilmView(
            film=film,
            slug=film.slug,
            url=url_path(film.url),
            title=film.title,
            date=date_label(film.date, self.language),
            summary=film.summary,
            essay=Markup(film.essay_html),
            video_name=video_name,
            video_href=url_path(video_name),
            video_type=VIDEO_TYPES.get(film.video.suffix.lower(), ""),
            vtt_name=f"{film.slug}.vtt" if film.vtt else "",
            srt_name=f"{film.slug}.srt" if film.srt else "",
            poster=poster,
            image_w=w,
            image_h=h,
            duration=duration,
            cues=cues,
            facts=facts,
            mode=mode,
            youtube_id=film.youtube_id,
            youtube_embed=embed,
        )

    def render_film(self, view: FilmView) -> None:
        film = view.film
        prefix = f"films/{film.slug}/"
        self.out.add_file(prefix + film.video.name, film.video)
        if film.vtt:
            self.out.add_text(prefix + view.vtt_name, film.vtt)
        if film.srt:
            self.out.add_text(prefix + view.srt_name, film.srt)
        rel = prefix + "index.html"
        og_image = f"{self.base_url}/{view.url}{view.poster}" if self.base_url and view.poster else ""
        ctx = self.context(rel, "film:" + film.slug, f=view, page_title=film.title,
                           description=film.summary or self.description, og_image=og_image,
                           og_type="video.other", body_class="dark film-page", wide=True)
        self.write("film.html", rel, ctx)

    # -- pages, archive, index, 404

    def render_page(self, page: Page) -> None:
        rel = f"{page.slug}/index.html"
        summary = str(page.meta.get("summary") or page.meta.get("description") or "")
        ctx = self.context(rel, "page:" + page.slug, page=page, body=Markup(page.body_html), summary=summary,
                           page_title=page.title, description=summary or self.description)
        self.write("page.html", rel, ctx)

    def archive_views(self) -> list[ArchiveView]:
        taken: set[str] = set()
        columns = [c for c in self.site.archive_columns if c.lower() != "title"]
        views = []
        for item in self.site.archive:
            self.out.add_file(f"archive/files/{item.id}", item.path)
            fields = [Fact(c, str(item.metadata.get(c, ""))) for c in columns if item.metadata.get(c)]
            views.append(ArchiveView(item.id, anchor_id("item-", item.id, taken), item.title,
                                     "files/" + url_path(item.id), item.width, item.height, fields))
        return views

    def render_archive(self) -> None:
        rel = "archive/index.html"
        ctx = self.context(rel, "archive", items=self.archive_views(), page_title="Archive", wide=True,
                           map_href=("../" + self.map_url) if self.map_url else "")
        self.write("archive.html", rel, ctx)

    def render_index(self, films: list[FilmView]) -> None:
        teaser = [item for item in self.site.archive if item.width and item.height][:6]
        ctx = self.context("index.html", "home", films=films, pages=self.site.pages,
                           archive_count=len(self.site.archive), archive_teaser=teaser,
                           page_summary=lambda p: str(p.meta.get("summary") or p.meta.get("description") or ""),
                           map_href=self.map_url)
        self.write("index.html", "index.html", ctx)

    def render_404(self) -> None:
        # A 404 page is served at whatever address was missing, so relative links cannot work:
        # link to the configured base URL (or the host root) and inline the stylesheet.
        root = (self.base_url + "/") if self.base_url else "/"
        css = (SITE_SRC / "site.css").read_text(encoding="utf-8") if (SITE_SRC / "site.css").exists() else ""
        css = css.replace('url("fonts/', f'url("{root}assets/fonts/')
        ctx = self.context("404.html", "404", page_title="Not found", inline_css=Markup(css.replace("</", "<\\/")),
                           canonical="")
        ctx.update(root=root, home=root, nav=self.nav(root, "404"))
        self.write("404.html", "404.html", ctx)


def render_template(site: SiteModel, template: str, rel: str, out: OutputTree, **extra: Any) -> None:
    """Render one more page with the shared layout (e.g. the map page) into ``out`` at ``rel``.

    ``extra`` is added to the standard context (root, nav, asset urls ...); ``current`` selects the nav
    item shown as the current page ("map", "archive", ...)."""
    current = str(extra.pop("current", ""))
    renderer = SiteRenderer(site, out, add_assets(OutputTree()))
    renderer.write(template, rel, renderer.context(rel, current, **extra))


def render_site(site: SiteModel) -> OutputTree:
    """The whole output tree except map/*: pages, film folders, archive files, assets, 404."""
    out = OutputTree()
    renderer = SiteRenderer(site, out, add_assets(out))
    films = [renderer.film_view(f) for f in site.films]
    for view in films:
        renderer.render_film(view)
    for page in site.pages:
        renderer.render_page(page)
    if site.archive:
        renderer.render_archive()
    renderer.render_index(films)
    renderer.render_404()
    return out
