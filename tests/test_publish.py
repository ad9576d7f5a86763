"""Publishing to YouTube, end to end against the loopback fake, through the real googleapiclient."""

from __future__ import annotations

import json

import pytest
from fake_youtube import FakeYouTube, PublishSite

from generator.errors import ConfigError
from generator.publish.ledger import load_youtube_ids


@pytest.fixture
def fake():
    with FakeYouTube() as yt:
        yield yt


@pytest.fixture
def site(tmp_path, fake):
    return PublishSite(tmp_path, fake)


def test_clean_publish_uploads_videos_captions_and_playlist(site, fake):
    run = site.publish()
    assert run.rc == 0, run.text
    ledger = site.ledger()
    assert set(ledger["films"]) == {"film-0", "film-1"}
    assert fake.count("videos.insert") == 2
    assert fake.attempts("upload.chunk") == 6  # 600 kB in 256 KiB chunks: 3 per film
    for film in site.site.films:
        rec = ledger["films"][film.slug]
        vid = rec["video_id"]
        assert fake.video_bytes[vid] == film.video.read_bytes()
        video = fake.videos[vid]
        snip = video["snippet"]
        assert video["status"]["privacyStatus"] == "private"
        assert snip["title"] == film.title.replace("<", "‹").replace(">", "›")
        assert snip["categoryId"] == "1"
        assert snip["defaultLanguage"] == snip["defaultAudioLanguage"] == "en"
        assert snip["tags"] == film.tags
        desc = snip["description"]
        assert desc.startswith(f"Summary of film {film.slug[-1]}.")
        assert "archive (https://example.org/a)" in desc and "Essay" in desc and "##" not in desc
        assert "<" not in desc and ">" not in desc
        # the caption track: the build's VTT when there is one, else the SRT, byte for byte
        tracks = fake.captions_of(vid)
        assert len(tracks) == 1
        assert tracks[0]["snippet"]["name"] == "Machine captions (Electric Speech)"
        assert tracks[0]["snippet"]["language"] == "en"
        expected = film.vtt or film.srt
        assert fake.caption_bytes[tracks[0]["id"]] == expected.encode("utf-8")
        assert rec["caption_id"] == tracks[0]["id"]
        assert rec["upload"] is None and rec["pending"] == {}
    # one playlist, found-or-created once, holding both films in order
    assert len(fake.playlists) == 1 and fake.count("playlists.insert") == 1
    (pid,) = fake.playlists
    assert fake.playlists[pid]["snippet"]["title"] == "Electric Speech"
    assert [i["snippet"]["resourceId"]["videoId"] for i in fake.items_of(pid)] == [
        ledger["films"]["film-0"]["video_id"], ledger["films"]["film-1"]["video_id"]]
    # ids reach the build: the command rebuilt once after publishing
    assert site.builds == 2
    assert load_youtube_ids(site.content) == {f: ledger["films"][f]["video_id"] for f in ("film-0", "film-1")}
    assert "https://youtu.be/" in run.err and "quota used" in run.out


def test_second_run_only_checks_that_the_videos_are_still_there(site, fake):
    assert site.publish().rc == 0
    fake.reset_calls()
    run = site.publish()
    assert run.rc == 0
    # one videos.list for both ids (1 unit); no token refresh, no other list, no insert or update
    assert [c.api for c in fake.calls] == ["videos.list"] and fake.calls[0].units == 1
    assert sorted(fake.calls[0].query["id"][0].split(",")) == sorted(site.ledger()["films"][f]["video_id"]
                                                                     for f in ("film-0", "film-1"))
    assert "nothing to publish: 2 films up to date on YouTube; quota used: 1 units" in run.out
    assert site.builds == 3  # no rebuild when no id changed


def test_changed_captions_update_the_same_track(site, fake):
    site.publish()
    vid = site.video_id("film-0")
    (track,) = fake.captions_of(vid)
    film = site.film("film-0")
    film.vtt = film.vtt.replace("A machine sees", "The machine now sees")
    fake.reset_calls()
    run = site.publish()
    assert run.rc == 0, run.text
    assert fake.count("captions.update") == 1
    assert fake.count("captions.insert") == 0 and fake.mutations() == 1
    assert fake.captions_of(vid) == [track]
    assert fake.caption_bytes[track["id"]] == film.vtt.encode("utf-8")


def test_changed_title_updates_metadata_only(site, fake):
    site.publish()
    vid = site.video_id("film-1")
    site.film("film-1").title = "A new title"
    fake.reset_calls()
    run = site.publish()
    assert run.rc == 0, run.text
    assert fake.count("videos.update") == 1 and fake.mutations() == 1
    assert fake.count("videos.insert") == 0 and fake.attempts("upload.chunk") == 0
    assert fake.videos[vid]["snippet"]["title"] == "A new title"
    assert fake.videos[vid]["status"]["privacyStatus"] == "private"
    # privacy alone: the status part only
    site.settings.youtube.privacy = "unlisted"
    fake.reset_calls()
    assert site.publish().rc == 0
    assert fake.count("videos.update") == 2 and fake.mutations() == 2
    updates = [c for c in fake.calls if c.api == "videos.update"]
    assert all(c.query["part"] == ["status"] for c in updates)
    assert fake.videos[vid]["status"]["privacyStatus"] == "unlisted"


def test_dry_run_sends_nothing_and_prints_the_plan_and_quota(site, fake, tmp_path):
    run = site.publish(dry_run=True, youtube_token=tmp_path / "missing-token.json")
    assert run.rc == 0, run.text
    assert fake.calls == []
    out = run.out
    assert out.count("insert video") == 2 and out.count("insert captions") == 2
    assert out.count("add to playlist") == 2 and 'find or create playlist "Electric Speech"' in out
    # 2 x captions.insert (400) + 2 x playlistItems.insert (50) + playlists.list (1); uploads apart
    assert "2 video uploads (videos.insert) + 901 units" in out
    assert "4101 units where uploads still cost 1600 each" in out
    assert "nothing was sent" in out
    assert not (site.content / ".publish" / "youtube.json").exists()

    site.publish()
    site.film("film-0").title = "Renamed"
    site.film("film-1").srt += "\n2\n00:00:02,000 --> 00:00:03,000\nMore.\n"
    fake.reset_calls()
    run = site.publish(dry_run=True)
    assert fake.calls == []  # not even the check for deleted videos: a dry run sends nothing
    assert "update metadata" in run.out and "update captions" in run.out
    assert "insert video" not in run.out and "add to playlist" not in run.out
    assert "check videos: 2 published videos: still on YouTube? (skipped in a dry run" in run.out
    # videos.update 50 + captions.update 450 + the check a real run makes first (videos.list 1)
    assert "quota this run would spend: 501 units" in run.out
    assert "not even the check for videos deleted there" in run.out


def test_only_publishes_the_named_film(site, fake):
    run = site.publish(only=["film-1"])
    assert run.rc == 0, run.text
    assert set(site.ledger()["films"]) == {"film-1"}
    assert fake.count("videos.insert") == 1
    run = site.publish(only=["nope"])
    assert isinstance(run.error, ConfigError) and "film-0, film-1" in str(run.error)


def test_changed_video_file_warns_unless_replacement_is_asked_for(site, fake):
    site.publish()
    old = site.video_id("film-0")
    video = site.film("film-0").video
    video.write_bytes(video.read_bytes()[::-1])
    fake.reset_calls()
    run = site.publish()
    assert run.rc == 0
    assert "video file changed" in run.err and "--replace-changed-video" in run.err
    assert [c.api for c in fake.calls] == ["videos.list"] and site.video_id("film-0") == old

    run = site.publish(replace_changed_video=True)
    assert run.rc == 0, run.text
    new = site.video_id("film-0")
    assert new != old and fake.video_bytes[new] == video.read_bytes()
    assert fake.count("videos.insert") == 1 and fake.count("captions.insert") == 1
    assert fake.count("playlistItems.insert") == 1
    rec = site.ledger()["films"]["film-0"]
    assert rec["replaced"] == [old] and fake.captions_of(new)[0]["id"] == rec["caption_id"]
    assert "stays on YouTube" in run.err


def test_youtube_limits_are_respected(site, fake):
    film = site.film("film-0")
    film.title = "A very long title " * 12
    film.essay_text = ("Paragraph with <angle> brackets and ünïcödé. " * 40 + "\n\n") * 8
    film.tags = [f"tag number {i}" for i in range(60)]
    run = site.publish()  # the fake answers 400 to anything YouTube would reject
    assert run.rc == 0, run.text
    snip = fake.videos[site.video_id("film-0")]["snippet"]
    assert len(snip["title"]) <= 100 and snip["title"].endswith("…")
    desc = snip["description"]
    assert len(desc.encode("utf-8")) <= 5000 and "…\n\n" in desc  # the essay is shortened, not the end
    assert desc.endswith("Subtitles written by a neural network, one for each keyframe (captioner: describe).")
    assert 0 < len(snip["tags"]) < 60


def test_api_root_override_moves_every_url(fake):
    from generator.publish.youtube import discovery_document

    root = "http://127.0.0.1:9/prefix/"
    doc = discovery_document(root)
    assert doc["rootUrl"] == root and doc["baseUrl"] == root + doc["servicePath"]
    blob = json.dumps(doc["resources"])
    assert "/prefix/upload/youtube/v3/videos" in blob and "/prefix/resumable/upload/youtube/v3/videos" in blob
    outside = {k: v for k, v in doc.items() if k != "documentationLink"} | {"resources": {}}
    assert "https://youtube.googleapis.com" not in json.dumps(outside)
    # the library builds upload URLs from rootUrl: check what it would call
    import httplib2
    from googleapiclient.http import MediaInMemoryUpload

    from generator.publish.youtube import build_service

    service = build_service(httplib2.Http(), root)
    request = service.videos().insert(part="snippet", body={"snippet": {}},
                                      media_body=MediaInMemoryUpload(b"x", "video/mp4", resumable=True))
    assert request.uri.startswith(root + "upload/youtube/v3/videos?")
    assert service.videos().list(part="id", id="x").uri.startswith(root + "youtube/v3/videos?")
    # without an override: the bundled document (no discovery fetch: this Http would fail offline)
    service = build_service(httplib2.Http(), "")
    request = service.videos().insert(part="snippet", body={"snippet": {}},
                                      media_body=MediaInMemoryUpload(b"x", "video/mp4", resumable=True))
    assert request.uri.startswith("https://youtube.googleapis.com/upload/youtube/v3/videos?")


def test_cli_parser_accepts_the_publish_options():
    cli = pytest.importorskip("generator.cli")
    args = cli.make_parser().parse_args(["publish", "--dry-run", "--only", "a", "--only", "b", "--max-retries", "2",
                                         "--youtube-api-root", "http://127.0.0.1:1/", "--replace-changed-video",
                                         "--reupload-missing"])
    assert args.dry_run and args.only == ["a", "b"] and args.max_retries == 2
    assert args.youtube_api_root == "http://127.0.0.1:1/" and args.replace_changed_video and args.reupload_missing
    assert not cli.make_parser().parse_args(["publish"]).reupload_missing


def test_bad_chunk_size_is_a_config_error(site):
    site.settings.youtube.chunk_size = 300_000
    run = site.publish(dry_run=True)
    assert isinstance(run.error, ConfigError) and "256 KiB" in str(run.error)


def test_upload_described_sends_the_described_rendition(site, fake, tmp_path):
    from generator.model import Narration

    narrated = site.film("film-0")
    described = tmp_path / "described.mp4"
    described.write_bytes(b"described film " * 4000)
    narrated.narration = Narration(track=tmp_path / "n.m4a", vtt="WEBVTT\n", windows=(), voice="espeak-ng",
                                   described=described, sentences=1)
    site.settings.youtube.upload = "described"
    run = site.publish()
    assert run.rc == 0, run.text
    ledger = site.ledger()
    assert fake.video_bytes[ledger["films"]["film-0"]["video_id"]] == described.read_bytes()
    other = site.film("film-1")  # not narrated: its footage, said once in the plan
    assert fake.video_bytes[ledger["films"]["film-1"]["video_id"]] == other.video.read_bytes()
    assert "no described rendition (it is not narrated): uploading the footage" in run.text
    assert "film-0-described.mp4" in run.text
