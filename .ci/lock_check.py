"""Fails when the virtualenv is not exactly requirements.lock: a package of another version, one missing,
or one the lock does not name (the project itself, pip and its build tools aside). Run by .ci/setup."""

from __future__ import annotations

import re
import sys
from importlib import metadata

IGNORED = {"pip", "setuptools", "wheel", "electric-speech"}  # the installer and the project itself


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main(lock_path: str) -> int:
    locked: dict[str, str] = {}
    for line in open(lock_path, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if "==" in line and not line.startswith("-"):
            name, version = line.split("==", 1)
            locked[canonical(name.split("[", 1)[0])] = version.split(";", 1)[0].strip()
    installed = {canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}
    problems = []
    for name, version in sorted(locked.items()):
        if name in IGNORED:
            continue
        have = installed.get(name)
        if have is None:
            problems.append(f"{name}=={version} is in the lock but not installed")
        elif have != version:
            problems.append(f"{name} is {have}, the lock says {version}")
    extra = sorted(set(installed) - set(locked) - IGNORED)
    problems += [f"{name}=={installed[name]} is installed but not in the lock" for name in extra]
    if problems:
        print(f"error: .venv does not match {lock_path}:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    print(f".venv matches {lock_path}: {len(locked)} packages")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "requirements.lock"))
