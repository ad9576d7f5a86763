"""WebVTT and SRT writers. The VTT is checked in tests by an independent W3C-conformant parser."""

from __future__ import annotations

from ..model import Cue


def _ms(seconds: float) -> int:
    return max(0, int(round(seconds * 1000)))


def timestamp(seconds: float, sep: str = ".") -> str:
    ms = _ms(seconds)
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _times(cue: Cue) -> tuple[int, int]:
    start, end = _ms(cue.start), _ms(cue.end)
    return start, max(end, start + 1)  # a cue must end after it starts, even after rounding


def escape_vtt(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: list[Cue], note: str = "") -> str:
    out = ["WEBVTT", ""]
    if note:
        out += ["NOTE " + note.replace("-->", "->").replace("\n", " "), ""]
    for cue in cues:
        start, end = _times(cue)
        out.append(str(cue.index))
        out.append(f"{timestamp(start / 1000)} --> {timestamp(end / 1000)}")
        out.extend(escape_vtt(line) for line in cue.lines)
        out.append("")
    return "\n".join(out)


def to_srt(cues: list[Cue]) -> str:
    out: list[str] = []
    for n, cue in enumerate(cues, start=1):
        start, end = _times(cue)
        out.append(str(n))
        out.append(f"{timestamp(start / 1000, ',')} --> {timestamp(end / 1000, ',')}")
        out.extend(line for line in cue.lines if line.strip())
        out.append("")
    return "\n".join(out)
