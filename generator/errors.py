"""One exception hierarchy. Every error a user can cause carries the file it concerns, so the CLI
can print a single line ``path: problem`` instead of a traceback."""

from __future__ import annotations

from pathlib import Path


class ElectricSpeechError(Exception):
    """Base of every error the build reports to a user as one line."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line

    def oneline(self) -> str:
        if self.path is None:
            return self.message
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.message}"

    def __str__(self) -> str:
        return self.oneline()


class ConfigError(ElectricSpeechError):
    """site.toml or a command-line option is invalid."""


class ContentError(ElectricSpeechError):
    """A markdown file, its front matter or a referenced file is wrong."""


class MediaError(ElectricSpeechError):
    """A video or image cannot be read (corrupt, truncated, no video stream ...)."""


class MissingDependency(ElectricSpeechError):
    """An optional package or program is not installed."""

    def __init__(self, what: str, install_hint: str) -> None:
        super().__init__(f"{what} is not installed; {install_hint}")


class StrictModeError(ElectricSpeechError):
    """--strict was given and the build produced warnings."""


class SearchError(ElectricSpeechError):
    """The search index could not be made (the pagefind binary failed or stopped)."""


class PublishError(ElectricSpeechError):
    """Publishing stopped (quota, auth, network); the ledger keeps what was done."""
