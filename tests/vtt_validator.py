"""Run the independent WebVTT validator (npm webvtt-parser) from Python tests."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "tests" / "tools" / "validate_vtt.js"


def validate_vtt(path: Path) -> dict:
    """Parsed result {errors, cues}; skips (never silently passes) if node or the package is missing."""
    if shutil.which("node") is None or not (REPO / "node_modules" / "webvtt-parser").is_dir():
        pytest.fail("node and node_modules/webvtt-parser are needed (run .ci/setup)")
    proc = subprocess.run(["node", str(SCRIPT), str(path)], capture_output=True, text=True, timeout=60)
    line = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    if not line:
        raise AssertionError(f"validator printed nothing: {proc.stderr}")
    return json.loads(line)
