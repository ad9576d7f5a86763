"""A TensorFlow SavedModel's serving signatures, read from ``saved_model.pb`` without TensorFlow.

The SavedModel protocol buffer is a stable, documented format; only its signatures are decoded here
(``SavedModel.meta_graphs = 2``, ``MetaGraphDef.signature_def = 5``, ``SignatureDef.inputs = 1 /
outputs = 2``, ``TensorInfo.dtype = 2 / tensor_shape = 3``, ``TensorShapeProto.dim = 2``), every other field
(the graph, the function library, the object graph) is skipped by its length without being read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError

# tensorflow/core/framework/types.proto: the DataType values a signature of an image model uses
_DTYPES = {1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8", 7: "string", 9: "int64",
           14: "bfloat16", 17: "uint16", 19: "float16", 22: "uint32", 23: "uint64"}


@dataclass(frozen=True)
class TensorSpec:
    name: str  # the key in the signature (what the function is called with / returns)
    dtype: str  # "float32", "string", ... ("unknown" for a type an image model does not use)
    shape: tuple[int, ...] | None  # -1 for an open dimension; None for an unknown rank


@dataclass(frozen=True)
class Signature:
    name: str
    inputs: dict[str, TensorSpec] = field(default_factory=dict)
    outputs: dict[str, TensorSpec] = field(default_factory=dict)


def _varint(buf: memoryview, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, i
        shift += 7


def _fields(buf: memoryview) -> Iterator[tuple[int, int | memoryview]]:
    """(field number, varint value or the bytes of a length-delimited field) of one protobuf message."""
    i, end = 0, len(buf)
    while i < end:
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
            yield number, value
        elif wire == 2:
            length, i = _varint(buf, i)
            yield number, buf[i:i + length]
            i += length
        elif wire in (1, 5):
            i += 8 if wire == 1 else 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")


def _map_entry(buf: memoryview) -> tuple[str, memoryview]:
    key, value = "", memoryview(b"")
    for number, v in _fields(buf):
        if number == 1 and isinstance(v, memoryview):
            key = bytes(v).decode("utf-8")
        elif number == 2 and isinstance(v, memoryview):
            value = v
    return key, value


def _tensor_info(name: str, buf: memoryview) -> TensorSpec:
    dtype, shape = "unknown", None
    for number, v in _fields(buf):
        if number == 2 and isinstance(v, int):
            dtype = _DTYPES.get(v, "unknown")
        elif number == 3 and isinstance(v, memoryview):  # TensorShapeProto
            dims: list[int] = []
            unknown_rank = False
            for n, d in _fields(v):
                if n == 2 and isinstance(d, memoryview):
                    size = 0
                    for dn, dv in _fields(d):
                        if dn == 1 and isinstance(dv, int):
                            size = dv - (1 << 64) if dv >= 1 << 63 else dv  # int64 -1 is ten bytes of varint
                    dims.append(size)
                elif n == 3 and d:
                    unknown_rank = True
            shape = None if unknown_rank else tuple(dims)
    return TensorSpec(name, dtype, shape)


def read_signatures(model_dir: Path) -> dict[str, Signature]:
    """The serving signatures of a SavedModel, from ``saved_model.pb`` (SavedModel.meta_graphs = 2,
    MetaGraphDef.signature_def = 5, SignatureDef.inputs = 1 / outputs = 2, TensorInfo.dtype = 2 /
    tensor_shape = 3)."""
    pb = model_dir / "saved_model.pb"
    try:
        buf = memoryview(pb.read_bytes())
        out: dict[str, Signature] = {}
        for number, meta in _fields(buf):
            if number != 2 or not isinstance(meta, memoryview):
                continue
            for n, entry in _fields(meta):
                if n != 5 or not isinstance(entry, memoryview):
                    continue
                name, sig = _map_entry(entry)
                if name.startswith("__"):  # __saved_model_init_op: not a function to call
                    continue
                inputs: dict[str, TensorSpec] = {}
                outputs: dict[str, TensorSpec] = {}
                for sn, part in _fields(sig):
                    if sn in (1, 2) and isinstance(part, memoryview):
                        key, info = _map_entry(part)
                        (inputs if sn == 1 else outputs)[key] = _tensor_info(key, info)
                out[name] = Signature(name, inputs, outputs)
    except (OSError, ValueError, IndexError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the SavedModel's signatures ({exc})", pb) from None
    return out
