"""The publish ledger: round trip, atomic writes, damage, the ids the build reads, the lock."""

from __future__ import annotations

import json

import pytest

from generator.errors import PublishError
from generator.publish.ledger import (
    FilmRecord,
    Ledger,
    PlaylistRecord,
    UploadSession,
    ledger_path,
    load_youtube_ids,
    publish_lock,
)


def test_round_trip_keeps_everything(tmp_path):
    ledger = Ledger.load(tmp_path)
    assert ledger.films == {} and not ledger.path.exists()
    rec = ledger.film("a")
    rec.video_id, rec.caption_id, rec.pending = "vid1", "cap1", {"captions.insert": {"sha256": "x"}}
    rec.upload = UploadSession(started="2024-01-01T00:00:00Z", video_sha256="s", size=3, title="T",
                               session_uri="http://x/upload?upload_id=1")
    ledger.playlist = PlaylistRecord("Films", "PL1")
    ledger.save()
    assert ledger.path == tmp_path / ".publish" / "youtube.json"
    again = Ledger.load(tmp_path)
    assert again.films["a"] == rec and again.playlist == PlaylistRecord("Films", "PL1")
    assert isinstance(again.films["a"].upload, UploadSession)
    assert [p.name for p in ledger.path.parent.iterdir()] == ["youtube.json"]  # no temp files


def test_unknown_fields_are_ignored_and_newer_versions_refused(tmp_path):
    path = ledger_path(tmp_path)
    path.parent.mkdir()
    path.write_text(json.dumps({"version": 1, "films": {"a": {"video_id": "v", "future_field": 1}}}))
    assert Ledger.load(tmp_path).films["a"] == FilmRecord(video_id="v")
    path.write_text(json.dumps({"version": 99, "films": {}}))
    with pytest.raises(PublishError, match="newer"):
        Ledger.load(tmp_path)


@pytest.mark.parametrize("text", ["{not json", "[]", '{"films": {"a": 3}}'])
def test_damaged_ledger_is_an_error_not_a_fresh_start(tmp_path, text):
    path = ledger_path(tmp_path)
    path.parent.mkdir()
    path.write_text(text)
    with pytest.raises(PublishError) as info:
        Ledger.load(tmp_path)
    assert "damaged" in str(info.value) and str(path) in str(info.value) and "\n" not in str(info.value)


def test_load_youtube_ids(tmp_path):
    assert load_youtube_ids(tmp_path) == {}
    ledger = Ledger(ledger_path(tmp_path))
    ledger.film("a").video_id = "vid-a"
    ledger.film("b")  # started, never finished: no id
    ledger.save()
    assert load_youtube_ids(tmp_path) == {"a": "vid-a"}


def test_save_replaces_atomically(tmp_path, monkeypatch):
    ledger = Ledger(ledger_path(tmp_path))
    ledger.film("a").video_id = "one"
    ledger.save()
    ledger.film("a").video_id = "two"

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", broken_replace)
    with pytest.raises(OSError):
        ledger.save()
    monkeypatch.undo()
    assert load_youtube_ids(tmp_path) == {"a": "one"}  # the old ledger is intact
    assert [p.name for p in ledger.path.parent.iterdir()] == ["youtube.json"]


def test_one_publish_at_a_time(tmp_path):
    with publish_lock(tmp_path):
        with pytest.raises(PublishError, match="another publish"):
            with publish_lock(tmp_path):
                pass
    with publish_lock(tmp_path):  # released
        pass
