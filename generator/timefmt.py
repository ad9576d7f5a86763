"""Times and durations as people read them: one module for every page, track and data file."""

from __future__ import annotations


def _parts(seconds: float, rounded: bool) -> tuple[int, int, int]:
    s = max(0, int(round(seconds)) if rounded else int(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return h, m, s


def _clock(h: int, m: int, s: int, pad_minutes: bool) -> str:
    if h:
        return f"{h}:{m:02d}:{s:02d}"
    return f"{m:02d}:{s:02d}" if pad_minutes else f"{m}:{s:02d}"


def clock(seconds: float) -> str:
    """``mm:ss`` (``h:mm:ss`` from an hour on): the transcript's column of equally wide cue times."""
    return _clock(*_parts(seconds, False), pad_minutes=True)


def moment(seconds: float) -> str:
    """``m:ss``: the moment of a film a frame was taken at (the second it falls in)."""
    return _clock(*_parts(seconds, False), pad_minutes=False)


def short_duration(seconds: float) -> str:
    """``3:12``: a film's length on its card, to the nearest second."""
    return _clock(*_parts(seconds, True), pad_minutes=False)


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration for ``<time datetime>``."""
    h, m, s = _parts(seconds, True)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + f"{s}S"


def spoken_duration(seconds: float) -> str:
    """``3 min 05 s``, ``1 h 02 min``: a film's length in its facts."""
    h, m, s = _parts(seconds, True)
    if h:
        return f"{h} h {m:02d} min"
    if m:
        return f"{m} min {s:02d} s"
    return f"{s} s"
