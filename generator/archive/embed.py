"""Image embeddings for the map: the Embedder interface, its registry and a resumable sharded store.

An embedder turns images into vectors (and, for the ImageNet CNN, class probabilities: the machine's
labels). Embeddings are stored per image key in shards of a few hundred vectors, each written atomically
as soon as it is full, so an interrupted run loses at most one shard and the next run embeds only what is
missing. The batches are computed by the build's executor: locally, images are decoded and preprocessed in a
background thread while the model runs on the previous batch, which keeps the pipeline close to the speed of
the bare forward pass; with Ray, each actor of a pool holds its own embedder.
"""

from __future__ import annotations

import hashlib
import io
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import registry
from ..cache import Cache, atomic_write_bytes, hash_parts
from ..config import MapSettings
from ..errors import ConfigError, MissingDependency
from ..executors.base import Executor, PartJob, Worker
from ..executors.local import LocalExecutor
from ..reporter import Reporter

EMBED_STAGE = "map-embed"
STORE_VERSION = 1
TOP_K = 5  # class probabilities kept per image (enough to name clusters and build the label index)


@dataclass
class EmbedOutput:
    features: np.ndarray  # (N, D) float32
    probs: np.ndarray | None = None  # (N, 1000) ImageNet probabilities, when the model gives them


class Embedder(ABC):
    """Images in, vectors out. Subclasses load their model lazily, on the first batch."""

    version: int = 1
    gives_labels: bool = False  # True when forward() also returns ImageNet probabilities

    def __init__(self, spec: str, settings: MapSettings) -> None:
        self.spec = spec
        self.settings = settings

    @abstractmethod
    def identity(self) -> str:
        """Model id/weights + version: goes into cache keys, must not load the model."""

    @abstractmethod
    def preprocess(self, paths: Sequence[Path]) -> Any:
        """Decode and prepare a batch (runs in a loader thread, overlapped with forward)."""

    @abstractmethod
    def forward(self, batch: Any) -> EmbedOutput:
        """Run the model on a prepared batch."""

    def embed(self, paths: Sequence[Path]) -> EmbedOutput:
        return self.forward(self.preprocess(paths))


class EfficientNetEmbedder(Embedder):
    """The offline EfficientNet-Lite0: 1280-d pooled features + ImageNet probabilities in one pass."""

    gives_labels = True

    def identity(self) -> str:
        from ..models.ids import MODEL_ID

        return f"{MODEL_ID}/v{self.version}"

    def _cnn(self) -> Any:
        from ..models.efficientnet import ImageNetCNN

        return ImageNetCNN.get(self.settings.device)

    def preprocess(self, paths: Sequence[Path]) -> np.ndarray:
        from ..models.efficientnet import load_image, to_batch

        return to_batch([load_image(p) for p in paths])

    def forward(self, batch: np.ndarray) -> EmbedOutput:
        out = self._cnn().forward(batch)
        return EmbedOutput(features=out.features, probs=out.probs)


class HFImageEmbedder(Embedder):
    """The image tower of a CLIP/SigLIP-style model from transformers: ``hf:<model id or local path>``."""

    def __init__(self, spec: str, settings: MapSettings) -> None:
        super().__init__(spec, settings)
        self.source = spec.split(":", 1)[1] if ":" in spec else spec
        if not self.source:
            raise ConfigError("embedder 'hf:' needs a model id or a path, e.g. hf:openai/clip-vit-base-patch32")
        self._model: Any = None
        self._processor: Any = None
        self._lock = threading.Lock()

    def identity(self) -> str:
        path = Path(self.source).expanduser()
        if path.is_dir():  # a local folder: its weights' bytes decide, not its name
            h = hashlib.sha256()
            for f in sorted(path.rglob("*")):
                if f.is_file() and f.suffix in (".json", ".safetensors", ".bin", ".txt", ".model"):
                    h.update(f.name.encode())
                    h.update(str(f.stat().st_size).encode())
                    with open(f, "rb") as fh:
                        h.update(fh.read(1 << 16))
            return f"hf:{path.name}@{h.hexdigest()[:16]}/v{self.version}"
        return f"hf:{self.source}/v{self.version}"

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._model is None:
                try:
                    import torch  # noqa: F401
                    from transformers import AutoImageProcessor, AutoModel
                except ImportError as exc:
                    raise MissingDependency(f"transformers ({exc.name})", "pip install torch transformers") from None
                from ..models.efficientnet import resolve_device

                local = Path(self.source).expanduser()
                where = str(local) if local.exists() else self.source
                try:
                    self._processor = AutoImageProcessor.from_pretrained(where)
                    self._model = AutoModel.from_pretrained(where).eval().to(resolve_device(self.settings.device))
                except OSError as exc:
                    raise ConfigError(f"cannot load image model {self.source!r}: {str(exc).splitlines()[0]} "
                                      "(models are not downloaded: give a local folder or a model already in the "
                                      "Hugging Face cache)") from None
        return self._model, self._processor

    def preprocess(self, paths: Sequence[Path]) -> Any:
        from PIL import Image

        _, processor = self._load()
        images = []
        for p in paths:
            with Image.open(p) as im:
                images.append(im.convert("RGB"))
        return processor(images=images, return_tensors="pt")["pixel_values"]

    def forward(self, batch: Any) -> EmbedOutput:
        import torch

        model, _ = self._load()
        device = next(model.parameters()).device
        with torch.inference_mode():
            pv = batch.to(device)
            if hasattr(model, "get_image_features"):
                out = model.get_image_features(pixel_values=pv)
            else:
                out = model(pixel_values=pv)
            if not isinstance(out, torch.Tensor):
                pooled = getattr(out, "image_embeds", None)
                if pooled is None:
                    pooled = getattr(out, "pooler_output", None)
                if pooled is None:
                    pooled = out.last_hidden_state.mean(1)
                out = pooled
            return EmbedOutput(features=out.float().reshape(out.shape[0], -1).cpu().numpy())


def register_embedder(name: str, target: str, **fields: Any) -> None:
    """Register a backend under a name (or a prefix before ':') as ``"package.module:ClassName"``."""
    registry.register("embedder", name, target, **fields)


def create_embedder(spec: str, settings: MapSettings) -> Embedder:
    embedder: Embedder = registry.create("embedder", spec, settings)
    return embedder


# ---------------------------------------------------------------------------------------- the store

class EmbeddingStore:
    """Vectors (float16) and top-k labels per image key, in atomically written shards."""

    def __init__(self, cache: Cache, identity: str, shard_size: int = 512) -> None:
        self.identity = identity
        self.ns = cache.namespace(EMBED_STAGE, STORE_VERSION)
        self.dir = self.ns.store(hash_parts(STORE_VERSION, identity)[:32])
        self.shard_size = shard_size
        self._index: dict[str, tuple[int, int]] = {}
        self._shards: list[dict[str, np.ndarray]] = []
        self._pending: list[tuple[str, np.ndarray, np.ndarray | None]] = []
        self._load()

    def _load(self) -> None:
        for f in sorted(self.dir.glob("*.npz")):
            try:
                with np.load(f, allow_pickle=False) as z:
                    shard = {k: z[k] for k in z.files}
            except (OSError, ValueError, EOFError):
                continue  # a damaged shard only costs its images being embedded again
            n = len(self._shards)
            self._shards.append(shard)
            for row, k in enumerate(shard["keys"]):
                self._index[k.decode("ascii") if isinstance(k, bytes) else str(k)] = (n, row)

    def __contains__(self, key: str) -> bool:
        return key in self._index

    def missing(self, keys: Sequence[str]) -> list[str]:
        seen: set[str] = set()
        out = []
        for k in keys:
            if k not in self._index and k not in seen:
                seen.add(k)
                out.append(k)
        return out

    def add(self, keys: Sequence[str], out: EmbedOutput) -> None:
        top_idx = top_p = None
        if out.probs is not None:
            top_idx = np.argsort(-out.probs, axis=1)[:, :TOP_K]
            top_p = np.take_along_axis(out.probs, top_idx, axis=1)
        for i, k in enumerate(keys):
            labels = None if top_idx is None else np.stack([top_idx[i].astype(np.float32), top_p[i]])  # type: ignore[index]
            self._pending.append((k, out.features[i].astype(np.float16), labels))
        if len(self._pending) >= self.shard_size:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        keys = np.array([k for k, _, _ in self._pending], dtype="S64")
        shard: dict[str, np.ndarray] = {"keys": keys, "features": np.stack([f for _, f, _ in self._pending])}
        if all(lab is not None for _, _, lab in self._pending):
            labs = np.stack([lab for _, _, lab in self._pending])  # type: ignore[misc]
            shard["top_idx"] = labs[:, 0, :].astype(np.uint16)
            shard["top_p"] = labs[:, 1, :].astype(np.float16)
        buf = io.BytesIO()
        # numpy's stub checks a ** dict against savez's allow_pickle: bool as well as the array keywords
        np.savez(buf, **shard)  # type: ignore[arg-type]
        name = f"{hashlib.sha256(keys.tobytes()).hexdigest()[:24]}.npz"
        atomic_write_bytes(self.dir / name, buf.getvalue())
        n = len(self._shards)
        self._shards.append(shard)
        for row, k in enumerate(keys):
            self._index[k.decode("ascii")] = (n, row)
        self._pending = []

    def features(self, keys: Sequence[str]) -> np.ndarray:
        """(N, D) float32 in the order of ``keys`` (all must be present)."""
        if not keys:
            return np.zeros((0, 0), np.float32)
        first = self._shards[self._index[keys[0]][0]]["features"]
        out = np.empty((len(keys), first.shape[1]), np.float32)
        for i, k in enumerate(keys):
            s, r = self._index[k]
            out[i] = self._shards[s]["features"][r]
        return out

    def labels(self, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Top-k class indices (N, TOP_K) uint16 and their probabilities (N, TOP_K) float32."""
        idx = np.zeros((len(keys), TOP_K), np.uint16)
        p = np.zeros((len(keys), TOP_K), np.float32)
        for i, k in enumerate(keys):
            s, r = self._index[k]
            shard = self._shards[s]
            if "top_idx" in shard:
                idx[i], p[i] = shard["top_idx"][r], shard["top_p"][r]
        return idx, p


class EmbedWorker(Worker[list[Path], EmbedOutput]):
    """An embedder computing batches of image paths: decoding (prepare) overlaps the model (compute) when the
    executor runs it locally."""

    overlap = True

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def prepare(self, batch: list[Path]) -> Any:
        return self.embedder.preprocess(batch)

    def compute(self, prepared: Any) -> EmbedOutput:
        return self.embedder.forward(prepared)


def embed_missing(embedder: Embedder, store: EmbeddingStore, images: Sequence[tuple[str, Path]],
                  reporter: Reporter, batch_size: int, desc: str = "embed", executor: Executor | None = None,
                  device: str = "cpu") -> int:
    """Embed every (key, image) whose key is not in the store yet; returns how many were computed.

    The executor (default: this process) computes the batches; whichever it is, the results come back in
    order and are stored here, batch by batch. ``device`` is the embedder's (GPUs for Ray actors)."""
    todo_keys = set(store.missing([k for k, _ in images]))
    todo = []
    for k, p in images:
        if k in todo_keys:
            todo.append((k, p))
            todo_keys.discard(k)
    store.ns.hit(len({k for k, _ in images}) - len(todo))
    store.ns.miss(len(todo))
    if not todo:
        return 0
    batches = [todo[i:i + batch_size] for i in range(0, len(todo), batch_size)]
    executor = executor or LocalExecutor()
    # local: this very embedder computes; ray: each actor makes its own from (class, spec, settings)
    results = executor.map_batches(PartJob(EmbedWorker, embedder), [[p for _, p in b] for b in batches],
                                   device=device)
    try:
        with closing(results):
            for b, out in reporter.progress(zip(batches, results), total=len(batches), desc=desc, unit="batch"):
                store.add([k for k, _ in b], out)
    finally:
        store.flush()  # whatever was computed before an interruption is kept
    return len(todo)
