"""Videos deleted on YouTube: found by one videos.list per 50 ids before planning, reported with
nothing sent for them, or uploaded again with --reupload-missing."""

from __future__ import annotations

import pytest
from fake_youtube import FakeYouTube, PublishSite

from generator.errors import PublishError
from generator.publish.ledger import load_youtube_ids


@pytest.fixture
def fake():
    with FakeYouTube() as yt:
        yield yt


def _delete(fake: FakeYouTube, vid: str) -> None:
    """Delete a video on YouTube's side: its caption tracks and playlist entries go with it."""
    del fake.videos[vid]
    for cid in [c["id"] for c in fake.captions_of(vid)]:
        del fake.captions[cid]
    for iid in [i for i, item in fake.playlist_items.items() if item["snippet"]["resourceId"]["videoId"] == vid]:
        del fake.playlist_items[iid]


def test_deleted_videos_are_found_with_one_call_per_50_ids(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=101, video_size=2_000, playlist="")
    assert site.publish().rc == 0
    ids = {slug: rec["video_id"] for slug, rec in site.ledger()["films"].items()}
    for slug in ("film-3", "film-77"):
        _delete(fake, ids[slug])
    fake.reset_calls()
    run = site.publish()
    lists = [c for c in fake.calls if c.api == "videos.list"]
    assert [len(c.query["id"][0].split(",")) for c in lists] == [50, 50, 1]
    assert sorted(i for c in lists for i in c.query["id"][0].split(",")) == sorted(ids.values())
    assert len(fake.calls) == 3 and sum(c.units for c in fake.calls) == 3 and fake.mutations() == 0
    assert "quota used: 3 units" in run.out
    for slug in ("film-3", "film-77"):
        assert f"missing on YouTube: {slug} (video {ids[slug]} was deleted there)" in run.out
        assert f"{slug}: video {ids[slug]} is no longer on YouTube" in run.err
    assert isinstance(run.error, PublishError)
    assert str(run.error) == ("2 films no longer on YouTube: film-3, film-77; "
                              "run publish --reupload-missing to upload them again with their captions")
    assert {slug: rec["video_id"] for slug, rec in site.ledger()["films"].items()} == ids  # no hand edit needed


def test_without_the_flag_nothing_is_sent_for_a_deleted_video(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=2, playlist="")
    site.publish()
    gone, kept = site.video_id("film-0"), site.video_id("film-1")
    _delete(fake, gone)
    site.film("film-0").title = "Renamed"  # would be a videos.update ...
    site.film("film-0").vtt += "\n00:00:02.000 --> 00:00:03.000\nMore.\n"  # ... and a captions.update
    site.film("film-1").title = "Also renamed"
    fake.reset_calls()
    run = site.publish()
    assert isinstance(run.error, PublishError) and "\n" not in str(run.error)
    assert str(run.error) == ("1 film no longer on YouTube: film-0; "
                              "run publish --reupload-missing to upload it again with its captions")
    # the other film is published; the deleted one gets no update that could only fail
    assert [c.api for c in fake.calls] == ["videos.list", "videos.update"]
    assert fake.calls[1].units == 50 and fake.videos[kept]["snippet"]["title"] == "Also renamed"
    assert "quota used: 51 units" in run.out
    assert "check videos: 2 published videos: 1 no longer on YouTube  [1 unit]" in run.err
    assert f"film-0: video {gone} is no longer on YouTube (deleted there); run publish --reupload-missing" in run.err
    assert f"missing on YouTube: film-0 (video {gone} was deleted there)" in run.out
    assert site.video_id("film-0") == gone

    # the same again: still reported, still nothing sent for it
    fake.reset_calls()
    run = site.publish()
    assert isinstance(run.error, PublishError) and "--reupload-missing" in str(run.error)
    assert [c.api for c in fake.calls] == ["videos.list"]
    assert "nothing to publish: 1 of 2 films up to date on YouTube" in run.out


def test_reupload_missing_uploads_the_film_and_its_captions_again(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=2)
    site.publish()
    old = site.video_id("film-0")
    (pid,) = fake.playlists
    _delete(fake, old)
    builds = site.builds
    fake.reset_calls()
    run = site.publish(reupload_missing=True)
    assert run.rc == 0, run.text
    new = site.video_id("film-0")
    assert new != old and fake.video_bytes[new] == site.film("film-0").video.read_bytes()
    assert fake.count("videos.list") == 1
    assert fake.count("videos.insert") == 1 and fake.count("captions.insert") == 1
    assert fake.count("playlistItems.insert") == 1 and fake.mutations() == 3
    rec = site.ledger()["films"]["film-0"]
    (track,) = fake.captions_of(new)
    assert rec["caption_id"] == track["id"] and rec["replaced"] == [old]
    assert rec["playlist_item_id"] in fake.playlist_items and rec["playlist_id"] == pid
    assert fake.caption_bytes[track["id"]] == site.film("film-0").vtt.encode("utf-8")
    assert f"video {old} is no longer on YouTube: uploading the film again" in run.err
    assert site.builds == builds + 2 and load_youtube_ids(site.content)["film-0"] == new  # pages embed the new one

    fake.reset_calls()
    run = site.publish(reupload_missing=True)  # nothing missing any more: nothing to do
    assert run.rc == 0 and [c.api for c in fake.calls] == ["videos.list"]


def test_an_interrupted_reupload_continues_without_the_flag(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=1, playlist="")
    site.publish()
    old = site.video_id("film-0")
    _delete(fake, old)
    fake.fail("upload.chunk", nth=2, times=50)
    run = site.publish(reupload_missing=True, max_retries=1)
    assert isinstance(run.error, PublishError)
    rec = site.ledger()["films"]["film-0"]
    # the dead video was forgotten when the upload began: the pages stop embedding it
    assert rec["video_id"] == "" and rec["replaced"] == [old] and rec["upload"]["session_uri"]
    assert load_youtube_ids(site.content) == {}

    fake.faults.clear()
    fake.reset_calls()
    run = site.publish()
    assert run.rc == 0, run.text
    assert fake.calls[0].api == "upload.status" and fake.attempts("videos.insert") == 0  # resumed
    assert len(fake.videos) == 1 and fake.video_bytes[site.video_id("film-0")] == site.film("film-0").video.read_bytes()


def test_dry_run_does_not_check_but_counts_the_check(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=1, playlist="")
    site.publish()
    _delete(fake, site.video_id("film-0"))
    fake.reset_calls()
    run = site.publish(dry_run=True, reupload_missing=True)
    assert run.rc == 0 and fake.calls == []
    assert "check videos: 1 published video: still on YouTube? (skipped in a dry run" in run.out
    assert "nothing to publish (dry run)" in run.out
    assert "dry run: nothing was sent to YouTube, not even the check for videos deleted there" in run.out


def test_a_failed_check_stops_before_anything_is_sent(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=1, playlist="")
    site.publish()
    site.film("film-0").title = "Renamed"
    fake.fail("videos.list", times=10)
    fake.reset_calls()
    run = site.publish(max_retries=1)
    message = str(run.error)
    assert "\n" not in message and message.startswith("checking that the published videos are still on YouTube: "
                                                      "gave up after 1 retry (HTTP 503 backendError")
    assert fake.mutations() == 0 and "Traceback" not in run.text


def test_a_video_deleted_after_the_check_points_to_the_flag(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=1, playlist="")
    site.publish()
    vid = site.video_id("film-0")
    site.film("film-0").title = "Renamed"
    fake.fail("videos.update", status=404, reason="videoNotFound")  # deleted between the check and the update
    run = site.publish()
    assert isinstance(run.error, PublishError)
    assert (f"skipped film-0: video {vid} is no longer on YouTube (HTTP 404); "
            "run publish --reupload-missing to upload the film again") in run.out


def test_publish_help_explains_reupload_missing(capsys):
    from generator.cli import main

    with pytest.raises(SystemExit):
        main(["publish", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--reupload-missing" in out and "deleted on YouTube" in out and "1 quota unit per 50" in out
