"""The clouds reading machine: ``[captions] reading = "pareidolia"``.

The artwork showed footage of clouds to a captioning network and let it "translate abstract cloudy shapes
into a proper English". The literal reading of ``describe`` says what a cloud frame plainly is (its sky's
colour and light); this one says what the ImageNet network sees in the shapes: the classes it finds in the
frame, in plain words (:mod:`generator.models.vocabulary`), with its doubt taken from their probabilities,

    "perhaps a volcano, in grey light"      "in the clouds, probably an airship, or maybe a hot-air balloon"
    "in grey light, a cloud like a lighthouse, perhaps"   "almost certainly a kite in the clouds, against blue sky"

Which classes: all but the flat ones ImageNet uses for a horizon (seashore, lakeside, headland, valley),
which name the line under a sky rather than a shape in it. Doubt, from the first class's probability:
``almost certainly`` from :data:`CERTAIN`, ``probably`` from :data:`LIKELY`, ``perhaps`` from
:data:`POSSIBLE`, below that ``something like``; a second class at least :data:`ALTERNATIVE` times as
likely as the first is offered too ("or maybe ..."). The template and the words are chosen by the seed the
describe captioner takes from the image bytes: the same frame always reads the same way.
Only frames of cloudy sky are read so; the rest of a film is described as the literal reading would.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from ..models.vocabulary import Concept, specific_noun, vocabulary
from .scene import Scene

CERTAIN, LIKELY, POSSIBLE = 0.6, 0.3, 0.1
ALTERNATIVE = 0.6
#: lakeside, promontory, sandbar, seashore, valley: ImageNet's words for the low horizon under a sky
HORIZON_CLASSES = (975, 976, 977, 978, 979)
#: a sky with at least this share of cloud-coloured or softly textured pixels has shapes to read (below the
#: literal reading's "cloudy": a thin sunset cloud has a shape too); a clear sky is described as it is
MIN_TEXTURE = 0.08


@dataclass(frozen=True)
class Shape:
    concept: Concept  # one ImageNet class, named as a plain noun
    p: float  # its probability


def has_shapes(scene: Scene) -> bool:
    """Is there cloud in this sky to read shapes in?"""
    return scene.cloud_share >= MIN_TEXTURE or scene.sky_texture >= MIN_TEXTURE


def shapes(probs: np.ndarray, limit: int = 3) -> list[Shape]:
    """The most probable classes (horizons left out), each named by its plain noun: a grouped class by its
    member's own name ("a Samoyed dog", "a volcano"), for a cloud is read for its particular shape."""
    vocab = vocabulary()
    p = np.asarray(probs, dtype=np.float64).copy()
    p[list(HORIZON_CLASSES)] = 0.0
    out = []
    for i in np.argsort(-p, kind="stable")[:limit]:
        ci = int(vocab.concept_of_class[i])
        group, cls = vocab.concepts[ci], vocab.classes[int(i)]
        concept = specific_noun(group, cls) if len(vocab.members[ci]) > 1 else cls
        out.append(Shape(concept, float(p[i])))
    return out


def doubt(p: float, rng: random.Random) -> tuple[str, str]:
    """(a phrase before the noun, an adverb after it) for a probability."""
    if p >= CERTAIN:
        return rng.choice(["almost certainly", "unmistakably"]), "almost certainly"
    if p >= LIKELY:
        return rng.choice(["probably", "most likely"]), "probably"
    if p >= POSSIBLE:
        return rng.choice(["perhaps", "maybe", "it could be"]), "perhaps"
    return rng.choice(["something like", "the faintest hint of"]), "just possibly"


def light(scene: Scene, rng: random.Random) -> str:
    """The light the shape is seen in, from the sky's colour and brightness."""
    dark = scene.brightness < 0.35
    glow = scene.colour if scene.colour in ("orange", "pink", "red", "purple", "yellow") else "orange"
    options = {
        "blue": ["in a night-blue sky", "against the dark blue"] if dark else ["against blue sky", "in bright blue"],
        "grey": ["in dim grey light", "in the gloom of a storm"] if dark else ["in grey light", "in soft grey light"],
        "white": ["in white haze", "in pale light"],
        "sunset": [f"lit {glow} from below", "in evening light"],
        "dusk": ["in the last light", "at dusk"],
    }
    return rng.choice(options.get(scene.sky_colour or "grey", options["grey"]))


def pareidolia(probs: np.ndarray, scene: Scene, rng: random.Random) -> str:
    """One sentence: what the network sees in a cloud frame (lower-case, unpunctuated: describe finishes it)."""
    found = shapes(probs)
    first, rest = found[0], found[1:]
    head, adverb = doubt(first.p, rng)
    thing = first.concept.phrase()
    alt = next((s for s in rest if s.p >= ALTERNATIVE * first.p and s.concept.noun != first.concept.noun), None)
    other = ""
    if alt is not None and first.p < CERTAIN:
        other = f", or {'maybe' if head in ('perhaps', 'it could be') else 'perhaps'} {alt.concept.phrase()}"
    where = light(scene, rng)
    templates = [
        f"{head} {thing}{other}, {where}",
        f"in the clouds, {head} {thing}{other}",
        f"{where}, a cloud like {thing}, {adverb}" if not other else f"a cloud like {thing}{other}",
        f"{head} {thing} in the clouds{other}, {where}" if not other else f"{head} {thing} in the clouds{other}",
    ]
    return rng.choice(templates)
