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


@pytest.fixture
def quiet_reporter():
    from generator.reporter import Reporter

    return Reporter(quiet=True)


@pytest.fixture
def settings():
    from generator.config import Settings

    return Settings()
