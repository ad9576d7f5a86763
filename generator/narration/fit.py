"""Fitting speech to its cue: where each sentence is spoken, how fast, and in which words.

A sentence is spoken from its cue's start. When the voice's own pace makes it longer than the cue:

1. *faster*: it is spoken faster, up to ``[narration] max_rate`` (1.35: a third faster still sounds like
   speech; beyond that words blur);
2. *extended*: at that rate it may run on past the cue's end into the silence before the next cue (or
   the film's end), when ``[narration] extend`` is on: the picture has moved on a little, but the sentence
   is whole;
3. *shortened*: otherwise the sentence is cut after its last word that fits (never after "a", "the",
   "with", "and" ...), keeping at least three words, and ends with a full stop;
4. *cut*: the rare sentence whose first three words are still too long is spoken at ``max_rate`` and
   its sound stops, faded, where the next cue begins.

Speech never overlaps the next sentence. *Extended description* (WCAG 1.2.7, :func:`extended`) is the
other way out: every sentence said whole, the film waiting where one runs past the next cue.

The functions here are pure; ``speak(text, rate)`` is given by the stage (it synthesises, through the
cache) and returns (audio key, seconds).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

Speak = Callable[[str, float], tuple[str, float]]

MIN_WORDS = 3
# little words a shortened sentence must not end on
BREAK_BEFORE = frozenset("and with while but which where as in on at under beside near against behind "
                         "over of from into through by for".split())
ARTICLES = frozenset("a an the its their his her some this that".split())


@dataclass(frozen=True)
class Slot:
    start: float  # the cue's start
    end: float  # the cue's end
    limit: float  # the next cue's start (or the film's end): speech never goes past it


@dataclass(frozen=True)
class Line:
    """One sentence as it is spoken."""

    index: int  # the cue's index
    text: str  # what is said (the caption, or its shortened form)
    start: float
    duration: float  # seconds of sound, after any cut
    rate: float  # 1.0: the voice's own pace
    how: str  # "fits", "faster", "extended", "shortened" or "cut"; "held" (said whole while the film waits)
    audio: str  # the speech's cache key

    @property
    def end(self) -> float:
        return self.start + self.duration


def shortenings(text: str) -> list[str]:
    """Shorter forms of a sentence, longest first, each ending with a full stop: cut after a word, never
    after a little word a sentence cannot end on ("a", "the", "with" ...), never below MIN_WORDS words."""
    words = text.split()
    out: list[str] = []
    for n in range(len(words) - 1, MIN_WORDS - 1, -1):
        last = re.sub(r"\W", "", words[n - 1].lower())
        if last and last not in BREAK_BEFORE and last not in ARTICLES:
            out.append(_close(words[:n]))
    return out


def _close(words: list[str]) -> str:
    return " ".join(words).rstrip(",;:-– ") + "."


def fit(index: int, text: str, slot: Slot, speak: Speak, max_rate: float, extend: bool) -> Line:
    """Where, how fast and in which words the sentence of one cue is spoken."""
    window = max(0.05, slot.end - slot.start)
    room = max(window, slot.limit - slot.start) if extend else window
    key, natural = speak(text, 1.0)
    if natural <= window:
        return Line(index, text, slot.start, natural, 1.0, "fits", key)
    rate = round(natural / window, 3)
    if rate <= max_rate:
        key, spoken = speak(text, rate)
        if spoken > window * 1.03 and rate < max_rate:  # a neural voice's pace is not exactly linear in its rate
            rate = min(max_rate, round(rate * spoken / window, 3))
            key, spoken = speak(text, rate)
        how = "faster" if spoken <= window * 1.03 else "extended"
        return Line(index, text, slot.start, min(spoken, room), rate, how, key)
    if natural / max_rate <= room:
        key, spoken = speak(text, max_rate)
        return Line(index, text, slot.start, min(spoken, room), max_rate, "extended", key)
    # shortened: estimate each form's length by its share of the letters, try the longest that may fit
    letters = max(1, len(text))
    forms = shortenings(text)
    for form in forms:
        if natural * len(form) / letters / max_rate > room * 1.1:
            continue
        key, form_natural = speak(form, 1.0)
        if form_natural / max_rate > room:
            continue
        rate = min(max_rate, max(1.0, round(form_natural / window, 3)))
        if rate != 1.0:
            key, spoken = speak(form, rate)
        else:
            spoken = form_natural
        return Line(index, form, slot.start, min(spoken, room), rate, "shortened", key)
    shortest = forms[-1] if forms else text
    key, spoken = speak(shortest, max_rate)
    return Line(index, shortest, slot.start, min(spoken, room), max_rate, "cut", key)


def slots(cues: list[tuple[float, float]], duration: float) -> list[Slot]:
    """Each cue's slot: its own window, and the silence up to the next cue (or the film's end)."""
    out = []
    for i, (start, end) in enumerate(cues):
        limit = cues[i + 1][0] if i + 1 < len(cues) else max(end, duration)
        out.append(Slot(start, min(end, limit), max(limit, start)))
    return out


def windows(lines: list[Line], join: float = 0.25) -> list[tuple[float, float]]:
    """When the machine speaks, with pauses shorter than ``join`` bridged (no pumping of the film's sound
    between two sentences)."""
    out: list[tuple[float, float]] = []
    for line in sorted(lines, key=lambda ln: ln.start):
        if line.duration <= 0:
            continue
        s, e = round(line.start, 3), round(line.end, 3)
        if out and s - out[-1][1] < join:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


@dataclass(frozen=True)
class Extended:
    """The extended description of a film: its sentences all whole, on a track of its own clock."""

    lines: tuple[Line, ...]  # starts on the extended track's clock: each wait before a line moves it later
    holds: tuple[tuple[float, float], ...]  # (film time, seconds): where the film waits, and for how long
    windows: tuple[tuple[float, float], ...]  # when the machine speaks, in film time (the player ducks then)

    @property
    def waited(self) -> float:
        return sum(w for _, w in self.holds)

    @classmethod
    def of_json(cls, data: dict[str, Any]) -> Extended:
        """The extended description as ``dataclasses.asdict`` wrote it into a JSON plan."""
        return cls(tuple(Line(**ln) for ln in data["lines"]), tuple((a, b) for a, b in data["holds"]),
                   tuple((a, b) for a, b in data["windows"]))


# seconds: a shorter wait is not worth a stutter of the picture (the sentence's last tenth of a second, mostly
# the fade of its last sound, is cut where the next cue begins, as on the narration track)
MIN_WAIT = 0.1


def extended(lines: list[Line], texts: list[str], limits: list[float], speak: Speak,
             length: Callable[[str], float], max_rate: float) -> Extended:
    """Where the film waits so that every sentence is said whole (``texts``: each line's caption, ``limits``:
    each slot's limit, ``length``: the seconds of an audio key's whole speech).

    A line that says its caption whole before its limit is kept as it is. One that says it whole but whose
    sound stops where the next cue begins is kept whole. A shortened or cut one is said whole at ``max_rate``
    (one more sentence to synthesise): as fast as the fit allows, so that the film waits as briefly as it
    can, and at the pace of its neighbours, which the fit has sped up too. The film waits at the limit (the
    next cue's start) until the sentence has been said."""
    out: list[Line] = []
    holds: list[tuple[float, float]] = []
    spans: list[Line] = []  # the lines in film time, a held one up to where the film waits
    shift = 0.0
    for line, text, limit in zip(lines, texts, limits, strict=True):
        room = max(0.0, limit - line.start)
        if line.text == text:  # its words whole: the same speech, all of it
            key, seconds, rate = line.audio, length(line.audio), line.rate
        else:
            key, seconds = speak(text, max_rate)
            rate = max_rate
        wait = round(seconds - room, 3)
        held = wait > MIN_WAIT
        if held:
            said = Line(line.index, text, line.start, seconds, rate, "held", key)
        elif line.text == text:
            said = line
        else:  # whole at max_rate, it fits after all
            said = Line(line.index, text, line.start, min(seconds, room), rate, line.how, key)
        out.append(replace(said, start=line.start + shift))
        spans.append(replace(said, duration=min(said.duration, room)))
        if held:
            holds.append((round(limit, 3), wait))
            shift += wait
    return Extended(tuple(out), tuple(holds), tuple(windows(spans)))
