"""Read ``stories/<slug>.md``: front matter (``title``, optional ``summary``, ``date``, ``narration``,
``seconds_per_sentence``, ``motion``, ``draft``) and the sentences of its body.

A sentence is a line of the body; lines of one paragraph are joined while a line does not end a
sentence (so a paragraph wrapped by an editor stays one sentence). ``#`` headings and markdown list
markers are left out. Mistakes are one-line :class:`ContentError` naming the file (and line)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ContentError

KEYS = ("title", "summary", "date", "narration", "seconds_per_sentence", "motion", "draft")
ENDS = re.compile(r"[.!?…:;\"'”’)\]]$")
MARKER = re.compile(r"^(?:[-*+]\s+|\d+[.)]\s+|>\s*)")
MAX_SENTENCES = 200


@dataclass(frozen=True)
class Sentence:
    index: int  # 0-based
    text: str
    line: int  # 1-based line of the file where it starts


@dataclass
class Story:
    slug: str
    title: str
    source: Path
    sentences: list[Sentence]
    summary: str = ""
    date: str = ""
    draft: bool = False
    meta: dict[str, Any] = field(default_factory=dict)  # the front matter
    seconds: float | None = None  # seconds_per_sentence, when the story sets it
    motion: str | None = None

    @property
    def url(self) -> str:
        return f"stories/{self.slug}/"


def parse_sentences(body: str, first_line: int = 1) -> list[Sentence]:
    out: list[Sentence] = []
    current: list[str] = []
    start = 0

    def close() -> None:
        if current:
            text = re.sub(r"\s+", " ", " ".join(current)).strip()
            if text:
                out.append(Sentence(len(out), text, start))
            current.clear()

    for n, raw in enumerate(body.splitlines()):
        line = raw.strip()
        if not line or line.startswith("#"):
            close()
            continue
        line = MARKER.sub("", line)
        if not current:
            start = first_line + n
        current.append(line)
        if ENDS.search(line):
            close()
    close()
    return out


def read_story(path: Path, slug_re: re.Pattern[str]) -> Story:
    from ..site.content import split_front_matter

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ContentError("not UTF-8 text", path) from None
    doc = split_front_matter(path, text)
    meta = doc.meta
    unknown = sorted(str(k) for k in meta if k not in KEYS)
    if unknown:
        raise ContentError(f"unknown front matter key {', '.join(map(repr, unknown))} (a story knows: "
                           f"{', '.join(KEYS)})", path, 2)
    slug = path.stem
    if not slug_re.match(slug):
        raise ContentError(f"file name {path.name!r} is not a usable slug (letters, digits, . _ -)", path)
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ContentError("front matter needs a `title: ...`", path, 1)
    body_line = text.count("\n", 0, len(text) - len(doc.body)) + 1
    sentences = parse_sentences(doc.body, body_line)
    if not sentences:
        raise ContentError("no sentences: write the story's sentences below the front matter, one per line",
                           path)
    if len(sentences) > MAX_SENTENCES:
        raise ContentError(f"{len(sentences)} sentences; a story has at most {MAX_SENTENCES}", path)
    seconds = meta.get("seconds_per_sentence")
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                or not 0.5 <= float(seconds) <= 120):
        raise ContentError(f"seconds_per_sentence must be a number from 0.5 to 120, got {seconds!r}", path)
    motion = meta.get("motion")
    if motion is not None and motion not in ("kenburns", "still"):
        raise ContentError(f"motion must be kenburns or still, got {motion!r}", path)
    narration = meta.get("narration")
    if narration is not None and not isinstance(narration, bool):
        raise ContentError(f"narration must be true or false, got {narration!r}", path)
    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        raise ContentError(f"draft must be true or false, got {draft!r}", path)
    return Story(slug=slug, title=title.strip(), source=path, sentences=sentences,
                 summary=str(meta.get("summary") or ""), date=str(meta.get("date") or ""), draft=draft, meta=meta,
                 seconds=float(seconds) if seconds is not None else None, motion=motion)


def read_stories(folder: Path, include_drafts: bool = False) -> tuple[list[Story], list[ContentError]]:
    """Every story of ``folder`` in file-name order, and the mistakes found (one per file)."""
    from ..site.content import SLUG_RE

    stories: list[Story] = []
    errors: list[ContentError] = []
    if not folder.is_dir():
        return stories, errors
    for path in sorted(folder.glob("*.md")):
        try:
            story = read_story(path, SLUG_RE)
        except ContentError as exc:
            errors.append(exc)
            continue
        if story.draft and not include_drafts:
            continue
        stories.append(story)
    return stories, errors
