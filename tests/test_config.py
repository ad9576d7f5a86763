import dataclasses

import pytest

from generator import setting_rules as sr
from generator.cli import make_parser
from generator.config import (
    CaptionSettings,
    Settings,
    caption_problems,
    load_settings,
    override,
    problems,
    sections,
    validate,
)
from generator.errors import ConfigError
from generator.runner import settings_from_args


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


# ------------------------------------------------------------------------ rules declared with each field


@pytest.mark.parametrize("rule,good,bad,says", [
    (sr.between(0, 51), [0, 20, 51], [-1, 52], "must be between 0 and 51, got "),
    (sr.between(32, 512, "pixels"), [32], [16], "must be between 32 and 512 pixels, got 16"),
    (sr.strictly_between(0, 1), [0.5], [0, 1, 2], "must be more than 0 and less than 1, got "),
    (sr.at_least(0, "torch's default"), [0, 3], [-1], "must be 0 (torch's default) or more, got -1"),
    (sr.above(0, "seconds"), [0.1], [0, -2], "must be more than 0 seconds, got "),
    (sr.even_at_least(144), [144, 1080], [142, 145], "must be an even number of at least 144, got "),
    (sr.multiple_of(256, "256 B"), [256, 1024], [0, 300], "must be a multiple of 256 (256 B), got "),
    (sr.one_of("a", "b"), ["a", "b"], ["c"], "must be a or b, got 'c'"),
    (sr.one_of("a", "b", "c"), ["c"], ["d"], "must be a, b or c, got 'd'"),
    (sr.one_of("a", "b", "c", "d"), ["d"], ["e"], "must be one of a, b, c, d, got 'e'"),
    (sr.matches(r"\d{2,3}k", "64k"), ["64k", "128k"], ["64", "loud"], "must look like '64k', got "),
    (sr.not_blank("must name a column"), ["x"], ["", "  "], "must name a column, got "),
    (sr.INSIDE_SITE, ["labels", "a/b"], ["", "/abs", "../up", "a/../../b"], "must be a folder inside the site folder"),
    (sr.DEVICE, ["cpu", "cuda", "cuda:0", "cuda:12", "auto"], ["tpu", "cuda:", "cuda:x", "gpu", "CPU"],
     "must be cpu, cuda, cuda:<n> or auto, got "),
])
def test_each_kind_of_rule_passes_good_values_and_says_what_is_wrong(rule, good, bad, says):
    assert all(rule.problem(v) is None for v in good)
    for value in bad:
        problem = rule.problem(value)
        assert problem is not None and problem.startswith(says.split(", got ")[0]) and says in problem
        assert problem.endswith(f"got {value!r}")


def test_a_value_of_the_wrong_type_fails_its_rule_instead_of_raising():
    assert sr.between(0, 1).problem("high") == "must be between 0 and 1, got 'high'"
    assert sr.DEVICE.problem(None) is not None


def test_each_names_only_the_bad_entries():
    rule = sr.each(sr.one_of("umap", "grid"))
    assert rule.problem(["umap", "grid"]) is None and rule.problem([]) is None
    assert rule.problem(["umap", "mosaic", "x"]) == "has ['mosaic', 'x']: each entry must be umap or grid"


@dataclasses.dataclass
class _Section:
    crf: int = sr.setting(20, sr.between(0, 51))  # a field with a rule
    size: int = sr.setting(64, sr.at_least(2), sr.even_at_least(4))  # two rules: the first that fails is said
    names: list[str] = sr.setting(["a"], sr.each(sr.not_blank()))  # a list default, copied for each instance
    free: str = ""  # no rule


def test_setting_declares_default_and_rules_in_the_dataclass_field():
    f = {f.name: f for f in dataclasses.fields(_Section)}
    assert _Section().crf == 20 and sr.rules_of(f["crf"])[0].says == "must be between 0 and 51"
    assert sr.rules_of(f["free"]) == ()
    a, b = _Section(), _Section()
    a.names.append("b")
    assert b.names == ["a"]
    assert sr.field_problems("x", _Section()) == []
    assert sr.field_problems("x", _Section(crf=99, size=1, free="!")) == [
        "[x] crf must be between 0 and 51, got 99", "[x] size must be 2 or more, got 1"]
    assert sr.field_problems("x", _Section(size=5)) == ["[x] size must be an even number of at least 4, got 5"]


def test_the_defaults_pass_every_rule():
    assert problems(Settings()) == []


def test_every_device_field_has_the_one_device_rule():
    with_device = [name for name, section in sections(Settings()) if hasattr(section, "device")]
    assert {"video", "captions", "map", "dreams"} <= set(with_device)
    for name, section in sections(Settings()):
        for f in dataclasses.fields(section):
            if f.name == "device":
                assert sr.rules_of(f) == (sr.DEVICE,), name


def test_the_device_rule_checks_video_too(tmp_path):
    (tmp_path / "site.toml").write_text('[video]\ndevice = "tpu"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    assert info.value.oneline() == (f"{tmp_path / 'site.toml'}: [video] device must be cpu, cuda, cuda:<n> or auto, "
                                    "got 'tpu'")
    text = "".join(f'[{name}]\ndevice = "cuda:1"\n' for name in ("video", "captions", "map", "dreams"))
    (tmp_path / "site.toml").write_text(text)
    s = load_settings(tmp_path)
    assert s.video.device == s.captions.device == s.map.device == s.dreams.device == "cuda:1"


def test_the_device_flag_reaches_every_section_with_a_device(tmp_path):
    (tmp_path / "site.toml").write_text('[map]\ndevice = "cpu"\n')
    args = make_parser().parse_args(["build", "--content", str(tmp_path), "--device", "cuda"])
    settings = settings_from_args(args)
    devices = {name: section.device for name, section in sections(settings) if hasattr(section, "device")}
    assert len(devices) >= 4 and set(devices.values()) == {"cuda"}, devices


def test_cross_field_rules_are_the_sections_own_problems(tmp_path):
    s = Settings()
    s.keyframes.min_interval = 5.0
    s.subtitles.min_cue = 9.0
    s.stories.dissolve = 6.0
    assert problems(s) == ["[keyframes] min_interval must be less than max_interval (4.0), got 5.0",
                           "[subtitles] min_cue must be at most max_cue (7.0), got 9.0",
                           "[stories] dissolve must be less than seconds (5.0), got 6.0"]
    assert s.keyframes.problems(None) and Settings().keyframes.problems(None) == []


def test_a_relative_voice_file_is_looked_for_in_the_site_folder(tmp_path):
    (tmp_path / "voices").mkdir()
    (tmp_path / "voices" / "v.onnx").write_bytes(b"\0")
    (tmp_path / "site.toml").write_text('[narration]\nvoice = "piper:voices/v.onnx"\n')
    with pytest.raises(ConfigError, match=r"\[narration\] the voice v.onnx has no config v.onnx.json beside it"):
        load_settings(tmp_path)
    (tmp_path / "voices" / "v.onnx.json").write_text("{}")
    assert load_settings(tmp_path).narration.voice == "piper:voices/v.onnx"
    s = Settings()
    s.narration.voice = "piper:voices/v.onnx"
    assert s.narration.problems(tmp_path) == [] and s.narration.problems(tmp_path / "elsewhere") == [
        f"[narration] voice file not found: {tmp_path / 'elsewhere' / 'voices' / 'v.onnx'}"]
    assert s.narration.problems(None) == []  # no site folder: a relative path is not guessed at


def test_every_problem_of_every_section_is_listed_in_one_message(tmp_path):
    (tmp_path / "site.toml").write_text(
        '[keyframes]\nscene_threshold = 2.0\nmin_interval = 5.0\n'  # a field rule and a cross-field rule
        '[video]\ncrf = 60\ndevice = "gpu"\n'
        '[captions]\ncaptioner = "magic"\n'  # a registry lookup
        '[narration]\nvoice = "piper:nobody.onnx"\n'  # a file relative to the site folder
        '[youtube]\nchunk_size = 1000\n'
        '[dreams]\nflow = "lucas"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    message = info.value.oneline()
    expected = [
        "[keyframes] min_interval must be less than max_interval (4.0), got 5.0",
        "[keyframes] scene_threshold must be more than 0 and less than 1, got 2.0",
        "[video] crf must be between 0 and 51, got 60",
        "[video] device must be cpu, cuda, cuda:<n> or auto, got 'gpu'",
        "[captions] unknown captioner 'magic'",
        "[youtube] chunk_size must be a multiple of 262144 (256 KiB), got 1000",
        f"[narration] voice file not found: {tmp_path / 'nobody.onnx'}",  # the features' sections after the core's
        "[dreams] flow must be farneback or dis, got 'lucas'",
    ]
    assert message.startswith(f"{tmp_path / 'site.toml'}: {expected[0]} (and {len(expected) - 1} more: ")
    assert "\n" not in message
    positions = [message.index(part) for part in expected]
    assert positions == sorted(positions)  # in the order of the sections (the core's, then the features' in the
    # order of generator.features.FEATURES), each section's own problems first


def test_validate_names_the_first_problem_then_the_others():
    s = Settings()
    with_one = dataclasses.replace(s, video=dataclasses.replace(s.video, crf=60))
    with pytest.raises(ConfigError) as info:
        validate(with_one)
    assert info.value.oneline() == "[video] crf must be between 0 and 51, got 60"
    s.video.crf, s.map.batch_size = 60, 0
    with pytest.raises(ConfigError) as info:
        validate(s)
    assert info.value.oneline() == ("[video] crf must be between 0 and 51, got 60 (and 1 more: "
                                    "[map] batch_size must be 1 or more, got 0)")


def test_front_matter_overrides_are_checked_by_the_same_rules(tmp_path):
    base = CaptionSettings()
    film = override(base, {"reading": "pareidolia", "device": "cuda:0"}, "captions", tmp_path / "index.md")
    assert film.reading == "pareidolia" and base.reading == "literal" and caption_problems(film) == []
    bad = override(base, {"reading": "sideways", "captioner": "nope"}, "captions", tmp_path / "index.md")
    found = caption_problems(bad)
    assert len(found) == 2 and found[0].startswith("[captions] unknown captioner 'nope'; choose one of: describe")
    assert found[1] == "[captions] reading must be literal or pareidolia, got 'sideways'"
    with pytest.raises(ConfigError, match="unknown setting captions: colour"):
        override(base, {"colour": "red"}, "captions", tmp_path / "index.md")
