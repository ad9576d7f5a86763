"""The face index the ``portraits/`` page searches: one binary file of quantised vectors and one JSON of
what each face is.

``faces.bin`` (little-endian)::

    0   4 bytes  magic b"ESFI"
    4   u8       format version (1)
    5   u8       element type: 1 = int8
    6   u16      dimensions (128)
    8   u32      number of faces
    12  f32      scale: a component is int8 * scale
    16  count * dimensions int8, face after face

Int8 with one scale for the whole file: dlib's descriptor components lie within about +-0.35, so a step
is ~0.003 and the distance between two faces moves by well under 0.01 (dlib's same-person threshold is
0.6), at a quarter of Float32's size: 100,000 faces are 12.8 MB. ``faces.json`` holds, per face in the
same order, ``[crop, href, title, detail]`` (crop and href relative to ``portraits/``).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

MAGIC = b"ESFI"
FORMAT = 1
INT8 = 1
HEADER = struct.Struct("<4sBBHIf")  # 16 bytes


def encode(vectors: np.ndarray) -> bytes:
    """``vectors`` (n, d) float as the bytes of ``faces.bin``."""
    import numpy as np

    vectors = np.asarray(vectors, np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"face vectors must be a 2-d array, got shape {vectors.shape}")
    n, dim = vectors.shape
    peak = float(np.abs(vectors).max()) if vectors.size else 0.0
    scale = peak / 127 if peak > 0 else 1.0
    q = np.clip(np.rint(vectors / scale), -127, 127).astype(np.int8)
    return HEADER.pack(MAGIC, FORMAT, INT8, dim, n, scale) + q.tobytes()


def decode(data: bytes) -> np.ndarray:
    """The (n, d) float32 vectors of a ``faces.bin``; ValueError naming what is wrong."""
    import numpy as np

    if len(data) < HEADER.size:
        raise ValueError(f"face index: {len(data)} bytes is shorter than its {HEADER.size}-byte header")
    magic, version, kind, dim, n, scale = HEADER.unpack_from(data)
    if magic != MAGIC or version != FORMAT or kind != INT8:
        raise ValueError(f"face index: not format {FORMAT} int8 (magic {magic!r}, version {version}, type {kind})")
    body = np.frombuffer(data, np.int8, offset=HEADER.size)
    if body.size != n * dim:
        raise ValueError(f"face index: {body.size} values for {n} faces of {dim} dimensions")
    out: np.ndarray = body.reshape(n, dim).astype(np.float32) * np.float32(scale)
    return out
