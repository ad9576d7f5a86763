"""What the ``tf:`` captioner and embedder share: the model's folder or file and its content hash, the
``electric_speech.json`` metadata file, the choice of signature and of its image input (the signatures are
read from ``saved_model.pb`` by :mod:`.tf_signature`, without TensorFlow), the image preprocessing the input
asks for, and TensorFlow itself, imported only when a model is run.

Why without TensorFlow: a build decides a part's identity, whether it gives ImageNet labels and whether its
signature is one it can use before any work, and a no-change rebuild must not import TensorFlow (tens of
seconds on a busy machine).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError, MediaError, MissingDependency
from .tf_signature import Signature, read_signatures
from .tf_signature import TensorSpec as TensorSpec  # re-exported: the parts name it through this module

INSTALL = "pip install -e .[tf]  (tensorflow-cpu)"
METADATA = "electric_speech.json"
DEFAULT_SIGNATURE = "serving_default"
DEFAULT_SIZE = 224  # a float input whose height and width neither the signature nor the metadata give

FLOATS = ("float32", "float64", "float16", "bfloat16")
INTEGERS = ("int32", "int64", "int16", "int8", "uint8", "uint16", "uint32", "uint64")

# -------------------------------------------------------------------------------------- spec and hash


def model_path(spec: str, kind: str, files: tuple[str, ...] = ()) -> Path:
    """The path after ``tf:``: a SavedModel folder (with ``saved_model.pb``) or, where ``files`` allows
    it, a file with one of those suffixes (``.keras``)."""
    target = spec.split(":", 1)[1].strip() if ":" in spec else ""
    what = "a SavedModel folder" + (f" or a {'/'.join(files)} file" if files else "")
    if not target:
        raise ConfigError(f"{kind} {spec!r} names no model; use tf:<{what}>")
    path = Path(os.path.expanduser(target)).resolve()
    if path.is_dir():
        if not (path / "saved_model.pb").is_file():
            raise ConfigError(f"{kind} {spec!r}: {path} has no saved_model.pb (not a TensorFlow SavedModel)")
        return path
    if path.is_file():
        if files and path.suffix in files:
            return path
        raise ConfigError(f"{kind} {spec!r}: {path} is a file; give {what}")
    raise ConfigError(f"{kind} {spec!r}: nothing at {path} (give {what})")


_HASHES: dict[tuple[str, int, int], str] = {}
_HASH_LOCK = threading.Lock()


def content_hash(path: Path) -> str:
    """sha256 of every file of a model folder (``saved_model.pb``, ``variables/*``, ``assets/*``, the
    metadata, the vocabulary) with its relative name, or of one model file. Reading the bytes, not sizes
    and dates, so a copied or re-downloaded model keeps its captions; remembered per process by size and
    modification time, because the captions and map stages (and every Ray actor) ask for it."""
    if path.is_file():
        files = [path] + ([metadata_path(path)] if metadata_path(path).is_file() else [])
    else:
        files = sorted(p for p in path.rglob("*")
                       if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts))
    digest = hashlib.sha256()
    for f in files:
        st = f.stat()
        memo = (str(f), st.st_size, st.st_mtime_ns)
        with _HASH_LOCK:
            known = _HASHES.get(memo)
        if known is None:
            with open(f, "rb") as fh:
                known = hashlib.file_digest(fh, "sha256").hexdigest()
            with _HASH_LOCK:
                _HASHES[memo] = known
        name = f.relative_to(path).as_posix() if path.is_dir() else f.name
        digest.update(f"{name}\0{known}\n".encode())
    return digest.hexdigest()[:16]


# ---------------------------------------------------------------------------------------- metadata

_META_KEYS = {"signature": str, "input": str, "input_name": str, "size": list, "range": list, "resize": str,
              "output": str, "vocab": str, "end_token": str, "features": str, "probs": str}


@dataclass(frozen=True)
class Metadata:
    """``electric_speech.json`` in the model's folder: what the signature does not say. Every key optional."""

    signature: str = ""  # the signature to call ("serving_default", else the only one)
    input: str = ""  # "bytes" (encoded JPEG/PNG), "float" or "uint8" pixels; default: from the input's dtype
    input_name: str = ""  # which input, when the signature has several
    size: tuple[int, int] | None = None  # [height, width] of a float input whose shape leaves them open
    range: tuple[float, float] = (0.0, 1.0)  # float pixels: black -> range[0], white -> range[1]
    resize: str = "crop"  # "crop": short side to size then centre crop; "stretch": to size, aspect ignored
    output: str = ""  # captioner: the output holding the caption or the token ids
    vocab: str = ""  # captioner: vocabulary file (relative to the folder); default vocab.txt, word_counts.txt
    end_token: str = ""  # captioner: the token that ends a caption; default </S>, </s>, <end>, [SEP], <eos>
    features: str = ""  # embedder: the output holding the feature vector
    probs: str = ""  # embedder: the output holding the ImageNet class probabilities (or logits)


def metadata_path(model: Path) -> Path:
    """``electric_speech.json`` in a SavedModel's folder; beside a ``.keras`` file, the same name with .json."""
    return model / METADATA if model.is_dir() else model.with_suffix(".json")


def read_metadata(model: Path) -> Metadata:
    path = metadata_path(model)
    if not path.is_file():
        return Metadata()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read the model's metadata ({exc})", path) from None
    if not isinstance(data, dict):
        raise ConfigError("must be a JSON object", path)
    for key, value in data.items():
        if key not in _META_KEYS:
            raise ConfigError(f"unknown key {key!r} (known: {', '.join(sorted(_META_KEYS))})", path)
        if not isinstance(value, _META_KEYS[key]):
            raise ConfigError(f"{key!r} must be a {_META_KEYS[key].__name__}, got {value!r}", path)
    kwargs: dict[str, Any] = {k: v for k, v in data.items() if k not in ("size", "range")}
    if kwargs.get("input", "bytes") not in ("bytes", "float", "uint8"):
        raise ConfigError(f"'input' must be \"bytes\", \"float\" or \"uint8\", got {kwargs['input']!r}", path)
    if kwargs.get("resize", "crop") not in ("crop", "stretch"):
        raise ConfigError(f"'resize' must be \"crop\" or \"stretch\", got {kwargs['resize']!r}", path)
    if "size" in data:
        size = data["size"]
        if len(size) != 2 or not all(isinstance(v, int) and v >= 8 for v in size):
            raise ConfigError(f"'size' must be [height, width] in pixels, got {size!r}", path)
        kwargs["size"] = (size[0], size[1])
    if "range" in data:
        rng = data["range"]
        if len(rng) != 2 or not all(isinstance(v, (int, float)) for v in rng) or rng[0] == rng[1]:
            raise ConfigError(f"'range' must be [black, white], e.g. [0, 1] or [-1, 1], got {rng!r}", path)
        kwargs["range"] = (float(rng[0]), float(rng[1]))
    return Metadata(**kwargs)


def pick_signature(model_dir: Path, meta: Metadata) -> Signature:
    signatures = read_signatures(model_dir)
    if meta.signature:
        if meta.signature not in signatures:
            raise ConfigError(f"{METADATA} names signature {meta.signature!r}, which the SavedModel has not "
                              f"(it has: {', '.join(sorted(signatures)) or 'none'})", model_dir)
        return signatures[meta.signature]
    if DEFAULT_SIGNATURE in signatures:
        return signatures[DEFAULT_SIGNATURE]
    if len(signatures) == 1:
        return next(iter(signatures.values()))
    raise ConfigError(f"the SavedModel has no {DEFAULT_SIGNATURE!r} signature and "
                      + (f"several ({', '.join(sorted(signatures))}): name one as \"signature\" in {METADATA}"
                         if signatures else "no other: export it with a serving signature"), model_dir)


# ------------------------------------------------------------------------------------ the input side


@dataclass(frozen=True)
class InputPlan:
    """How images go into a signature (or a Keras model)."""

    name: str  # the input's key ("" for a Keras model, called positionally)
    kind: str  # "bytes", "float" or "uint8"
    batch: int = 0  # 0: open first dimension (every image of a batch in one call); n: exactly n per call
    scalar: bool = False  # bytes: a scalar string, one image per call and no batch axis in the outputs
    size: tuple[int, int] = (DEFAULT_SIZE, DEFAULT_SIZE)  # pixels: (height, width)
    range: tuple[float, float] = (0.0, 1.0)
    resize: str = "crop"
    dtype: str = "float32"


def plan_input(sig: Signature, meta: Metadata, where: Path) -> InputPlan:
    """The one image input of a signature: a scalar or 1-D string (encoded images) or [batch, H, W, 3] pixels."""
    images = {k: v for k, v in sig.inputs.items() if not meta.input_name or k == meta.input_name}
    if len(images) != 1:
        listed = ", ".join(f"{k} ({v.dtype})" for k, v in sig.inputs.items()) or "none"
        hint = f"name the image input as \"input_name\" in {METADATA}" if len(images) > 1 else "the image"
        raise ConfigError(f"signature {sig.name!r} must take one image input ({hint}); its inputs: {listed}", where)
    spec = next(iter(images.values()))
    shape = spec.shape
    actual = "bytes" if spec.dtype == "string" else "uint8" if spec.dtype == "uint8" else "float"
    if meta.input and meta.input != actual:
        raise ConfigError(f"{METADATA} says input {meta.input!r}, but {spec.name!r} of signature {sig.name!r} is "
                          f"{spec.dtype} ({actual})", where)
    if spec.dtype == "string":
        if spec.dtype != "string" or (shape is not None and len(shape) > 1):
            raise ConfigError(f"signature {sig.name!r}: input {spec.name!r} must be a scalar or 1-D tf.string of "
                              f"encoded images, got {spec.dtype} {list(shape or [])}", where)
        if shape == ():
            return InputPlan(spec.name, "bytes", batch=1, scalar=True)
        return InputPlan(spec.name, "bytes", batch=max(0, shape[0]) if shape else 0)
    if spec.dtype not in FLOATS and spec.dtype != "uint8":
        raise ConfigError(f"signature {sig.name!r}: input {spec.name!r} is {spec.dtype}; it must be tf.string "
                          "(encoded images) or a float/uint8 image tensor [batch, height, width, 3]", where)
    return pixel_plan(spec.name, spec.dtype, shape, meta, where, f"signature {sig.name!r}: input {spec.name!r}")


def pixel_plan(name: str, dtype: str, shape: tuple[int, ...] | None, meta: Metadata, where: Path,
               what: str) -> InputPlan:
    if shape is not None and (len(shape) != 4 or shape[3] not in (3, -1)):
        raise ConfigError(f"{what} has shape {list(shape)}; an image tensor is [batch, height, width, 3]", where)
    h, w = (shape[1], shape[2]) if shape is not None else (-1, -1)
    if h <= 0 or w <= 0:
        h, w = meta.size or (DEFAULT_SIZE, DEFAULT_SIZE)
    elif meta.size and meta.size != (h, w):
        raise ConfigError(f"{METADATA} says size {list(meta.size)} but {what} is {h}x{w}", where)
    kind = "uint8" if dtype == "uint8" else "float"
    value_range = (0.0, 255.0) if kind == "uint8" else meta.range
    batch = max(0, shape[0]) if shape is not None else 0
    return InputPlan(name, kind, batch, False, (h, w), value_range, meta.resize, dtype)


def encoded_image(path: Path) -> bytes:
    """The file's bytes when they are JPEG or PNG (what tf.io.decode_image reads); other formats re-encoded
    as PNG."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise MediaError(f"cannot read the image ({exc.strerror or exc})", path) from None
    if data[:3] == b"\xff\xd8\xff" or data[:8] == b"\x89PNG\r\n\x1a\n":
        return data
    import io

    buf = io.BytesIO()
    _open_rgb(path, 0).save(buf, format="PNG")
    return buf.getvalue()


def _open_rgb(path: Path, size: int) -> Any:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            if im.format == "JPEG" and size:
                im.draft("RGB", (size, size))  # decode only as many pixels as the model looks at
            return im.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise MediaError(f"cannot read the image ({exc})", path) from None


def pixels(path: Path, plan: InputPlan) -> np.ndarray:
    """One image as [H, W, 3] in the plan's range and dtype."""
    from PIL import Image

    h, w = plan.size
    im = _open_rgb(path, max(h, w))
    if plan.resize == "stretch":
        im = im.resize((w, h), Image.Resampling.BILINEAR)
    else:  # short side to fit, then the centre
        scale = max(w / im.width, h / im.height)
        nw, nh = max(w, round(im.width * scale)), max(h, round(im.height * scale))
        im = im.resize((nw, nh), Image.Resampling.BILINEAR)
        left, top = (nw - w) // 2, (nh - h) // 2
        im = im.crop((left, top, left + w, top + h))
    arr = np.asarray(im, dtype=np.uint8)
    if plan.kind == "uint8":
        return arr
    lo, hi = plan.range
    return (arr.astype(np.float32) * ((hi - lo) / 255.0) + lo).astype(np.float32)


def feed(paths: list[Path], plan: InputPlan) -> list[tuple[np.ndarray, int]]:
    """(value to call the model with, how many of the images it holds): all images in one call for an open
    batch dimension, chunks padded with the last image for a fixed one, one by one for a scalar string."""
    if plan.kind == "bytes":
        data = [encoded_image(p) for p in paths]
        if plan.scalar:
            return [(np.array(d, dtype=object), 1) for d in data]
        items = [np.array(d, dtype=object) for d in data]
    else:
        items = [pixels(p, plan) for p in paths]
    if not plan.batch:
        return [(np.stack(items), len(items))]
    out = []
    for i in range(0, len(items), plan.batch):
        chunk = items[i:i + plan.batch]
        out.append((np.stack(chunk + [chunk[-1]] * (plan.batch - len(chunk))), len(chunk)))
    return out


def split(result: Any, count: int, plan: InputPlan) -> list[np.ndarray]:
    """One model output (a tensor or array) as one array per image."""
    arr = np.asarray(result.numpy() if hasattr(result, "numpy") else result)
    if plan.scalar:
        return [arr]
    return [arr[i, ...] for i in range(count)]  # [i, ...]: a 0-d array, not a bare bytes object


# ------------------------------------------------------------------------------------- TensorFlow


def import_tf(device: str, who: str) -> Any:
    """TensorFlow, quiet, on the device asked for. ``who`` names the part in the one-line error."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # no oneDNN / CPU-feature notices in the build's output
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    try:
        import tensorflow as tf
    except ImportError:
        raise MissingDependency(f"TensorFlow, which {who} needs,", INSTALL) from None
    gpus = tf.config.list_physical_devices("GPU")
    if device.startswith("cuda") and not gpus:
        raise ConfigError(f"--device {device} was asked for but TensorFlow sees no GPU (tensorflow-cpu has none; "
                          "pip install 'tensorflow[and-cuda]' on a machine with one, or use --device cpu)")
    if device == "cpu" and gpus:
        try:
            tf.config.set_visible_devices([], "GPU")
        except RuntimeError:  # TensorFlow was already running on the GPU in this process: leave it
            pass
    return tf


_LOADED: dict[tuple[str, str, str], Any] = {}
_LOAD_LOCK = threading.Lock()


def shared_load(key: tuple[str, str, str], load: Callable[[], Any]) -> Any:
    """One loaded model per (path, content hash, device) and process: a build (or a test run) may create
    several parts on the same model, and loading a SavedModel takes seconds."""
    with _LOAD_LOCK:
        if key not in _LOADED:
            _LOADED[key] = load()
        return _LOADED[key]


def forget(key: tuple[str, str, str]) -> None:
    with _LOAD_LOCK:
        _LOADED.pop(key, None)
