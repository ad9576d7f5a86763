"""Times and durations as people read them: one module for every page, track and data file.

Every time and duration shown anywhere goes through :func:`whole_seconds`, so a film's length reads the same
on its card, in its header and facts, on its story's page, in a search hit and in the browser's own player.
"""

from __future__ import annotations

import math

# a thousandth of a second: a length stored as 23.9999997 is 24 s, not 23 (ffprobe and float sums give such)
_SLACK = 1e-3


def whole_seconds(seconds: float) -> int:
    """The whole seconds a time or a length is shown as: counted down, as video players count. A film of
    25.6 s ends at 0:25 on the browser's own controls, so its card, header and facts say 0:25 too; rounding
    to the nearest second would say 0:26 beside a player that stops at 0:25."""
    return max(0, math.floor(seconds + _SLACK))


def _parts(seconds: float) -> tuple[int, int, int]:
    h, rest = divmod(whole_seconds(seconds), 3600)
    m, s = divmod(rest, 60)
    return h, m, s


def _clock(h: int, m: int, s: int, pad_minutes: bool) -> str:
    if h:
        return f"{h}:{m:02d}:{s:02d}"
    return f"{m:02d}:{s:02d}" if pad_minutes else f"{m}:{s:02d}"


def clock(seconds: float) -> str:
    """``mm:ss`` (``h:mm:ss`` from an hour on): the transcript's column of equally wide cue times."""
    return _clock(*_parts(seconds), pad_minutes=True)


def moment(seconds: float) -> str:
    """``m:ss``: the moment of a film a frame was taken at (the second it falls in)."""
    return _clock(*_parts(seconds), pad_minutes=False)


def short_duration(seconds: float) -> str:
    """``3:12``: a film's length on its card and in its header, in whole seconds as its player shows it."""
    return _clock(*_parts(seconds), pad_minutes=False)


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration for ``<time datetime>``: the same whole seconds as the text beside it."""
    h, m, s = _parts(seconds)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + f"{s}S"


def spoken_duration(seconds: float) -> str:
    """``3 min 05 s``, ``1 h 02 min``: a film's length in its facts (the same whole seconds)."""
    h, m, s = _parts(seconds)
    if h:
        return f"{h} h {m:02d} min"
    if m:
        return f"{m} min {s:02d} s"
    return f"{s} s"
