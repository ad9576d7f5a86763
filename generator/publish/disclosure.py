"""How a film was made, as YouTube and its viewers are told.

YouTube requires creators to disclose realistic altered or synthetic content: a real person made to do
what they did not, footage of a real place altered, a realistic scene that never happened. The Data API
takes it as ``status.containsSyntheticMedia`` on ``videos.insert`` and ``videos.update`` (since
2024-10-30). What made a film is ``Film.made_by``. A re-enactment puts a real face where it never was,
the very case the rule is about, so it is always disclosed, whatever the settings say. Dream, next-frame
and story films are disclosed as ``[youtube] synthetic_dreams`` / ``synthetic_nextframe`` /
``synthetic_stories`` say (all on by default: a curator may judge a dream plainly unrealistic, but the
default is to say so). A film said to be synthetic in a way not known here (front matter ``synthetic:``
alone) is disclosed too. Filmed footage is declared ``false`` explicitly: the machine wrote its
subtitles, it altered none of its pictures.

The description says it in plain words, as the film page does with its notice: how the picture was made
first (where a visitor reads before "more"), and who wrote the subtitles at the end.
"""

from __future__ import annotations

from ..config import Settings, YouTubeSettings
from ..model import Film

STORY_CAPTIONER = "story"  # generator.stories.stage.CAPTIONER: a story film's cues are its own sentences

# the first words of a machine-made film's description, by Film.made_by
MADE = {
    "dream": "Made by a machine: this film was dreamt by a neural network, frame by frame.",
    "nextframe": "Made by a machine: this film was dreamt by a neural network that predicts each frame from the "
                 "frames before it.",
    "reenact": "Made by a machine: the faces in this film were re-enacted by a neural network.",
    "story": "Made by a machine: neural networks chose a picture for each sentence of the story, and the machine "
             "set the pictures in motion.",
}
MADE_SOMEHOW = "Made or altered by a machine."


def contains_synthetic_media(film: Film, youtube: YouTubeSettings) -> bool:
    """``status.containsSyntheticMedia`` for ``film``."""
    if not film.made_by:
        return False  # filmed footage
    chosen = {"dream": youtube.synthetic_dreams, "nextframe": youtube.synthetic_nextframe,
              "story": youtube.synthetic_stories}
    return chosen.get(film.made_by, True)  # re-enactments, and what is made in a way not known here: always


def made_notice(film: Film) -> str:
    """The paragraph that opens the description of a film the machine made ("" for filmed footage): what
    made it, then the film's own sentence of how (the film page's notice), unless its text says it already."""
    if not film.made_by:
        return ""
    lead = MADE.get(film.made_by, MADE_SOMEHOW)
    own = " ".join(str(film.meta.get("synthetic") or "").split())  # plain text, as the page shows it
    told = " ".join(f"{film.summary} {film.essay_text}".split())
    if own and own not in told:  # a dream film's essay is that sentence
        return f"{lead} {own}"
    return lead


def subtitles_note(film: Film, settings: Settings) -> str:
    """Who wrote the subtitles, in a sentence ("" for a film without them), naming the captioner as the film
    page's facts do."""
    if not (film.vtt.strip() or film.srt.strip()):
        return ""
    captioner = film.captioner or settings.captions.captioner
    if captioner == STORY_CAPTIONER:
        return "The subtitles are the sentences of the story."
    if captioner.startswith("archive"):
        return ("Subtitles chosen by a neural network, one for each keyframe, from the curators' descriptions of "
                f"the archive pictures most like it (captioner: {captioner}).")
    return f"Subtitles written by a neural network, one for each keyframe (captioner: {captioner})."


def status_words(status: dict[str, object]) -> str:
    """The status as a plan line shows it: "private, containsSyntheticMedia: true"."""
    flag = "true" if status.get("containsSyntheticMedia") else "false"
    return f"{status.get('privacyStatus')}, containsSyntheticMedia: {flag}"
