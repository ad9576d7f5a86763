"""``[stories]``: the settings of the stories made into films, with their rules and weights."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import X264_PRESETS
from ..setting_rules import at_least, between, even_at_least, not_blank, one_of, setting

STORY_MOTIONS = ("kenburns", "still")  # [stories] motion


@dataclass
class StorySettings:
    folder: str = setting("stories", not_blank("must name a folder"))  # where the stories are, relative to the site
    # folder: <folder>/<slug>.md
    seconds: float = setting(5.0, between(0.5, 120))  # seconds each sentence's image is on screen (a story's front
    # matter may say its own)
    dissolve: float = setting(1.0, at_least(0))  # seconds of cross-dissolve between two images (less than `seconds`)
    width: int = setting(1280, even_at_least(64))  # the story film's picture size (even numbers)
    height: int = setting(720, even_at_least(64))
    fps: int = setting(25, between(1, 120))
    motion: str = setting("kenburns", one_of(*STORY_MOTIONS))  # "kenburns" (a slow pan or zoom over each image, seeded
    # by the story) or "still"
    weights: list[str] = setting(["texts=1.0", "classes=0.6"])  # how much an image's texts
    # (title, description, machine caption; not its catalogue ids) and its ImageNet classes (as far as the CNN is
    # sure of them) count; the heavier counts fully (see match.py)
    smoothness: float = setting(0.15, between(0, 1))  # 0-1: how much consecutive images should resemble each other (a
    # path through neighbours); 0 picks each sentence's best image alone
    frames: bool = True  # also consider the films' keyframes (by their machine captions), not only the archive
    preset: str = setting("veryfast", one_of(*X264_PRESETS))  # x264 preset of the story films
    crf: int = setting(22, between(0, 51))  # x264 quality of the story films

    def problems(self, site_dir: Path | None = None) -> list[str]:
        """The weights and the dissolve against the seconds (a story's front matter laid over the site's, too)."""
        out = []
        if self.dissolve >= self.seconds:
            out.append(f"[stories] dissolve must be less than seconds ({self.seconds}), got {self.dissolve}")
        try:
            story_weights(self)
        except ValueError as exc:
            out.append(f"[stories] weights: {exc}")
        return out


def story_weights(st: StorySettings) -> dict[str, float]:
    """``[stories] weights`` as {"texts": w, "classes": w}; raises ValueError naming a bad entry."""
    out = {"texts": 1.0, "classes": 0.6}
    for entry in st.weights:
        name, sep, value = entry.partition("=")
        if not sep or name.strip() not in out:
            raise ValueError(f"{entry!r} (write texts=<number> or classes=<number>)")
        try:
            weight = float(value)
        except ValueError:
            raise ValueError(f"{entry!r}: {value!r} is not a number") from None
        if weight < 0:
            raise ValueError(f"{entry!r}: a weight is 0 or more")
        out[name.strip()] = weight
    if out["texts"] + out["classes"] <= 0:
        raise ValueError("texts and classes cannot both be 0")
    return out
