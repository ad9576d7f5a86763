"""torch's intra-op thread count for one piece of work, put back afterwards.

Training and dreaming take ``--threads`` / ``threads`` (one thread trained 5x faster than two on a loaded
2-core machine); the process they run in (a build that captions next, a test run, a notebook) goes on with
the count it had.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """``threads`` intra-op threads inside the block; 0 leaves torch's own count."""
    import torch

    before = torch.get_num_threads()
    if threads > 0:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        if threads > 0:
            torch.set_num_threads(before)
