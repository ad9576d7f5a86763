"""A feature written the way the README says, for tests/test_features.py: a package of its own would hold
this class in its feature.py; the test adds one line to the list of features. It gives the site a colophon
page with a line from its own site.toml section, a header link, a search record and a summary line."""

from __future__ import annotations

from dataclasses import dataclass

from generator.features.base import Contribution, Core, Feature
from generator.model import NavEntry, Page, SearchRecord
from generator.setting_rules import not_blank, setting
from generator.site.render import SiteRenderer
from generator.stages import StageContext, StageInfo


@dataclass
class ColophonSettings:
    line: str = setting("Set in Inter and DejaVu.", not_blank())  # what the colophon says


class ColophonFeature(Feature):
    name = "colophon"
    section = "colophon"
    settings = ColophonSettings
    stages = (StageInfo("colophon", "a colophon page", section="colophon", phase="contribute"),)

    def contribute(self, ctx: StageContext, core: Core) -> Contribution | None:
        line = ctx.settings.of(ColophonSettings).line
        page = Page("colophon", "Colophon", ctx.content_dir / "site.toml", body_html=f"<p>{line}</p>")

        def pages(renderer: SiteRenderer) -> None:
            renderer.render_page(page)

        return Contribution(nav=[NavEntry("Colophon", "colophon/", "page:colophon", order=90)],
                            search_records=[SearchRecord("colophon", "colophon/", "Colophon", line)],
                            pages=pages, summary=[f"colophon: {line}"])
