"""The stages of a build, one module each, in the order :func:`generator.pipeline.build` runs them.

Every stage module declares a :class:`StageInfo` (its name, the ``site.toml`` section it owns, the cache
namespaces and versions it writes) and a ``run(ctx, ...)`` function from typed inputs to a typed output.
Stages never print (they report through ``ctx.reporter``) and never touch the output folder (only the
write stage does, at the end).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..cache import Cache
from ..config import Settings
from ..reporter import Reporter


@dataclass
class BuildOptions:
    with_map: bool = True  # the art map stage (skipped when the archive is empty)
    relayout: bool = False
    write: bool = True  # False: gather and render only (publish --dry-run, tests)


@dataclass
class StageContext:
    """What every stage may use: the site folder, the validated settings, the cache and the reporter."""

    content_dir: Path
    settings: Settings
    cache: Cache
    reporter: Reporter
    options: BuildOptions = field(default_factory=BuildOptions)


@dataclass(frozen=True)
class StageInfo:
    name: str
    summary: str
    section: str = ""  # the site.toml section it reads ("" for none)
    namespaces: tuple[tuple[str, int], ...] = ()  # (cache namespace, version) pairs it owns
