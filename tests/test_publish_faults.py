"""Publishing through failures: 5xx answers, dropped connections, lost answers, quota, restarts."""

from __future__ import annotations

import pytest
from fake_youtube import FakeYouTube, PublishSite

from generator.errors import PublishError
from generator.publish.ledger import Ledger, UploadSession, utc_now

CHUNK = PublishSite.CHUNK


@pytest.fixture
def fake():
    with FakeYouTube() as yt:
        yield yt


def _same_bytes(site: PublishSite, fake: FakeYouTube) -> None:
    for film in site.site.films:
        assert fake.video_bytes[site.video_id(film.slug)] == film.video.read_bytes()


def test_5xx_and_connections_dropped_mid_chunk_are_survived(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=1, video_size=900_000)  # 4 chunks
    fake.fail("videos.insert", status=500)  # the initiation request
    # the second chunk's connection drops after 100 kB of its body (twice, so httplib2's own silent
    # resend fails too and the client must ask the server how far it got)
    fake.drop("upload.chunk", nth=2, times=2, after_bytes=100_000)
    fake.fail("upload.status", status=503)  # ... and the first such question fails too
    fake.fail("upload.chunk", nth=5, status=503)
    fake.fail("captions.insert", status=502)
    fake.fail("playlists.list", status=504)
    fake.fail("playlistItems.insert", status=503)
    run = site.publish()
    assert run.rc == 0, run.text
    _same_bytes(site, fake)
    assert fake.count("videos.insert") == 1 and len(fake.videos) == 1
    # whether a drop surfaces while sending (EPIPE) or while waiting for the answer (httplib2 then
    # resends once) depends on socket buffers; either way the client asked the server how far it got
    # and continued from there, which is not a chunk boundary
    assert fake.attempts("upload.status") >= 2
    starts = [int(c.content_range.split()[1].split("-")[0]) for c in fake.calls if c.api == "upload.chunk"]
    assert CHUNK + 100_000 in starts and any(s % CHUNK for s in starts)
    vid = site.video_id("film-0")
    assert len(fake.captions_of(vid)) == 1 and len(fake.playlist_items) == 1
    assert 7 <= len(site.sleeps) <= 8 and all(0 < s <= 6 for s in site.sleeps)  # recorded, not slept
    assert "retry 1 of 8" in run.err


def test_lost_answers_do_not_create_duplicates(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=1)
    # the server carries out the request but the answer never arrives; httplib2 quietly resends a
    # PUT once (harmless for a chunk), so the last chunk loses its answer twice
    fake.lose_answer("upload.chunk", nth=3, times=2)
    fake.lose_answer("captions.insert")  # a create call must not be sent blindly again
    fake.lose_answer("playlistItems.insert")
    run = site.publish()
    assert run.rc == 0, run.text
    _same_bytes(site, fake)
    vid = site.video_id("film-0")
    assert len(fake.videos) == 1
    assert len(fake.captions_of(vid)) == 1 and len(fake.playlist_items) == 1
    rec = site.ledger()["films"]["film-0"]
    assert rec["caption_id"] == fake.captions_of(vid)[0]["id"]
    assert rec["playlist_item_id"] in fake.playlist_items and rec["pending"] == {}
    assert fake.count("captions.list") == 1 and fake.count("playlistItems.list") == 1


def test_an_unrecorded_caption_track_is_taken_over_not_duplicated(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=1, playlist="")
    site.publish()
    vid = site.video_id("film-0")
    ledger = Ledger.load(site.content)  # as if the ledger had lost the caption step
    ledger.film("film-0").caption_id = ""
    ledger.save()
    fake.reset_calls()
    run = site.publish()
    assert run.rc == 0, run.text
    assert fake.attempts("captions.insert") == 1  # answered 409: a track of that name exists
    assert fake.count("captions.update") == 1
    (track,) = fake.captions_of(vid)
    assert site.ledger()["films"]["film-0"]["caption_id"] == track["id"]


def test_gives_up_after_max_retries_and_next_run_resumes_the_upload(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=1)
    fake.fail("upload.chunk", nth=2, times=50)
    run = site.publish(max_retries=2)
    assert isinstance(run.error, PublishError)
    message = str(run.error)
    assert "\n" not in message and "gave up after 2 retries" in message and "run publish again" in message
    assert "not done yet" in run.out and "film-0: insert video" in run.out
    assert "Traceback" not in run.text
    session = site.ledger()["films"]["film-0"]["upload"]
    assert session["session_uri"].startswith(fake.root) and site.ledger()["films"]["film-0"]["video_id"] == ""
    assert len(site.sleeps) == 2

    fake.faults.clear()
    fake.reset_calls()
    run = site.publish()
    assert run.rc == 0, run.text
    assert fake.calls[0].api == "upload.status"  # ask the old session first
    assert fake.attempts("videos.insert") == 0  # no new session, no new quota
    assert fake.calls[1].content_range.startswith(f"bytes {CHUNK}-")
    assert len(fake.videos) == 1
    _same_bytes(site, fake)
    assert site.ledger()["films"]["film-0"]["upload"] is None


def _stop_after_upload(site: PublishSite, fake: FakeYouTube) -> str:
    """Publish until the video is up and the quota runs out; then make the ledger look as if the process
    died between YouTube completing the upload and the ledger recording it. Returns the video id."""
    fake.quota_limit = 1600
    run = site.publish()
    assert run.error is not None and "quota" in str(run.error)
    vid = site.video_id("film-0")
    (session,) = fake.sessions.values()
    ledger = Ledger.load(site.content)
    rec = ledger.film("film-0")
    uri = f"{fake.root}upload/youtube/v3/videos?uploadType=resumable&upload_id={session.id}&part=snippet,status"
    rec.upload = UploadSession(started=utc_now(), video_sha256=rec.video_sha256, size=len(session.data),
                               title=fake.videos[vid]["snippet"]["title"], session_uri=uri,
                               snippet_sha256=rec.snippet_sha256, status_sha256=rec.status_sha256)
    rec.video_id = ""
    ledger.save()
    fake.quota_limit = None
    fake.reset_calls()
    return vid


def test_upload_completed_but_unrecorded_is_found_through_its_session(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=1)
    vid = _stop_after_upload(site, fake)
    run = site.publish()
    assert run.rc == 0, run.text
    assert "interrupted upload had completed" in run.err
    assert fake.calls[0].api == "upload.status" and fake.attempts("videos.insert") == 0
    assert site.video_id("film-0") == vid and len(fake.videos) == 1
    assert len(fake.captions_of(vid)) == 1


def test_upload_completed_with_expired_session_is_found_on_the_channel(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=1)
    vid = _stop_after_upload(site, fake)
    fake.sessions.clear()  # the session expired
    run = site.publish()
    assert run.rc == 0, run.text
    assert "check it in YouTube Studio" in run.err
    assert fake.attempts("videos.insert") == 0 and len(fake.videos) == 1
    assert fake.count("channels.list") == 1 and site.video_id("film-0") == vid


def test_quota_exhausted_midway_then_next_run_finishes_without_duplicates(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=2)
    # enough for film-0 (upload 1600 + captions 400 + playlist lookup 1 + create 50 + item 50) only
    fake.quota_limit = 1600 + 400 + 1 + 50 + 50 + 1000
    run = site.publish()
    assert isinstance(run.error, PublishError)
    message = str(run.error)
    assert "\n" not in message and "quotaExceeded" in message
    assert "midnight Pacific Time" in message and "run publish again" in message
    assert "Traceback" not in run.text
    assert "published: 1 x insert video" in run.out
    assert "film-1: insert video" in run.out and "film-1: insert captions" in run.out  # what remains
    ledger = site.ledger()["films"]
    assert ledger["film-0"]["caption_id"] and ledger["film-0"]["playlist_item_id"]
    assert not ledger.get("film-1", {}).get("video_id") and not ledger.get("film-1", {}).get("upload")
    assert site.builds == 2  # film-0's id reached the pages despite the stop

    fake.quota_limit, fake.units = None, 0  # midnight in California
    run = site.publish()
    assert run.rc == 0, run.text
    assert len(fake.videos) == 2 and fake.count("videos.insert") == 2
    assert len(fake.playlists) == 1 and len(fake.playlist_items) == 2
    for slug in ("film-0", "film-1"):
        assert len(fake.captions_of(site.video_id(slug))) == 1
    _same_bytes(site, fake)


def test_upload_limit_stops_cleanly(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=2, playlist="")
    fake.upload_limit = 1
    run = site.publish()
    assert isinstance(run.error, PublishError) and "uploadLimitExceeded" in str(run.error)
    assert "film-1: insert video" in run.out
    assert len(fake.videos) == 1


def test_retry_delays_grow_with_jitter_and_cap():
    from generator.publish.retry import RetryPolicy

    low = RetryPolicy(rand=lambda: 0.0)
    high = RetryPolicy(rand=lambda: 0.999)
    assert [low.delay(i) for i in range(4)] == [0.5, 1.0, 2.0, 4.0]
    assert high.delay(3) == pytest.approx(8 * 1.499)
    assert low.delay(20) == 32.0 and high.delay(20) < 64 * 1.5


def test_a_rejected_film_is_skipped_and_the_others_published(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=2, playlist="")
    fake.fail("videos.insert", status=400, reason="invalidTitle")
    run = site.publish()
    assert isinstance(run.error, PublishError)
    assert str(run.error) == "1 film could not be published: film-0 (reasons above)"
    assert "skipped film-0: uploading film.mp4: HTTP 400 invalidTitle" in run.out
    assert len(fake.videos) == 1 and site.video_id("film-1")
    assert site.sleeps == []  # a 4xx is not retried
    run = site.publish()
    assert run.rc == 0, run.text
    assert len(fake.videos) == 2


def test_a_timed_out_request_is_retried(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=1)
    site.settings.youtube.timeout = 0.3
    fake.stall("playlists.list", 1.0)
    run = site.publish()
    assert run.rc == 0, run.text
    assert "listing your playlists: TimeoutError" in run.err
    assert fake.attempts("playlists.list") == 2 and len(fake.playlists) == 1


def test_unreachable_api_gives_up_with_one_line(tmp_path, fake):
    import socket

    site = PublishSite(tmp_path, fake, films=1)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/"
    run = site.publish(youtube_api_root=dead, max_retries=1)
    message = str(run.error)
    assert "\n" not in message and "gave up after 1 retry" in message and "ConnectionRefusedError" in message
    assert "Traceback" not in run.text and len(site.sleeps) == 1
    assert site.ledger()["films"]["film-0"]["upload"] is None  # nothing in flight


def _dead_root() -> str:
    """An address nobody listens on (a host that no longer answers)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


def _move_session(site: PublishSite, root: str) -> str:
    """Point the ledger's stored upload session at another host; returns the new session URI."""
    ledger = Ledger.load(site.content)
    session = ledger.film("film-0").upload
    assert session is not None and session.session_uri
    session.session_uri = session.session_uri.replace(site.fake.root, root)
    ledger.save()
    return session.session_uri


def _strand_upload(site: PublishSite, fake: FakeYouTube) -> None:
    """Stop an upload after its first chunk, its session stored in the ledger."""
    fake.fail("upload.chunk", nth=2, times=50)
    run = site.publish(max_retries=1)
    assert isinstance(run.error, PublishError)
    assert site.ledger()["films"]["film-0"]["upload"]["session_uri"]
    fake.faults.clear()
    fake.reset_calls()
    site.sleeps.clear()


def test_a_dead_upload_session_is_given_up_and_the_next_run_starts_afresh(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=1)
    _strand_upload(site, fake)
    _move_session(site, _dead_root())  # the host that issued the session no longer answers
    run = site.publish(max_retries=2)
    assert isinstance(run.error, PublishError) and "film-0" in str(run.error)
    assert len(site.sleeps) == 2  # the run's retries were spent on the session, then it was given up
    skipped = [line for line in run.out.splitlines() if line.startswith("skipped film-0:")]
    assert len(skipped) == 1 and "no longer answers" in skipped[0] and "ConnectionRefusedError" in skipped[0]
    assert "next publish uploads the film afresh" in skipped[0]
    # the lookup for an upload that completed with its answer lost ran (and found nothing)
    assert fake.count("channels.list") == 1 and fake.count("playlistItems.list") == 1
    assert fake.attempts("videos.insert") == 0 and len(fake.videos) == 0
    assert site.ledger()["films"]["film-0"]["upload"] is None  # dropped: never asked again

    fake.reset_calls()
    site.sleeps.clear()
    run = site.publish()
    assert run.rc == 0, run.text
    assert fake.calls[0].api == "videos.insert"  # a fresh session, not the dead one
    assert fake.attempts("upload.status") == 0 and site.sleeps == []
    assert len(fake.videos) == 1
    _same_bytes(site, fake)
    assert site.ledger()["films"]["film-0"]["upload"] is None


def test_a_session_that_times_out_is_given_up_too(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=1, playlist="")
    _strand_upload(site, fake)
    site.settings.youtube.timeout = 0.3
    fake.stall("upload.status", 1.0, times=10)  # the session's host accepts connections but never answers
    run = site.publish(max_retries=1)
    assert isinstance(run.error, PublishError)
    assert fake.attempts("upload.status") == 2 and fake.count("channels.list") == 1
    assert "skipped film-0: the upload session stored by an earlier run no longer answers: gave up after 1 retry " \
           "(TimeoutError" in run.out
    assert site.ledger()["films"]["film-0"]["upload"] is None
    fake.faults.clear()
    fake.reset_calls()
    assert site.publish().rc == 0 and fake.calls[0].api == "videos.insert" and len(fake.videos) == 1


def test_a_dead_session_whose_upload_had_completed_is_found_on_the_channel(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=1)
    vid = _stop_after_upload(site, fake)
    _move_session(site, _dead_root())
    run = site.publish(max_retries=1)
    assert run.rc == 0, run.text
    assert f"its video had arrived ({vid}): recorded instead of uploading again" in run.err
    assert fake.attempts("videos.insert") == 0 and len(fake.videos) == 1 and site.video_id("film-0") == vid
    assert len(fake.captions_of(vid)) == 1 and site.ledger()["films"]["film-0"]["upload"] is None


def test_a_session_ended_mid_upload_skips_only_that_film(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=2, playlist="")
    fake.fail("upload.chunk", nth=2, status=410, reason="gone")  # film-0's second chunk
    run = site.publish()
    assert isinstance(run.error, PublishError)
    assert str(run.error) == "1 film could not be published: film-0 (reasons above)"
    assert "skipped film-0: YouTube ended the upload session (HTTP 410); dropped it" in run.out
    assert fake.count("channels.list") == 1  # the lookup ran
    assert site.video_id("film-1") and len(fake.videos) == 1  # the other film went on
    assert site.ledger()["films"]["film-0"]["upload"] is None
    fake.reset_calls()
    run = site.publish()
    assert run.rc == 0, run.text
    assert [c.api for c in fake.calls][:2] == ["videos.list", "videos.insert"]  # check film-1, then fresh
    assert len(fake.videos) == 2
    _same_bytes(site, fake)


def test_a_dead_session_is_kept_while_the_api_does_not_answer_either(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=1)
    _strand_upload(site, fake)
    dead = _dead_root()
    uri = _move_session(site, dead)
    run = site.publish(max_retries=1, youtube_api_root=dead)  # the network is down, not just the session
    message = str(run.error)
    assert "\n" not in message and message.startswith("film-0: the upload session stored by an earlier run no "
                                                      "longer answers")
    assert "the session is kept: check the connection" in message and "Traceback" not in run.text
    assert site.ledger()["films"]["film-0"]["upload"]["session_uri"] == uri  # for the lookup next time
