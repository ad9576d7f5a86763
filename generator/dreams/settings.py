"""``[dreams]`` checked before any work, and turned into presets and film jobs (light: no torch)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .presets import BLOCK_CHANNELS, FLOWS, FilmDream, Preset, all_presets, parse_presets

if TYPE_CHECKING:
    from ..config_sections import DreamSettings


def presets_of(d: DreamSettings) -> dict[str, Preset]:
    """The built-in presets and the site's own (ValueError when the site's are wrong: see dream_problems)."""
    return all_presets(parse_presets(d.presets))


def dream_problems(d: DreamSettings) -> list[str]:
    """Every problem of ``[dreams]``, one message each, naming the key."""
    out: list[str] = []
    try:
        names = set(presets_of(d))
    except ValueError as exc:
        out += str(exc).splitlines()
        names = set(all_presets({})) | set(d.presets)
    choices = ", ".join(sorted(names))
    for table, what in ((d.images, "images"), (d.films, "films")):
        for item, name in table.items():
            if name not in names:
                out.append(f"[dreams] {what}: {item!r} asks for the preset {name!r}; there is none by that name "
                           f"(presets: {choices})")
    if not 0 <= d.atlas_layer < len(BLOCK_CHANNELS):
        out.append(f"[dreams] atlas_layer must be a block of EfficientNet-Lite0, 0-15, got {d.atlas_layer}")
    elif not 1 <= d.atlas_channels <= BLOCK_CHANNELS[d.atlas_layer]:
        out.append(f"[dreams] atlas_channels must be between 1 and {BLOCK_CHANNELS[d.atlas_layer]} "
                   f"(block {d.atlas_layer}'s channels), got {d.atlas_channels}")
    if not 32 <= d.atlas_size <= 512:
        out.append(f"[dreams] atlas_size must be between 32 and 512 pixels, got {d.atlas_size}")
    if not 1 <= d.atlas_steps <= 200:
        out.append(f"[dreams] atlas_steps must be between 1 and 200, got {d.atlas_steps}")
    if d.film_start < 0 or d.film_seconds < 0:
        out.append("[dreams] film_start and film_seconds must be 0 or more")
    if not 32 <= d.film_size <= 2048:
        out.append(f"[dreams] film_size must be between 32 and 2048 pixels, got {d.film_size}")
    if not 1 <= d.film_fps <= 60:
        out.append(f"[dreams] film_fps must be between 1 and 60, got {d.film_fps}")
    if not 1 <= d.carry_steps <= 100:
        out.append(f"[dreams] carry_steps must be between 1 and 100, got {d.carry_steps}")
    if not 0 <= d.carry_blend <= 1:
        out.append(f"[dreams] carry_blend must be between 0 and 1, got {d.carry_blend}")
    if d.flow not in FLOWS:
        out.append(f"[dreams] flow must be {' or '.join(FLOWS)}, got {d.flow!r}")
    if d.threads < 0:
        out.append("[dreams] threads must be 0 (torch's default) or more")
    if d.device not in ("cpu", "cuda", "auto") and not (d.device.startswith("cuda:") and d.device[5:].isdigit()):
        out.append(f"[dreams] device must be cpu, cuda or auto, got {d.device!r}")
    return out


def film_job(d: DreamSettings, preset: Preset) -> FilmDream:
    return FilmDream(preset=preset, start=d.film_start, seconds=d.film_seconds, size=d.film_size, fps=d.film_fps,
                     carry_steps=d.carry_steps, blend=d.carry_blend, flow=d.flow)
