"""``tf:<model.keras or SavedModel folder>``: the map's embeddings from a Keras or TensorFlow image model.

- A **Keras file** (``.keras``, Keras 3's format) is called on ``[batch, height, width, 3]`` float pixels of
  the size its input fixes (224 when it leaves it open), in ``[0, 1]`` unless ``<name>.json`` beside the
  file says otherwise (the ``electric_speech.json`` keys: ``"range"``, ``"size"``, ``"resize"``). Bring a
  model that includes its own preprocessing (``keras.applications`` models want it as a first layer or a
  ``"range"`` matching theirs).
- A **SavedModel folder** is called through its serving signature, whose image input is read as for the
  ``tf:`` captioner (encoded bytes, or float/uint8 pixels; see :mod:`generator.captions.tf_saved`).
  ``"features"`` and ``"probs"`` in ``electric_speech.json`` name its outputs; otherwise a 2-D float output
  1000 (or 1001, with TF-Slim's background class first) wide is the class output, and the other 2-D float
  output is the feature vector (a 4-D ``[batch, h, w, c]`` one is averaged over h and w).

The vector per image: when the model ends in 1000 ImageNet classes, the input of its last Dense layer
(Keras) or the other output (SavedModel) and, beside it, the class probabilities (logits go through a
softmax), which then name the map's clusters; a model with only the class output gives the probabilities
as its vector. Any other model gives its output as the vector, and the map names its clusters with the
offline EfficientNet-Lite0's ImageNet labels, computed in a second pass (as for ``hf:`` embedders).

Whether the model gives labels is read without TensorFlow (the ``.keras`` file's ``config.json``, the
SavedModel's ``saved_model.pb``), and the identity is the sha256 of the model's bytes, so a map whose
embeddings are all cached never imports TensorFlow.
"""

from __future__ import annotations

import json
import threading
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..config import MapSettings
from ..errors import ConfigError
from ..models import tf_model as tfm
from .embed import Embedder, EmbedOutput

VERSION = 1
CLASSES = (1000, 1001)  # ImageNet-1k; 1001: TF-Slim's background class first
_PASS_THROUGH = ("Activation", "Softmax", "Dropout", "Identity")
_PREFERRED = ("feature", "embed", "pool", "vector")


def keras_classes(path: Path) -> int | None:
    """The width of a .keras model's last Dense layer when it is the output (through activations), from
    the file's config.json; None when it is something else or the file cannot tell."""
    try:
        with zipfile.ZipFile(path) as z:
            config = json.loads(z.read("config.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ConfigError(f"not a Keras 3 .keras file ({exc})", path) from None
    body = config.get("config", {}) if isinstance(config, dict) else {}
    layers = body.get("layers", []) if isinstance(body, dict) else []
    if not isinstance(layers, list) or not layers:
        return None
    outputs = body.get("output_layers")
    name = None
    if isinstance(outputs, list) and outputs:
        first = outputs[0] if isinstance(outputs[0], list) else outputs
        if len(outputs) > 1 and isinstance(outputs[0], list):
            return None  # several outputs: not a plain classifier
        name = first[0] if first else None
    index = next((i for i, lay in enumerate(layers) if lay.get("config", {}).get("name") == name), len(layers) - 1)
    for layer in reversed(layers[:index + 1]):
        cls = layer.get("class_name", "")
        if cls == "Dense":
            units = layer.get("config", {}).get("units")
            return int(units) if isinstance(units, int) else None
        if cls not in _PASS_THROUGH:
            return None
    return None


def _pick_outputs(sig: tfm.Signature, meta: tfm.Metadata, where: Path) -> tuple[str, str]:
    """(features output, class output or "")."""
    for name in (meta.features, meta.probs):
        if name and name not in sig.outputs:
            raise ConfigError(f"{tfm.METADATA} names output {name!r}; signature {sig.name!r} has "
                              f"{', '.join(sorted(sig.outputs)) or 'none'}", where)
    floats = [o for o in sig.outputs.values() if o.dtype in tfm.FLOATS and o.shape is not None]
    probs = meta.probs or next((o.name for o in floats if len(o.shape or ()) == 2 and (o.shape or ())[-1] in CLASSES
                                and o.name != meta.features), "")
    if meta.features:
        return meta.features, probs
    others = [o for o in floats if o.name != probs and len(o.shape or ()) in (2, 4)]
    if len(others) > 1:
        for word in _PREFERRED:
            named = [o for o in others if word in o.name.lower()]
            if len(named) == 1:
                return named[0].name, probs
        raise ConfigError(f"signature {sig.name!r} has several possible feature outputs "
                          f"({', '.join(sorted(o.name for o in others))}): name one as \"features\" in "
                          f"{tfm.METADATA}", where)
    if others:
        return others[0].name, probs
    if probs:
        return probs, probs
    listed = ", ".join(f"{o.name} ({o.dtype} {list(o.shape or [])})" for o in sig.outputs.values()) or "none"
    raise ConfigError(f"signature {sig.name!r} gives no feature vector (a 2-D or 4-D float output); its outputs: "
                      f"{listed}", where)


def as_probabilities(values: np.ndarray) -> np.ndarray:
    """ImageNet-1k probabilities from probabilities or logits (1001 wide: the background class dropped)."""
    values = values.astype(np.float32)
    if values.shape[-1] == 1001:
        values = values[:, 1:]
    rows = values.sum(axis=1)
    if values.min() < 0 or values.max() > 1 or not np.allclose(rows, 1.0, atol=2e-3):
        shifted = np.exp(values - values.max(axis=1, keepdims=True))
        values = shifted / shifted.sum(axis=1, keepdims=True)
    out: np.ndarray = (values / values.sum(axis=1, keepdims=True)).astype(np.float32)
    return out


def _vectors(values: Any, scalar: bool) -> np.ndarray:
    arr = np.asarray(values.numpy() if hasattr(values, "numpy") else values, dtype=np.float32)
    if scalar:  # one image per call, no batch axis
        arr = arr[None]
    if arr.ndim == 4:  # a feature map: average over height and width
        arr = arr.mean(axis=(1, 2))
    return arr.reshape(arr.shape[0], -1)


class TFEmbedder(Embedder):
    """A Keras (``.keras``) or SavedModel image model (see the module's docstring)."""

    version = VERSION

    def __init__(self, spec: str, settings: MapSettings) -> None:
        super().__init__(spec, settings)
        self.path = tfm.model_path(spec, "embedder", files=(".keras",))
        self.meta = tfm.read_metadata(self.path)
        self._sig: tfm.Signature | None = None
        self._outputs = ("", "")
        if self.path.is_dir():
            self._sig = tfm.pick_signature(self.path, self.meta)
            self._input: tfm.InputPlan | None = tfm.plan_input(self._sig, self.meta, self.path)
            self._outputs = _pick_outputs(self._sig, self.meta, self.path)
            self.gives_labels = bool(self._outputs[1])
        else:
            self._input = None  # from the model's input shape, once loaded
            self.gives_labels = keras_classes(self.path) in CLASSES
        self._run: Callable[[Any], tuple[Any, Any]] | None = None
        self._key: tuple[str, str, str] | None = None
        self._lock = threading.Lock()

    def identity(self) -> str:
        return f"tf:{self.path.name}@{tfm.content_hash(self.path)}/v{self.version}"

    def _load(self) -> tuple[Callable[[Any], tuple[Any, Any]], tfm.InputPlan]:
        with self._lock:
            if self._run is None:
                tf = tfm.import_tf(self.settings.device, f"the embedder {self.spec!r}")
                self._key = (str(self.path), tfm.content_hash(self.path), self.settings.device)
                if self._sig is not None:
                    loaded = tfm.shared_load(self._key, lambda: tf.saved_model.load(str(self.path)))
                    self._run = self._signature_runner(tf, loaded.signatures[self._sig.name])
                else:
                    model = tfm.shared_load(self._key, lambda: self._load_keras(tf))
                    self._run, self._input = self._keras_runner(tf, model)
            assert self._input is not None
            return self._run, self._input

    def _signature_runner(self, tf: Any, fn: Any) -> Callable[[Any], tuple[Any, Any]]:
        assert self._input is not None
        plan, (features, probs) = self._input, self._outputs
        dtype = tf.string if plan.kind == "bytes" else getattr(tf, plan.dtype)

        def run(value: Any) -> tuple[Any, Any]:
            out = fn(**{plan.name: tf.constant(value, dtype=dtype)})
            return out[features], (out[probs] if probs else None)

        return run

    def _load_keras(self, tf: Any) -> Any:
        try:
            return tf.keras.models.load_model(str(self.path), compile=False)
        except (OSError, ValueError, TypeError) as exc:
            message = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            raise ConfigError(f"cannot load the Keras model ({message})", self.path) from None

    def _keras_runner(self, tf: Any, model: Any) -> tuple[Callable[[Any], tuple[Any, Any]], tfm.InputPlan]:
        shape = tuple(-1 if d is None else int(d) for d in model.input_shape)
        where = f"the Keras model's input {list(shape)}"
        plan = tfm.pixel_plan("", str(model.inputs[0].dtype).replace("tf.", ""), shape, self.meta, self.path, where)
        plan = tfm.InputPlan("", plan.kind, 0, False, plan.size, plan.range, plan.resize, plan.dtype)
        net = model
        if self.gives_labels:  # the classifier's input is the feature vector, its output the classes
            head = next(layer for layer in reversed(model.layers) if type(layer).__name__ == "Dense")
            net = tf.keras.Model(model.inputs, [head.input, model.outputs[0]])

        def run(value: Any) -> tuple[Any, Any]:
            out = net(tf.constant(value, dtype=getattr(tf, plan.dtype)), training=False)
            return (out[0], out[1]) if self.gives_labels else (out, None)

        return run, plan

    def preprocess(self, paths: Sequence[Path]) -> list[tuple[np.ndarray, int]]:
        _, plan = self._load()
        return tfm.feed(list(paths), plan)

    def forward(self, batch: list[tuple[np.ndarray, int]]) -> EmbedOutput:
        run, plan = self._load()
        features, probs = [], []
        for value, count in batch:
            feats, classes = run(value)
            features.append(_vectors(feats, plan.scalar)[:count])
            if classes is not None:
                arr = np.asarray(classes.numpy() if hasattr(classes, "numpy") else classes)
                probs.append(arr.reshape(-1, arr.shape[-1])[:count])
        return EmbedOutput(features=np.concatenate(features).astype(np.float32),
                           probs=as_probabilities(np.concatenate(probs)) if probs and self.gives_labels else None)

    def close(self) -> None:
        if self._key is not None:
            tfm.forget(self._key)
            self._key = None
            self._run = None
