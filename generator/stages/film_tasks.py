"""Per-film media work (keyframes, renditions) as executor tasks: one task per film whose artifact is not
cached yet, each filling a folder staged in the cache for it.

With the ``local`` executor the stages keep their own loop (ffmpeg's progress bar per film, in this
process). With ``ray`` each film is a Ray task on whichever machine has a free CPU; the task runs ffmpeg
into its staged folder, so the workers must see the footage and the cache folder at the same paths (a
shared file system; the README's "Running on a cluster" says so). Each folder that a task filled becomes
its artifact; a film whose footage cannot be handled comes back as its MediaError, and the stage warns and
skips that film exactly as the local loop does. Nothing half-made is ever committed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..cache import StagedDir
from ..errors import MediaError
from . import StageContext

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Outcome(Generic[R]):
    """What a task sends back: its value, or the MediaError it raised as plain text (exceptions with
    extra fields do not survive pickling intact)."""

    value: R | None = None
    error: str = ""
    path: str = ""


def _guarded(fn: Callable[[T], R], item: T) -> Outcome[R]:
    try:
        return Outcome(value=fn(item))
    except MediaError as exc:
        return Outcome(error=exc.message, path=str(exc.path or ""))


def use_tasks(ctx: StageContext, pending: int) -> bool:
    """Whether this stage's misses go out as tasks: only on an executor with other processes, and only
    when there are at least two films to share out (one film gains nothing from a task's start-up)."""
    return pending >= 2 and ctx.executor().remote


def run_staged(ctx: StageContext, fn: Callable[[T], R], jobs: Sequence[tuple[StagedDir, T]],
               desc: str) -> list[R | MediaError]:
    """``fn(item)`` for every job as executor tasks; each job's folder is committed when its task succeeded
    and discarded otherwise. Returns each job's value, or its MediaError, in the order of ``jobs``."""
    out: list[R | MediaError] = []
    try:
        bar = ctx.reporter.progress(iter(range(len(jobs) + 1)), total=len(jobs), desc=desc, unit="film")
        next(bar)  # the bar counts one step at each later next()

        def step(_i: int) -> None:
            next(bar, None)

        try:
            outcomes = ctx.executor().run_tasks(functools.partial(_guarded, fn), [item for _, item in jobs],
                                                done=step)
        finally:
            for _ in bar:  # ends the bar (and its line) however the tasks ended
                pass
        for (staged, _), outcome in zip(jobs, outcomes):
            if outcome.error:
                out.append(MediaError(outcome.error, outcome.path or None))
            else:
                staged.commit()
                out.append(outcome.value)  # type: ignore[arg-type]
    finally:
        for staged, _ in jobs:
            staged.discard()  # failed, interrupted or never run: nothing of it stays
    return out
