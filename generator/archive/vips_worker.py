"""libvips' work on large pictures, done in one worker process of its own.

Why not in the build's process: libvips holds strips of a gigapixel picture across its threads' malloc
arenas, and glibc does not give them back once freed; the build by then also holds PyTorch, UMAP and the
map's arrays. Reading a 1 GP tiled TIFF in-process added ~220 MB to the build's peak for every feature that
looked at it (the map, the faces, the tiles), and a build with one such scan peaked at 1.25 GB. The worker
starts small (~60 MB), works on one picture at a time (so at most one picture's strips exist at once, even
when the thumbnails are made two at a time), and its memory ends with it. A libvips crash on a hostile file
ends the worker, not the build: the picture is reported and a new worker takes the next one.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

from ..errors import MediaError

T = TypeVar("T")
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _watch_parent() -> None:
    """In the worker, at its start: end it when the build ends without closing it (``os._exit`` skips the
    build's atexit), rather than leave it holding memory and the build's output pipes."""
    import os
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _give_back() -> None:
    """In the worker, after each picture: return freed strips to the system (glibc keeps them otherwise)."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to give back this way
        pass


def _run(fn: Callable[..., T], *args: Any) -> T:
    try:
        return fn(*args)
    finally:
        _give_back()


def shutdown() -> None:
    """Stop the worker, if one was started (the end of a build)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def in_worker(path: Path, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` run in the worker (``fn`` a module-level function; what it returns is pickled back).
    MediaError naming ``path`` when the worker dies on it."""
    global _pool
    with _lock:
        if _pool is None:  # "spawn": a fresh interpreter, not a fork of the build's memory
            _pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_watch_parent)
            atexit.register(shutdown)
        pool = _pool
    try:
        return pool.submit(_run, fn, *args).result()
    except BrokenProcessPool:
        with _lock:
            if _pool is pool:
                _pool = None
        pool.shutdown(wait=False, cancel_futures=True)
        raise MediaError("libvips stopped while reading it (the file may be damaged); skipped", path) from None
