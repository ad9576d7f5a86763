"""Running ffmpeg for long jobs: its own ``-progress`` output drives the progress bar, and memory stays
bounded however long the footage is.

ffmpeg is started with ``-progress pipe:1`` (key=value lines on stdout, one block about twice a second)
and ``-nostats``. Its stderr is read by a thread that keeps only the last lines (enough to explain a
failure), so an hours-long encode that logs a warning per frame neither fills memory nor writes a
temporary file anywhere.
"""

from __future__ import annotations

import collections
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..errors import MediaError
from ..reporter import Reporter

PROGRESS_MIN_DURATION = 60.0  # s of footage before a progress bar is worth drawing
STDERR_LINES = 200  # lines of ffmpeg's stderr kept to explain a failure


class ProgressReader:
    """Reads ffmpeg's ``-progress`` key=value lines; remembers how far it got (seconds of output)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.seconds = 0.0
        self.ended = False  # ffmpeg wrote its final "progress=end"

    def ticks(self) -> Iterator[None]:
        """Yields once per whole second of film processed (what the progress bar counts)."""
        shown = 0
        for raw in self.stream:
            key, _, value = raw.decode("ascii", "replace").strip().partition("=")
            if key == "out_time_us" and value.lstrip("-").isdigit():
                self.seconds = max(self.seconds, int(value) / 1e6)
                while shown < int(self.seconds):
                    shown += 1
                    yield None
            elif key == "progress" and value == "end":
                self.ended = True

    def drain(self) -> None:
        for _ in self.ticks():
            pass


class _Tail:
    """The last lines of a stream, read in a thread (ffmpeg blocks if its stderr pipe fills up)."""

    def __init__(self, stream: IO[bytes], keep: int = STDERR_LINES) -> None:
        self.lines: collections.deque[str] = collections.deque(maxlen=keep)
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[bytes]) -> None:
        for raw in stream:
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def text(self) -> str:
        self._thread.join(timeout=5)
        return "\n".join(self.lines)


@dataclass(frozen=True)
class FFmpegRun:
    code: int
    stderr: str  # the last STDERR_LINES lines
    seconds: float  # how far ffmpeg got, in seconds of output


def run_ffmpeg(cmd: list[str], path: Path, duration: float, reporter: Reporter | None, desc: str,
               cwd: Path | None = None) -> FFmpegRun:
    """Run an ffmpeg command that has ``-progress pipe:1``; ``path`` is the footage named in errors.

    A bar (seconds of film, with ETA) is drawn when the footage lasts long enough to need one.
    Interrupting the build (Ctrl-C) kills ffmpeg before the exception goes on.
    """
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    except OSError as exc:
        raise MediaError(f"could not run ffmpeg ({cmd[0]}): {exc.strerror}", path) from None
    assert proc.stdout is not None and proc.stderr is not None
    tail = _Tail(proc.stderr)
    reader = ProgressReader(proc.stdout)
    try:
        if reporter is not None and duration >= PROGRESS_MIN_DURATION:
            for _ in reporter.progress(reader.ticks(), total=int(duration), desc=desc, unit="s"):
                pass
        reader.drain()
        code = proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        proc.stdout.close()
    text = tail.text()
    proc.stderr.close()
    return FFmpegRun(code, text, reader.seconds)


def last_error_line(stderr: str) -> str:
    """The most telling line of ffmpeg's stderr, for a one-line error."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for line in reversed(lines):
        if "Conversion failed" in line or line.startswith("Exiting normally"):
            continue
        return line[:200]
    return "unknown error"
