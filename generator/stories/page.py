"""The story pages: ``stories/<slug>/`` (every sentence beside the picture chosen for it, why it was
chosen, a link to that picture on the map, and the story's film) and ``stories/`` when there are
several. Rendered through the stories feature when it made anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..site.views import url_path

if TYPE_CHECKING:
    from ..site.render import SiteRenderer
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
    why: str  # what matched, in words
    score: str  # "0.62"
    start: float  # when the sentence starts in the story film
    clock: str


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
    shown: tuple[ShownView, ...]


def _why(source: str, text: str) -> str:
    if source == "class":
        return f"the network sees a {text} in it"
    return f"its {source}: “{text}”"


def _clock(t: float) -> str:
    m, s = divmod(int(t), 60)
    return f"{m}:{s:02d}"


def story_view(result: StoryResult, map_url: str, add_file: object) -> StoryView:
    story, film = result.story, result.film
    prefix = f"{STORIES_URL}{story.slug}/"
    shown = []
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
                               s.title if s.kind == "frame" else "", _why(s.source, s.text), f"{s.score:.2f}",
                               round(s.start, 3), _clock(s.start)))
    base = f"../../films/{quote(film.slug)}/"
    poster = ""
    if film.keyframes:
        poster = "pictures/poster.jpg"
        add_file(prefix + poster, film.keyframes[0].image)  # type: ignore[operator]
    duration = film.info.duration if film.info else 0.0
    return StoryView(story.slug, story.title, story.summary, base, base + quote(f"{film.slug}.mp4"),
                     base + quote(f"{film.slug}.vtt") if film.vtt else "", poster,
                     film.rendition.width if film.rendition else 16, film.rendition.height if film.rendition else 9,
                     _clock(duration), tuple(shown))


def render_stories(results: list[StoryResult], renderer: SiteRenderer) -> None:
    views = [story_view(r, renderer.map_url, renderer.out.add_file) for r in results]
    for view in views:
        renderer.page("story.html", f"{STORIES_URL}{view.slug}/index.html", "stories", dict(
            s=view, page_title=view.title, description=view.summary or renderer.description, wide=True,
            stories_index=len(views) > 1))
    if len(views) > 1:
        renderer.page("stories.html", f"{STORIES_URL}index.html", "stories", dict(
            stories=views, page_title="Stories", description="Sentences made into films by the machine."))
