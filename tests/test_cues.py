from generator.captions.cues import TimedText, balance_two, build_cues, layout_lines, wrap
from generator.config import SubtitleSettings


def cues_for(pairs, duration, **kw):
    return build_cues([TimedText(t, s) for t, s in pairs], duration, SubtitleSettings(**kw))


def test_each_keyframe_until_the_next_and_last_until_the_end():
    cues = cues_for([(0, "A cat."), (3.5, "A cup of espresso."), (6, "A rocket.")], 9.0)
    assert [(c.start, c.end, c.text) for c in cues] == [
        (0, 3.5, "A cat."), (3.5, 6, "A cup of espresso."), (6, 9.0, "A rocket.")]
    assert [c.index for c in cues] == [1, 2, 3]


def test_identical_consecutive_captions_merge():
    cues = cues_for([(0, "Clouds."), (2, "Clouds."), (4, "A bird.")], 6.0)
    assert [(c.start, c.end, c.text) for c in cues] == [(0, 4, "Clouds."), (4, 6.0, "A bird.")]


def test_no_merge_when_disabled():
    cues = cues_for([(0, "Clouds."), (2, "Clouds.")], 4.0, merge_identical=False)
    assert len(cues) == 2


def test_minimum_duration_extends_and_overtaken_cue_is_dropped():
    cues = cues_for([(0, "One."), (0.3, "Two."), (0.6, "Three."), (5, "Four.")], 8.0, min_cue=1.2)
    assert cues[0].text == "One." and cues[0].end >= 1.2
    assert all(c.end - c.start >= 1.2 - 1e-9 for c in cues)
    assert all(a.end <= b.start + 1e-9 for a, b in zip(cues, cues[1:]))


def test_maximum_duration_caps():
    cues = cues_for([(0, "A long shot of the sea.")], 30.0, max_cue=7.0)
    assert cues[0].end == 7.0


def test_last_cue_never_past_the_end():
    cues = cues_for([(0, "A."), (9.9, "B.")], 10.0, min_cue=1.2)
    assert cues[-1].end <= 10.0


def test_lines_wrap_to_42_and_two_lines_balanced():
    text = "A cup of espresso on a saucer beside a silver spoon in warm light."
    cues = cues_for([(0, text)], 5.0)
    assert len(cues[0].lines) == 2
    assert all(len(line) <= 42 for line in cues[0].lines)
    assert " ".join(cues[0].lines) == text
    a, b = cues[0].lines
    assert abs(len(a) - len(b)) < 12


def test_very_long_sentence_split_into_cues_or_truncated():
    text = " ".join(["word"] * 60)
    long_cues = cues_for([(0, text)], 20.0, max_cue=20.0)
    assert len(long_cues) > 1 and all(len(c.lines) <= 2 for c in long_cues)
    assert all(len(line) <= 42 for c in long_cues for line in c.lines)
    short = cues_for([(0, text)], 1.5)
    assert len(short) == 1 and short[0].lines[-1].endswith("\u2026")


def test_wrap_breaks_overlong_words():
    assert all(len(line) <= 10 for line in wrap("supercalifragilistic word", 10))


def test_balance_two_none_when_impossible():
    assert balance_two("x" * 50, 42) is None
    assert layout_lines("short", 42, 2) == [["short"]]


def test_arrows_and_blank_captions_are_safe():
    cues = cues_for([(0, "a --> b"), (1, "   "), (2, "c")], 4.0)
    assert "-->" not in cues[0].text
    assert [c.text for c in cues] == ["a \u2192 b", "c"]
