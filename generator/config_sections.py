"""The settings sections of the parts that make new pages from the archive and the films: taught labels,
portraits, collages, search, stories and dreams (``generator.config`` holds the core sections, the
``Settings`` object that gathers them all and the reading of ``site.toml``). Each section is a dataclass
whose fields have defaults and comments; each ``*_problems`` function lists what is wrong with one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")


@dataclass
class LabelSettings:
    """``[labels]``: labels a curator teaches (``labels/<name>.csv`` or ``labels/<name>/`` in the site folder)."""

    folder: str = "labels"  # in the site folder: <name>.csv (file,decision yes/no) and/or <name>/ example images
    C: float = 10.0  # inverse L2 regularisation of the logistic probe (smaller: smoother, for few examples)
    min_examples: int = 4  # decisions (at least one yes and one no) before the probe scores the archive
    cv_folds: int = 5  # stratified k-fold cross-validation (fewer when a class has fewer examples)
    review_batch: int = 8  # images the review page holds ahead (decoded before they are shown)
    retrain_every: int = 10  # the review server retrains the probe after this many new decisions
    threshold: float = 0.5  # machine confidence from which an image counts as having the label
    assumed_negatives: int = 3  # a label with no "no" yet: this many unlabelled images per yes stand in as no
    seed: int = 42


@dataclass
class PortraitsSettings:
    """``[portraits]``: the portrait matcher (``portraits/``)."""

    enabled: bool = True  # find, align and describe the faces of the archive and the keyframes (needs .[portraits])
    detector: str = "hog"  # "hog" (dlib's HOG + linear SVM, fast on a CPU) or "cnn" (its MMOD CNN: slower, more poses)
    upsample: int = 1  # times the picture is doubled before detecting: 1 finds faces down to ~40 px, 0 to ~80 px
    min_size: int = 40  # px: smaller faces (in the original picture) are left out
    max_faces_per_image: int = 20  # the largest faces of a crowded picture
    min_score: float = 0.0  # the detector's confidence below which a face is left out (HOG's own threshold is 0)
    results: int = 6  # closest faces the page shows


@dataclass
class CollageSettings:
    cutter: str = "auto"  # cuts the figures out: "isnet[:small|medium|<model>]" (DIS IS-Net, the optional tool),
    # "paper" (scans on light paper), "person", "grabcut"; "auto": isnet when its model is installed, else grabcut
    count: int = 0  # compositions made; 0: no collages (the collages stage does nothing)
    size: int = 1024  # pixels: each composition is size x size
    seed: int = 1  # same seed, same sources, same settings: the same pixels
    sources: list[str] = field(default_factory=list)  # folders or files of archive/ to cut from; empty: all of it
    styles: list[str] = field(default_factory=lambda: ["fractal", "scatter", "frieze"])  # taken in turn


@dataclass
class SearchSettings:
    enabled: bool = True  # a search page (search/), a search box in every page's header and the Pagefind index
    # under pagefind/ (needs `pip install -e .[search]`; without it the site is built without search, with a warning)
    language: str = ""  # ISO 639-1 language whose word stems the index uses ("en", "fr"); empty: [site] language
    exclude: list[str] = field(default_factory=list)  # globs on a hit's address below the site root that are left
    # out: "credits/", "films/rushes/*", "films/*#t=*" (every cue), "map/*" (the archive)


@dataclass
class StorySettings:
    folder: str = "stories"  # where the stories are, relative to the site folder: <folder>/<slug>.md
    seconds: float = 5.0  # seconds each sentence's image is on screen (a story's front matter may say its own)
    dissolve: float = 1.0  # seconds of cross-dissolve between two images (less than `seconds`)
    width: int = 1280  # the story film's picture size (even numbers)
    height: int = 720
    fps: int = 25
    motion: str = "kenburns"  # "kenburns" (a slow pan or zoom over each image, seeded by the story) or "still"
    weights: list[str] = field(default_factory=lambda: ["texts=1.0", "classes=0.6"])  # how much an image's texts
    # (title, description, machine caption) and its ImageNet classes (weighted by the CNN's probabilities) count
    smoothness: float = 0.15  # 0-1: how much consecutive images should resemble each other (a path through
    # neighbours); 0 picks each sentence's best image alone
    frames: bool = True  # also consider the films' keyframes (by their machine captions), not only the archive
    preset: str = "veryfast"  # x264 preset of the story films
    crf: int = 22  # x264 quality of the story films



@dataclass
class DreamSettings:
    images: dict[str, str] = field(default_factory=dict)  # archive image (its path below archive/) -> preset name:
    # each is dreamt and gets a page dreams/<slug>/
    films: dict[str, str] = field(default_factory=dict)  # film slug -> preset: a dream film <slug>-dream is made
    # (a film's front matter `dream: <preset>` does the same)
    presets: dict[str, Any] = field(default_factory=dict)  # [dreams.presets.<name>] tables: the site's own presets
    # (layer, channels, octaves, octave_scale, steps, step_size, jitter, desaturate, size, seed); a built-in's name
    # changes only the keys given
    atlas: bool = False  # the channel atlas page dreams/atlas/: what each channel of atlas_layer dreams
    atlas_layer: int = 7  # EfficientNet-Lite0 block 0-15 the atlas shows
    atlas_channels: int = 32  # its first this many channels
    atlas_size: int = 96  # pixels, each tile (square)
    atlas_steps: int = 8  # gradient steps per octave (two octaves)
    atlas_seed: int = 0
    film_start: float = 0.0  # seconds into the source film where its dream starts
    film_seconds: float = 5.0  # how much of the film is dreamt (0: all of it)
    film_size: int = 256  # long side of a dream film in pixels
    film_fps: float = 10.0  # frames dreamt per second of film
    carry_steps: int = 3  # gradient steps on each frame after the first (the previous detail carried along the flow)
    carry_blend: float = 0.9  # how much of the previous frame's detail is carried (0: each frame dreamt alone)
    flow: str = "farneback"  # optical flow: "farneback" or "dis" (OpenCV)
    threads: int = 0  # torch threads while dreaming; 0: torch's default (one per core)
    device: str = "cpu"  # "cpu", "cuda" or "auto"



def search_problems(s: SearchSettings) -> list[str]:
    import re

    out = []
    if s.language and not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", s.language):
        out.append(f"[search] language must be a language code such as en or pt-BR, got {s.language!r}")
    if any(not p.strip() for p in s.exclude):
        out.append("[search] exclude must not hold an empty pattern")
    return out



STORY_MOTIONS = ("kenburns", "still")  # [stories] motion


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


def story_problems(st: StorySettings) -> list[str]:
    """The problems of a ``[stories]`` section (a story's front matter laid over the site's, too)."""
    out = []
    if not st.folder.strip():
        out.append("[stories] folder must name a folder")
    if not 0.5 <= st.seconds <= 120:
        out.append(f"[stories] seconds must be between 0.5 and 120, got {st.seconds}")
    if not 0 <= st.dissolve < st.seconds:
        out.append(f"[stories] dissolve must be 0 or more and less than seconds ({st.seconds}), got {st.dissolve}")
    if st.width < 64 or st.height < 64 or st.width % 2 or st.height % 2:
        out.append(f"[stories] width and height must be even numbers of at least 64, got {st.width}x{st.height}")
    if not 1 <= st.fps <= 120:
        out.append(f"[stories] fps must be between 1 and 120, got {st.fps}")
    if st.motion not in STORY_MOTIONS:
        out.append(f"[stories] motion must be {' or '.join(STORY_MOTIONS)}, got {st.motion!r}")
    try:
        story_weights(st)
    except ValueError as exc:
        out.append(f"[stories] weights: {exc}")
    if not 0 <= st.smoothness <= 1:
        out.append(f"[stories] smoothness must be between 0 and 1, got {st.smoothness}")
    if st.preset not in X264_PRESETS:
        out.append(f"[stories] preset must be one of {', '.join(X264_PRESETS)}, got {st.preset!r}")
    if not 0 <= st.crf <= 51:
        out.append(f"[stories] crf must be between 0 and 51, got {st.crf}")
    return out



def portraits_problems(p: PortraitsSettings) -> list[str]:
    out = []
    if not 0 <= p.upsample <= 3:
        out.append(f"[portraits] upsample must be between 0 and 3, got {p.upsample}")
    if p.min_size < 1 or p.max_faces_per_image < 1 or not 1 <= p.results <= 50:
        out.append("[portraits] needs min_size >= 1, max_faces_per_image >= 1 and results between 1 and 50")
    return out



def collage_problems(c: CollageSettings) -> list[str]:
    from .collage.check import collage_problems as problems

    return problems(c)
