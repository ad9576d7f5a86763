"""Films the machine made are declared altered or synthetic on YouTube (status.containsSyntheticMedia), and
their descriptions say how they were made; videos published before the flag existed are told too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_youtube import FakeYouTube, PublishSite

from generator.config import Settings
from generator.errors import ContentError
from generator.model import Film
from generator.publish.disclosure import contains_synthetic_media
from generator.publish.metadata import MAX_DESCRIPTION_BYTES, digest, status_update, youtube_description

# slug -> (made_by, declared synthetic with the default settings)
KINDS = {"film-0": ("", False), "film-1": ("dream", True), "film-2": ("nextframe", True),
         "film-3": ("story", True), "film-4": ("reenact", True)}
HOW = {  # words each description must hold
    "film-0": "Subtitles written by a neural network, one for each keyframe (captioner: describe).",
    "film-1": "dreamt by a neural network",
    "film-2": "dreamt by a neural network that predicts each frame",
    "film-3": "chose a picture for each sentence of the story",
    "film-4": "the faces in this film were re-enacted by a neural network",
}


@pytest.fixture
def fake():
    with FakeYouTube() as yt:
        yield yt


def _site(tmp_path, fake, slugs=tuple(KINDS)) -> PublishSite:
    """Films of every kind, marked as the stages and commands that make them mark them."""
    site = PublishSite(tmp_path, fake, films=0, video_size=0, playlist="")
    for i, slug in enumerate(KINDS):
        if slug not in slugs:
            continue
        film = site.add_film(i, 40_000)
        film.made_by = KINDS[slug][0]
        if film.made_by == "dream":  # as generator.dreams.films_stage writes it: the essay is the notice
            how = "Made by the machine: the whole of “Film 0” dreamt frame by frame by EfficientNet-Lite0."
            film.meta["synthetic"] = film.essay_text = how
        elif film.made_by == "nextframe":
            film.meta["synthetic"] = "This film is synthetic: it was dreamt by a next-frame network."
        elif film.made_by == "story":
            film.captioner = "story"
        elif film.made_by == "reenact":
            film.meta["synthetic"] = "This film is synthetic: the face was generated. None of it was filmed."
    return site


def _declared(fake: FakeYouTube, site: PublishSite) -> dict[str, bool]:
    return {slug: fake.videos[rec["video_id"]]["status"]["containsSyntheticMedia"]
            for slug, rec in site.ledger()["films"].items()}


def test_insert_declares_what_the_machine_made_and_describes_how(tmp_path, fake):
    site = _site(tmp_path, fake)
    run = site.publish()
    assert run.rc == 0, run.text
    expected = {slug: synthetic for slug, (_, synthetic) in KINDS.items()}
    assert _declared(fake, site) == expected
    assert {slug: rec["synthetic_media"] for slug, rec in site.ledger()["films"].items()} == expected
    for slug, words in HOW.items():
        desc = fake.videos[site.video_id(slug)]["snippet"]["description"]
        assert words in desc, (slug, desc)
        assert "<" not in desc and ">" not in desc
        assert desc.startswith("Made by a machine: ") == (slug != "film-0")
    dream = fake.videos[site.video_id("film-1")]["snippet"]["description"]
    assert dream.count("dreamt frame by frame by EfficientNet-Lite0") == 1  # the essay says it: not twice
    reenact = fake.videos[site.video_id("film-4")]["snippet"]["description"]
    assert "None of it was filmed." in reenact  # the film's own notice, as its page shows it
    story = fake.videos[site.video_id("film-3")]["snippet"]["description"]
    assert story.endswith("The subtitles are the sentences of the story.")


def test_settings_off_leave_only_reenactments_declared_and_reach_published_videos(tmp_path, fake):
    site = _site(tmp_path, fake)
    yt = site.settings.youtube
    yt.synthetic_dreams = yt.synthetic_nextframe = yt.synthetic_stories = False
    assert site.publish().rc == 0
    assert _declared(fake, site) == {"film-0": False, "film-1": False, "film-2": False, "film-3": False,
                                     "film-4": True}
    # turned on again: the three films are told, by one status update each
    yt.synthetic_dreams = yt.synthetic_nextframe = yt.synthetic_stories = True
    fake.reset_calls()
    run = site.publish()
    assert run.rc == 0, run.text
    updates = [c for c in fake.calls if c.api == "videos.update"]
    assert len(updates) == 3 and all(c.query["part"] == ["status"] for c in updates)
    assert all(_declared(fake, site)[s] for s in ("film-1", "film-2", "film-3", "film-4"))


def _as_before_the_flag(site: PublishSite, fake: FakeYouTube) -> None:
    """Make the ledger and YouTube look as they did for videos published before the flag was sent: the
    ledger's status hash of the privacy alone, no synthetic_media; on YouTube no flag, and fields the
    creator set in YouTube Studio since."""
    path = site.content / ".publish" / "youtube.json"
    data = json.loads(path.read_text("utf-8"))
    for rec in data["films"].values():
        rec["status_sha256"] = digest({"privacyStatus": "private"})
        del rec["synthetic_media"]
        status = fake.videos[rec["video_id"]]["status"]
        del status["containsSyntheticMedia"]
        status.update(license="creativeCommon", embeddable=False, selfDeclaredMadeForKids=False,
                      publishAt="2030-01-01T00:00:00Z")
    path.write_text(json.dumps(data), "utf-8")


def test_videos_published_before_get_one_status_update_then_nothing(tmp_path, fake):
    site = _site(tmp_path, fake, slugs=("film-0", "film-4"))
    assert site.publish().rc == 0
    _as_before_the_flag(site, fake)

    dry = site.publish(dry_run=True)
    assert dry.rc == 0, dry.text
    assert "update metadata  status (private, containsSyntheticMedia: true)" in dry.out
    assert "update metadata  status (private, containsSyntheticMedia: false)" in dry.out
    assert "quota this run would spend: 101 units" in dry.out  # the check (1) and two updates (50 each)

    fake.reset_calls()
    run = site.publish()
    assert run.rc == 0, run.text
    updates = [c for c in fake.calls if c.api == "videos.update"]
    assert len(updates) == 2 and all(c.query["part"] == ["status"] for c in updates)
    assert fake.mutations() == 2 and "quota used: 101 units" in run.out
    assert "(containsSyntheticMedia: true)" in run.err
    for slug, synthetic in (("film-0", False), ("film-4", True)):
        status = fake.videos[site.video_id(slug)]["status"]
        assert status["containsSyntheticMedia"] is synthetic
        assert status["privacyStatus"] == "private"  # the update replaced the whole status: privacy sent again
        # and what was set in YouTube Studio went back with it, not reset
        assert status["license"] == "creativeCommon" and status["embeddable"] is False
        assert status["selfDeclaredMadeForKids"] is False and status["publishAt"] == "2030-01-01T00:00:00Z"
        assert site.ledger()["films"][slug]["synthetic_media"] is synthetic

    fake.reset_calls()
    run = site.publish()
    assert run.rc == 0, run.text
    assert [c.api for c in fake.calls] == ["videos.list"]  # told once: a second run sends nothing


def test_dry_run_names_the_flag_of_each_upload(tmp_path, fake):
    site = _site(tmp_path, fake)
    run = site.publish(dry_run=True)
    assert run.rc == 0, run.text
    assert fake.calls == []
    lines = [line for line in run.out.splitlines() if "insert video" in line]
    assert len(lines) == 5
    assert sum("containsSyntheticMedia: true" in line for line in lines) == 4
    assert sum("containsSyntheticMedia: false" in line for line in lines) == 1


def test_flag_of_each_kind_and_settings():
    s = Settings()
    film = Film(slug="f", title="F", source=Path("f/index.md"), video=Path("f/v.mp4"))
    yt = s.youtube
    yt.synthetic_dreams = yt.synthetic_nextframe = yt.synthetic_stories = False
    for made_by, declared in (("", False), ("dream", False), ("nextframe", False), ("story", False),
                              ("reenact", True), ("synthetic", True)):
        film.made_by = made_by
        assert contains_synthetic_media(film, yt) is declared, made_by


def test_description_keeps_the_notice_within_5000_bytes():
    s = Settings()
    s.site.base_url = "https://films.example.org"
    film = Film(slug="f", title="F", source=Path("f/index.md"), video=Path("f/v.mp4"), made_by="reenact",
                meta={"synthetic": "A face <generated> by a network."}, summary="S " * 2000,
                essay_text="Essay sentence. " * 1000, vtt="WEBVTT\n")
    desc = youtube_description(film, s)
    assert len(desc.encode("utf-8")) <= MAX_DESCRIPTION_BYTES and "<" not in desc and ">" not in desc
    assert desc.startswith("Made by a machine: the faces in this film were re-enacted by a neural network. "
                           "A face ‹generated› by a network.\n\n")
    assert desc.endswith("(captioner: describe).\n\nWith its transcript: https://films.example.org/films/f/")


def test_status_update_sends_back_what_studio_set():
    live = {"privacyStatus": "public", "uploadStatus": "processed", "license": "creativeCommon",
            "embeddable": False, "publishAt": "2030-01-01T00:00:00Z", "containsSyntheticMedia": False}
    ours = {"privacyStatus": "private", "containsSyntheticMedia": True}
    assert status_update(ours, live) == {"privacyStatus": "private", "containsSyntheticMedia": True,
                                         "license": "creativeCommon", "embeddable": False,
                                         "publishAt": "2030-01-01T00:00:00Z"}
    public = {"privacyStatus": "public", "containsSyntheticMedia": True}
    assert "publishAt" not in status_update(public, live)  # YouTube refuses it for a video not private
    assert status_update(ours, None) == ours


@pytest.mark.parametrize("front, made_by", [
    ('made_by: "reenact"\n', "reenact"),
    ('made_by: "story"\n', "story"),
    ('synthetic: "A face."\nsource: "a"\ndriver: "b"\n', "reenact"),  # reenact before made_by existed
    ('synthetic: "Dreamt."\nsource: "a"\n', "nextframe"),  # next-frame-film before made_by existed
    ('synthetic: "Altered by hand and machine."\n', "synthetic"),  # a curator's own notice
    ("", ""),  # filmed footage
])
def test_front_matter_says_what_made_a_film(tmp_path, front, made_by):
    from generator.site.content import film_from, read_document

    folder = tmp_path / "films" / "x"
    folder.mkdir(parents=True)
    (folder / "x.mp4").write_bytes(b"x")
    (folder / "index.md").write_text(f'---\ntitle: "X"\nvideo: "x.mp4"\n{front}---\n\nBody.\n', "utf-8")
    assert film_from(read_document(folder / "index.md")).made_by == made_by


def test_unknown_made_by_is_a_content_error(tmp_path):
    from generator.site.content import film_from, read_document

    folder = tmp_path / "films" / "x"
    folder.mkdir(parents=True)
    (folder / "x.mp4").write_bytes(b"x")
    (folder / "index.md").write_text('---\ntitle: "X"\nvideo: "x.mp4"\nmade_by: "reenacted"\n---\n', "utf-8")
    with pytest.raises(ContentError, match="made_by: reenacted"):
        film_from(read_document(folder / "index.md"))
