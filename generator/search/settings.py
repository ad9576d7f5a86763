"""``[search]``: the settings of the site-wide search, with their rules."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..setting_rules import Rule, each, not_blank, setting

#: ``[search] language``: empty (the site's), or a language code
LANGUAGE_CODE = Rule(lambda v: not v or re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", v) is not None,
                     "must be a language code such as en or pt-BR")


@dataclass
class SearchSettings:
    enabled: bool = True  # a search page (search/), a search box in every page's header and the Pagefind index
    # under pagefind/ (needs `pip install -e .[search]`; without it the site is built without search, with a warning)
    language: str = setting("", LANGUAGE_CODE)  # ISO 639-1 language whose word stems the index uses ("en", "fr");
    # empty: [site] language
    exclude: list[str] = setting([], each(not_blank()))  # globs on a hit's address below the site root that are left
    # out: "credits/", "films/rushes/*", "films/*#t=*" (every cue), "map/*" (the archive)
