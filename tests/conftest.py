"""Shared fixtures. Test areas keep their own helpers beside their tests (media_fixtures.py, browser/)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
if str(REPO / "tests") not in sys.path:
    sys.path.insert(0, str(REPO / "tests"))

# tests must never reach a model hub
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SEED_ENV = "ES_TEST_SEED"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--seed", type=int, default=None,
                     help=f"base seed of the randomised tests (fixtures, training, layouts); default: ${SEED_ENV} "
                          "or 0. Run the suite with a few seeds to check that no test depends on one outcome.")


def base_seed(config: pytest.Config) -> int:
    given = config.getoption("--seed")
    if given is not None:
        return int(given)
    text = os.environ.get(SEED_ENV, "").strip()
    try:
        return int(text) if text else 0
    except ValueError:
        raise pytest.UsageError(f"{SEED_ENV}={text!r} is not a whole number") from None


def pytest_report_header(config: pytest.Config) -> str:
    return f"electric-speech test seed: {base_seed(config)} (--seed N or {SEED_ENV}=N)"


@pytest.fixture(scope="session")
def test_seed(pytestconfig: pytest.Config) -> int:
    """The base seed of this run: randomised tests derive theirs from it (``test_seed + k``)."""
    return base_seed(pytestconfig)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # noqa: ANN001
    if config.option.verbose < 0 and exitstatus != 0:  # -q shows no header: name the seed beside the failures
        terminalreporter.write_line(f"electric-speech test seed: {base_seed(config)} (rerun with --seed N)")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that needs the demo build (demo_build, demo_copy) is slow wherever it lives: the fast lane
    (-m "not slow") must never pay for the demo's cold build."""
    for item in items:
        if "demo_build" in getattr(item, "fixturenames", ()) and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def quiet_reporter():
    from generator.reporter import Reporter

    return Reporter(quiet=True)


@pytest.fixture
def settings():
    from generator.config import Settings

    return Settings()


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory):
    """The shipped demo built once per test run (shared by xdist workers through a lock): a copy of
    content/ with its cache, the output folder, and a summary of the cold build."""
    import fcntl
    import json
    import shutil

    base = tmp_path_factory.getbasetemp()
    # xdist workers get base/popen-gwN: their common parent belongs to this run only
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "demo-build"
    shared.mkdir(exist_ok=True)
    summary_path = shared / "summary.json"
    with open(shared / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not summary_path.exists():
            from generator.cli import make_parser, run_build
            from generator.reporter import Reporter

            content = shared / "content"
            shutil.rmtree(content, ignore_errors=True)
            shutil.copytree(REPO / "content", content, ignore=shutil.ignore_patterns(".cache", ".publish"))
            args = make_parser().parse_args(["build", "--content", str(content), "--out", str(shared / "_site"), "-q"])
            result = run_build(args, Reporter(quiet=True))
            st = result.stats
            summary_path.write_text(json.dumps({"films": st.films, "keyframes": st.keyframes, "cues": st.cues,
                                                "pages": st.pages, "archive": st.archive,
                                                "warnings": result.warnings, "seconds": st.seconds}))
        fcntl.flock(lock, fcntl.LOCK_UN)
    return {"root": shared, "content": shared / "content", "site": shared / "_site",
            "summary": json.loads(summary_path.read_text())}


@pytest.fixture
def demo_copy(demo_build, tmp_path):
    """A private copy of the built demo (content with its cache, and the site) for tests that edit it."""
    import shutil

    shutil.copytree(demo_build["content"], tmp_path / "content", symlinks=True)
    shutil.copytree(demo_build["site"], tmp_path / "_site", symlinks=True)
    return tmp_path
