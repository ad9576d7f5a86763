"""What makes a face a face for the portrait matcher: the landmark check on made-up points (no dlib), dlib's
checks on a synthetic picture (the mission patch that HOG takes for a face, pasted beside a real face), and
the pictures the machine made, which are not searched at all."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
from portrait_fixtures import DEMO, needs_dlib, patch_and_face

from generator.model import ArchiveItem, Film, Keyframe
from generator.portraits.plausible import (
    DEGENERATE,
    EYE_DISTANCE,
    NOSE,
    OUTSIDE,
    TILTED,
    LandmarkLimits,
    landmark_problem,
)

# dlib's five points on the demo's astronaut-face.jpg (outer and inner corner of each eye, the nose) in
# its HOG box: a real face, the reference the made-up faces below are bent from
BOX = (26.0, 56.0, 116.0, 146.0)
FACE = [(101.0, 78.0), (84.0, 79.0), (41.0, 75.0), (58.0, 77.0), (70.0, 109.0)]
LIMITS = LandmarkLimits()


def _turned(points: list[tuple[float, float]], degrees: float) -> list[tuple[float, float]]:
    """The points turned about the box's centre."""
    cx, cy = (BOX[0] + BOX[2]) / 2, (BOX[1] + BOX[3]) / 2
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return [(cx + (x - cx) * c - (y - cy) * s, cy + (x - cx) * s + (y - cy) * c) for x, y in points]


def test_a_real_faces_landmarks_pass_and_so_do_its_mirror_and_a_tilted_head():
    assert landmark_problem(BOX, FACE, LIMITS) == ""
    mirrored = [(BOX[0] + BOX[2] - x, y) for x, y in FACE]
    assert landmark_problem(BOX, mirrored, LIMITS) == ""
    assert landmark_problem(BOX, _turned(FACE, 15), LIMITS) == ""  # HOG finds heads turned this far
    assert landmark_problem(BOX, _turned(FACE, -15), LIMITS) == ""


@pytest.mark.parametrize("points", [
    [(70.0, 100.0)] * 5,  # every point in one place: the fit collapsed
    [(84.0, 78.0), (84.0, 78.0), (41.0, 75.0), (58.0, 77.0), (70.0, 109.0)],  # an eye with no width
    [(84.0, 78.0), (101.0, 79.0), (58.0, 75.0), (41.0, 77.0), (70.0, 109.0)],  # the eyes' corners crossed over
    [(101.0, 78.0), (84.0, 79.0), (41.0, 75.0), (58.0, 77.0), (math.nan, 109.0)],  # not a number
    FACE[:4],  # four points
], ids=["collapsed", "flat-eye", "crossed", "nan", "four"])
def test_a_degenerate_fit_is_refused(points):
    assert landmark_problem(BOX, points, LIMITS) == DEGENERATE


def test_implausible_faces_are_refused_each_for_its_reason():
    assert landmark_problem(BOX, _turned(FACE, 50), LIMITS) == TILTED
    assert landmark_problem(BOX, _turned(FACE, 180), LIMITS) == NOSE  # upside down: the nose above the eyes
    nose_above = [*FACE[:4], (70.0, 60.0)]
    nose_aside = [*FACE[:4], (110.0, 100.0)]
    nose_on_chin = [*FACE[:4], (70.0, 145.0)]
    assert {landmark_problem(BOX, p, LIMITS) for p in (nose_above, nose_aside, nose_on_chin)} == {NOSE}
    assert landmark_problem((0.0, 0.0, 400.0, 400.0), FACE, LIMITS) == EYE_DISTANCE  # eyes 11 % of the box apart
    narrow = (55.0, 56.0, 105.0, 146.0)  # a box that one eye stands outside of, at a sane eye distance for it
    assert landmark_problem(narrow, FACE, LandmarkLimits(max_eye_distance=1.5)) == OUTSIDE
    # the limits are the settings': a margin on the real face's 0.47 of the box
    assert landmark_problem(BOX, FACE, LandmarkLimits(max_eye_distance=0.4)) == EYE_DISTANCE
    assert landmark_problem(BOX, FACE, LandmarkLimits(min_eye_distance=0.55)) == EYE_DISTANCE


def test_the_landmark_settings_are_checked_and_become_the_finders_limits():
    from generator.config import Settings, validate
    from generator.errors import ConfigError

    s = Settings()
    assert s.portraits.limits() == LandmarkLimits()
    s.portraits.landmarks = False
    assert s.portraits.limits() is None
    s = Settings()
    s.portraits.min_eye_distance, s.portraits.max_eye_distance = 0.6, 0.5
    with pytest.raises(ConfigError, match=r"\[portraits\] min_eye_distance must not be above max_eye_distance"):
        validate(s)
    s = Settings()
    s.portraits.max_eye_tilt = 120
    with pytest.raises(ConfigError, match=r"\[portraits\] max_eye_tilt must be between 0 and 90"):
        validate(s)


# -- dlib's checks on a picture


@pytest.fixture(scope="module")
def collage(tmp_path_factory) -> Path:
    return patch_and_face(tmp_path_factory.mktemp("checks") / "patch-and-face.png")


@needs_dlib
def test_the_mission_patch_that_hog_takes_for_a_face_is_refused_and_the_real_face_passes(collage):
    from generator.portraits.finder import UNCONFIRMED, FaceFinder, FinderParams

    unchecked = FaceFinder(FinderParams(confirm=False, landmarks=None)).examine(collage)
    # the premise: HOG alone finds two "faces", the patch with a positive score
    assert len(unchecked.faces) == 2 and min(f.score for f in unchecked.faces) > 0.05, unchecked.faces
    assert not unchecked.refused
    checked = FaceFinder(FinderParams()).examine(collage)
    assert len(checked.faces) == 1 and dict(checked.refused) == {UNCONFIRMED: 1}
    left, top, right, bottom = checked.faces[0].box  # Eileen Collins, on the left of the picture
    assert right < 200 and checked.faces[0].score > 0.8
    assert len(checked.faces[0].descriptor) == 128


@needs_dlib
def test_the_landmark_and_score_checks_refuse_in_the_finder(collage):
    from generator.portraits.finder import LANDMARKS, SCORE, FaceFinder, FinderParams

    strict = FaceFinder(FinderParams(confirm=False, landmarks=LandmarkLimits(max_eye_distance=0.3))).examine(collage)
    assert strict.faces == [] and dict(strict.refused) == {LANDMARKS: 2}
    high = FaceFinder(FinderParams(confirm=False, min_score=0.8)).examine(collage)
    assert len(high.faces) == 1 and dict(high.refused) == {SCORE: 1}


@needs_dlib
def test_the_cameraman_in_three_quarter_profile_passes_every_check():
    """The demo's hardest real face: HOG scores it 0.04, below the patch; the checks must still keep it."""
    from generator.portraits.finder import FaceFinder, FinderParams

    found = FaceFinder(FinderParams()).examine(DEMO / "photographs" / "camera.jpg")
    assert len(found.faces) == 1 and not found.refused


# -- pictures the machine made


@pytest.mark.parametrize("made_by", ["dream", "story", "nextframe", "reenact", "synthetic"])
def test_a_film_the_machine_made_is_not_searched(tmp_path, made_by):
    from generator.portraits.stage import made, sources

    frame = tmp_path / "frame.jpg"
    shutil.copy(DEMO / "photographs" / "astronaut.jpg", frame)  # a face, in a frame of both films
    filmed = Film("moon", "Moon", tmp_path / "a.md", tmp_path / "a.mp4", keyframes=[Keyframe(0, 1.0, frame, True)])
    dreamt = Film("moon-dream", "Moon, dreamt", tmp_path / "a.md", tmp_path / "b.mp4", made_by=made_by,
                  keyframes=[Keyframe(0, 1.0, frame, True)])
    item = ArchiveItem("astronaut.jpg", frame)  # the archive is the curators': searched, whatever made it
    found = sources([item], [filmed, dreamt], with_map=True)
    assert [s.href for s in found] == ["../map/#item=astronaut.jpg", "../films/moon/#t=1.00"]
    assert made([filmed, dreamt]) == [dreamt]


@needs_dlib
def test_the_faces_stage_skips_made_films_and_counts_what_it_refused(tmp_path, collage):
    """Through the stage, twice: the refusals are kept with each picture's faces, so the build log says the
    same when every picture comes from the cache."""
    import io

    from generator.cache import Cache
    from generator.config import Settings
    from generator.portraits.stage import run
    from generator.reporter import Reporter
    from generator.stages import StageContext

    dream_frame = tmp_path / "dream.jpg"
    shutil.copy(DEMO / "photographs" / "astronaut.jpg", dream_frame)
    filmed = Film("moon", "Moon", tmp_path / "a.md", tmp_path / "a.mp4", keyframes=[Keyframe(0, 2.0, collage, True)])
    dreamt = Film("moon-dream", "Moon, dreamt", tmp_path / "a.md", tmp_path / "b.mp4", made_by="dream",
                  keyframes=[Keyframe(0, 2.0, dream_frame, True)])
    for _ in range(2):
        log = io.StringIO()
        ctx = StageContext(tmp_path, Settings(), Cache(tmp_path / "cache"), Reporter(stream=log))
        result = run(ctx, [], [filmed, dreamt], with_map=True)
        assert result is not None and [f.href for f in result.faces] == ["../films/moon/#t=2.00"]
        assert result.refused == {"unconfirmed": 1} and result.made == [dreamt]
        assert ("faces: 1 face(s) in 1 of 1 picture(s); 1 candidate(s) refused (1 not confirmed by the CNN); "
                "1 keyframe(s) of 1 film(s) the machine made not searched") in log.getvalue(), log.getvalue()
    assert "looked at" not in log.getvalue()  # the second time, from the cache
