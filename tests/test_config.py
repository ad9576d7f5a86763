import pytest

from generator.config import load_settings
from generator.errors import ConfigError


def test_defaults_without_file(tmp_path):
    s = load_settings(tmp_path)
    assert s.captions.captioner == "describe" and s.subtitles.line_width == 42


def test_reads_sections_and_coerces(tmp_path):
    (tmp_path / "site.toml").write_text('[site]\ntitle = "Clouds"\n[keyframes]\nmax_interval = 3\n')
    s = load_settings(tmp_path)
    assert s.site.title == "Clouds" and s.keyframes.max_interval == 3.0


@pytest.mark.parametrize("text,needle", [
    ("[site]\ntitel = 'x'\n", "unknown setting [site] titel"),
    ("[sight]\n", "unknown section [sight]"),
    ("[subtitles]\nline_width = 'wide'\n", "must be a whole number"),
    ("[site\n", "invalid TOML"),
    ("[keyframes]\nscene_threshold = 2\n", "scene_threshold"),
    ("[captions]\ndevice = 'tpu'\n", "device"),
])
def test_bad_settings_name_the_file(tmp_path, text, needle):
    (tmp_path / "site.toml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    assert needle in str(info.value) and "site.toml" in str(info.value)
