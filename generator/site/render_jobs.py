"""The pages a build has to render, rendered together: in this process when they are few, on every core
when there are many (a cold build of a thousand pages: their markdown and templates are most of its work).

Workers are forked once the jobs are known, so they start with the templates compiled and the site model
in memory and are sent only a range of job numbers; they touch neither the cache nor the output tree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .markdown_batch import CHUNK, PARALLEL_FROM, _workers
from .templates import environment


@dataclass
class RenderJob:
    template: str
    rel: str
    key: str
    context: Callable[[], dict[str, Any]]  # the template's variables, made in whichever process renders
    prepare: Callable[[], None] | None = None  # run first, in this process (e.g. reading from the cache)


def _run(job: RenderJob) -> str:
    return environment().get_template(job.template).render(job.context())


_jobs: list[RenderJob] = []  # the batch a forked worker renders from (set before the fork)


def _run_chunk(first: int, last: int) -> list[str]:
    return [_run(job) for job in _jobs[first:last]]


def render_jobs(jobs: list[RenderJob]) -> list[str]:
    """Each job's HTML, in order."""
    global _jobs
    if not jobs:
        return []
    for job in jobs:
        if job.prepare is not None:
            job.prepare()
    for name in {job.template for job in jobs}:
        environment().get_template(name)  # compiled once, before any fork
    workers = _workers()
    if workers < 2 or len(jobs) < PARALLEL_FROM:
        return [_run(job) for job in jobs]
    import multiprocessing  # only for many pages: ~25 ms to import
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():
        return [_run(job) for job in jobs]
    _jobs = jobs
    try:
        bounds = [(i, min(i + CHUNK, len(jobs))) for i in range(0, len(jobs), CHUNK)]
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            parts = pool.map(_run_chunk, *zip(*bounds))
            return [result for part in parts for result in part]
    finally:
        _jobs = []
