"""The stages of a build, one module each, in the order :func:`generator.pipeline.build` runs them.

Every stage module declares a :class:`StageInfo` (its name, the ``site.toml`` section it owns, the cache
namespaces and versions it writes) and a ``run(ctx, ...)`` function from typed inputs to a typed output.
Stages never print (they report through ``ctx.reporter``) and never touch the output folder (only the
write stage does, at the end).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..cache import Cache
from ..config import Settings
from ..reporter import Reporter

if TYPE_CHECKING:
    from ..executors import Executor


@dataclass
class BuildOptions:
    with_map: bool = True  # the art map stage (skipped when the archive is empty)
    relayout: bool = False
    write: bool = True  # False: gather and render only (publish --dry-run, tests)


@dataclass
class StageContext:
    """What every stage may use: the site folder, the validated settings, the cache, the reporter, and the
    executor that computes captions and embeddings."""

    content_dir: Path
    settings: Settings
    cache: Cache
    reporter: Reporter
    options: BuildOptions = field(default_factory=BuildOptions)
    _executor: Executor | None = field(default=None, init=False, repr=False)

    def executor(self) -> Executor:
        """``[build] executor``, created on first use. Creating it is cheap and connects to nothing (Ray is
        imported and started on the first batch), so a build whose results are all cached never starts it."""
        if self._executor is None:
            from ..executors import create_executor

            self._executor = create_executor(self.settings.build)
        return self._executor

    def close(self) -> None:
        """Free what the build started (a local Ray cluster); the pipeline calls it when the build ends."""
        if self._executor is not None:
            executor, self._executor = self._executor, None
            executor.close()


@dataclass(frozen=True)
class StageInfo:
    name: str
    summary: str
    section: str = ""  # the site.toml section it reads ("" for none)
    namespaces: tuple[tuple[str, int], ...] = ()  # (cache namespace, version) pairs it owns
    phase: str = ""  # a feature's stage: the hook it runs in ("before_media", "after_captions", "after_subtitles",
    # "contribute" or "after_render"; see generator.features.base.Feature)
