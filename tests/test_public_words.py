"""Pages speak to visitors: how a film, a dream or a collage was made is said in plain words derived from
what it really is (generator.site.made, generator.dreams.words, the registry's words), never with the names
of settings, programs or files; and a film's length is one number of whole seconds everywhere."""

from __future__ import annotations

import re
from pathlib import Path

from browser.site_fixtures import make_film

from generator.captions.per_film import captioner_words
from generator.dreams.presets import BUILTIN, Preset
from generator.dreams.words import dream_sentence, how_made
from generator.model import Film
from generator.registry import plain_words
from generator.site.made import film_made, site_note
from generator.site.views import FilmViewSettings, film_view
from generator.timefmt import iso_duration, moment, short_duration, spoken_duration, whole_seconds

IDENTIFIER = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")  # octave_scale, step_size, h264_nvenc ...


def _film(tmp_path: Path, made_by: str = "", captioner: str = "describe", **meta: object) -> Film:
    film = make_film(tmp_path)
    film.made_by, film.captioner = made_by, captioner
    film.meta.update(meta)
    return film


def test_a_length_is_counted_down_to_whole_seconds_everywhere_as_players_count():
    # 25.6 s: the browser's own controls end at 0:25, so the card, header and facts say 0:25 too
    assert whole_seconds(25.6) == 25 and short_duration(25.6) == "0:25"
    assert spoken_duration(25.6) == "25 s" and iso_duration(25.6) == "PT25S" and moment(25.6) == "0:25"
    assert short_duration(23.9999997) == "0:24"  # a float a hair under a whole second is that second
    assert short_duration(3599.9) == "59:59" and spoken_duration(3725.2) == "1 h 02 min"
    assert whole_seconds(-1) == 0


def test_footage_says_a_network_wrote_its_subtitles(tmp_path):
    made = film_made(_film(tmp_path), "describe")
    assert not made.story and made.count == "4 machine captions"
    assert made.line.startswith("Subtitles written by a neural network, one for each keyframe")
    assert made.pictures == "the film's own, not altered by the machine"
    archive = film_made(_film(tmp_path, captioner="archive"), "describe")
    assert "from what the curators wrote about the archive pictures" in archive.subtitles
    clouds = film_made(_film(tmp_path, captioner="describe, pareidolia reading"), "describe")
    assert "as people see figures in clouds" in clouds.subtitles


def test_a_story_film_says_its_subtitles_are_the_story(tmp_path):
    made = film_made(_film(tmp_path, made_by="story", captioner="story"), "describe")
    assert made.story and made.count == "4 sentences of a story"
    assert made.line == "The subtitles are the story's sentences; the pictures were chosen by a machine."
    assert "neural network" not in made.line and "keyframe" not in made.subtitles


def test_films_the_machine_made_say_so_and_from_what(tmp_path):
    dream = film_made(_film(tmp_path, made_by="dream", captioner="archive",
                            made_from={"film": "photographs", "title": "Seven Photographs"}), "describe")
    assert dream.line.startswith("Dreamt from “Seven Photographs” frame by frame by a neural network that "
                                 "strengthens what it sees; subtitles chosen by a neural network")
    for made_by, words in (("nextframe", "predicts each frame"), ("reenact", "Faces re-enacted"),
                           ("synthetic", "Made or altered")):
        assert words in film_made(_film(tmp_path, made_by=made_by), "describe").line


def test_the_front_page_note_is_true_of_every_film(tmp_path):
    footage, story = _film(tmp_path), _film(tmp_path, made_by="story", captioner="story")
    dream = _film(tmp_path, made_by="dream", captioner="archive")
    only_footage = site_note([footage], "describe")
    assert "written or chosen by a machine for each keyframe" in only_footage and "story" not in only_footage
    mixed = site_note([footage, story, dream], "describe")
    assert "a story's sentences over pictures it chose" in mixed and "the machine made itself" in mixed
    assert "story" in site_note([story], "describe") and site_note([], "describe") == ""


def test_film_facts_name_no_program_nor_setting(tmp_path):
    film = _film(tmp_path, captioner="describe, pareidolia reading")
    view = film_view(film, FilmViewSettings("en", "", "describe", "self"), lambda rel, path: None)
    facts = {f.label: f.value for f in view.facts}
    assert "Captioner" not in facts and facts["Subtitles"].startswith("4 machine captions, written by")
    assert facts["Duration"] == "10 s" and view.duration_label == "0:10"
    text = " ".join(facts.values())
    assert "pareidolia" not in text and "describe," not in text and not IDENTIFIER.search(text)


def test_parts_are_named_in_a_visitors_words():
    assert plain_words("cutter", "isnet:small", "x").startswith("a segmentation network (IS-Net)")
    assert "GrabCut" in plain_words("cutter", "grabcut", "x")
    assert plain_words("voice", "piper", "x").startswith("a synthetic voice")
    assert plain_words("captioner", "no-such-thing", "a machine") == "a machine"
    assert captioner_words("hf:Salesforce/blip-image-captioning-base") == (
        "written by an image-captioning neural network, one for each keyframe")
    assert captioner_words("test-colour") == "written by a machine, one for each keyframe"


def test_a_dream_is_told_without_its_parameter_names():
    for preset in (*BUILTIN.values(), Preset(channels=(5,))):
        params = preset.params()
        told = " ".join(f"{what} {how}" for what, how in how_made(params)) + " " + dream_sentence(params)
        assert not IDENTIFIER.search(told), told
        assert f"{preset.octaves}, from small to full size, each {preset.octave_scale:g} times" in told
    assert "channel 5 alone" in " ".join(how for _, how in how_made(Preset(channels=(5,)).params()))
    assert dream_sentence(BUILTIN["ripples"].params()) == (
        "Dreamt by a neural network that strengthens what its block 7 sees, at 4 scales, 5 steps at each")
