"""``[captions] reading``: the literal reading says what a cloud frame is (its sky), the pareidolia reading
what the network sees in its shapes, with its doubt. Sentence rules on synthetic probabilities and skies,
then the real CNN on a cloudy picture."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image
from test_describe import _plain_scene, _probs, _sky

from generator.captions.base import create_captioner
from generator.captions.describe_words import describe
from generator.captions.identity import describe_identity
from generator.captions.pareidolia import HORIZON_CLASSES, has_shapes, shapes
from generator.captions.scene import analyse_array
from generator.config import CaptionSettings, ConfigError, Settings, validate

VOLCANO, LIGHTHOUSE, AIRSHIP, SEASHORE = 980, 437, 405, 978


def _cloud_scene():
    scene = analyse_array((_sky(clouds=True) / 255.0).astype(np.float32)[::3, ::3])
    assert scene.is_sky and has_shapes(scene)
    return scene


def _clear_scene():
    scene = analyse_array((_sky(clouds=False) / 255.0).astype(np.float32)[::3, ::3])
    assert scene.is_sky and not has_shapes(scene)
    return scene


def _read(p: float, seed: int = 0, **more: float) -> str:
    return describe(_probs(**{f"c{VOLCANO}": p, **more}), _cloud_scene(), seed, reading="pareidolia").lower()


@pytest.mark.parametrize(("p", "words"), [
    (0.7, ("almost certainly", "unmistakably")),
    (0.4, ("probably", "most likely")),
    (0.15, ("perhaps", "maybe", "it could be")),
    (0.06, ("something like", "faintest hint", "just possibly")),
])
def test_the_doubt_follows_the_probability(p, words):
    for seed in range(6):
        sentence = _read(p, seed)
        assert "volcano" in sentence and any(w in sentence for w in words), sentence


def test_literal_reading_names_no_shape():
    sentence = describe(_probs(**{f"c{VOLCANO}": 0.15}), _cloud_scene(), 0).lower()
    assert "volcano" not in sentence and ("sky" in sentence or "cloud" in sentence)
    assert describe(_probs(), _cloud_scene(), 3) == describe(_probs(), _cloud_scene(), 3, reading="literal")


def test_a_second_shape_nearly_as_likely_is_offered_too():
    sentences = [_read(0.2, seed, **{f"c{AIRSHIP}": 0.16}) for seed in range(8)]
    assert all("volcano" in s and "airship" in s and ", or " in s for s in sentences), sentences
    assert all("airship" not in _read(0.2, seed, **{f"c{AIRSHIP}": 0.05}) for seed in range(8))


def test_horizon_classes_are_not_shapes():
    p = _probs(**{f"c{SEASHORE}": 0.5, f"c{LIGHTHOUSE}": 0.2})
    assert [s.concept.noun for s in shapes(p)][:1] == ["lighthouse"]
    assert all(i not in (s.concept.key for s in shapes(p, 20)) for i in (f"class:{c}" for c in HORIZON_CLASSES))
    assert "seashore" not in describe(p, _cloud_scene(), 1, reading="pareidolia").lower()


def test_deterministic_per_picture_and_varied_across_pictures():
    assert _read(0.15, 7) == _read(0.15, 7)
    assert len({_read(0.15, seed) for seed in range(12)}) >= 4
    for seed in range(12):
        sentence = _read(0.15, seed)
        assert sentence.endswith(".") and re.search(r"\b(cloud|clouds|light|sky|blue|dusk|haze|gloom)\b", sentence)


def test_a_clear_sky_and_an_ordinary_frame_read_literally():
    p = _probs(**{f"c{VOLCANO}": 0.15})
    assert describe(p, _clear_scene(), 2, reading="pareidolia") == describe(p, _clear_scene(), 2)
    cat = _probs(c281=0.8)
    assert describe(cat, _plain_scene(), 2, reading="pareidolia") == describe(cat, _plain_scene(), 2)


def test_reading_is_part_of_the_identity_and_checked():
    literal = describe_identity("describe", CaptionSettings())
    assert "reading" not in literal  # captions cached before readings existed stay valid
    assert describe_identity("describe", CaptionSettings(reading="pareidolia")) != literal
    settings = Settings()
    settings.captions.reading = "poetic"
    with pytest.raises(ConfigError, match=r"\[captions\] reading must be literal or pareidolia, got 'poetic'"):
        validate(settings)


def test_the_real_network_reads_a_cloudy_picture(tmp_path):
    path = tmp_path / "clouds.jpg"
    Image.fromarray(_sky(clouds=True).astype(np.uint8)).save(path, quality=92)
    literal = create_captioner("describe", CaptionSettings()).caption([path])[0]
    reader = create_captioner("describe", CaptionSettings(reading="pareidolia"))
    read = reader.caption([path])[0]
    reader.close()
    again = create_captioner("describe", CaptionSettings(reading="pareidolia")).caption([path])[0]
    assert read != literal and read == again
    assert re.search(r"almost certainly|unmistakably|probably|most likely|perhaps|maybe|could be|something like|"
                     r"faintest hint|just possibly", read.lower()), read
