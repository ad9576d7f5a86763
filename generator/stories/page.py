"""The story pages: ``stories/<slug>/`` (every sentence beside the picture chosen for it, why it was
chosen, a link to that picture on the map, and the story's film) and ``stories/`` when there are
several. Rendered through the stories feature when it made anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..site.views import url_path
from ..timefmt import iso_duration, moment, short_duration

if TYPE_CHECKING:
    from ..site.render import SiteRenderer
    from ..site.responsive import Picture, Pictures
    from ..stories.stage import StoryResult

STORIES_URL = "stories/"


def stories_href(results: list[StoryResult]) -> str:
    """Where the nav's "Stories" goes: the index of several, or the one story."""
    return STORIES_URL if len(results) > 1 else f"{STORIES_URL}{results[0].story.slug}/"


@dataclass(frozen=True)
class ShownView:
    n: int  # 1-based
    sentence: str
    title: str  # of the picture
    img: str  # relative to the story page
    map_href: str  # the picture on the map ("" when the site has no map)
    moment_href: str  # a keyframe: its moment in its film ("" for an archive picture)
    moment: str  # "Seven Photographs at 0:12"
    why: str  # why it was chosen, in words ("The machine saw a tripod in this picture.")
    start: float  # when the sentence starts in the story film
    clock: str
    pic: Picture | None = None  # the picture's WebP variants and size (see generator.site.responsive)


@dataclass(frozen=True)
class StoryView:
    slug: str
    title: str
    summary: str
    film_href: str  # the film page, relative to the story page
    video_href: str
    vtt_href: str
    poster: str
    width: int
    height: int
    duration: str
    duration_iso: str  # the same length for <time datetime>
    shown: tuple[ShownView, ...]
    poster_pic: Picture | None = None  # the poster's WebP variants


# how a visitor is told what a curator's column says (the column's own name, in words)
_COLUMN_SAYS = {"description": "Its description says", "caption": "Its caption says", "subject": "Its subject is",
                "subjects": "Its subjects are", "keywords": "Its keywords are", "tags": "Its tags are",
                "label": "Its label says", "labels": "Its labels are", "alt": "Its alt text says"}
QUOTE = 140  # characters of a long text quoted as the reason


def _quoted(text: str) -> str:
    if len(text) > QUOTE:
        text = text[:QUOTE].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return f"“{text}”"


def _end(sentence: str) -> str:
    """A full stop, unless the quotation ends the sentence already ("… says “A cup of espresso.”")."""
    return sentence if sentence[-2] in ".!?…" else sentence + "."


def why_words(kind: str, source: str, text: str) -> str:
    """Why a picture was chosen, as a visitor reads it: what the machine saw, or which of the curator's texts
    says the same, never a score. (A catalogue id is never a reason: the texts it could come from have none,
    see :mod:`.catalogue`.)"""
    thing = "picture" if kind == "archive" else "frame"
    if source == "class":
        return f"The machine saw {text} in this {thing}."
    if source == "machine caption":
        return _end(f"The machine described this {thing} as {_quoted(text)}")
    if source == "title":
        return f"Its title, {_quoted(text)}, matches the sentence."
    if source in _COLUMN_SAYS:
        return _end(f"{_COLUMN_SAYS[source]} {_quoted(text)}")
    return f"Nothing in it matched this sentence closely: it is the nearest {thing} the story had left."


def story_view(result: StoryResult, map_url: str, add_file: object, pictures: Pictures | None = None) -> StoryView:
    story, film = result.story, result.film
    prefix = f"{STORIES_URL}{story.slug}/"
    shown = []
    if pictures is not None:
        pictures.prepare(s.thumb for s in result.shown if s.thumb is not None)
    for n, s in enumerate(result.shown, 1):
        img = ""
        if s.thumb is not None:
            img = f"pictures/{n}.jpg"
            add_file(prefix + img, s.thumb)  # type: ignore[operator]
        if map_url:
            anchor = "item" if s.kind == "archive" else "frame"
            map_href = f"../../{map_url}#{anchor}={quote(s.id, safe='/')}"
        else:
            map_href = f"../../archive/files/{url_path(s.id)}" if s.kind == "archive" else ""
        moment_href = f"../../films/{quote(s.film)}/#t={s.time:.2f}" if s.kind == "frame" else ""
        shown.append(ShownView(n, s.sentence, s.title, img, map_href, moment_href,
                               s.title if s.kind == "frame" else "", why_words(s.kind, s.source, s.text),
                               round(s.start, 3), moment(s.start),
                               pictures.of(s.thumb) if pictures is not None else None))
    base = f"../../films/{quote(film.slug)}/"
    poster = ""
    if film.keyframes:
        poster = "pictures/poster.jpg"
        add_file(prefix + poster, film.keyframes[0].image)  # type: ignore[operator]
    duration = film.info.duration if film.info else 0.0
    return StoryView(story.slug, story.title, story.summary, base, base + quote(f"{film.slug}.mp4"),
                     base + quote(f"{film.slug}.vtt") if film.vtt else "", poster,
                     film.rendition.width if film.rendition else 16, film.rendition.height if film.rendition else 9,
                     short_duration(duration), iso_duration(duration), tuple(shown),
                     pictures.of(film.keyframes[0].image) if pictures is not None and film.keyframes else None)


def render_stories(results: list[StoryResult], renderer: SiteRenderer) -> None:
    views = [story_view(r, renderer.map_url, renderer.out.add_file, renderer.pictures) for r in results]
    for view in views:
        renderer.page("story.html", f"{STORIES_URL}{view.slug}/index.html", "stories", dict(
            s=view, page_title=view.title, description=view.summary or renderer.description, wide=True,
            stories_index=len(views) > 1))
    if len(views) > 1:
        renderer.page("stories.html", f"{STORIES_URL}index.html", "stories", dict(
            stories=views, page_title="Stories", description="Sentences made into films by the machine."))
