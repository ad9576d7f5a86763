"""What YouTube is told about a film: title, description, tags, language, privacy, captions.

YouTube rejects a title over 100 characters, a description over 5000 bytes, tags over 500 characters
in total, and ``<`` or ``>`` anywhere in them; the functions here shorten and clean instead of letting
the upload fail. The essay is markdown; the description gets it as plain text. How the film was made
(disclosure.py) opens and closes the description and is never what is shortened.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass
from typing import Any

from ..config import Settings
from ..model import Film
from .disclosure import contains_synthetic_media, made_notice, subtitles_note

MAX_TITLE_CHARS = 100
MAX_DESCRIPTION_BYTES = 5000
MAX_TAGS_CHARS = 500
ELLIPSIS = "…"

# angle brackets are forbidden; these look alike and keep quotations readable
_ANGLES = str.maketrans({"<": "‹", ">": "›"})


def clean_text(text: str) -> str:
    return text.translate(_ANGLES).replace("\x00", "")


def youtube_title(film: Film) -> str:
    title = re.sub(r"\s+", " ", clean_text(film.title or "")).strip() or film.slug
    if len(title) <= MAX_TITLE_CHARS:
        return title
    cut = title[: MAX_TITLE_CHARS - 1]
    if " " in cut[MAX_TITLE_CHARS // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + ELLIPSIS


# -- markdown to plain text --------------------------------------------------------------------
_FENCE = re.compile(r"^(```|~~~).*?$\n?(.*?)^\1\s*$", re.M | re.S)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.M)
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*(.*?)\s*#*\s*$", re.M)
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$", re.M)
_QUOTE = re.compile(r"^\s{0,3}>\s?", re.M)
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$", re.M)
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~)(?=\S)(.+?)(?<=\S)\1")
_CODE = re.compile(r"`+([^`]*)`+")
_BULLET = re.compile(r"^(\s*)[*+-]\s+", re.M)


def markdown_to_plain(md: str) -> str:
    """Readable plain text from markdown: links keep their address, markup goes."""
    text = md.replace("\r\n", "\n")
    text = _FENCE.sub(lambda m: m.group(2), text)
    text = _REF_DEF.sub("", text)
    text = _IMAGE.sub(lambda m: m.group(1), text)
    text = _LINK.sub(lambda m: m.group(1) if m.group(1) == m.group(2) else f"{m.group(1)} ({m.group(2)})", text)
    text = _REF_LINK.sub(lambda m: m.group(1), text)
    text = _AUTOLINK.sub(lambda m: m.group(1), text)
    text = _TAG.sub("", text)
    text = _RULE.sub("", text)
    text = _HEADING.sub(lambda m: m.group(1), text)
    text = _SETEXT.sub("", text)
    text = _QUOTE.sub("", text)
    text = _CODE.sub(lambda m: m.group(1), text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    for _ in range(2):  # nested emphasis
        text = _EMPHASIS.sub(lambda m: m.group(2), text)
    text = html.unescape(text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!>])", r"\1", text)  # markdown escapes
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def truncate_bytes(text: str, limit: int) -> str:
    """At most ``limit`` UTF-8 bytes, cut at a paragraph, sentence or word end, with an ellipsis."""
    if len(text.encode("utf-8")) <= limit:
        return text
    budget = limit - len(ELLIPSIS.encode("utf-8"))
    cut = text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    for sep in ("\n\n", ". ", "\n", " "):
        at = cut.rfind(sep)
        if at > len(cut) * 0.6:
            cut = cut[: at + (1 if sep == ". " else 0)]
            break
    return cut.rstrip() + ELLIPSIS


def youtube_description(film: Film, settings: Settings) -> str:
    """How the film was made (machine-made films), summary, essay, who wrote the subtitles, the transcript's
    address: within 5000 bytes, shortening the summary and essay only."""
    head = [p for p in (made_notice(film),) if p]
    body = [p for p in (markdown_to_plain(film.summary), markdown_to_plain(film.essay_text or "")) if p]
    tail = [p for p in (subtitles_note(film, settings),) if p]
    base = settings.site.base_url.strip()
    if base:
        tail.append(f"With its transcript: {base.rstrip('/')}/{film.url}")
    head, tail = [clean_text(p) for p in head], [clean_text(p) for p in tail]
    text = clean_text("\n\n".join(body))
    if text:
        room = MAX_DESCRIPTION_BYTES - sum(len(p.encode("utf-8")) + 2 for p in head + tail)  # 2: "\n\n"
        text = truncate_bytes(text, room) if room > 100 else ""
    return truncate_bytes("\n\n".join([*head, *([text] if text else []), *tail]), MAX_DESCRIPTION_BYTES)


def _tag_cost(tag: str) -> int:
    return len(tag) + (2 if " " in tag else 0)  # YouTube counts quotes around tags with spaces


def youtube_tags(film: Film, settings: Settings) -> list[str]:
    """Site tags then film tags, deduplicated, within YouTube's 500-character budget."""
    seen: set[str] = set()
    tags: list[str] = []
    used = 0
    for raw in [*settings.youtube.tags, *film.tags]:
        tag = re.sub(r"\s+", " ", clean_text(str(raw)).replace(",", " ")).strip()
        if not tag or tag.lower() in seen:
            continue
        cost = _tag_cost(tag) + (1 if tags else 0)  # commas between tags
        if used + cost > MAX_TAGS_CHARS:
            continue
        seen.add(tag.lower())
        tags.append(tag)
        used += cost
    return tags


def language(settings: Settings) -> str:
    return settings.youtube.default_language or settings.site.language or "en"


def video_snippet(film: Film, settings: Settings) -> dict[str, Any]:
    lang = language(settings)
    return {
        "title": youtube_title(film),
        "description": youtube_description(film, settings),
        "tags": youtube_tags(film, settings),
        "categoryId": str(settings.youtube.category),
        "defaultLanguage": lang,
        "defaultAudioLanguage": lang,
    }


def video_status(film: Film, settings: Settings) -> dict[str, Any]:
    return {"privacyStatus": settings.youtube.privacy,
            "containsSyntheticMedia": contains_synthetic_media(film, settings.youtube)}


# status fields one may set in YouTube Studio and publishing does not: videos.update with the status part resets
# every mutable field it leaves out, so they are sent back as YouTube has them (publishAt, a scheduled publication,
# only while the video stays private: YouTube refuses it otherwise)
STUDIO_STATUS = ("embeddable", "license", "publicStatsViewable", "selfDeclaredMadeForKids")


def status_update(status: dict[str, Any], live: dict[str, Any] | None) -> dict[str, Any]:
    """``status`` as videos.update sends it: with the fields of ``live`` (the video's status on YouTube, when
    known) that it does not set itself."""
    live = live or {}
    kept = {k: live[k] for k in STUDIO_STATUS if k in live}
    if status.get("privacyStatus") == "private" and live.get("publishAt"):
        kept["publishAt"] = live["publishAt"]
    return {**kept, **status}


def digest(obj: Any) -> str:
    if isinstance(obj, bytes):
        return hashlib.sha256(obj).hexdigest()
    blob = json.dumps(obj, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


@dataclass(frozen=True)
class CaptionPayload:
    data: bytes
    format: str  # "vtt" or "srt"
    language: str
    name: str

    @property
    def sha256(self) -> str:
        return digest(self.data)


def caption_payload(film: Film, settings: Settings) -> CaptionPayload | None:
    """The machine subtitles as YouTube gets them (WebVTT preferred, else SubRip), or None."""
    name = clean_text(settings.youtube.caption_name).strip() or "Machine captions"
    if film.vtt.strip():
        return CaptionPayload(film.vtt.encode("utf-8"), "vtt", language(settings), name)
    if film.srt.strip():
        return CaptionPayload(film.srt.encode("utf-8"), "srt", language(settings), name)
    return None


VIDEO_MIME = {
    ".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".webm": "video/webm",
    ".mkv": "video/x-matroska", ".avi": "video/x-msvideo", ".mpg": "video/mpeg", ".mpeg": "video/mpeg",
    ".ogv": "video/ogg", ".wmv": "video/x-ms-wmv", ".flv": "video/x-flv", ".3gp": "video/3gpp",
}


def video_mimetype(suffix: str) -> str:
    return VIDEO_MIME.get(suffix.lower(), "application/octet-stream")
