"""Progress and warnings, injected into stages so they never print directly (tests use a quiet one)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TextIO, TypeVar

T = TypeVar("T")


@dataclass
class Reporter:
    """Prints progress bars (with ETA) and one-line warnings to stderr; remembers the warnings."""

    quiet: bool = False
    stream: TextIO | None = None  # None: sys.stderr at the time of writing (so pytest's capsys sees it)
    warnings: list[str] = field(default_factory=list)
    _said_once: set[str] = field(default_factory=set)

    def info(self, message: str) -> None:
        if not self.quiet:
            print(message, file=self.stream or sys.stderr, flush=True)

    def once(self, message: str) -> None:
        """Say something at most once per build (e.g. which ffmpeg is used)."""
        if message not in self._said_once:
            self._said_once.add(message)
            self.info(message)

    def warn(self, message: str) -> None:
        """Warnings are printed even when quiet: they name a file the user has to look at."""
        self.warnings.append(message)
        print(f"warning: {message}", file=self.stream or sys.stderr, flush=True)

    def progress(self, items: Iterable[T], total: int | None = None, desc: str = "", unit: str = "it") -> Iterator[T]:
        """Iterate with a progress bar when there is something long enough to show one."""
        stream = self.stream or sys.stderr
        # bars are for people at a terminal; logs (CI, pipes) get the summary lines only
        if self.quiet or not total or total < 2 or not getattr(stream, "isatty", lambda: False)():
            yield from items
            return
        from tqdm import tqdm  # only when a bar is drawn: keeps no-op builds lean

        bar = tqdm(total=total, desc=desc, unit=unit, file=self.stream or sys.stderr, leave=False, dynamic_ncols=True,
                   bar_format="{desc:<12} {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                              "[{elapsed}<{remaining}, {rate_fmt}]")
        try:
            for item in items:
                yield item
                bar.update(1)
        finally:
            bar.close()


class Timer:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start
