"""Bad input: one clear line naming the file, never a traceback, never a damaged site or cache."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from generator.captions.base import register_captioner
from generator.cli import main


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def good_clip(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("clips") / "good.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=160x90:r=10:d=3", "-pix_fmt", "yuv420p", "-c:v", "libx264", str(path))
    return path


@pytest.fixture
def site(tmp_path, good_clip):
    register_captioner("test-colour", "colour_captioner:ColourCaptioner")
    content = tmp_path / "content"
    film = content / "films" / "good"
    film.mkdir(parents=True)
    (film / "good.mp4").write_bytes(good_clip.read_bytes())
    (film / "index.md").write_text("---\ntitle: Good\nvideo: good.mp4\n---\nEssay.\n")
    (content / "pages").mkdir()
    (content / "pages" / "about.md").write_text("---\ntitle: About\n---\nHello.\n")
    return content


def build(content: Path, capsys, *extra: str, with_map: bool = False) -> tuple[int, str]:
    rc = main(["build", "--content", str(content), "--out", str(content.parent / "_site"),
               "--captioner", "test-colour", "-q", *extra, *([] if with_map else ["--no-map"])])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return rc, err


def add_film(content: Path, slug: str, video_bytes: bytes | None, name: str = "v.mp4",
             front: str | None = None) -> Path:
    d = content / "films" / slug
    d.mkdir(parents=True)
    if video_bytes is not None:
        (d / name).write_bytes(video_bytes)
    (d / "index.md").write_text(front or f"---\ntitle: {slug}\nvideo: {name}\n---\n")
    return d


def test_baseline_builds(site, capsys):
    rc, err = build(site, capsys)
    assert rc == 0 and (site.parent / "_site" / "films" / "good" / "good.vtt").exists()


def test_corrupt_video_is_skipped_with_a_warning(site, capsys):
    add_film(site, "broken", b"\x00garbage" * 5000)
    rc, err = build(site, capsys)
    assert rc == 0
    lines = [l for l in err.splitlines() if "broken" in l]
    assert len(lines) == 1 and "v.mp4" in lines[0]
    assert (site.parent / "_site" / "films" / "good" / "index.html").exists()
    assert not (site.parent / "_site" / "films" / "broken").exists()


def test_strict_turns_the_warning_into_failure_and_keeps_the_site(site, capsys):
    assert build(site, capsys)[0] == 0
    index = site.parent / "_site" / "index.html"
    before = index.read_bytes()
    add_film(site, "broken", b"\x00garbage" * 5000)
    rc, err = build(site, capsys, "--strict")
    assert rc == 1 and "strict" in err
    assert index.read_bytes() == before


def test_truncated_video(site, good_clip, capsys):
    """An interrupted copy of an MP4 whose index (moov) comes after the media data, as ffmpeg writes it
    without +faststart: the index is lost, so the film is skipped with one line naming its file."""
    data = good_clip.read_bytes()
    cut = data[: len(data) // 3]
    assert b"mdat" in cut and b"moov" not in cut and b"moov" in data  # the index is in the part lost
    add_film(site, "cut", cut)
    rc, err = build(site, capsys)
    assert rc == 0
    lines = [l for l in err.splitlines() if "cut" in l]
    assert len(lines) == 1 and "v.mp4" in lines[0], err
    assert (site.parent / "_site" / "films" / "good" / "index.html").exists()
    assert not (site.parent / "_site" / "films" / "cut").exists()


def test_audio_only_file(site, tmp_path, capsys):
    audio = tmp_path / "a.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=d=2", "-c:a", "aac", str(audio))
    add_film(site, "radio", audio.read_bytes(), name="a.mp4")
    rc, err = build(site, capsys)
    assert rc == 0 and "no video stream" in err and "a.mp4" in err


def test_missing_video_file_fails_before_writing(site, capsys):
    assert build(site, capsys)[0] == 0
    index = site.parent / "_site" / "index.html"
    before = index.read_bytes()
    add_film(site, "ghost", None)
    rc, err = build(site, capsys)
    assert rc == 1
    assert "ghost/index.md" in err and "does not exist" in err
    assert index.read_bytes() == before


def test_malformed_front_matter_names_file_and_line(site, capsys):
    add_film(site, "typo", b"", front="---\ntitle: Typo\nvideo: [v.mp4\n---\n")
    rc, err = build(site, capsys)
    assert rc == 1 and "typo/index.md:" in err and "malformed front matter" in err
    assert len([l for l in err.splitlines() if l.startswith("error:")]) == 1


def test_unreadable_archive_image_is_named(site, capsys):
    (site / "archive").mkdir()
    (site / "archive" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    rc, err = build(site, capsys, with_map=True)
    assert rc == 0 and "broken.jpg" in err


def test_bad_site_toml(site, capsys):
    (site / "site.toml").write_text("[captions]\nbatch_size = 'many'\n")
    rc, err = build(site, capsys)
    assert rc == 1 and "site.toml" in err and "batch_size" in err


def test_interrupted_build_keeps_site_and_cache(site, capsys, monkeypatch):
    assert build(site, capsys)[0] == 0
    index = site.parent / "_site" / "index.html"
    before = index.read_bytes()
    import generator.site.write as write_mod

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(write_mod._Writer, "put", interrupted)  # interrupted while writing a file
    # a change, so that the build writes (a build with nothing changed writes nothing at all)
    (site / "pages" / "about.md").write_text("---\ntitle: About\n---\nHello again.\n")
    rc, err = build(site, capsys)
    assert rc == 130 and "intact" in err
    assert index.read_bytes() == before
    monkeypatch.undo()
    assert build(site, capsys)[0] == 0
