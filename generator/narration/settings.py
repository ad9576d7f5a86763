"""``[narration]``: the settings of the films read aloud, with their rules and the voice's checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..setting_rules import between, lookup, matches, setting


@dataclass
class NarrationSettings:
    # slugs of the films the machine reads aloud; ["*"] (the default): every film, as WCAG 1.2.5 asks of all
    # prerecorded video; []: none. A film's front matter `narration: true` / `false` wins over this list.
    films: list[str] = setting(["*"])
    voice: str = "piper"  # "piper" (offline en_US voice "joe"), "piper:<path/to/voice.onnx>", "espeak-ng[:<voice>]"
    max_rate: float = setting(1.35, between(1.0, 3.0))  # a sentence longer than its cue is spoken up to this much
    # faster than the voice's own pace
    extend: bool = True  # then it may run on into the silence before the next cue; then it is shortened
    duck: float = setting(0.3, between(0, 1))  # the film's own sound at this volume (0-1) while the machine speaks
    # (player and described MP4)
    # also a track with every sentence said whole, for which the player pauses the film where a sentence runs
    # past the next cue (extended description, WCAG 1.2.7)
    extended_description: bool = True
    # also make <slug>-described.mp4, the web rendition with the narration mixed in (for downloads and
    # `[youtube] upload = "described"`); off by default, now that every film is narrated: it doubles the video
    described: bool = False
    bitrate: str = setting("64k", matches(r"\d{2,3}k", "64k"))  # AAC bit rate of the narration track (mono)

    def problems(self, site_dir: Path | None = None) -> list[str]:
        """The voice: known, and a Piper voice file found (a relative one in ``site_dir``; not looked for
        without it) with its config beside it (missing, it is a mistake in site.toml, found before any work)."""
        from .. import registry

        out: list[str] = []
        if lookup("narration", "voice", self.voice, out) is None:
            return out
        name, argument = registry.split_spec(self.voice)
        if name == "piper" and argument:
            model = Path(argument).expanduser()
            if not model.is_absolute():
                if site_dir is None:
                    return out
                model = site_dir / model
            if not model.is_file():
                out.append(f"[narration] voice file not found: {model}")
            elif model.suffix != ".onnx":
                out.append(f"[narration] a Piper voice is a .onnx file, got {model.name}")
            elif not Path(str(model) + ".json").is_file():
                out.append(f"[narration] the voice {model.name} has no config {model.name}.json beside it "
                           "(a Piper voice comes as a .onnx and a .onnx.json)")
        return out
