"""Which ffmpeg to run.

The system's ffmpeg/ffprobe (on PATH) come first. Without them the build falls back to the static
ffmpeg shipped inside the ``imageio-ffmpeg`` wheel, which has no ffprobe: probing then parses the
banner that ``ffmpeg -i`` prints (see :mod:`generator.media.probe`).

``ELECTRIC_SPEECH_FFMPEG=imageio`` forces the fallback (tests use it), ``=system`` forbids it.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from ..errors import ConfigError, MissingDependency
from ..reporter import Reporter

ENV_VAR = "ELECTRIC_SPEECH_FFMPEG"
INSTALL_HINT = "install it (e.g. `apt install ffmpeg`) or `pip install imageio-ffmpeg`"


@dataclass(frozen=True)
class FFmpegTools:
    ffmpeg: str  # path of the ffmpeg executable
    ffprobe: str | None  # None when only ffmpeg is available (imageio-ffmpeg)
    source: str  # "system" or "imageio-ffmpeg"


def _system() -> FFmpegTools | None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    return FFmpegTools(ffmpeg=ffmpeg, ffprobe=shutil.which("ffprobe"), source="system")


def _imageio() -> FFmpegTools | None:
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError:  # the wheel has no binary for this platform
        return None
    return FFmpegTools(ffmpeg=exe, ffprobe=None, source="imageio-ffmpeg")


def find_tools(reporter: Reporter | None = None) -> FFmpegTools:
    """The ffmpeg (and ffprobe, if any) this build uses; raises MissingDependency when there is none."""
    choice = os.environ.get(ENV_VAR, "").strip().lower()
    if choice not in ("", "system", "imageio"):
        raise ConfigError(f"{ENV_VAR} must be 'system' or 'imageio', got {choice!r}")
    tools = None if choice == "imageio" else _system()
    if tools is None and choice != "system":
        tools = _imageio()
        if tools is not None and reporter is not None:
            why = f"{ENV_VAR}=imageio" if choice == "imageio" else "no ffmpeg on PATH"
            reporter.once(f"using the ffmpeg bundled with imageio-ffmpeg ({why}); "
                          "it has no ffprobe, so video details come from ffmpeg's own report")
    if tools is None:
        raise MissingDependency("ffmpeg", INSTALL_HINT)
    return tools
