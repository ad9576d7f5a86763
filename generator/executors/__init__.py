"""Executors: where the heavy work of a build runs. ``local`` (the default) runs it in this process;
``ray`` hands it to a Ray cluster (``pip install -e .[scale]``), started on this machine or joined.

Stages call two methods and never learn which executor they got:

* :meth:`Executor.map_batches` for model work (captions, embeddings): a picklable *job* builds one
  :class:`Worker` (one model) per process that computes, and the results come back in the order of the
  batches, one at a time, as they are done;
* :meth:`Executor.run_tasks` for independent per-item work (renditions, keyframes of many films).

The driver (this process) owns the cache: workers only compute, and the stage writes each result as it
arrives. So a build with ``--executor ray`` and one with ``local`` read and write the same cache entries.

Only :mod:`.base` and :mod:`.local` are imported here; :mod:`.ray_cluster` (and Ray) load only when a
build with ``executor = "ray"`` has something to compute.
"""

from __future__ import annotations

from .base import Executor, PartJob, Worker, create_executor, register_executor

__all__ = ["Executor", "PartJob", "Worker", "create_executor", "register_executor"]
