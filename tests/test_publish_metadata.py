"""What YouTube is told: limits, plain-text essays, tags, quota costs and the reset time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from generator.config import Settings
from generator.model import Film
from generator.publish.metadata import (
    MAX_DESCRIPTION_BYTES,
    caption_payload,
    markdown_to_plain,
    truncate_bytes,
    youtube_description,
    youtube_tags,
    youtube_title,
)
from generator.publish.quota import QuotaTally, _USPacific, next_reset


def _film(**kw) -> Film:
    return Film(slug="f", title=kw.pop("title", "T"), source=Path("f/index.md"), video=Path("f/v.mp4"), **kw)


def test_title_is_cleaned_and_shortened_at_a_word():
    assert youtube_title(_film(title="  A <b>bold</b>\n title ")) == "A ‹b›bold‹/b› title"
    long = youtube_title(_film(title="word " * 40))
    assert len(long) <= 100 and long.endswith("word…")
    assert youtube_title(_film(title="")) == "f"


def test_markdown_becomes_readable_plain_text():
    md = """# Heading

Some *emphasis*, **strong**, `code` and a [link](https://example.org "t").
![an image](img.png)

> A quote with <span>html</span> &amp; entities.

- one
- two

```
code block
```
"""
    text = markdown_to_plain(md)
    assert text.splitlines()[0] == "Heading"
    assert "Some emphasis, strong, code and a link (https://example.org)." in text
    assert "an image" in text and "A quote with html & entities." in text
    assert "• one\n• two" in text and "code block" in text
    assert not any(c in text for c in "*`#<>[]")


def test_description_fits_5000_bytes_without_angle_brackets():
    s = Settings()
    s.site.base_url = "https://films.example.org/"
    film = _film(summary="Summary: 3 < 4 > 2. <span>Tags</span> go.",
                 essay_text=("Ünïcödé sentence number one. " * 30 + "\n\n") * 20)
    desc = youtube_description(film, s)
    assert len(desc.encode("utf-8")) <= MAX_DESCRIPTION_BYTES and "<" not in desc and ">" not in desc
    assert desc.startswith("Summary: 3 ‹ 4 › 2. Tags go.") and "one.…\n\n" in desc  # the essay is shortened
    assert desc.endswith("\n\nWith its transcript: https://films.example.org/films/f/")  # the address kept
    short = youtube_description(_film(summary="S", essay_text="E"), s)
    assert short == "S\n\nE\n\nWith its transcript: https://films.example.org/films/f/"
    assert truncate_bytes("é" * 10, 7) == "éé…"  # never splits a character


def test_tags_deduplicated_within_500_characters():
    s = Settings()
    s.youtube.tags = ["Film", "machine vision"]
    film = _film(tags=["film", "a,b", "<x>"] + [f"tag {i:03d}" for i in range(100)])
    tags = youtube_tags(film, s)
    assert tags[:4] == ["Film", "machine vision", "a b", "‹x›"]
    assert sum(len(t) + (2 if " " in t else 0) for t in tags) + len(tags) - 1 <= 500


def test_captions_prefer_vtt_then_srt():
    s = Settings()
    assert caption_payload(_film(vtt="WEBVTT\n", srt="1\n"), s).format == "vtt"
    payload = caption_payload(_film(srt="1\n00:00:00,000 --> 00:00:01,000\nx\n"), s)
    assert payload.format == "srt" and payload.name == "Machine captions (Electric Speech)"
    assert caption_payload(_film(), s) is None


def test_quota_tally_keeps_uploads_apart():
    t = QuotaTally()
    for m in ("videos.insert", "captions.insert", "captions.update", "playlistItems.insert", "videos.update",
              "videos.list"):
        t.add(m)
    assert t.uploads == 1 and t.units == 400 + 450 + 50 + 50 + 1
    assert t.legacy_units == t.units + 1600


@pytest.mark.parametrize("now, reset_utc", [
    (datetime(2025, 1, 15, 20, 0, tzinfo=UTC), datetime(2025, 1, 16, 8, 0, tzinfo=UTC)),  # PST
    (datetime(2025, 1, 16, 7, 59, tzinfo=UTC), datetime(2025, 1, 16, 8, 0, tzinfo=UTC)),
    (datetime(2025, 7, 1, 12, 0, tzinfo=UTC), datetime(2025, 7, 2, 7, 0, tzinfo=UTC)),  # PDT
    (datetime(2025, 3, 9, 9, 0, tzinfo=UTC), datetime(2025, 3, 10, 7, 0, tzinfo=UTC)),  # DST day
])
def test_quota_resets_at_midnight_pacific(now, reset_utc):
    berlin = timezone(timedelta(hours=1), "CET")
    reset = next_reset(now, berlin)
    assert reset == reset_utc and reset.utcoffset() == timedelta(hours=1)


def test_fallback_pacific_rules_match_the_tz_database():
    from zoneinfo import ZoneInfo

    la, ours = ZoneInfo("America/Los_Angeles"), _USPacific()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for hours in range(0, 2 * 365 * 24, 7):
        t = start + timedelta(hours=hours)
        assert t.astimezone(la).utcoffset() == t.astimezone(ours).utcoffset(), t
