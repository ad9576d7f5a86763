"""The search page, ``search/``: the form, the kind filters and the results, drawn in the browser by
``site_src/search.js`` from the Pagefind bundle the search stage writes (``generator/stages/search.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..site.render import SiteRenderer

SEARCH_PAGE = "search/index.html"


def render_search(renderer: SiteRenderer) -> None:
    site = renderer.site
    renderer.page("search.html", SEARCH_PAGE, "search", dict(
        page_title="Search", archive=bool(site.archive),
        description=f"Search {renderer.title}: the films' machine speech, the pages and the archive."))
