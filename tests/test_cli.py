import pytest

from generator.cli import main


@pytest.mark.parametrize("argv", [["--help"], ["build", "--help"], ["serve", "--help"], ["publish", "--help"],
                                  ["next-frame-film", "--help"], ["reenact", "--help"]])
def test_help_on_every_command(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: build.py" in out


def test_missing_site_folder_is_one_line(tmp_path, capsys):
    rc = main(["--content", str(tmp_path / "nope"), "--out", str(tmp_path / "o"), "-q"])
    err = capsys.readouterr().err
    assert rc == 1 and err.strip().startswith("error:") and "nope" in err and len(err.strip().splitlines()) == 1


def test_unknown_captioner(tmp_path, capsys):
    (tmp_path / "films" / "a").mkdir(parents=True)
    (tmp_path / "films" / "a" / "v.mp4").write_bytes(b"")
    (tmp_path / "films" / "a" / "index.md").write_text("---\ntitle: A\nvideo: v.mp4\n---\n")
    rc = main(["--content", str(tmp_path), "--out", str(tmp_path.parent / "o"), "--captioner", "magic", "-q"])
    err = capsys.readouterr().err
    assert rc == 1 and "unknown captioner 'magic'" in err


def test_the_next_frame_command_has_its_own_name(capsys):
    """`next-frame-film` (films/<film>-nextframe/), not `dream-film`: "dream film" is the dreams feature's
    film dreamt along the optical flow (<film>-dream)."""
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "next-frame-film" in out and "dream-film" not in out
    assert main(["dream-film", "clouds"]) == 2  # the old name says the new one
    assert capsys.readouterr().err.strip() == "error: build.py dream-film is now build.py next-frame-film"
    with pytest.raises(SystemExit):
        main(["next-frame-film", "--help"])
    assert "films/FILM-nextframe/" in " ".join(capsys.readouterr().out.split())
