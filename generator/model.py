"""The domain model: films, cues, keyframes, pages and archive items, and the site model a build gathers
before it renders and writes anything. Above `site/`: every stage reads and fills these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Settings

if TYPE_CHECKING:
    from .features.base import Contribution
    from .site.render import SiteRenderer


@dataclass(frozen=True)
class StreamInfo:
    index: int
    kind: str  # "video", "audio", "subtitle", "data"
    codec: str


@dataclass(frozen=True)
class VideoInfo:
    duration: float  # seconds, of the whole file
    fps: float  # average frame rate
    variable_frame_rate: bool
    width: int  # coded size
    height: int
    rotation: int  # degrees clockwise the player rotates the picture (0, 90, 180, 270)
    codec: str
    has_audio: bool
    start_time: float  # container start; keyframe times are given relative to it
    streams: tuple[StreamInfo, ...] = ()
    pix_fmt: str = ""  # e.g. "yuv420p", "yuv420p10le" ("" when unknown)
    profile: str = ""  # codec profile as ffprobe names it: "High", "Main 10", "422 HQ" ...
    sar: str = "1:1"  # sample (pixel) aspect ratio; "1:1" is square pixels
    audio_codec: str = ""  # codec of the first audio stream ("" when silent)
    format_name: str = ""  # container, as ffprobe names it ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm")

    @property
    def pixel_aspect(self) -> float:
        """Width of a pixel over its height (1.0 for square pixels or an unknown ratio)."""
        num, _, den = self.sar.partition(":")
        try:
            ratio = int(num) / int(den)
        except (ValueError, ZeroDivisionError):
            return 1.0
        return ratio if ratio > 0 else 1.0

    @property
    def display_size(self) -> tuple[int, int]:
        if self.rotation % 180 == 90:
            return self.height, self.width
        return self.width, self.height


@dataclass(frozen=True)
class Rendition:
    """A film's web renditions in the cache (see generator.media.renditions)."""

    mp4: Path  # H.264/AAC MP4 every browser plays
    width: int  # its displayed size
    height: int
    remuxed: bool  # the footage's own streams, copied into a web MP4
    encoder: str  # "copy", "libx264" or "h264_nvenc"
    hls: Path | None = None  # folder with master.m3u8 and a folder per rung (long films)
    rungs: tuple[str, ...] = ()  # HLS rungs, largest first ("1080p", "720p", ...)


@dataclass(frozen=True)
class Narration:
    """A film read aloud by the machine (see generator.narration.stage)."""

    track: Path  # narration.m4a in the cache: the spoken cues alone, as long as the film
    vtt: str  # WebVTT kind="descriptions": the sentences as spoken, timed as spoken
    windows: tuple[tuple[float, float], ...]  # when the machine speaks: the film's own sound is ducked then
    voice: str  # the voice's spec, as the film page names it
    described: Path | None = None  # described.mp4: the web rendition with the narration mixed in
    duck: float = 1.0  # the film's own sound at this volume while the machine speaks ([narration] duck)
    sentences: int = 0


@dataclass(frozen=True)
class Keyframe:
    index: int
    time: float  # presentation time in seconds from the start of the film
    image: Path  # cached JPEG thumbnail
    scene_cut: bool  # True when a shot change selected it, False when the max interval did


@dataclass(frozen=True)
class Cue:
    index: int  # 1-based, as in SRT
    start: float
    end: float
    lines: tuple[str, ...]  # wrapped text, at most max_lines lines

    @property
    def text(self) -> str:
        return " ".join(self.lines)


MADE_BY = ("dream", "story", "nextframe", "reenact", "synthetic")  # Film.made_by of a film the machine made


@dataclass
class Film:
    slug: str
    title: str
    source: Path  # the index.md
    video: Path
    date: str = ""
    summary: str = ""
    draft: bool = False
    essay_html: str = ""
    essay_text: str = ""  # markdown source of the essay, for plain-text uses (YouTube description)
    tags: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # the whole front matter
    info: VideoInfo | None = None
    rendition: Rendition | None = None  # None: published as it is (a build without the renditions stage)
    keyframes: list[Keyframe] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)  # one per keyframe
    captioner: str = ""  # what wrote them ("describe", "archive"; a film's front matter may choose its own)
    # what made the picture: "" filmed footage; "dream", "story", "nextframe", "reenact" (the stage or command
    # of that name); "synthetic" made by a machine in a way not known here (front matter `synthetic:` alone).
    # YouTube is told which films are altered or synthetic from it (generator.publish.disclosure)
    made_by: str = ""
    cues: list[Cue] = field(default_factory=list)
    vtt: str = ""
    srt: str = ""
    youtube_id: str = ""  # set once published (issue: publish)
    narration: Narration | None = None  # set by the narration stage for narrated films

    @property
    def url(self) -> str:
        return f"films/{self.slug}/"


@dataclass
class Page:
    slug: str
    title: str
    source: Path
    body_html: str = ""  # "" with a body_key: not read yet (see generator.site.render.SiteRenderer.page_html)
    draft: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
    body_key: str = ""  # the cache key of the body's HTML, from the markdown source

    @property
    def url(self) -> str:
        return f"{self.slug}/"


@dataclass
class ArchiveItem:
    id: str  # path relative to archive/, with forward slashes
    path: Path
    width: int = 0
    height: int = 0
    format: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.metadata.get("title") or Path(self.id).stem.replace("_", " ").replace("-", " ")


@dataclass(frozen=True)
class NavEntry:
    """A link in every page's header."""

    label: str
    href: str  # below the site root
    key: str  # the ``current`` key of the pages it leads to (marks the link as the page being shown)
    order: int = 50  # the core's: films 0, pages 10, archive 20, map 30; features from 40 on


@dataclass(frozen=True)
class SectionEntry:
    """An entry that one part of the site adds to another page's list (the dreams index lists the collages
    and the dream films beside the dreamt images)."""

    index: str  # the list it belongs to ("dreams")
    title: str
    url: str  # below the site root
    thumb: str  # below the site root ("" for none)
    blurb: str  # one sentence


@dataclass
class SearchRecord:
    """One thing the site-wide search finds."""

    kind: str  # the filter it is found under: "speech", "page", "archive", or a contributed kind
    url: str  # relative to the site root: "films/x/#t=12.00", "about/", "map/#item=a%2Fb.jpg"
    title: str
    text: str = ""  # plain text to index (custom records)
    meta: dict[str, str] = field(default_factory=dict)  # shown with a hit: "time", "image", "film" ...
    html: str = ""  # HTML to index instead of text (pages, essays)
    source: str = ""  # identifies the HTML in its place (a page's body key): the HTML is read only to index it
    load: Callable[[], str] | None = field(default=None, compare=False, repr=False)

    def identity(self) -> list[Any]:
        """Everything of the record that the index depends on (the HTML by its source when it is late)."""
        body = self.source or self.html
        return [self.kind, self.url, self.title, self.text, sorted(self.meta.items()), body]

    def body(self) -> str:
        """The HTML to index ("" for a plain-text record)."""
        if not self.html and self.load is not None:
            self.html = self.load()
        return self.html


@dataclass
class SiteModel:
    """Everything a build gathers before it renders: the core's content, and what the features gave it
    (see :class:`generator.features.base.Contribution`)."""

    settings: Settings
    content_dir: Path
    films: list[Film] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    archive: list[ArchiveItem] = field(default_factory=list)
    archive_columns: list[str] = field(default_factory=list)  # metadata.csv columns besides `file`
    map_url: str = ""  # below the root: the map page ("" without a map)
    search_url: str = ""  # below the root: the search page the header's box sends to ("" without search)
    nav: list[NavEntry] = field(default_factory=list)  # the features' header links
    sections: list[SectionEntry] = field(default_factory=list)
    search_records: list[SearchRecord] = field(default_factory=list)  # the features' records
    search_terms: dict[str, list[str]] = field(default_factory=dict)  # archive id -> words added to its record
    item_facts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # archive id -> (label, text)
    page_makers: list[Callable[[SiteRenderer], None]] = field(default_factory=list)  # the features' pages
    links: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # page key -> (text, href below the root)
    # archive id -> below the root, a JPEG of the picture of at most 512 px (the map's): what pages show of a
    # picture instead of an original that may be a gigapixel TIFF
    item_images: dict[str, str] = field(default_factory=dict)

    def sections_of(self, index: str) -> list[SectionEntry]:
        return [s for s in self.sections if s.index == index]

    def add(self, given: Contribution) -> None:
        """What a feature gives the site, added to what the others gave."""
        self.nav += given.nav
        self.sections += given.sections
        self.search_records += given.search_records
        for item_id, words in given.search_terms.items():
            self.search_terms.setdefault(item_id, []).extend(words)
        for item_id, facts in given.item_facts.items():
            self.item_facts.setdefault(item_id, []).extend(facts)
        for page, links in given.links.items():
            self.links.setdefault(page, []).extend(links)
        if given.header_search:
            self.search_url = given.header_search
        if given.pages is not None:
            self.page_makers.append(given.pages)
