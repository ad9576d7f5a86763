"""The next-frame film (generator.nextframe, ``build.py next-frame-film``): training, resuming, the dream's
behaviour, the command and the film it writes (films/<film>-nextframe/, never the dreams feature's <film>-dream).
Tiny: the demo's cloud footage at 64 x 32 px, a narrow U-Net, one torch thread."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from generator.cli import main  # noqa: E402
from generator.media.ffmpeg_bin import find_tools  # noqa: E402
from generator.nextframe.dream import (  # noqa: E402
    NextFrameSettings,
    detail,
    dream,
    longest_still,
    motion,
    next_frame_pairs,
)
from generator.nextframe.frames import decode  # noqa: E402
from generator.nextframe.trainer import CHECKPOINT, CURVE, NextFrameTrainSettings, train  # noqa: E402
from generator.reporter import Reporter  # noqa: E402

CLOUDS = Path(__file__).parent.parent / "content" / "films" / "clouds"
QUIET = Reporter(quiet=True)


@pytest.fixture(scope="module")
def footage() -> np.ndarray:
    """The first sky of the demo's clouds film (150 frames), 64 x 32 px."""
    return decode(CLOUDS / "clouds.mp4", find_tools(), 64, 32, max_frames=150)


@pytest.fixture(scope="module")
def trained(footage, tmp_path_factory, test_seed):  # noqa: ANN201
    """One training's outcome, checked with margins: seeds 0-3 on AVX2 (0-1 with ATEN_CPU_CAPABILITY=default)
    ended at 0.20-0.27 of the first losses; their noisy dreams never stood still, their plain ones stood
    still for the last 531-590 of their 600 frames."""
    torch.set_num_threads(1)
    ts = NextFrameTrainSettings(epochs=5, width=12, depth=3, batch_size=8, checkpoint_every=1000, seed=test_seed)
    return train(next_frame_pairs(footage), tmp_path_factory.mktemp("nf") / "state", ts, QUIET)


def floor_of(footage: np.ndarray) -> float:
    """"Standing still": changing less than half as much between frames as the footage typically does."""
    return 0.5 * float(np.median(motion(footage)))


@pytest.mark.slow  # shares a 20-40 s training of the module's network
def test_training_loss_falls_and_the_curve_is_drawn(trained):
    first, last = np.mean(trained.losses[:5]), np.mean(trained.losses[-5:])
    assert last < 0.5 * first, (first, last)
    assert (trained.folder / CHECKPOINT).is_file()
    from PIL import Image

    with Image.open(trained.folder / CURVE) as im:
        assert im.size == (640, 360) and im.format == "PNG"


def test_a_resumed_run_equals_an_unbroken_one(footage, tmp_path, test_seed):
    torch.set_num_threads(1)
    pairs = next_frame_pairs(footage[:40, ::2, ::2].copy())  # 32 x 16 px
    ts = NextFrameTrainSettings(epochs=2, width=8, depth=2, batch_size=4, checkpoint_every=3, seed=test_seed)
    whole = train(pairs, tmp_path / "whole", ts, QUIET)
    part = train(pairs, tmp_path / "part", ts, QUIET, stop_after=7)  # interrupted after 7 steps
    assert part.steps == 7 < whole.steps
    resumed = train(pairs, tmp_path / "part", ts, QUIET)
    assert resumed.steps == whole.steps and resumed.losses == whole.losses
    for a, b in zip(whole.model.state_dict().values(), resumed.model.state_dict().values()):
        assert torch.equal(a, b)
    again = train(pairs, tmp_path / "part", ts, QUIET)  # finished: nothing more to do
    assert again.steps == whole.steps and again.losses == whole.losses


@pytest.mark.slow  # shares a 20-40 s training of the module's network
def test_a_600_frame_dream_keeps_moving_without_turning_to_noise(trained, footage, test_seed):
    frames = dream(trained.model, footage, 2, NextFrameSettings(frames=600, noise=0.02, reinject=0.05, seed=test_seed))
    assert frames.shape == (600, 32, 64, 3)
    floor = floor_of(footage)
    assert longest_still(frames, floor) < 50, "the dream stood still for 50 frames"
    # not noise: no more fine detail than the footage has, and not a flat grey either
    assert detail(frames) < 1.5 * detail(footage)
    per_frame = [detail(frames[i:i + 1]) for i in range(0, 600, 25)]
    assert max(per_frame) < 1.5 * max(detail(footage[i:i + 1]) for i in range(len(footage)))
    assert frames.std() > 0.25 * footage.std()


@pytest.mark.slow  # shares a 20-40 s training of the module's network
def test_without_noise_or_footage_fed_back_the_dream_freezes(trained, footage):
    """Why --noise and --reinject exist: fed only its own output, a next-frame network settles on a still
    picture (here within the 600 frames; the frames it writes stop changing)."""
    frames = dream(trained.model, footage, 2, NextFrameSettings(frames=600, noise=0.0, reinject=0.0))
    assert longest_still(frames, floor_of(footage)) >= 50


@pytest.mark.slow  # shares a 20-40 s training of the module's network
def test_a_dream_is_deterministic_for_a_seed(trained, footage, test_seed):
    a = dream(trained.model, footage, 2, NextFrameSettings(frames=40, seed=3 + test_seed))
    b = dream(trained.model, footage, 2, NextFrameSettings(frames=40, seed=3 + test_seed))
    c = dream(trained.model, footage, 2, NextFrameSettings(frames=40, seed=4 + test_seed))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.array_equal(a[:2], footage[:2])  # it starts from the film's own frames


def test_training_is_deterministic_for_a_seed(footage, tmp_path, test_seed):
    torch.set_num_threads(1)
    pairs = next_frame_pairs(footage[:20, ::2, ::2].copy())
    ts = NextFrameTrainSettings(epochs=1, width=8, depth=2, batch_size=4, seed=test_seed)
    assert train(pairs, tmp_path / "a", ts, QUIET).losses == train(pairs, tmp_path / "b", ts, QUIET).losses


def _site(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(CLOUDS, content / "films" / "clouds")
    return content


def test_the_command_writes_a_film_of_the_site_with_the_synthetic_notice(tmp_path, capsys):
    from browser.site_fixtures import make_site

    from generator.site.content import read_content
    from generator.site.render import render_site

    content = _site(tmp_path)
    args = ["next-frame-film", "clouds", "--content", str(content), "--size", "32", "--epochs", "1", "--width", "8",
            "--depth", "2", "--frames", "30", "--max-frames", "40", "--threads", "1", "-q"]
    assert main(args) == 0
    out = capsys.readouterr().out
    steps = re.search(r"trained (\d+) steps", out)
    assert steps and int(steps[1]) == 5  # 1 epoch: 38 pairs in batches of 8
    folder = content / "films" / "clouds-nextframe"
    assert "wrote" in out and str(folder) in out and "loss curve" in out
    assert (folder / "clouds-nextframe.mp4").stat().st_size > 0
    assert not (content / "films" / "clouds-dream").exists()  # the address of the dreams feature's film
    films = {f.slug: f for f in read_content(content).films}
    made = films["clouds-nextframe"]
    assert made.meta["source"] == "clouds" and made.title == "Electric Clouds, dreamt"
    assert made.meta["synthetic"].startswith("This film is synthetic: it was dreamt by a next-frame network")
    from generator.media.probe import probe

    info = probe(made.video, find_tools())
    assert (info.codec, info.pix_fmt, info.width, info.height) == ("h264", "yuv420p", 64, 36)
    assert round(info.duration * info.fps) == 30

    # re-running continues the cached training (here: already done, so no new steps) and rewrites the film
    assert main([*args, "--noise", "0.05"]) == 0
    assert "trained 5 steps" in capsys.readouterr().out

    site = make_site(tmp_path / "render")
    site.films[0].meta["synthetic"] = made.meta["synthetic"]
    html = render_site(site).files["films/test-card/index.html"].decode()
    assert '<p class="synthetic">This film is synthetic: it was dreamt' in html


def test_clear_errors(tmp_path, capsys):
    content = _site(tmp_path)
    assert main(["next-frame-film", "nowhere", "--content", str(content)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unknown film 'nowhere'" in err and "clouds" in err
    assert main(["next-frame-film", "clouds", "--content", str(content), "--size", "4"]) == 1
    assert "--size must be between" in capsys.readouterr().err
    (content / "films" / "mine").mkdir()
    (content / "films" / "mine" / "index.md").write_text("---\ntitle: Mine\n---\n")
    assert main(["next-frame-film", "clouds", "--content", str(content), "--out", str(content / "films" / "mine")]) == 1
    assert "is not a generated one" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["next-frame-film", "reenact"])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "--size" in text and "--minutes" in text and "--device" in text and "synthetic" in text


def test_the_film_makers_are_registered(capsys):
    from generator import registry

    assert registry.names("film-maker") == ["next-frame-film", "reenact"]
    assert main(["list"]) == 0
    assert "film-makers:" in capsys.readouterr().out
