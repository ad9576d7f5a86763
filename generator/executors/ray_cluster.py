"""The ``ray`` executor: batches as a Ray Data pipeline over a pool of actors, tasks as Ray tasks.

    ray.data.from_items(batches) -> map_batches(actor pool, one of our batches per call) -> iter_rows()

Each actor builds the stage's Worker once (one model per actor, a GPU of its own with ``--device cuda``);
the rows come back in order (``preserve_order``) and streamed, so the stage stores each result in the
cache and advances its progress bar as it arrives, and an interrupted build keeps what was done.

Where the cluster comes from: ``RAY_ADDRESS`` in the environment, else ``[build] ray_address``, joins a
running cluster (``auto``, ``ray://head:10001``); with neither, a local Ray is started on this machine
with one CPU per core and stopped at the end of the build. A Ray already initialised in this process (a
test, a notebook) is used as it is and left running.

Ray itself is imported on the first batch or task, never before: creating this executor is free.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
from collections.abc import Callable, Generator, Sequence
from typing import Any, TypeVar

from ..config import BuildSettings
from ..errors import ConfigError, MissingDependency
from .base import Executor, Worker

T = TypeVar("T")
R = TypeVar("R")

INSTALL = "pip install -e .[scale]"
ADDRESS_ENV = "RAY_ADDRESS"


def local_cores() -> int:
    """The cores this process may use (what a local Ray is started with)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401 - the executor needs Ray Data, not only Ray core
    except ImportError as exc:
        raise MissingDependency(f"{exc.name or 'ray'}, which the executor 'ray' needs,", INSTALL) from None
    return ray


def local_runtime_env() -> dict[str, Any]:
    """Workers of a local Ray get this process's import path, so they import the same checkout of the
    generator (not whatever an editable install points at) and any module a site registered parts from."""
    paths = [p for p in sys.path if p and os.path.isdir(p)]
    return {"env_vars": {"PYTHONPATH": os.pathsep.join(dict.fromkeys(paths))}}


def connect(address: str = "", num_cpus: int | None = None) -> bool:
    """Join the cluster at ``address`` (else ``RAY_ADDRESS``), or start a local Ray with ``num_cpus``
    (default: every core). True when this call started or joined it (so it should shut it down); False when
    Ray was already initialised in this process."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    address = os.environ.get(ADDRESS_ENV, "").strip() or address.strip()
    quiet: dict[str, Any] = {"logging_level": logging.WARNING, "configure_logging": True}
    try:
        if address:
            ray.init(address=address, **quiet)
        else:  # "local": a new local instance, never a stray one some earlier `ray start` left running
            ray.init(address="local", num_cpus=num_cpus or local_cores(), include_dashboard=False,
                     runtime_env=local_runtime_env(), **quiet)
    except (ConnectionError, RuntimeError, ValueError, SystemExit) as exc:
        # SystemExit too: Ray exits from inside init() when a cluster's GCS does not answer in time
        if not address:
            raise
        where = f"{ADDRESS_ENV}={address}" if os.environ.get(ADDRESS_ENV) else f"[build] ray_address = {address!r}"
        why = (str(exc).splitlines() or [""])[0] or type(exc).__name__
        raise ConfigError(f"cannot join the Ray cluster at {where}: {why}") from None
    return True


class _BatchActor:
    """One actor of the pool: builds the Worker once, then computes one of our batches per call. Batches
    and results travel pickled (a binary column each), so any Python value does and arrays stay bit-exact."""

    def __init__(self, job: Callable[[], Worker[Any, Any]]) -> None:
        self.worker = job()

    def __call__(self, rows: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        results = [pickle.dumps(self.worker(pickle.loads(b)), protocol=pickle.HIGHEST_PROTOCOL)
                   for b in rows["batch"]]
        return {"seq": rows["seq"], "result": np.array(results, dtype=object)}


def _apply(fn: Callable[[T], R], item: T) -> R:
    """A Ray task: one item of run_tasks (``fn`` arrives resolved from the object store)."""
    return fn(item)


class RayExecutor(Executor):
    """``ray``: a Ray cluster, local or joined."""

    remote = True

    def __init__(self, spec: str = "ray", settings: BuildSettings | None = None) -> None:
        super().__init__(spec, settings)
        self._ray: Any = None
        self._owns = False

    def ray(self) -> Any:
        """The ray module, connected (on first use)."""
        if self._ray is None:
            self._owns = connect(self.settings.ray_address)
            self._ray = import_ray()
        return self._ray

    def gpus_per_actor(self, device: str) -> int:
        if device.startswith("cuda"):
            return 1
        if device == "auto":
            return 1 if self.ray().cluster_resources().get("GPU", 0) >= 1 else 0
        return 0

    def actors(self, gpus: int) -> int:
        """How many actors a stage's pool gets: ``[build] ray_actors``, else one per GPU (with GPUs) or one per
        CPU of the cluster."""
        if self.settings.ray_actors > 0:
            return int(self.settings.ray_actors)
        resources = self.ray().cluster_resources()
        return max(1, int(resources.get("GPU" if gpus else "CPU", 1)))

    def map_batches(self, job: Callable[[], Worker[T, R]], batches: Sequence[T], *,
                    device: str = "cpu") -> Generator[R, None, None]:
        if not batches:
            return
        ray = self.ray()
        data = ray.data
        context = data.DataContext.get_current()  # read when the dataset is made: set it first
        context.execution_options.preserve_order = True  # rows come back in the order of the batches
        context.enable_progress_bars = False  # the stage shows its own bar
        # our bar replaces Ray Data's, and Ray Data says so at every build: once is enough (here)
        logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        gpus = self.gpus_per_actor(device)
        size = min(self.actors(gpus), len(batches))  # an actor per batch at most: each one loads a model
        items = [{"seq": i, "batch": pickle.dumps(b, protocol=pickle.HIGHEST_PROTOCOL)} for i, b in enumerate(batches)]
        # one block per batch: each result streams back (to the cache, the bar) as soon as it is computed,
        # rather than with the rest of a block of batches
        ds = data.from_items(items, override_num_blocks=len(items)).map_batches(
            _BatchActor, fn_constructor_kwargs={"job": job}, batch_size=1, batch_format="numpy",
            compute=data.ActorPoolStrategy(size=size), num_cpus=1, num_gpus=gpus)
        rows = iter(ds.iter_rows())
        try:
            for expected, row in enumerate(rows):
                if int(row["seq"]) != expected:  # preserve_order is what makes zip(batches, results) right
                    raise RuntimeError(f"ray returned batch {row['seq']} where {expected} was due")
                result: R = pickle.loads(row["result"])
                yield result
        finally:
            close = getattr(rows, "close", None)
            if close is not None:  # stopped early (an error, Ctrl-C): Ray Data stops its actors now
                close()

    def run_tasks(self, fn: Callable[[T], R], items: Sequence[T], *,
                  done: Callable[[int], None] | None = None) -> list[R]:
        if not items:
            return []
        ray = self.ray()
        apply = ray.remote(num_cpus=1)(_apply)
        fn_ref = ray.put(fn)  # pickled once, not once per task (any callable: a function, a partial, a job)
        refs = [apply.remote(fn_ref, item) for item in items]
        if done is not None:
            index = {ref: i for i, ref in enumerate(refs)}
            pending = list(refs)
            try:
                while pending:  # report each task as it finishes, whatever the order
                    finished, pending = ray.wait(pending, num_returns=1)
                    for ref in finished:
                        done(index[ref])
            except BaseException:
                for ref in pending:  # Ctrl-C or a failed callback: stop what has not run yet
                    ray.cancel(ref)
                raise
        results: list[R] = ray.get(refs)
        return results

    def close(self) -> None:
        if self._ray is not None and self._owns:
            self._ray.shutdown()
        self._ray, self._owns = None, False
