"""A film's own caption settings: its front matter's ``captions:`` table laid over ``[captions]``.

    ---
    title: Electric Clouds
    captions:
      reading: pareidolia      # any [captions] setting: captioner, reading, archive_column ...
    ---

The film's choice wins over ``site.toml`` and over ``--captioner``: it is the curator's decision for that
one film (a site whose films all use one captioner sets it in ``[captions]`` and leaves front matter alone).
Light: the read stage checks every film's table before any footage is touched.
"""

from __future__ import annotations

from typing import Any

from ..config import CaptionSettings, caption_problems, override
from ..errors import ConfigError, ContentError
from ..model import Film

FRONT_MATTER_KEY = "captions"


def film_caption_settings(film: Film, base: CaptionSettings) -> CaptionSettings:
    """``base`` with the film's ``captions:`` laid over it; ContentError naming its index.md when the table
    is not a mapping, names an unknown setting or holds a bad value."""
    table: Any = film.meta.get(FRONT_MATTER_KEY)
    if table is None:
        return base
    if not isinstance(table, dict):
        raise ContentError(f"`{FRONT_MATTER_KEY}:` must be a table of [captions] settings "
                           f"(e.g. `{FRONT_MATTER_KEY}: {{captioner: archive}}`), not {type(table).__name__}",
                           film.source, 1)
    try:
        settings: CaptionSettings = override(base, {str(k): v for k, v in table.items()}, FRONT_MATTER_KEY,
                                             film.source)
    except ConfigError as exc:
        raise ContentError(exc.message, film.source, 1) from None
    problems = caption_problems(settings)
    if problems:
        raise ContentError(f"front matter {problems[0].replace('[captions]', FRONT_MATTER_KEY + ':', 1)}",
                           film.source, 1)
    return settings


# a reading other than the literal one, as a visitor is told about it (the captioners' own words are in
# the registry: generator.registry.plain_words)
READING_WORDS = {
    "pareidolia": "written by a neural network, one for each keyframe: what an image classifier (EfficientNet-Lite0) "
                  "sees in the shapes, as people see figures in clouds",
}


def captioner_words(label: str) -> str:
    """What wrote a film's captions, in a visitor's words, from the label :func:`captioner_label` gave it."""
    from ..registry import plain_words

    spec, _, rest = label.partition(", ")
    reading = rest.removesuffix(" reading")
    if reading in READING_WORDS:
        return READING_WORDS[reading]
    return plain_words("captioner", spec, "written by a machine, one for each keyframe")


def captioner_label(settings: CaptionSettings) -> str:
    """How pages and subtitle files name what wrote a film's captions ("describe, pareidolia reading")."""
    label = settings.captioner
    if settings.reading != "literal" and settings.captioner == "describe":
        label += f", {settings.reading} reading"
    return label
