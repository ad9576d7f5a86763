"""From keyframe captions to subtitle cues: timing rules and line wrapping.

Each keyframe's sentence is shown from that keyframe to the next one (the last until the film ends).
Conventions from subtitling practice: a cue stays up long enough to be read (``min_cue``) and not longer
than ``max_cue``; at most ``max_lines`` lines of ``line_width`` characters, two-line cues balanced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..config import SubtitleSettings
from ..model import Cue

ELLIPSIS = "\u2026"


@dataclass(frozen=True)
class TimedText:
    start: float
    text: str


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("-->", "\u2192")).strip()


def wrap(text: str, width: int) -> list[str]:
    """Greedy wrap at spaces; a word longer than the width is broken."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        while len(word) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def balance_two(text: str, width: int) -> list[str] | None:
    """The most even split of a text into two lines that each fit, or None."""
    best: tuple[int, int] | None = None
    for m in re.finditer(" ", text):
        first, second = text[: m.start()], text[m.end():]
        if len(first) <= width and len(second) <= width:
            score = abs(len(first) - len(second))
            if best is None or score < best[0]:
                best = (score, m.start())
    if best is None:
        return None
    return [text[: best[1]], text[best[1] + 1:]]


def layout_lines(text: str, width: int, max_lines: int) -> list[list[str]]:
    """Split text into screens of at most ``max_lines`` lines."""
    if len(text) <= width:
        return [[text]]
    if max_lines >= 2:
        pair = balance_two(text, width)
        if pair is not None:
            return [pair]
    lines = wrap(text, width)
    return [lines[i:i + max_lines] for i in range(0, len(lines), max_lines)]


def truncate_screen(screens: list[list[str]], width: int) -> list[str]:
    """The first screen, marked with an ellipsis when text had to be left out."""
    lines = list(screens[0])
    if len(screens) > 1:
        last = lines[-1]
        if len(last) + 1 > width:
            last = last[: width - 1].rstrip()
        lines[-1] = last + ELLIPSIS
    return lines


def build_cues(items: list[TimedText], duration: float, settings: SubtitleSettings) -> list[Cue]:
    """Timed captions in keyframe order -> cues that respect the timing and layout rules."""
    spans: list[tuple[float, float, str]] = []
    ordered = sorted((i for i in items if normalise(i.text)), key=lambda i: i.start)
    for n, item in enumerate(ordered):
        start = max(0.0, item.start)
        end = ordered[n + 1].start if n + 1 < len(ordered) else duration
        text = normalise(item.text)
        if settings.merge_identical and spans and spans[-1][2] == text:
            spans[-1] = (spans[-1][0], end, text)
        else:
            spans.append((start, end, text))

    timed: list[tuple[float, float, str]] = []
    previous_end = 0.0
    for n, (start, end, text) in enumerate(spans):
        start = max(start, previous_end)
        # a cue overtaken by its predecessor's minimum duration is dropped: the next one is due
        if start >= end and n + 1 < len(spans):
            continue
        end = max(end, start + settings.min_cue)
        end = min(end, start + settings.max_cue, duration)
        if end - start < 0.05:
            continue
        timed.append((start, end, text))
        previous_end = end

    cues: list[Cue] = []
    for start, end, text in timed:
        screens = layout_lines(text, settings.line_width, settings.max_lines)
        per_screen = (end - start) / len(screens)
        if len(screens) > 1 and per_screen >= settings.min_cue:
            # a long sentence becomes consecutive cues, time shared by length
            total = sum(len(" ".join(s)) for s in screens)
            t = start
            for s in screens:
                share = (end - start) * len(" ".join(s)) / total
                cues.append(Cue(len(cues) + 1, t, min(end, t + share), tuple(s)))
                t += share
        else:
            cues.append(Cue(len(cues) + 1, start, end, tuple(truncate_screen(screens, settings.line_width))))
    return cues
