#!/usr/bin/env python3
"""Electric Speech: `python build.py --help`."""

import os
import sys

from generator.cli import main

if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is written and closed by now; skipping the interpreter's teardown (freeing every object of
    # the build, one by one) saves about 0.1 s, a third of a no-op rebuild.
    os._exit(code)
