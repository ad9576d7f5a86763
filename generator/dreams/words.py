"""A dream's making in a visitor's words: the parameters of its preset (:class:`.presets.Preset`) as the
"How it was made" list of its page and as one short sentence for the dreams index.

The numbers stay (they are the facts of how the picture was made), the names of the settings do not: a
visitor reads "4 scales, each 1.4 times the one before", a curator who wants ``octave_scale`` reads
``site.toml`` and the README.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .presets import BLOCK_CHANNELS

NETWORK = "EfficientNet-Lite0, trained on ImageNet to name a thousand kinds of thing"


def _channels(channels: Sequence[int]) -> str:
    if not channels:
        return "all its channels together"
    names = ", ".join(str(c) for c in channels)
    return f"channel{'s' if len(channels) > 1 else ''} {names} alone"


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.3g} %"


def how_made(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(what, how) for each parameter of a dream, in the order a visitor reads them."""
    out = [
        ("The network", NETWORK),
        ("What it strengthened", f"what block {params['layer']} of its {len(BLOCK_CHANNELS)} responds to, "
                                 f"{_channels(params.get('channels') or ())} (the first blocks respond to strokes "
                                 "and textures, the last to whole things)"),
        ("Scales", f"{params['octaves']}, from small to full size, each {params['octave_scale']:g} times the one "
                   "before: large forms grow on the small ones, fine ones on the last"),
        ("Steps", f"{params['steps']} at each scale, each a nudge of {_percent(float(params['step_size']))} of the "
                  "range from black to white"),
        ("Jitter", f"before each step the picture is shifted at random by up to {params['jitter']} pixels, so that "
                   "the network's grid does not print itself"),
        ("Colour", f"{_percent(float(params['desaturate']))} of the colour taken out of what the dream added; the "
                   "picture keeps its own"),
        ("Size", f"{params['size']} pixels along the longer side"),
        ("Chance", f"the same starting number ({params['seed']}) on every build, so the dream is the same"),
    ]
    return out


def dream_sentence(params: dict[str, Any]) -> str:
    """"Dreamt by a neural network that strengthens what its block 7 sees, at 4 scales, 5 steps at each"."""
    octaves, steps = int(params["octaves"]), int(params["steps"])
    return (f"Dreamt by a neural network that strengthens what its block {params['layer']} sees, at {octaves} "
            f"scale{'s' if octaves != 1 else ''}, {steps} step{'s' if steps != 1 else ''} at each")
