"""The sentences of the default captioner (:mod:`generator.captions.describe`): the ImageNet CNN's class
probabilities and a picture's scene statistics turned into one plain English sentence.

A confident class is named ("A cat, close up, in warm light."), a plausible one is hedged ("Probably a cup
of espresso, in dim light."), an unclear picture says it is unclear ("Something like a fox or a dog, in soft
grey light."); frames that are mostly sky are described from their colours; people found by the face
detector are "a person". Templates vary with a seed taken from the image bytes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..models.vocabulary import (
    ANIMAL,
    DRINK,
    FOOD,
    LANDSCAPE,
    OBJECT,
    PERSON,
    PLACE,
    PLANT,
    TEXT,
    VEHICLE,
    WORN,
    Concept,
    specific_noun,
    vocabulary,
)
from .faces import Faces
from .pareidolia import has_shapes, pareidolia
from .scene import Scene, colour_phrase, light_phrase, light_words, sky_backdrop

#: a concept with at least this much probability is named without hedging
CONFIDENT = 0.55
#: inside a group, name the member class ("a golden retriever") when it holds this share of the group
SPECIFIC_SHARE = 0.6
#: classes that float in skies: a sky frame may name them
_SKY_THINGS = {"group:aircraft", "group:bird", "group:rocket", "class:417", "class:701", "class:21"}
_SKY_MEMBERS = {f"class:{i}" for i in (404, 405, 895, 908, 657, 744, 812)}  # named members of those groups
#: kinds for which "close up" means something
_CLOSE_KINDS = {ANIMAL, OBJECT, FOOD, DRINK, PLANT, WORN, TEXT}
#: kinds shown against a sky
_OUTDOOR_KINDS = {ANIMAL, VEHICLE, PLACE, LANDSCAPE, PERSON, WORN}
#: coarse families used when no single concept is likely: "an animal of some kind"
_FAMILIES = [({ANIMAL}, "an animal of some kind"), ({VEHICLE}, "a vehicle of some kind"),
             ({FOOD, DRINK}, "food of some kind"), ({WORN, PERSON}, "a person")]


# --------------------------------------------------------------------------------------------------
# sentence building (pure functions: probabilities + scene + seed -> sentence)


@dataclass(frozen=True)
class Guess:
    concept: Concept  # what to name (a group, or its member when that is clearly meant)
    mass: float  # probability behind it


def rank(probs: np.ndarray, limit: int = 4) -> list[Guess]:
    """The most probable concepts, with grouped classes added up and members named when clear."""
    vocab = vocabulary()
    masses = vocab.concept_masses(probs)
    order = np.argsort(-masses, kind="stable")[:limit]
    guesses = []
    for ci in order:
        concept, mass = vocab.concepts[ci], float(masses[ci])
        members = vocab.members[ci]
        if len(members) > 1 and concept.specific:
            best = max(members, key=lambda m: probs[m])
            if probs[best] >= SPECIFIC_SHARE * mass and probs[best] >= CONFIDENT:
                concept = specific_noun(concept, vocab.classes[best])
        guesses.append(Guess(concept, mass))
    return guesses


def subject(concept: Concept) -> str:
    """How a concept is named inside a sentence, article included."""
    if concept.kind == WORN:
        return f"someone wearing {concept.phrase()}"
    if concept.kind == LANDSCAPE:
        return f"a view of {concept.phrase()}"
    return concept.phrase()


def _capital(text: str) -> str:
    if not text:
        return text
    if len(text) > 1 and text[0].islower() and text[1].isupper():  # "iPod ..."
        return text
    return text[0].upper() + text[1:]


def _sentence(text: str) -> str:
    text = " ".join(text.split()).strip().rstrip(",;:")
    text = text.replace(" ,", ",")
    if not text.endswith((".", "!", "?")):
        text += "."
    return _capital(text)


def _light(scene: Scene, rng: random.Random, backdrop: str = "") -> str:
    """One phrase about light or colour ("in dim, warm light", "in shades of green"), or "". With a
    sky backdrop the colour is mostly the sky's, already said."""
    options = [p for p in (light_phrase(scene), "" if backdrop else colour_phrase(scene)) if p]
    if scene.greyscale:
        return "in black and white"
    return rng.choice(options) if options else ""


def _light_clause(scene: Scene) -> str:
    """The light as a clause: "the light is dim and warm"."""
    words = light_words(scene)
    if scene.greyscale:
        return "the picture is in black and white"
    if not words:
        phrase = colour_phrase(scene)
        return f"all {phrase[3:]}" if phrase.startswith("in ") else ""
    if words == ["near darkness"]:
        return "it is almost dark"
    return "the light is " + " and ".join(words)


def _join(*parts: str, sep: str = ", ") -> str:
    return sep.join(p for p in parts if p)


def top_guess(probs: np.ndarray) -> tuple[Guess, list[Guess]]:
    """The leading guess (clothes and accessories adding up to a person) and the ranked list."""
    guesses = rank(probs)
    top = guesses[0]
    person = vocabulary().kind_mass(probs, (WORN, PERSON))
    if top.concept.kind in (WORN, PERSON) and person >= CONFIDENT > top.mass:
        # a suit, a tie and a jersey between them make a person even if none of them is sure
        top = Guess(top.concept if top.mass >= 0.5 * person else _A_PERSON, person)
    return top, guesses


def wants_faces(probs: np.ndarray, scene: Scene) -> bool:
    """Is a face search worth its cost? Not for blank, dark or sky frames, nor when the CNN is sure of
    something that is not a person."""
    if scene.uniform or scene.is_sky or scene.brightness < 0.07:
        return False
    top, _ = top_guess(probs)
    return top.mass < CONFIDENT or top.concept.kind in (WORN, PERSON)


def describe(probs: np.ndarray, scene: Scene, seed: int, min_confidence: float = 0.15,
             faces: Faces | None = None, reading: str = "literal") -> str:
    """One sentence for one picture. ``faces``: what the optional face detector found, if it ran;
    ``reading``: "pareidolia" reads cloudy skies for the shapes the network sees in them."""
    rng = random.Random(seed)
    if scene.uniform and scene.sky_colour != "blue":
        return _blank_frame(scene, rng)
    top, guesses = top_guess(probs)
    if faces is not None and faces.count and (top.mass < CONFIDENT or top.concept.kind in (WORN, PERSON)):
        return _people(faces, top, scene, rng, min_confidence)

    if scene.is_sky:
        in_sky = top.concept.key in _SKY_THINGS or top.concept.key in _SKY_MEMBERS
        # ImageNet sees birds, kites and sharks in clouds: a sky frame names a thing only when the CNN is
        # very sure, or fairly sure of something that flies
        if not (top.mass >= 0.75 or (in_sky and top.mass >= max(0.35, min_confidence))):
            if reading == "pareidolia" and has_shapes(scene):
                return _sentence(pareidolia(probs, scene, rng))
            return _sky(scene, rng)
    if scene.brightness < 0.07 and top.mass < CONFIDENT:
        return _sentence(rng.choice([
            "Near darkness; little can be made out",
            f"A dark frame, perhaps {subject(top.concept)}" if top.mass >= min_confidence else "A dark frame",
            "Almost nothing visible in the dark",
        ]))
    if top.mass >= CONFIDENT:
        return _confident(top, scene, rng)
    if top.mass >= min_confidence:
        alt = next((g for g in guesses[1:] if g.mass >= max(0.5 * top.mass, 0.7 * min_confidence)
                    and g.concept.noun != top.concept.noun), None)
        return _probable(top, alt, scene, rng)
    return _unsure(guesses, probs, scene, rng)


_A_PERSON = Concept("person", "person", PERSON)


def _confident(guess: Guess, scene: Scene, rng: random.Random) -> str:
    s = subject(guess.concept)
    close = "close up" if scene.closeup and guess.concept.kind in _CLOSE_KINDS else ""
    backdrop = sky_backdrop(scene) if guess.concept.kind in _OUTDOOR_KINDS else ""
    light = _light(scene, rng, backdrop)
    clause = _light_clause(scene)
    templates: list[Callable[[], str]] = [
        lambda: _join(s + (f" {backdrop}" if backdrop else ""), close, light),
        lambda: _join(f"we see {s}" + (f" {backdrop}" if backdrop else ""), close, light),
        lambda: (f"{light}, {s}" + (f" {backdrop}" if backdrop else "") + (f", {close}" if close else ""))
        if light else _join(s, backdrop, close),
        lambda: (f"a close-up of {s}" if close else f"there is {s} here") + (f" {backdrop}" if backdrop else "")
        + (f", {light}" if light else ""),
        lambda: _join(s + (f" {backdrop}" if backdrop else ""), close) + (f"; {clause}" if clause else ""),
    ]
    return _sentence(rng.choice(templates)())


def _probable(guess: Guess, alt: Guess | None, scene: Scene, rng: random.Random) -> str:
    s = subject(guess.concept)
    backdrop = sky_backdrop(scene) if guess.concept.kind in _OUTDOOR_KINDS else ""
    light = _light(scene, rng, backdrop)
    head = rng.choice([f"probably {s}", f"what looks like {s}", f"perhaps {s}", f"it could be {s}",
                       f"most likely {s}", f"seemingly {s}"])
    other = ""
    if alt is not None:
        other = f", or {'maybe' if head.startswith('perhaps') else 'perhaps'} {subject(alt.concept)}"
    if backdrop:
        head += f" {backdrop}"
    if other and rng.random() < 0.5:
        return _sentence(_join(head + other, light))
    clause = _light_clause(scene)
    if clause and rng.random() < 0.4:
        return _sentence(f"{head}{other}; {clause}")
    return _sentence(_join(head + other, light))


def _unsure(guesses: list[Guess], probs: np.ndarray, scene: Scene, rng: random.Random) -> str:
    names: list[str] = []
    for g in guesses:
        phrase = subject(g.concept)
        if phrase not in names:
            names.append(phrase)
        if len(names) == 2:
            break
    a, b = (names + ["something else"])[:2]
    family = ""
    vocab = vocabulary()
    for kinds, label in _FAMILIES:
        if vocab.kind_mass(probs, kinds) >= 0.5 and {g.concept.kind for g in guesses[:2]} <= kinds:
            family = label
            break
    light = _light(scene, rng)
    clause = _light_clause(scene)
    if family:
        options = [f"{family}, perhaps {a} or {b}", f"{family}: {a}, or maybe {b}"]
    else:
        options = [f"something like {a} or {b}", f"hard to make out; perhaps {a}, perhaps {b}",
                   f"an unclear picture, maybe {a} or {b}", f"the machine is unsure: {a}, or {b}"]
    head = rng.choice(options)
    if clause and rng.random() < 0.3:
        return _sentence(f"{head}; {clause}")
    return _sentence(_join(head, light))


def _people(faces: Faces, top: Guess, scene: Scene, rng: random.Random, min_confidence: float) -> str:
    worn = top.concept if top.concept.kind == WORN and top.mass >= min_confidence else None
    if faces.count == 1 and faces.largest >= 0.22:
        s = rng.choice(["a face, close up", "someone's face, close up", "a close-up of a face"])
        if worn is not None:
            s = f"{s}, {subject(worn)}"
    elif faces.count == 1:
        s = subject(worn) if worn is not None else rng.choice(["a person", "someone"])
    elif faces.count == 2:
        s = rng.choice(["two people", "two faces"])
    else:
        s = rng.choice(["a group of people", "several people", "a few people together"])
    backdrop = sky_backdrop(scene)
    if backdrop:
        s += f" {backdrop}"
    light = _light(scene, rng, backdrop)
    clause = _light_clause(scene)
    templates = [lambda: _join(s, light), lambda: _join(f"we see {s}", light),
                 lambda: s + (f"; {clause}" if clause else ""), lambda: _join(f"there is {s} here", light)
                 if faces.count == 1 and not s.startswith(("a face", "someone's", "a close")) else _join(s, light)]
    return _sentence(rng.choice(templates)())


def _sky(scene: Scene, rng: random.Random) -> str:
    dark = scene.brightness < 0.25
    clouds = scene.cloudy
    glow = scene.colour if scene.colour in ("orange", "pink", "red", "purple", "yellow") else "orange"
    by_kind = {
        "blue": (["white clouds in a blue sky", "a blue sky with drifting clouds", "clouds against a blue sky",
                  "open sky, blue with white clouds"] if clouds else
                 ["a clear blue sky", "open blue sky", "nothing but blue sky", "a cloudless blue sky"]),
        "grey": ["a grey, overcast sky", "heavy grey clouds filling the sky", "an overcast sky, grey and soft",
                 "a sky of low grey cloud"],
        "white": ["a pale, hazy sky", "white clouds filling the frame", "a bright white sky",
                  "soft white cloud, seen up close"],
        "sunset": ([f"clouds lit {glow}, perhaps at sunset", f"an evening sky, clouds glowing {glow}",
                    f"clouds at dusk or dawn, tinted {glow}"] if clouds else
                   [f"a sky glowing {glow}, perhaps at sunset", f"an evening sky, {glow} above the horizon",
                    f"the sky at dusk or dawn, tinted {glow}"]),
        "dusk": ["a darkening sky, deep blue and violet", "the sky at dusk", "a deep blue evening sky"],
    }
    head = rng.choice(by_kind.get(scene.sky_colour or "grey", by_kind["grey"]))
    if scene.brightness < 0.35 and scene.sky_colour == "blue":
        head = rng.choice(["clouds drifting across a deep blue sky", "a dark blue sky with pale clouds",
                           "clouds in a night-blue sky"] if clouds else by_kind["dusk"])
    elif dark and scene.sky_colour in ("grey", "white"):
        head = rng.choice(["a dark, clouded sky", "a dim sky, heavy with cloud", "clouds in fading light"])
    light = light_phrase(scene) if scene.brightness > 0.72 else ""
    return _sentence(_join(head, light))


def _blank_frame(scene: Scene, rng: random.Random) -> str:
    if scene.brightness < 0.1:
        return _sentence(rng.choice(["a black frame", "darkness", "an empty, dark frame"]))
    if scene.tone == "white" or scene.brightness > 0.9:
        return _sentence(rng.choice(["a blank white frame", "white light filling the frame", "an empty white frame"]))
    if scene.colour:
        return _sentence(rng.choice([f"an even field of {scene.colour}", f"a plain {scene.colour} frame",
                                     f"nothing but {scene.colour}"]))
    return _sentence(rng.choice(["a plain grey frame", "an even grey field", "an empty grey frame"]))


# --------------------------------------------------------------------------------------------------
# the captioner
