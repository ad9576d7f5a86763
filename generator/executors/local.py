"""The local executor: everything in this process, as plain loops, exactly as a build ran before executors
existed. A worker that asks for it (``overlap``) has its batches prepared (images decoded) in a background
thread while the model runs on the previous batch."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Sequence
from contextlib import closing
from typing import Any, TypeVar

from .base import Executor, Worker

T = TypeVar("T")
R = TypeVar("R")


class LocalExecutor(Executor):
    """``local``: this process; no start-up cost, no pickling."""

    def map_batches(self, job: Callable[[], Worker[T, R]], batches: Sequence[T], *,
                    device: str = "cpu") -> Generator[R, None, None]:
        if not batches:
            return
        worker = job()
        if not worker.overlap:
            for batch in batches:
                yield worker(batch)
            return
        with closing(prefetch(batches, worker.prepare)) as stream:
            for prepared in stream:
                yield worker.compute(prepared)

    def run_tasks(self, fn: Callable[[T], R], items: Sequence[T], *,
                  done: Callable[[int], None] | None = None) -> list[R]:
        results = []
        for i, item in enumerate(items):
            results.append(fn(item))
            if done is not None:
                done(i)
        return results


def prefetch(batches: Sequence[T], prepare: Callable[[T], Any], depth: int = 2) -> Generator[Any, None, None]:
    """Prepared batches, made in a background thread ``depth`` batches ahead of the consumer."""
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        for b in batches:
            if stop.is_set():
                return
            try:
                q.put(("ok", prepare(b)))
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer thread
                q.put(("error", exc))
                return
        q.put(("end", None))

    t = threading.Thread(target=work, name="batch-loader", daemon=True)
    t.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        while t.is_alive():  # drain so the loader can finish its last put
            try:
                q.get(timeout=0.05)
            except queue.Empty:
                pass
