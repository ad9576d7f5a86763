"""Typed settings, read from ``site.toml``. Each section of the file is one dataclass: the core's below, each
feature's in its own package (declared by its :class:`~generator.features.base.Feature`, ``settings`` and
``section``); every field has a default, the rules its value
must pass (:mod:`.setting_rules`) and a docstring-like comment, and unknown keys are an error (a typo in a setting
should never be silently ignored). What involves several fields, the registry or the site folder is the section's
``problems`` method; :func:`validate` checks every section at once."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

from .errors import ConfigError
from .setting_rules import (
    DEVICE,
    Rule,
    above,
    at_least,
    between,
    each,
    even_at_least,
    lookup,
    matches,
    multiple_of,
    not_blank,
    one_of,
    section_problems,
    setting,
    strictly_between,
)

T = TypeVar("T")
X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")


@dataclass
class SiteSettings:
    title: str = "Electric Speech"  # shown in the header and the <title> of every page
    language: str = "en"  # BCP 47 language of the pages and the subtitle tracks
    description: str = ""  # one line for the front page and meta description
    base_url: str = ""  # absolute URL where the site will live; empty keeps links relative
    author: str = ""


@dataclass
class KeyframeSettings:
    scene_threshold: float = setting(0.3, strictly_between(0, 1))  # ffmpeg scene score (0-1) above which a frame starts
    # a new shot
    max_interval: float = setting(4.0, above(0))  # seconds: within a long shot, take a frame at least this often
    min_interval: float = setting(0.5, at_least(0))  # seconds: ignore shot changes closer than this to the previous
    # keyframe
    thumb_width: int = setting(640, at_least(16))  # width of the JPEG written for each keyframe (height keeps the
    # aspect)
    jpeg_quality: int = setting(4, between(2, 31))  # ffmpeg -q:v, 2 (best) .. 31

    def problems(self, site_dir: Path | None = None) -> list[str]:
        if self.min_interval >= self.max_interval:
            return [f"[keyframes] min_interval must be less than max_interval ({self.max_interval}), "
                    f"got {self.min_interval}"]
        return []


#: a rendition's height, "720p": even, at least 144
HEIGHT = Rule(lambda r: re.fullmatch(r"\d{3,4}p", r) is not None and int(r[:-1]) % 2 == 0 and int(r[:-1]) >= 144,
              "must be a height like '720p' (even, at least 144p)")


@dataclass
class VideoSettings:
    max_height: int = setting(1080, even_at_least(144))  # the web rendition's shorter side at most this (a portrait
    # clip keeps 1080 x 1920)
    crf: int = setting(20, between(0, 51))  # H.264 quality, 0 (lossless) .. 51; 18-23 looks good, lower is larger
    preset: str = setting("medium", one_of(*X264_PRESETS))  # x264 speed/size trade-off: ultrafast .. veryslow
    encoder: str = setting("auto", one_of("auto", "libx264", "h264_nvenc"))  # "auto" (NVENC with --device cuda when
    # ffmpeg has it), "libx264" or "h264_nvenc"
    audio_bitrate: str = setting("160k", matches(r"\d{2,4}k", "160k"))  # AAC bit rate of the renditions' sound
    publish_original: bool = False  # also publish the footage itself (a download link on the film page)
    ladder: list[str] = setting(["1080p", "720p", "360p"], each(HEIGHT))  # HLS renditions of long films
    hls_min_duration: float = setting(600.0, at_least(0))  # seconds: films at least this long also stream as HLS ([]
    # ladder: never)
    hls_segment: float = setting(6.0, at_least(1))  # seconds per HLS segment
    device: str = setting("cpu", DEVICE)  # set by --device (NVENC is tried only with cuda)


READINGS = ("literal", "pareidolia")  # [captions] reading


@dataclass
class CaptionSettings:
    captioner: str = "describe"  # "describe", "archive", "trained:<dir>", "hf:<model>", "tf:<SavedModel dir>"
    device: str = setting("cpu", DEVICE)  # "cpu", "cuda", "cuda:<n>" or "auto"
    batch_size: int = setting(8, at_least(1))
    num_beams: int = setting(3, at_least(1))  # beam search width for neural captioners
    max_new_tokens: int = setting(30, at_least(1))
    no_repeat_ngram_size: int = 3  # repetition guard for neural captioners
    prompt: str = ""  # optional text prefix for captioners that take one (BLIP)
    repetition_penalty: float = 1.0  # neural captioners: > 1 discourages repeated words (1 = off)
    min_confidence: float = 0.15  # describe: below this the sentence hedges ("something like ...")
    faces: bool = True  # describe: find faces with dlib's HOG detector when dlib is installed (pip install dlib-bin)
    reading: str = setting("literal", one_of(*READINGS))  # describe, frames of sky: "literal" (the sky's colour and
    # light) or "pareidolia" (the ImageNet classes the network sees in the clouds' shapes, with its doubt)
    archive_column: str = setting("description", not_blank("must name a metadata.csv column"))  # archive: the
    # metadata.csv column with the curators' descriptions
    archive_neighbours: int = setting(5, between(1, 100))  # archive: nearest archive images whose descriptions
    # compete for each keyframe

    def problems(self, site_dir: Path | None = None) -> list[str]:
        out: list[str] = []
        lookup("captions", "captioner", self.captioner, out)
        return out


@dataclass
class SubtitleSettings:
    min_cue: float = setting(1.2, above(0))  # seconds a cue stays on screen at least
    max_cue: float = 7.0  # seconds a cue stays on screen at most
    line_width: int = setting(42, at_least(10))  # characters per subtitle line
    max_lines: int = setting(2, at_least(1))
    merge_identical: bool = True  # merge consecutive cues with the same text

    def problems(self, site_dir: Path | None = None) -> list[str]:
        if self.min_cue > self.max_cue:
            return [f"[subtitles] min_cue must be at most max_cue ({self.max_cue}), got {self.min_cue}"]
        return []


@dataclass
class MapSettings:
    embedder: str = "efficientnet"  # "efficientnet" (offline CNN), "hf:<model id or path>", "tf:<.keras or SavedModel>"
    layout: str = "umap"  # default layout shown first: "umap", "tsne", "grid" or "date"
    layouts: list[str] = setting(["umap", "tsne", "grid", "date"])
    seed: int = 42
    neighbours: int = setting(12, at_least(1))  # similar images listed per item
    batch_size: int = setting(32, at_least(1))
    device: str = setting("cpu", DEVICE)  # "cpu", "cuda", "cuda:<n>" or "auto"
    relayout: bool = False  # recompute the layout instead of placing new images into it
    fit_sample: int = setting(50_000, at_least(100))  # UMAP/t-SNE are fitted on at most this many images; the rest are
    # placed into the fit
    pca_dims: int = setting(50, at_least(2))  # embeddings are reduced to this many PCA dimensions before layout and
    # neighbour search
    umap_neighbors: int = setting(15, at_least(2))
    umap_min_dist: float = setting(0.1, between(0, 1))
    umap_epochs: int = setting(0, at_least(0))  # 0: umap-learn's default
    refine_epochs: int = setting(100, at_least(0))  # above fit_sample: UMAP epochs over every image after the sample
    # fit (0: none)
    tsne_perplexity: float = setting(30.0, above(0))
    tsne_iter: int = setting(500, at_least(1))
    clusters: int = setting(0, at_least(0))  # number of labelled regions on the map; 0 picks one from the archive size
    name_columns: list[str] = setting([])  # metadata.csv columns whose words name the map's
    # regions; empty: the columns named title, description, caption, subject(s), keywords, tags or label(s)

    def problems(self, site_dir: Path | None = None) -> list[str]:
        """The embedder and the layouts, from the registry."""
        from . import registry

        out: list[str] = []
        lookup("map", "embedder", self.embedder, out)
        layouts = registry.names("layout")
        unknown = [name for name in self.layouts if name not in layouts]
        if unknown or not self.layouts:
            out.append(f"[map] layouts: unknown {unknown or 'empty list'}; choose from {', '.join(layouts)}")
        if self.layout not in layouts:
            out.append(f"[map] layout must be one of {', '.join(layouts)}, got {self.layout!r}")
        return out


@dataclass
class ArchiveSettings:
    # pictures over this size are skipped with one warning. Scans of paintings, maps and herbarium sheets run to
    # hundreds of megapixels; they are read shrunk on load (libvips), so the limit bounds time, not memory. A
    # file whose header claims more (a decompression bomb: 10 kB declaring 100,000 x 100,000) is refused unread
    max_megapixels: int = setting(2000, between(1, 100_000))


UPLOAD_CHUNK_QUANTUM = 256 * 1024  # YouTube's resumable uploads take chunks in multiples of 256 KiB


@dataclass
class YouTubeSettings:
    privacy: str = setting("private", one_of("private", "unlisted", "public"))  # "private", "unlisted" or "public"
    category: str = "1"  # YouTube category id (1 = Film & Animation)
    playlist: str = ""  # playlist title; created once if missing, empty for none
    default_language: str = ""  # defaults to [site] language
    tags: list[str] = setting([])
    caption_name: str = "Machine captions (Electric Speech)"  # name of the caption track
    player: str = setting("self", one_of("self", "youtube", "both"))  # film page player: "self", "youtube" or "both"
    upload: str = setting("original", one_of("original", "described"))  # what publish uploads: "original" (the footage)
    # or "described" (narration mixed in)
    token: str = "~/.config/electric-speech/youtube-token.json"  # stored OAuth token (mode 0600)
    client_secret: str = "client_secret.json"  # OAuth client for the first login (in the site folder)
    chunk_size: int = setting(8 * 1024 * 1024, multiple_of(UPLOAD_CHUNK_QUANTUM, "256 KiB"))  # bytes per resumable
    # upload request
    max_retries: int = setting(8, at_least(0))
    api_root: str = ""  # override the API root (tests, proxies)
    timeout: float = setting(120.0, above(0, "seconds"))  # seconds to wait for each answer from YouTube before retrying
    # which films YouTube is told are altered or synthetic (status.containsSyntheticMedia): re-enacted faces always,
    # filmed footage never (machine subtitles alter no picture), and these films the machine made as set here
    synthetic_dreams: bool = True  # dream films ([dreams] films)
    synthetic_nextframe: bool = True  # films of build.py next-frame-film
    synthetic_stories: bool = True  # story films: archive pictures and keyframes chosen and set in motion


@dataclass
class BuildSettings:
    cache_dir: str = setting(".cache", not_blank())  # relative to the site folder
    strict: bool = False  # warnings fail the build
    drafts: bool = False  # include items whose front matter says draft: true
    executor: str = "local"  # where captions and embeddings are computed: "local" or "ray" (needs .[scale])
    ray_address: str = ""  # "ray": the cluster to join ("auto", "ray://head:10001"); the RAY_ADDRESS variable wins;
    # neither: a local Ray is started with one CPU per core
    ray_actors: int = setting(0, at_least(0, "one per CPU or GPU"))  # executor "ray": actors per stage; 0: one per
    # GPU with device cuda, else one per CPU

    def problems(self, site_dir: Path | None = None) -> list[str]:
        """The executor: known, and able to run here (found without importing it: a build never starts for
        nothing)."""
        out: list[str] = []
        executor = lookup("build", "executor", self.executor, out)
        if executor is not None and executor.unavailable():
            out.append(f"[build] executor {self.executor!r} cannot run here: {executor.unavailable()}")
        return out


def feature_sections() -> dict[str, type]:
    """site.toml section name -> settings dataclass of every feature (see :mod:`generator.features`)."""
    from .features import settings_sections

    return settings_sections()


@dataclass
class Settings:
    """The core's sections as typed fields, and every feature's section in ``features`` by its name: read one
    typed with ``settings.of(CollageSettings)``, or by name (``settings.collages``)."""

    site: SiteSettings = field(default_factory=SiteSettings)
    keyframes: KeyframeSettings = field(default_factory=KeyframeSettings)
    video: VideoSettings = field(default_factory=VideoSettings)
    captions: CaptionSettings = field(default_factory=CaptionSettings)
    subtitles: SubtitleSettings = field(default_factory=SubtitleSettings)
    map: MapSettings = field(default_factory=MapSettings)
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    youtube: YouTubeSettings = field(default_factory=YouTubeSettings)
    build: BuildSettings = field(default_factory=BuildSettings)
    features: dict[str, Any] = field(default_factory=dict)  # section name -> a feature's settings

    def __post_init__(self) -> None:
        for name, cls in feature_sections().items():  # the defaults of every section not given
            if name not in self.features:
                self.features[name] = cls()
            elif not isinstance(self.features[name], cls):
                raise TypeError(f"settings section [{name}] must be a {cls.__name__}")

    def __getattr__(self, name: str) -> Any:
        # only reached for names that are no field: a feature's section (never during unpickling's early steps)
        if name.startswith("__") or name == "features":
            raise AttributeError(name)
        try:
            return self.__dict__["features"][name]
        except KeyError:
            raise AttributeError(f"no settings section [{name}]") from None

    def of(self, cls: type[T]) -> T:
        """A feature's section, typed: ``settings.of(CollageSettings)``."""
        for section in self.features.values():
            if type(section) is cls:
                return section
        raise KeyError(f"no settings section of type {cls.__name__}")


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
    core = {f.name: f for f in dataclasses.fields(Settings) if f.name != "features"}
    hints = get_type_hints(Settings)
    extra = feature_sections()
    known = sorted([*core, *extra])
    kwargs: dict[str, Any] = {}
    features: dict[str, Any] = {}
    for name, value in data.items():
        if name not in core and name not in extra:
            raise ConfigError(f"unknown section [{name}] (known: {', '.join(known)})", path)
        if not isinstance(value, dict):
            raise ConfigError(f"[{name}] must be a table", path)
        if name in core:
            kwargs[name] = _fill(hints[name], value, name, path)
        else:
            features[name] = _fill(extra[name], value, name, path)
    settings = Settings(**kwargs, features=features)
    validate(settings, path)
    return settings


def sections(settings: Settings) -> Iterator[tuple[str, Any]]:
    """Every section of the settings with its name in site.toml: the core's in the order they are declared,
    then the features' in theirs."""
    for f in dataclasses.fields(settings):
        if f.name != "features":
            yield f.name, getattr(settings, f.name)
    yield from settings.features.items()


def problems(settings: Settings, site_dir: Path | None = None) -> list[str]:
    """Every problem of every section, one line each (empty when all is well): each section's ``problems``,
    then its fields' rules. ``site_dir``: where relative paths in the settings (a voice file) are looked for."""
    return [p for name, section in sections(settings) for p in section_problems(name, section, site_dir)]


def validate(settings: Settings, path: Path | None = None) -> None:
    """All of the settings at once, before any work: the first problem is raised, the others listed
    in its message, so one run shows every mistake in site.toml."""
    found = problems(settings, path.parent if path is not None else None)
    if found:
        more = f" (and {len(found) - 1} more: {'; '.join(found[1:])})" if len(found) > 1 else ""
        raise ConfigError(found[0] + more, path)


def caption_problems(captions: CaptionSettings) -> list[str]:
    """The problems of one ``[captions]`` section (a film's own, with its front matter laid over the site's)."""
    return section_problems("captions", captions)


def override(section: Any, data: dict[str, Any], name: str, path: Path) -> Any:
    """A copy of a settings section with ``data`` laid over it, each value checked as in site.toml (a film's
    front matter ``captions:`` over ``[captions]``); ConfigError naming ``path`` for an unknown key or a value
    of the wrong type."""
    return dataclasses.replace(section, **_checked(type(section), data, f"{name}: {{}}", path))


def as_dict(obj: Any) -> dict[str, Any]:
    """Settings section as a plain dict: the form that goes into cache keys."""
    return dataclasses.asdict(obj)
