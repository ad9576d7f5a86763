"""``[dreams]``: the section, its rules and its ``problems`` (checked with the rest of site.toml, before any
work), and the section turned into presets and film jobs (light: no torch)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..setting_rules import DEVICE, Rule, at_least, between, one_of, setting
from .presets import BLOCK_CHANNELS, FLOWS, FilmDream, Preset, all_presets, parse_presets

#: ``[dreams] atlas_layer``: one of EfficientNet-Lite0's blocks
BLOCK = Rule(lambda v: 0 <= v < len(BLOCK_CHANNELS),
             f"must be a block of EfficientNet-Lite0, 0-{len(BLOCK_CHANNELS) - 1}")


@dataclass
class DreamSettings:
    images: dict[str, str] = setting({})  # archive image (its path below archive/) -> preset name:
    # each is dreamt and gets a page dreams/<slug>/
    films: dict[str, str] = setting({})  # film slug -> preset: a dream film <slug>-dream is made
    # (a film's front matter `dream: <preset>` does the same)
    presets: dict[str, Any] = setting({})  # [dreams.presets.<name>] tables: the site's own presets
    # (layer, channels, octaves, octave_scale, steps, step_size, jitter, desaturate, size, seed); a built-in's name
    # changes only the keys given
    atlas: bool = False  # the channel atlas page dreams/atlas/: what each channel of atlas_layer dreams
    atlas_layer: int = setting(7, BLOCK)  # EfficientNet-Lite0 block 0-15 the atlas shows
    atlas_channels: int = 32  # its first this many channels
    atlas_size: int = setting(96, between(32, 512, "pixels"))  # pixels, each tile (square)
    atlas_steps: int = setting(8, between(1, 200))  # gradient steps per octave (two octaves)
    atlas_seed: int = 0
    film_start: float = setting(0.0, at_least(0))  # seconds into the source film where its dream starts
    film_seconds: float = setting(5.0, at_least(0))  # how much of the film is dreamt (0: all of it)
    film_size: int = setting(256, between(32, 2048, "pixels"))  # long side of a dream film in pixels
    film_fps: float = setting(10.0, between(1, 60))  # frames dreamt per second of film
    carry_steps: int = setting(3, between(1, 100))  # gradient steps on each frame after the first (the previous detail
    # carried along the flow)
    carry_blend: float = setting(0.9, between(0, 1))  # how much of the previous frame's detail is carried (0: each
    # frame dreamt alone)
    flow: str = setting("farneback", one_of(*FLOWS))  # optical flow: "farneback" or "dis" (OpenCV)
    threads: int = setting(0, at_least(0, "torch's default"))  # torch threads while dreaming; 0: torch's default (one
    # per core)
    device: str = setting("cpu", DEVICE)  # "cpu", "cuda", "cuda:<n>" or "auto"

    def problems(self, site_dir: Path | None = None) -> list[str]:
        """The site's presets, the presets the images and films ask for, and the atlas's channels against its
        block (light: no torch)."""
        out: list[str] = []
        try:
            names = set(all_presets(parse_presets(self.presets)))
        except ValueError as exc:
            out += str(exc).splitlines()
            names = set(all_presets({})) | set(self.presets)
        choices = ", ".join(sorted(names))
        for table, what in ((self.images, "images"), (self.films, "films")):
            for item, name in table.items():
                if name not in names:
                    out.append(f"[dreams] {what}: {item!r} asks for the preset {name!r}; there is none by that name "
                               f"(presets: {choices})")
        if BLOCK.passes(self.atlas_layer) and not 1 <= self.atlas_channels <= BLOCK_CHANNELS[self.atlas_layer]:
            out.append(f"[dreams] atlas_channels must be between 1 and {BLOCK_CHANNELS[self.atlas_layer]} "
                       f"(block {self.atlas_layer}'s channels), got {self.atlas_channels}")
        return out



def presets_of(d: DreamSettings) -> dict[str, Preset]:
    """The built-in presets and the site's own (ValueError when the site's are wrong: see
    ``DreamSettings.problems``)."""
    return all_presets(parse_presets(d.presets))


def film_job(d: DreamSettings, preset: Preset) -> FilmDream:
    return FilmDream(preset=preset, start=d.film_start, seconds=d.film_seconds, size=d.film_size, fps=d.film_fps,
                     carry_steps=d.carry_steps, blend=d.carry_blend, flow=d.flow)
