"""The Executor interface, the Worker a job builds where the work runs, and how executors are named.

Executors register in :mod:`generator.registry` (kind ``executor``; the built-ins ``local`` and ``ray`` are
listed there with the other built-ins) and are created from ``[build]`` settings. Creating one must be
cheap and import nothing heavy: an executor connects to its machines on the first batch or task, so a build
whose captions and embeddings are all cached never starts (or imports) Ray.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Sequence
from typing import Any, Generic, TypeVar

from .. import registry
from ..config import BuildSettings

T = TypeVar("T")  # one batch (or task item) as the stage made it
R = TypeVar("R")  # what computing it gives


class Worker(ABC, Generic[T, R]):
    """Computes batches in one process: made once there (so a model loads once per process, or per Ray
    actor), then called once per batch."""

    #: True when prepare() (decoding images) is worth running in a loader thread ahead of compute() (the
    #: model), as the local executor then does; False runs prepare() and compute() back to back
    overlap: bool = False

    def prepare(self, batch: T) -> Any:
        return batch

    @abstractmethod
    def compute(self, prepared: Any) -> R:
        """The result for one prepared batch."""

    def __call__(self, batch: T) -> R:
        return self.compute(self.prepare(batch))


class PartJob(Generic[T, R]):
    """A job that wraps a registered part (a captioner, an embedder) in a Worker.

    In this process it wraps the very instance the stage made, so the local executor computes exactly as
    before (one model, the part's own state). Pickled for another process, it travels as (class, spec,
    settings) and each process makes its own part there: loaded models, locks and thread pools never travel,
    and a part registered only in this process (a site's own captioner) needs no registry on the worker,
    only its module on the path. Every part takes ``(spec, settings)`` and keeps both as attributes.
    """

    def __init__(self, worker: Callable[[Any], Worker[T, R]], part: Any) -> None:
        self.worker = worker
        self.part = part

    def __call__(self) -> Worker[T, R]:
        return self.worker(self.part)

    def __reduce__(self) -> tuple[Any, ...]:
        part = self.part
        return (_rebuild, (self.worker, type(part), part.spec, part.settings))


def _rebuild(worker: Callable[[Any], Worker[T, R]], cls: type, spec: str, settings: Any) -> PartJob[T, R]:
    return PartJob(worker, cls(spec, settings))


class Executor(ABC):
    """Where batches and tasks run. Results always come back in the order of their inputs."""

    #: True when the work runs in other processes (so jobs and batches are pickled, and the workers must
    #: see the same files at the same paths and have the same packages installed)
    remote: bool = False

    def __init__(self, spec: str = "local", settings: BuildSettings | None = None) -> None:
        self.spec = spec
        self.settings = settings or BuildSettings()

    @abstractmethod
    def map_batches(self, job: Callable[[], Worker[T, R]], batches: Sequence[T], *,
                    device: str = "cpu") -> Generator[R, None, None]:
        """The result of each batch, in order, each yielded as soon as it (and those before it) are done.

        ``job()`` builds the Worker, once per process that computes; ``device`` is the part's device
        setting ("cuda": each remote worker gets a GPU of its own). Close the iterator (``with
        contextlib.closing(...)``) when stopping early, so workers and loader threads stop too."""

    @abstractmethod
    def run_tasks(self, fn: Callable[[T], R], items: Sequence[T], *,
                  done: Callable[[int], None] | None = None) -> list[R]:
        """``[fn(item) for item in items]``, the calls possibly in parallel on other machines (then ``fn``
        and the items must pickle, and ``fn`` must not touch the cache: return what to store instead, or
        fill a folder the caller staged in the cache for it). ``done(i)`` is called here, in this process,
        as each item finishes (in any order): a stage's progress bar."""

    def close(self) -> None:  # noqa: B027 - optional: only executors holding machines have something to free
        """Free what the executor started (called once at the end of every build)."""


def register_executor(name: str, target: str, **fields: Any) -> None:
    """Register an executor as ``"package.module:ClassName"``; the class takes ``(spec, BuildSettings)``."""
    registry.register("executor", name, target, **fields)


def create_executor(settings: BuildSettings) -> Executor:
    """The executor ``[build] executor`` names (cheap: it connects on first use)."""
    executor: Executor = registry.create("executor", settings.executor, settings)
    return executor
