"""Sound: the spoken sentences laid on one narration track as long as the film (AAC in an M4A), and
the described rendition (the web MP4's picture copied, its own sound ducked under the narration).

The track is written sentence by sentence as 16-bit mono WAV at 22.05 kHz (memory holds one sentence)
and encoded by ffmpeg; the described MP4's
ducking is an ffmpeg ``volume`` expression with a short ramp at each edge of every window in which the
machine speaks, so the film's sound dips and returns without clicks.
"""

from __future__ import annotations

import wave
from pathlib import Path

from ..errors import MediaError
from ..media.ffmpeg_run import last_error_line, run_ffmpeg
from ..reporter import Reporter
from .fit import Line
from .voices import pcm_of_wav

RATE = 22050  # the track's sample rate: both voices speak at it
FADE = 0.03  # seconds of fade where a sentence's sound is cut
RAMP_IN, RAMP_OUT = 0.15, 0.3  # seconds the film's sound takes to dip before speech and to come back after


def wav_bytes(pcm: bytes, rate: int) -> bytes:
    import io

    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return buf.getvalue()


def trim_silence(pcm: bytes, rate: int, threshold: int = 200, keep: float = 0.03) -> bytes:
    """The speech without the silence a voice puts before and after it (``keep`` seconds of it stay)."""
    import array

    samples = array.array("h", pcm)
    loud = [i for i in range(0, len(samples), 64) if max(map(abs, samples[i:i + 64])) > threshold]
    if not loud:
        return pcm
    pad = int(keep * rate)
    first, last = max(0, loud[0] - pad), min(len(samples), loud[-1] + 64 + pad)
    return samples[first:last].tobytes()


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())


def mix_track(lines: list[Line], wavs: dict[str, Path], duration: float, out_wav: Path) -> None:
    """Every sentence at its time, on one mono track exactly ``duration`` seconds long, written as it goes
    (sentences never overlap): memory holds one sentence, not the film (two hours would be 300 MB)."""
    import numpy as np

    total = max(1, int(round(duration * RATE)))
    silence = bytes(2 * RATE)  # one second of it, written as often as a gap needs
    with wave.open(str(out_wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        pos = 0

        def pause(until: int) -> None:
            nonlocal pos
            while pos < until:
                n = min(RATE, until - pos)
                w.writeframes(silence[:2 * n])
                pos += n

        for line in sorted(lines, key=lambda ln: ln.start):
            pcm, rate = pcm_of_wav(wavs[line.audio].read_bytes())
            sound = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
            if rate != RATE and sound.size:  # a voice of another rate: linear resampling is plenty for speech
                n = int(round(sound.size * RATE / rate))
                sound = np.interp(np.linspace(0, sound.size - 1, n), np.arange(sound.size), sound).astype(np.float32)
            keep = min(sound.size, int(round(line.duration * RATE)))
            cut = keep < sound.size  # the sentence's sound stops where the next cue begins: fade, don't click
            sound = sound[:keep].copy()
            fade = min(keep, int(FADE * RATE))
            if cut and fade:
                sound[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
            at = int(round(line.start * RATE))
            pause(min(at, total))
            sound = sound[pos - at:max(0, total - at)]  # never before what is written, never past the film's end
            w.writeframes(np.clip(sound, -32768, 32767).astype("<i2").tobytes())
            pos += sound.size
        pause(total)


def encode_track(ffmpeg: str, wav: Path, out: Path, duration: float, bitrate: str, source: Path) -> None:
    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-nostats", "-progress", "pipe:1", "-i", str(wav),
           "-t", f"{duration:.3f}", "-c:a", "aac", "-b:a", bitrate, "-ac", "1", "-movflags", "+faststart", str(out)]
    run = run_ffmpeg(cmd, source, duration, None, "")
    if run.code != 0:
        raise MediaError(f"ffmpeg could not encode the narration track: {last_error_line(run.stderr)}", source)


def duck_expression(windows: list[tuple[float, float]], duck: float) -> str:
    """A ``volume`` expression: 1 outside the windows, ``duck`` inside, with linear ramps at the edges."""
    if not windows:
        return "1"
    terms = [f"clip(min((t-{s - RAMP_IN:.3f})/{RAMP_IN},({e + RAMP_OUT:.3f}-t)/{RAMP_OUT}),0,1)" for s, e in windows]
    inside = "+".join(terms)  # windows never overlap (they were joined), so the sum stays within 0..1
    return f"1-{1 - duck:.3f}*min(1,{inside})"


def described_mp4(ffmpeg: str, rendition: Path, track: Path, windows: list[tuple[float, float]], duck: float,
                  has_audio: bool, audio_bitrate: str, duration: float, tmp: Path, out: Path,
                  reporter: Reporter | None, slug: str) -> None:
    """The web rendition with the narration mixed into its sound (the picture is copied, not encoded)."""
    if has_audio:
        graph = (f"[0:a]aformat=channel_layouts=stereo,volume='{duck_expression(windows, duck)}':eval=frame[film];"
                 "[1:a]aformat=channel_layouts=stereo[voice];"
                 "[film][voice]amix=inputs=2:duration=first:normalize=0[a]")
    else:
        graph = "[1:a]aformat=channel_layouts=stereo[a]"
    script = tmp / "described.filter"
    script.write_text(graph, "utf-8")  # a long film has thousands of windows: more than a command line holds
    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-nostats", "-progress", "pipe:1", "-i", str(rendition),
           "-i", str(track), "-filter_complex_script", str(script), "-map", "0:v:0", "-map", "[a]",
           "-c:v", "copy", "-c:a", "aac", "-b:a", audio_bitrate, "-t", f"{duration:.3f}",
           "-movflags", "+faststart", str(out)]
    run = run_ffmpeg(cmd, rendition, duration, reporter, f"describe {slug}"[:24])
    if run.code != 0:
        raise MediaError(f"ffmpeg could not make the described rendition: {last_error_line(run.stderr)}", rendition)
