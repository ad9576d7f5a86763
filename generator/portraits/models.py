"""dlib's face models, found without importing anything heavy.

The models ship in the ``face-recognition-models`` package, whose ``__init__`` imports ``pkg_resources``
(gone from current setuptools), so its folder is located with :func:`importlib.util.find_spec` and the
files are read from there. The identity names the dlib version and each model file's size, so upgrading
either re-describes every face, and reading it imports neither dlib nor the models package.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path

from ..errors import MissingDependency

INSTALL = "pip install -e .[portraits]"
DETECTOR_CNN = "mmod_human_face_detector.dat"  # dlib's MMOD CNN face detector ("cnn")
SHAPE_5 = "shape_predictor_5_face_landmarks.dat"  # dlib's recommended alignment for the ResNet descriptor
RESNET = "dlib_face_recognition_resnet_model_v1.dat"  # 128-d, LFW 99.38 %


def models_dir() -> Path | None:
    """The ``models/`` folder of the installed face-recognition-models package, or None."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location) / "models"
        if (folder / RESNET).is_file():
            return folder
    return None


def unavailable() -> str:
    """Why faces cannot be described here ("" when they can); imports nothing."""
    missing = [name for name in ("dlib",) if importlib.util.find_spec(name) is None]
    if models_dir() is None:
        missing.append("face_recognition_models")
    return f"{', '.join(missing)} not installed ({INSTALL})" if missing else ""


def model_path(name: str) -> Path:
    folder = models_dir()
    if folder is None or not (folder / name).is_file():
        raise MissingDependency(f"the dlib face model {name} (package face-recognition-models)", INSTALL)
    return folder / name


def _version(*dists: str) -> str:
    for dist in dists:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "?"


def identity(detector: str, confirm: bool = False) -> str:
    """What finds and describes the faces: dlib's version, the detector (``+cnn``: HOG's candidates confirmed
    by the CNN), and the models' sizes."""
    folder = models_dir()
    uses_cnn = detector == "cnn" or confirm
    sizes = [(folder / n).stat().st_size if folder and (folder / n).is_file() else 0
             for n in ([DETECTOR_CNN] if uses_cnn else []) + [SHAPE_5, RESNET]]
    how = f"{detector}+cnn" if confirm and detector != "cnn" else detector
    return f"dlib-{_version('dlib-bin', 'dlib')}/{how}/sp5/resnet-v1/" + "-".join(map(str, sizes))
