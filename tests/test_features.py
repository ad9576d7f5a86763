"""A new feature is one package and one line in generator.features.FEATURES: the toy feature of
tests/colophon_feature.py, added to the list, gets its site.toml section read and checked, its stage listed
in build order, its page, header link, search record and summary line, and no core file is touched."""

from __future__ import annotations

import pytest

from generator import features
from generator.config import load_settings
from generator.errors import ConfigError


@pytest.fixture
def with_colophon(monkeypatch):
    monkeypatch.setattr(features, "FEATURES", (*features.FEATURES, "colophon_feature:ColophonFeature"))
    features.feature_classes.cache_clear()
    yield
    features.feature_classes.cache_clear()


def test_a_feature_added_to_the_list_is_built_with_the_site(with_colophon, tmp_path):
    from colophon_feature import ColophonSettings
    from test_incremental import build, write_page

    from generator.pipeline import stages

    content = tmp_path / "content"
    write_page(content, "about", "About", "A site.")
    (content / "site.toml").write_text('[colophon]\nline = "Set by hand."\n[search]\nenabled = false\n')
    assert load_settings(content).of(ColophonSettings).line == "Set by hand."
    names = [st.name for st in stages()]
    assert names.index("colophon") > names.index("map") and names.index("colophon") < names.index("render")
    result = build(content, tmp_path / "_site")
    page = (tmp_path / "_site" / "colophon" / "index.html").read_text()
    assert "<p>Set by hand.</p>" in page
    assert '>Colophon</a>' in (tmp_path / "_site" / "index.html").read_text()  # the header link, on every page
    assert [r.url for r in result.site.search_records] == ["colophon/"]
    assert "colophon: Set by hand." in result.stats.features


def test_its_settings_are_checked_with_the_rest(with_colophon, tmp_path):
    (tmp_path / "site.toml").write_text('[colophon]\nline = "  "\nwhat = 1\n')
    with pytest.raises(ConfigError, match=r"unknown setting \[colophon\] what"):
        load_settings(tmp_path)
    (tmp_path / "site.toml").write_text('[colophon]\nline = "  "\n[video]\ncrf = 99\n')
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    message = info.value.oneline()
    assert "[video] crf must be between 0 and 51, got 99" in message
    assert "[colophon] line must not be empty, got '  '" in message


def test_without_it_the_section_is_unknown(tmp_path):
    (tmp_path / "site.toml").write_text('[colophon]\nline = "x"\n')
    with pytest.raises(ConfigError, match=r"unknown section \[colophon\]"):
        load_settings(tmp_path)
