"""Read: the curators' text (films' and pages' markdown), the archive's files and metadata, and which
films are already on YouTube. Text mistakes in any file stop the build here, before any footage is
touched; each is reported on its own line."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ContentError, ElectricSpeechError
from ..model import ArchiveItem, Film, Page
from ..site.content_index import NAMESPACE as INDEX
from ..site.content_index import VERSION as INDEX_VERSION
from ..site.markdown_batch import NAMESPACE as MARKDOWN
from ..site.markdown_batch import VERSION as MARKDOWN_VERSION
from . import StageContext, StageInfo

STAGE = StageInfo("read", "markdown and front matter of films and pages, archive files and metadata.csv",
                  section="site", namespaces=((MARKDOWN, MARKDOWN_VERSION), (INDEX, INDEX_VERSION)))


@dataclass
class Content:
    films: list[Film] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    archive: list[ArchiveItem] = field(default_factory=list)
    archive_columns: list[str] = field(default_factory=list)  # metadata.csv columns besides `file`


def run(ctx: StageContext) -> Content:
    from ..archive.scan import scan_archive
    from ..site.content import read_content

    if not ctx.content_dir.is_dir():
        raise ContentError("site folder not found", ctx.content_dir)
    found = read_content(ctx.content_dir, include_drafts=ctx.settings.build.drafts, cache=ctx.cache)
    if found.errors:
        for err in found.errors[:-1]:
            ctx.reporter.info(f"error: {err.oneline()}")
        raise found.errors[-1]
    archive, columns = scan_archive(ctx.content_dir, ctx.reporter)
    from .captions import check

    check(ctx, found.films, archive, columns)  # each film's caption settings, before any footage is touched
    _attach_youtube_ids(ctx, found.films)
    return Content(films=found.films, pages=found.pages, archive=archive, archive_columns=columns)


def _attach_youtube_ids(ctx: StageContext, films: list[Film]) -> None:
    try:
        from ..publish.ledger import load_youtube_ids
    except ImportError:
        return
    try:
        ids = load_youtube_ids(ctx.content_dir)
    except ElectricSpeechError as exc:
        ctx.reporter.warn(exc.oneline())
        return
    for film in films:
        film.youtube_id = ids.get(film.slug, "")
