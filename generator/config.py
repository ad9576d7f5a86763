"""Typed settings, read from ``site.toml``. Each section of the file is one dataclass below (those of the
archive's newer pages, labels to dreams, in ``config_sections``); every field has a default and a docstring-like
comment, and unknown keys are an error (a typo in a setting should never be silently ignored)."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from .config_sections import (
    X264_PRESETS,
    CollageSettings,
    DreamSettings,
    LabelSettings,
    PortraitsSettings,
    SearchSettings,
    StorySettings,
    collage_problems,
    portraits_problems,
    search_problems,
    story_problems,
)
from .errors import ConfigError


@dataclass
class SiteSettings:
    title: str = "Electric Speech"  # shown in the header and the <title> of every page
    language: str = "en"  # BCP 47 language of the pages and the subtitle tracks
    description: str = ""  # one line for the front page and meta description
    base_url: str = ""  # absolute URL where the site will live; empty keeps links relative
    author: str = ""


@dataclass
class KeyframeSettings:
    scene_threshold: float = 0.3  # ffmpeg scene score (0-1) above which a frame starts a new shot
    max_interval: float = 4.0  # seconds: within a long shot, take a frame at least this often
    min_interval: float = 0.5  # seconds: ignore shot changes closer than this to the previous keyframe
    thumb_width: int = 640  # width of the JPEG written for each keyframe (height keeps the aspect)
    jpeg_quality: int = 4  # ffmpeg -q:v, 2 (best) .. 31


@dataclass
class VideoSettings:
    max_height: int = 1080  # the web rendition's shorter side at most this (a portrait clip keeps 1080 x 1920)
    crf: int = 20  # H.264 quality, 0 (lossless) .. 51; 18-23 looks good, lower is larger
    preset: str = "medium"  # x264 speed/size trade-off: ultrafast .. veryslow
    encoder: str = "auto"  # "auto" (NVENC with --device cuda when ffmpeg has it), "libx264" or "h264_nvenc"
    audio_bitrate: str = "160k"  # AAC bit rate of the renditions' sound
    publish_original: bool = False  # also publish the footage itself (a download link on the film page)
    ladder: list[str] = field(default_factory=lambda: ["1080p", "720p", "360p"])  # HLS renditions of long films
    hls_min_duration: float = 600.0  # seconds: films at least this long also stream as HLS ([] ladder: never)
    hls_segment: float = 6.0  # seconds per HLS segment
    device: str = "cpu"  # set by --device (NVENC is tried only with cuda)


@dataclass
class CaptionSettings:
    captioner: str = "describe"  # "describe", "archive", "trained:<dir>", "hf:<model>", "tf:<SavedModel dir>"
    device: str = "cpu"  # "cpu", "cuda" or "auto"
    batch_size: int = 8
    num_beams: int = 3  # beam search width for neural captioners
    max_new_tokens: int = 30
    no_repeat_ngram_size: int = 3  # repetition guard for neural captioners
    prompt: str = ""  # optional text prefix for captioners that take one (BLIP)
    repetition_penalty: float = 1.0  # neural captioners: > 1 discourages repeated words (1 = off)
    min_confidence: float = 0.15  # describe: below this the sentence hedges ("something like ...")
    faces: bool = True  # describe: find faces with dlib's HOG detector when dlib is installed (pip install dlib-bin)
    reading: str = "literal"  # describe, frames of sky: "literal" (the sky's colour and light) or "pareidolia"
    # (the ImageNet classes the network sees in the clouds' shapes, with its doubt)
    archive_column: str = "description"  # archive: the metadata.csv column with the curators' descriptions
    archive_neighbours: int = 5  # archive: nearest archive images whose descriptions compete for each keyframe


@dataclass
class SubtitleSettings:
    min_cue: float = 1.2  # seconds a cue stays on screen at least
    max_cue: float = 7.0  # seconds a cue stays on screen at most
    line_width: int = 42  # characters per subtitle line
    max_lines: int = 2
    merge_identical: bool = True  # merge consecutive cues with the same text


@dataclass
class NarrationSettings:
    films: list[str] = field(default_factory=list)  # slugs of the films the machine reads aloud; ["*"]: every film.
    # A film's front matter `narration: true` / `false` wins over this list.
    voice: str = "piper"  # "piper" (offline en_US voice "joe"), "piper:<path/to/voice.onnx>", "espeak-ng[:<voice>]"
    max_rate: float = 1.35  # a sentence longer than its cue is spoken up to this much faster than the voice's own pace
    extend: bool = True  # then it may run on into the silence before the next cue; then it is shortened
    duck: float = 0.3  # the film's own sound at this volume (0-1) while the machine speaks (player and described MP4)
    described: bool = True  # also make <slug>-described.mp4: the web rendition with the narration mixed in
    bitrate: str = "64k"  # AAC bit rate of the narration track (mono)


@dataclass
class MapSettings:
    embedder: str = "efficientnet"  # "efficientnet" (offline CNN), "hf:<model id or path>", "tf:<.keras or SavedModel>"
    layout: str = "umap"  # default layout shown first: "umap", "tsne", "grid" or "date"
    layouts: list[str] = field(default_factory=lambda: ["umap", "tsne", "grid", "date"])
    seed: int = 42
    neighbours: int = 12  # similar images listed per item
    batch_size: int = 32
    device: str = "cpu"
    relayout: bool = False  # recompute the layout instead of placing new images into it
    fit_sample: int = 50_000  # UMAP/t-SNE are fitted on at most this many images; the rest are placed into the fit
    pca_dims: int = 50  # embeddings are reduced to this many PCA dimensions before layout and neighbour search
    umap_neighbors: int = 15
    umap_min_dist: float = 0.1
    umap_epochs: int = 0  # 0: umap-learn's default
    refine_epochs: int = 100  # above fit_sample: UMAP epochs over every image after the sample fit (0: none)
    tsne_perplexity: float = 30.0
    tsne_iter: int = 500
    clusters: int = 0  # number of labelled regions on the map; 0 picks one from the archive size
    name_columns: list[str] = field(default_factory=list)  # metadata.csv columns whose words name the map's
    # regions; empty: the columns named title, description, caption, subject(s), keywords, tags or label(s)


@dataclass
class YouTubeSettings:
    privacy: str = "private"  # "private", "unlisted" or "public"
    category: str = "1"  # YouTube category id (1 = Film & Animation)
    playlist: str = ""  # playlist title; created once if missing, empty for none
    default_language: str = ""  # defaults to [site] language
    tags: list[str] = field(default_factory=list)
    caption_name: str = "Machine captions (Electric Speech)"  # name of the caption track
    player: str = "self"  # film page player: "self", "youtube" or "both"
    upload: str = "original"  # what publish uploads: "original" (the footage) or "described" (narration mixed in)
    token: str = "~/.config/electric-speech/youtube-token.json"  # stored OAuth token (mode 0600)
    client_secret: str = "client_secret.json"  # OAuth client for the first login (in the site folder)
    chunk_size: int = 8 * 1024 * 1024  # bytes per resumable upload request
    max_retries: int = 8
    api_root: str = ""  # override the API root (tests, proxies)
    timeout: float = 120.0  # seconds to wait for each answer from YouTube before retrying


@dataclass
class BuildSettings:
    cache_dir: str = ".cache"  # relative to the site folder
    strict: bool = False  # warnings fail the build
    drafts: bool = False  # include items whose front matter says draft: true
    executor: str = "local"  # where captions and embeddings are computed: "local" or "ray" (needs .[scale])
    ray_address: str = ""  # "ray": the cluster to join ("auto", "ray://head:10001"); the RAY_ADDRESS variable wins;
    # neither: a local Ray is started with one CPU per core
    ray_actors: int = 0  # executor "ray": actors per stage; 0: one per GPU with device cuda, else one per CPU


@dataclass
class Settings:
    site: SiteSettings = field(default_factory=SiteSettings)
    keyframes: KeyframeSettings = field(default_factory=KeyframeSettings)
    video: VideoSettings = field(default_factory=VideoSettings)
    captions: CaptionSettings = field(default_factory=CaptionSettings)
    subtitles: SubtitleSettings = field(default_factory=SubtitleSettings)
    narration: NarrationSettings = field(default_factory=NarrationSettings)
    map: MapSettings = field(default_factory=MapSettings)
    labels: LabelSettings = field(default_factory=LabelSettings)
    portraits: PortraitsSettings = field(default_factory=PortraitsSettings)
    collages: CollageSettings = field(default_factory=CollageSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    stories: StorySettings = field(default_factory=StorySettings)
    youtube: YouTubeSettings = field(default_factory=YouTubeSettings)
    dreams: DreamSettings = field(default_factory=DreamSettings)
    build: BuildSettings = field(default_factory=BuildSettings)


def _coerce(value: Any, annotation: Any, where: str, path: Path) -> Any:
    origin = getattr(annotation, "__origin__", None)
    if origin is dict:  # a table ([dreams] images); its values are checked by the section's own validation
        if not isinstance(value, dict):
            raise ConfigError(f"{where} must be a table, got {value!r}", path)
        args: tuple[Any, ...] = getattr(annotation, "__args__", ())
        if len(args) == 2 and args[1] is str:
            bad = {k: v for k, v in value.items() if not isinstance(v, str)}
            if bad:
                raise ConfigError(f"{where} values must be text (preset names), got {bad!r}", path)
        return dict(value)
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"{where} must be a list, got {value!r}", path)
        return [str(v) for v in value]
    if annotation is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, got {value!r}", path)
        return value
    if annotation is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be a whole number, got {value!r}", path)
        return value
    if annotation is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where} must be a number, got {value!r}", path)
        return float(value)
    if annotation is str:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ConfigError(f"{where} must be text, got {value!r}", path)
        return str(value)
    return value


def _checked(section_cls: type, data: dict[str, Any], where: str, path: Path) -> dict[str, Any]:
    """``data``'s values, each checked against the section's field types; ``where`` names a key in errors
    (``"[captions] {}"`` in site.toml, ``"captions: {}"`` in front matter)."""
    hints = get_type_hints(section_cls)
    known = {f.name for f in dataclasses.fields(section_cls)}
    values = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"unknown setting {where.format(key)} (known: {', '.join(sorted(known))})", path)
        values[key] = _coerce(value, hints[key], where.format(key), path)
    return values


def _fill(section_cls: type, data: dict[str, Any], section: str, path: Path) -> Any:
    return section_cls(**_checked(section_cls, data, f"[{section}] {{}}", path))


def load_settings(site_dir: Path) -> Settings:
    """Read ``site.toml`` from a site folder; a missing file gives the defaults."""
    path = site_dir / "site.toml"
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"invalid TOML: {exc}", path) from None
        except UnicodeDecodeError:
            raise ConfigError("not UTF-8 text", path) from None
    sections = {f.name: f for f in dataclasses.fields(Settings)}
    hints = get_type_hints(Settings)
    kwargs = {}
    for name, value in data.items():
        if name not in sections:
            raise ConfigError(f"unknown section [{name}] (known: {', '.join(sorted(sections))})", path)
        if not isinstance(value, dict):
            raise ConfigError(f"[{name}] must be a table", path)
        kwargs[name] = _fill(hints[name], value, name, path)
    settings = Settings(**kwargs)
    validate(settings, path)
    return settings


READINGS = ("literal", "pareidolia")  # [captions] reading
UPLOAD_CHUNK_QUANTUM = 256 * 1024  # YouTube's resumable uploads take chunks in multiples of 256 KiB


def _device_ok(device: str) -> bool:
    return device in ("cpu", "cuda", "auto") or (device.startswith("cuda:") and device[5:].isdigit())


def _problems(settings: Settings, site_dir: Path | None = None) -> list[str]:
    """Every inconsistent value of every section, one message each (empty when all is well). ``site_dir``:
    where relative paths in the settings (a voice file) are looked for."""
    from . import registry

    k, s, c, m, y = settings.keyframes, settings.subtitles, settings.captions, settings.map, settings.youtube
    out: list[str] = []

    def need(ok: bool, message: str) -> None:
        if not ok:
            out.append(message)

    def spec(kind: str, value: str, section: str) -> registry.Entry | None:
        try:
            return registry.resolve(kind, value)
        except ConfigError as exc:
            out.append(f"[{section}] {exc.message}")
            return None

    need(0 < k.scene_threshold < 1, "[keyframes] scene_threshold must be between 0 and 1")
    need(k.max_interval > 0 and 0 <= k.min_interval < k.max_interval,
         "[keyframes] needs 0 <= min_interval < max_interval")
    need(k.thumb_width >= 16, "[keyframes] thumb_width must be at least 16")
    need(2 <= k.jpeg_quality <= 31, "[keyframes] jpeg_quality must be between 2 (best) and 31")
    out.extend(_video_problems(settings.video))
    need(0 < s.min_cue <= s.max_cue, "[subtitles] needs 0 < min_cue <= max_cue")
    need(s.line_width >= 10 and s.max_lines >= 1, "[subtitles] line_width must be >= 10 and max_lines >= 1")
    spec("captioner", c.captioner, "captions")
    need(c.batch_size >= 1, "[captions] batch_size must be at least 1")
    need(c.device in ("cpu", "cuda", "auto"), "[captions] device must be cpu, cuda or auto")
    need(c.num_beams >= 1 and c.max_new_tokens >= 1, "[captions] num_beams and max_new_tokens must be at least 1")
    need(c.reading in READINGS, f"[captions] reading must be {' or '.join(READINGS)}, got {c.reading!r}")
    need(bool(c.archive_column.strip()), "[captions] archive_column must name a metadata.csv column")
    need(1 <= c.archive_neighbours <= 100, "[captions] archive_neighbours must be between 1 and 100")
    out.extend(_narration_problems(settings.narration, site_dir))
    out.extend(story_problems(settings.stories))
    spec("embedder", m.embedder, "map")
    layouts = registry.names("layout")
    unknown = [name for name in m.layouts if name not in layouts]
    need(not unknown and bool(m.layouts),
         f"[map] layouts: unknown {unknown or 'empty list'}; choose from {', '.join(layouts)}")
    need(m.layout in layouts, f"[map] layout must be one of {', '.join(layouts)}, got {m.layout!r}")
    need(m.neighbours >= 1 and m.batch_size >= 1 and m.pca_dims >= 2 and m.fit_sample >= 100 and m.refine_epochs >= 0,
         "[map] needs neighbours >= 1, batch_size >= 1, pca_dims >= 2, fit_sample >= 100, refine_epochs >= 0")
    need(m.umap_neighbors >= 2 and 0 <= m.umap_min_dist <= 1 and m.umap_epochs >= 0,
         "[map] needs umap_neighbors >= 2, 0 <= umap_min_dist <= 1, umap_epochs >= 0")
    need(m.tsne_perplexity > 0 and m.tsne_iter >= 1 and m.clusters >= 0,
         "[map] needs tsne_perplexity > 0, tsne_iter >= 1, clusters >= 0")
    need(_device_ok(m.device), "[map] device must be cpu, cuda or auto")
    spec("face-detector", settings.portraits.detector, "portraits")
    out.extend(portraits_problems(settings.portraits))
    out.extend(collage_problems(settings.collages))
    out.extend(search_problems(settings.search))
    need(y.privacy in ("private", "unlisted", "public"), "[youtube] privacy must be private, unlisted or public")
    need(y.player in ("self", "youtube", "both"), "[youtube] player must be self, youtube or both")
    need(y.upload in ("original", "described"), f"[youtube] upload must be original or described, got {y.upload!r}")
    need(y.chunk_size >= UPLOAD_CHUNK_QUANTUM and y.chunk_size % UPLOAD_CHUNK_QUANTUM == 0,
         f"[youtube] chunk_size must be a multiple of {UPLOAD_CHUNK_QUANTUM} (256 KiB), got {y.chunk_size}")
    need(y.max_retries >= 0, "[youtube] max_retries must be 0 or more")
    need(y.timeout > 0, "[youtube] timeout must be more than 0 seconds")
    lb = settings.labels
    need(bool(lb.folder.strip()) and not Path(lb.folder).is_absolute() and ".." not in Path(lb.folder).parts,
         f"[labels] folder must be a folder inside the site folder, got {lb.folder!r}")
    need(lb.C > 0, f"[labels] C must be more than 0, got {lb.C}")
    need(lb.min_examples >= 2 and lb.cv_folds >= 2, "[labels] needs min_examples >= 2 and cv_folds >= 2")
    need(1 <= lb.review_batch <= 64 and lb.retrain_every >= 1,
         "[labels] needs 1 <= review_batch <= 64 and retrain_every >= 1")
    need(0 < lb.threshold < 1 and lb.assumed_negatives >= 0,
         "[labels] needs 0 < threshold < 1 and assumed_negatives >= 0")
    b = settings.build
    need(bool(b.cache_dir.strip()), "[build] cache_dir must not be empty")
    executor = spec("executor", b.executor, "build")
    if executor is not None and executor.unavailable():  # found without importing it: a build never starts for nothing
        out.append(f"[build] executor {b.executor!r} cannot run here: {executor.unavailable()}")
    need(b.ray_actors >= 0, "[build] ray_actors must be 0 (one per CPU or GPU) or more")
    from .dreams.settings import dream_problems

    out.extend(dream_problems(settings.dreams))
    return out




def _video_problems(v: VideoSettings) -> list[str]:
    import re

    out = []
    if v.max_height < 144 or v.max_height % 2:
        out.append(f"[video] max_height must be an even number of at least 144, got {v.max_height}")
    if not 0 <= v.crf <= 51:
        out.append(f"[video] crf must be between 0 and 51, got {v.crf}")
    if v.preset not in X264_PRESETS:
        out.append(f"[video] preset must be one of {', '.join(X264_PRESETS)}, got {v.preset!r}")
    if v.encoder not in ("auto", "libx264", "h264_nvenc"):
        out.append(f"[video] encoder must be auto, libx264 or h264_nvenc, got {v.encoder!r}")
    if not re.fullmatch(r"\d{2,4}k", v.audio_bitrate):
        out.append(f"[video] audio_bitrate must look like '160k', got {v.audio_bitrate!r}")
    bad = [r for r in v.ladder if not re.fullmatch(r"\d{3,4}p", r) or int(r[:-1]) % 2 or int(r[:-1]) < 144]
    if bad:
        out.append(f"[video] ladder: {bad} are not heights like '720p' (even, at least 144p)")
    if v.hls_min_duration < 0 or v.hls_segment < 1:
        out.append("[video] needs hls_min_duration >= 0 and hls_segment >= 1 second")
    return out


def _narration_problems(n: NarrationSettings, site_dir: Path | None) -> list[str]:
    import re

    from . import registry

    out = []
    if not 1.0 <= n.max_rate <= 3.0:
        out.append(f"[narration] max_rate must be between 1.0 and 3.0, got {n.max_rate}")
    if not 0.0 <= n.duck <= 1.0:
        out.append(f"[narration] duck must be between 0 (silence) and 1 (no ducking), got {n.duck}")
    if not re.fullmatch(r"\d{2,3}k", n.bitrate):
        out.append(f"[narration] bitrate must look like '64k', got {n.bitrate!r}")
    try:
        registry.resolve("voice", n.voice)
    except ConfigError as exc:
        return [*out, f"[narration] {exc.message}"]
    name, argument = registry.split_spec(n.voice)
    if name == "piper" and argument:  # a voice file: missing is a mistake in site.toml, found before any work
        model = Path(argument).expanduser()
        if not model.is_absolute() and site_dir is not None:
            model = site_dir / model
        if not model.is_file():
            out.append(f"[narration] voice file not found: {model}")
        elif model.suffix != ".onnx":
            out.append(f"[narration] a Piper voice is a .onnx file, got {model.name}")
        elif not Path(str(model) + ".json").is_file():
            out.append(f"[narration] the voice {model.name} has no config {model.name}.json beside it "
                       "(a Piper voice comes as a .onnx and a .onnx.json)")
    return out


def validate(settings: Settings, path: Path | None = None) -> None:
    """All of the settings at once, before any work: the first problem is raised, the others listed
    in its message, so one run shows every mistake in site.toml."""
    problems = _problems(settings, path.parent if path is not None else None)
    if problems:
        more = f" (and {len(problems) - 1} more: {'; '.join(problems[1:])})" if len(problems) > 1 else ""
        raise ConfigError(problems[0] + more, path)


def caption_problems(captions: CaptionSettings) -> list[str]:
    """The problems of one ``[captions]`` section (a film's own, with its front matter laid over the site's)."""
    return [p for p in _problems(dataclasses.replace(Settings(), captions=captions)) if p.startswith("[captions]")]


def override(section: Any, data: dict[str, Any], name: str, path: Path) -> Any:
    """A copy of a settings section with ``data`` laid over it, each value checked as in site.toml (a film's
    front matter ``captions:`` over ``[captions]``); ConfigError naming ``path`` for an unknown key or a value
    of the wrong type."""
    return dataclasses.replace(section, **_checked(type(section), data, f"{name}: {{}}", path))


def as_dict(obj: Any) -> dict[str, Any]:
    """Settings section as a plain dict: the form that goes into cache keys."""
    return dataclasses.asdict(obj)
