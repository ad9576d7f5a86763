"""The jinja2 environment of the site's templates (one per process, compiled templates kept), and a digest of
the templates that goes into every page's key."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from .assets import TEMPLATES
from .views import url_path

if TYPE_CHECKING:
    from jinja2 import Environment


@functools.lru_cache(maxsize=4)
def environment(templates: Path = TEMPLATES) -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from ..timefmt import clock

    env = Environment(loader=FileSystemLoader(str(templates)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["clock"] = clock
    env.filters["urlpath"] = url_path
    return env


def templates_digest(templates: Path = TEMPLATES) -> str:
    h = hashlib.sha256()
    for p in sorted(templates.rglob("*.html")):
        h.update(p.relative_to(templates).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()
