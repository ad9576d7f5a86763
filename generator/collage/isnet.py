"""``isnet``: DIS IS-Net (dichotomous image segmentation) through onnxruntime, from the optional model
that ``.ci/setup`` installs (see :mod:`.isnet_model`). The network takes 1024 x 1024 RGB scaled as
(x - 128) / 256 and gives the figure's matte; measured here on hand-traced masks: IoU 0.96-0.97 (both
the small quantized model and the medium one), 5-6 s a picture on one CPU thread."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import MissingDependency
from .cutters import Cutter
from .isnet_model import ModelRef, locate

if TYPE_CHECKING:
    import numpy as np

SIDE = 1024  # the exported model's fixed input size


class IsNetCutter(Cutter):
    name = "isnet"

    def __init__(self, spec: str = "isnet", threads: int = 0, **_: Any) -> None:
        super().__init__(spec)
        self.model: ModelRef = locate(spec)  # ConfigError, one line, when it is not installed
        self.threads = threads  # 0: onnxruntime's choice (every core)
        self._session: Any = None

    def identity(self) -> str:
        return f"isnet-v{self.version}-{self.model.identity}"

    def session(self) -> Any:
        if self._session is None:
            try:
                import onnxruntime as ort  # type: ignore[import-untyped]
            except ImportError:
                raise MissingDependency("onnxruntime (the isnet cutter)", "pip install -e .[collage]") from None
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = self.threads
            opts.inter_op_num_threads = 1
            opts.log_severity_level = 3  # the quantized graph's initializer notes are not the user's business
            self._session = ort.InferenceSession(self.model.read(), opts, providers=["CPUExecutionProvider"])
        return self._session

    def matte(self, rgb: np.ndarray) -> np.ndarray:
        """The network's own soft matte at the picture's size (float32 0..1)."""
        import cv2
        import numpy as np

        h, w = rgb.shape[:2]
        x = cv2.resize(rgb, (SIDE, SIDE), interpolation=cv2.INTER_AREA if max(h, w) > SIDE else cv2.INTER_LINEAR)
        x = ((x.astype(np.float32) - 128.0) / 256.0).transpose(2, 0, 1)[None]
        session = self.session()
        out = session.run(["output"], {session.get_inputs()[0].name: np.ascontiguousarray(x)})[0][0, 0]
        lo, hi = float(out.min()), float(out.max())
        if hi - lo > 1e-6 and (lo < 0 or hi > 1):  # some exports end before the sigmoid's range
            out = (out - lo) / (hi - lo)
        matte: np.ndarray = np.clip(cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR), 0, 1).astype(np.float32)
        return matte

    def cut(self, rgb: np.ndarray) -> np.ndarray:
        m = self.matte(rgb)
        # the matte is soft where the network hesitates (hair, glass): kept, but stray faint haze dropped
        m[m < 0.05] = 0
        return m
