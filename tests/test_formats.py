from vtt_validator import validate_vtt

from generator.captions.formats import timestamp, to_srt, to_vtt
from generator.model import Cue


def test_timestamps():
    assert timestamp(0) == "00:00:00.000"
    assert timestamp(3723.4567) == "01:02:03.457"
    assert timestamp(59.9996, ",") == "00:01:00,000"


def test_vtt_escapes_and_validates(tmp_path):
    cues = [Cue(1, 0.0, 2.0, ("A cat & a <dog>",)), Cue(2, 2.0, 2.0004, ("tiny",)),
            Cue(3, 2.5, 4.0, ("two", "lines"))]
    vtt = to_vtt(cues, note="Machine captions --> test")
    assert vtt.startswith("WEBVTT\n\n")
    assert "&amp;" in vtt and "&lt;dog&gt;" in vtt
    path = tmp_path / "x.vtt"
    path.write_text(vtt, encoding="utf-8")
    result = validate_vtt(path)
    assert result["errors"] == []
    assert [c["text"] for c in result["cues"]] == ["A cat &amp; a &lt;dog&gt;", "tiny", "two\nlines"]
    assert result["cues"][1]["endTime"] > result["cues"][1]["startTime"]


def test_srt_numbering_and_commas():
    srt = to_srt([Cue(5, 1.0, 2.5, ("one",)), Cue(9, 3.0, 4.0, ("two", "lines"))])
    assert srt == "1\n00:00:01,000 --> 00:00:02,500\none\n\n2\n00:00:03,000 --> 00:00:04,000\ntwo\nlines\n"


def test_empty_track_is_valid(tmp_path):
    path = tmp_path / "e.vtt"
    path.write_text(to_vtt([]), encoding="utf-8")
    assert validate_vtt(path)["errors"] == []
