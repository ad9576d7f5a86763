"""What the templates see: one view per film, archive item and nav entry, built from the site model,
plus the small formatting helpers those views need (dates, URL paths, anchors)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from ..model import Film, Keyframe
from ..registry import plain_words
from ..timefmt import clock, iso_duration, short_duration, spoken_duration
from .made import Made, film_made
from .responsive import Picture, Pictures

VIDEO_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/mp4",  # QuickTime files with H.264 play where MP4 does; "video/quicktime" makes Chrome refuse
    ".webm": "video/webm",
    ".ogv": "video/ogg",
}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


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


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}  # start-of-frame markers


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's frame header, or None: the posters and frames ffmpeg writes, measured
    on every build without importing Pillow."""
    if data[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 9 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if marker in _SOF:
            height, width = int.from_bytes(data[i + 5:i + 7], "big"), int.from_bytes(data[i + 7:i + 9], "big")
            return (width, height) if width and height else None
        i += 2 + length
    return None


def image_size(path: Path) -> tuple[int, int] | None:
    """Pixel size of a JPEG/PNG, reading only its header; None when unreadable."""
    try:
        with open(path, "rb") as fh:
            found = jpeg_size(fh.read(1 << 16))
        if found is not None:
            return found
        from PIL import Image

        with Image.open(path) as im:
            return im.size
    except Exception:  # a missing or odd thumbnail only loses the width/height hint
        return None


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
    frame_pic: Picture | None = None  # its WebP variants (see generator.site.responsive)


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    detail: str = ""  # more of the same in plain words, for those who hover (the value's title)


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
    video_w: int  # the <video> element's size: the displayed (rotated) picture
    video_h: int
    hls_href: str  # "" when the film does not stream as HLS
    original_href: str  # "" unless [video] publish_original
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
    narration_name: str = ""  # "" when the film is not narrated: <slug>-narration.m4a
    descriptions_name: str = ""  # <slug>-descriptions.vtt (WebVTT kind="descriptions")
    described_name: str = ""  # <slug>-described.mp4, "" when not made
    narration_windows: str = ""  # JSON [[start, end], ...]: when the machine speaks (the film's sound is ducked)
    narration_duck: float = 1.0
    narration_voice: str = ""  # in a visitor's words: "a synthetic voice made by a neural network (Piper)"
    made: Made | None = None  # how it was made, in a visitor's words (its facts, card and footer say it)
    poster_pic: Picture | None = None  # the poster's WebP variants (see generator.site.responsive)

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
    image: str = ""  # below the root: a JPEG of at most 512 px to show (the map's), "" to show the original
    picture: Picture | None = None  # that JPEG's WebP variants (see generator.site.responsive)


@dataclass(frozen=True)
class PageLink:
    title: str
    url: str  # relative to the site root
    summary: str


def page_summary(meta: dict[str, Any]) -> str:
    return str(meta.get("summary") or meta.get("description") or "")


@dataclass(frozen=True)
class FilmViewSettings:
    language: str
    base_url: str  # without the trailing slash
    captioner: str
    player: str  # [youtube] player
    publish_original: bool = False  # [video] publish_original


def poster_keyframe(film: Film) -> Keyframe | None:
    """The keyframe a film's poster is made of (``films/<slug>/poster.jpg``): a third of the way in, past
    a title card; None without keyframes. Its page, its card and its search hit all show this one."""
    keyframes = sorted(film.keyframes, key=lambda k: k.time)
    if not keyframes:
        return None
    return keyframes[len(keyframes) // 3] if len(keyframes) >= 3 else keyframes[min(1, len(keyframes) - 1)]


def film_duration(film: Film) -> float:
    """Seconds: the probed length, or the end of the last cue before probing (0 when neither is known)."""
    return film.info.duration if film.info else (film.cues[-1].end if film.cues else 0.0)


def film_view(film: Film, vs: FilmViewSettings, add_file: Callable[[str, Path], None],
              pictures: Pictures | None = None) -> FilmView:
    """What the templates need about a film; ``add_file`` queues its poster and transcript thumbnails,
    ``pictures`` (when given) their WebP variants."""
    prefix = f"films/{film.slug}/"
    info = film.info
    keyframes = sorted(film.keyframes, key=lambda k: k.time)
    poster = ""
    w, h = info.display_size if info else (16, 9)
    pick = poster_keyframe(film)
    if pictures is not None:
        pictures.prepare(k.image for k in keyframes)  # the film's missing variants, made at once

    def pic(image: Path) -> Picture | None:
        return pictures.of(image) if pictures is not None else None

    if pick is not None:
        add_file(prefix + "poster.jpg", pick.image)
        poster = "poster.jpg"
        w, h = image_size(pick.image) or (w, h)

    mode = vs.player if film.youtube_id else "self"
    rendition = film.rendition
    vw, vh = info.display_size if info else (w, h)
    if rendition is not None:
        video_name, video_type, vw, vh = f"{film.slug}.mp4", "video/mp4", rendition.width, rendition.height
    else:  # a build without the renditions stage: the footage as it is
        video_name, video_type = film.video.name, VIDEO_TYPES.get(film.video.suffix.lower(), "")
    original = f"original/{url_path(film.video.name)}" if vs.publish_original and rendition is not None else ""
    times = [k.time for k in keyframes]
    used_frames: set[int] = set()
    cues: list[CueView] = []
    for cue in film.cues:
        frame, frame_pic = "", None
        i = bisect_right(times, cue.start + 0.05) - 1  # the keyframe the caption was written for
        if i >= 0:
            kf = keyframes[i]
            frame = f"frames/{kf.index}.jpg"
            frame_pic = pic(kf.image)
            if kf.index not in used_frames:
                used_frames.add(kf.index)
                add_file(prefix + frame, kf.image)
        if mode == "youtube":
            href = f"https://www.youtube.com/watch?v={quote(film.youtube_id)}&t={int(cue.start)}s"
        else:
            href = f"{url_path(video_name)}#t={cue.start:.3f}"
        cues.append(CueView(cue.index, cue.start, cue.end, clock(cue.start), cue.text, tuple(cue.lines), href, frame,
                            frame_pic))

    duration = film_duration(film)
    made = film_made(film, vs.captioner)
    facts: list[Fact] = []
    if info:
        facts.append(Fact("Duration", spoken_duration(duration)))
        dw, dh = info.display_size
        facts.append(Fact("Picture", f"{dw} × {dh} px"))
        rate = frame_rate(info.fps) + (" (variable)" if info.variable_frame_rate else "")
        facts.append(Fact("Frame rate", rate))
        facts.append(Fact("Sound", "with sound" if info.has_audio else "silent"))
    if rendition is not None:
        how = "the footage itself, unchanged" if rendition.remuxed else "re-encoded for the web"
        facts.append(Fact("Web rendition", f"H.264, {rendition.width} × {rendition.height}, {how}"))
        if rendition.rungs:
            rungs = " · ".join(rendition.rungs)
            facts.append(Fact("Streaming", f"in steps of quality as the connection allows: {rungs}",
                              "HTTP Live Streaming (HLS)"))
    facts.append(Fact("Pictures", made.pictures))
    if keyframes:
        cuts = sum(1 for k in keyframes if k.scene_cut)
        facts.append(Fact("Keyframes", f"{len(keyframes)} ({cuts} at shot changes)"))
    facts.append(Fact("Subtitles", made.count + (f", {made.subtitles}" if made.subtitles else "")))
    narration = film.narration
    if narration is not None:
        n = narration.sentences
        facts.append(Fact("Narration", f"{n} sentence{'' if n == 1 else 's'} read aloud by {_voice(narration.voice)}"))

    embed = ""
    if film.youtube_id:
        params = f"enablejsapi=1&rel=0&playsinline=1&cc_load_policy=1&cc_lang_pref={quote(vs.language)}"
        if vs.base_url:
            origin = re.match(r"^[a-z]+://[^/]+", vs.base_url)
            if origin:
                params += "&origin=" + quote(origin[0], safe="")
        embed = f"https://www.youtube-nocookie.com/embed/{quote(film.youtube_id)}?{params}"

    return FilmView(
        film=film, slug=film.slug, url=url_path(film.url), title=film.title, date=date_label(film.date, vs.language),
        summary=film.summary, essay=Markup(film.essay_html), video_name=video_name, video_href=url_path(video_name),
        video_type=video_type, video_w=vw, video_h=vh,
        hls_href="hls/master.m3u8" if rendition is not None and rendition.hls else "", original_href=original,
        vtt_name=f"{film.slug}.vtt" if film.vtt else "",
        srt_name=f"{film.slug}.srt" if film.srt else "", poster=poster, image_w=w, image_h=h, duration=duration,
        cues=cues, facts=facts, mode=mode, youtube_id=film.youtube_id, youtube_embed=embed, made=made,
        poster_pic=pic(pick.image) if pick is not None else None,
        **_narration_fields(film),
    )


def _voice(spec: str) -> str:
    return plain_words("voice", spec, "a synthetic voice")


def _narration_fields(film: Film) -> dict[str, Any]:
    n = film.narration
    if n is None:
        return {}
    import json

    return {"narration_name": f"{film.slug}-narration.m4a", "descriptions_name": f"{film.slug}-descriptions.vtt",
            "described_name": f"{film.slug}-described.mp4" if n.described is not None else "",
            "narration_windows": json.dumps([[round(a, 3), round(b, 3)] for a, b in n.windows], separators=(",", ":")),
            "narration_duck": n.duck, "narration_voice": _voice(n.voice)}
