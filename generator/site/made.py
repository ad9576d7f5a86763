"""How each film was made, in a visitor's words: what made its pictures (``Film.made_by``) and what wrote its
subtitles (``Film.captioner``), for its facts, its card, the footer of its page and the front page's note.

Every sentence is derived from what the film really is, so none is false for some film of the site: a
story film's subtitles are the story's sentences, not a network's captions, and a dream's pictures are the
network's, not the footage's. No name of a setting or a program appears: those are in the build log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..captions.per_film import captioner_words
from ..model import Film

STORY = "story"  # a story film's made_by and captioner (generator.stories.stage)

# what made the pictures, by Film.made_by ("" for the film's own footage); {source}: " from “<the film>”"
# where the film was made from another of the site
PICTURES = {
    "": "the film's own, not altered by the machine",
    "dream": "dreamt{source} frame by frame by a neural network that strengthens what it sees",
    STORY: "chosen by a machine for each sentence of the story, from the archive and the films' keyframes",
    "nextframe": "dreamt{source} by a neural network that predicts each frame from the frames before it",
    "reenact": "faces re-enacted{source} by a neural network",
    "synthetic": "made or altered{source} by a machine",
}
STORY_LINE = "The subtitles are the story's sentences; the pictures were chosen by a machine."
SAW = "They tell what the machine saw, not what anyone said."


@dataclass(frozen=True)
class Made:
    """One film's account of itself."""

    pictures: str  # what made the pictures: "dreamt by a neural network ... from “Seven Photographs”"
    subtitles: str  # what wrote the subtitles, after their count ("" for a film without them)
    line: str  # the sentence or two its page's footer says
    story: bool  # its subtitles are a story's sentences, not the machine's captions
    count: str  # its subtitles counted: "7 machine captions", "6 sentences of a story"


def _source(film: Film) -> str:
    made = film.meta.get("made_from")
    title = made.get("title") if isinstance(made, dict) and made.get("film") else ""
    return f" from “{title}”" if title else ""


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def film_made(film: Film, captioner: str) -> Made:
    """``captioner``: the site's ([captions] captioner), for a film whose own is not recorded."""
    story = film.made_by == STORY or film.captioner == STORY
    pictures = PICTURES.get(film.made_by, PICTURES["synthetic"]).format(source=_source(film))
    n = len(film.cues)
    if story:
        subtitles = "each over the picture the machine chose for it" if n else ""
        count = f"{n} sentence{'' if n == 1 else 's'} of a story"
        line = STORY_LINE
    else:
        subtitles = captioner_words(film.captioner or captioner) if n else ""
        count = f"{n} machine caption{'' if n == 1 else 's'}"
        parts = [_capital(pictures)] if film.made_by else []
        if subtitles:
            parts.append(("subtitles " if parts else "Subtitles ") + subtitles)
        line = "; ".join(parts) + "." if parts else ""
        if subtitles:
            line += " " + SAW
    return Made(pictures, subtitles, line, story, count)


def site_note(films: Iterable[Film], captioner: str) -> str:
    """The front page's sentence about all the films, true of each of them ("" without films)."""
    films = list(films)
    made = [film_made(f, captioner) for f in films]
    if not made:
        return ""
    if not any(m.story for m in made):
        note = "under every film, subtitles in step with the picture, written or chosen by a machine for each keyframe"
    elif all(m.story for m in made):
        note = "under every film, the sentences of a story, over pictures a machine chose for them"
    else:
        note = ("under every film, subtitles in step with the picture, written or chosen by a machine, or a story's "
                "sentences over pictures it chose")
    if any(f.made_by and f.made_by != STORY for f in films):
        note += ". Some of the films the machine made itself; each says how"
    return f"A documentary read by a machine: {note}."
