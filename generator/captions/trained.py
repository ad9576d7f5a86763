"""``trained:<dir>``: a captioner made by ``build.py train-captioner`` (see :mod:`generator.training`).

The folder's ``config.json`` names the decoder's shape, ``vocab.txt`` its words and ``model.pt`` its weights;
the image side is the offline EfficientNet-Lite0 it was trained on. The identity (the cache key of every
caption) is a hash of those three files, so retraining into the same folder re-captions every keyframe,
and nothing is loaded until a caption is actually needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..cache import hash_file, hash_parts
from ..config import CaptionSettings
from ..errors import ConfigError
from .base import Captioner


class TrainedCaptioner(Captioner):
    version = 1

    def __init__(self, spec: str, settings: CaptionSettings) -> None:
        super().__init__(spec, settings)
        self.folder = Path(spec.split(":", 1)[1]).expanduser()
        self._model: Any = None

    def identity(self) -> str:
        from ..training.trainer import CONFIG, MODEL, VOCAB, read_config

        read_config(self.folder)  # a clear line before any work when the folder is not a captioner
        try:
            digest = hash_parts(*(hash_file(self.folder / name) for name in (CONFIG, VOCAB, MODEL)))
        except OSError as exc:
            raise ConfigError(f"{self.folder}: cannot read the trained captioner ({exc.strerror})") from None
        return f"trained/{digest[:24]}/v{self.version}"

    def _load(self) -> Any:
        if self._model is None:
            import torch

            from ..models.efficientnet import ImageNetCNN, resolve_device
            from ..training.dataset import Vocabulary
            from ..training.decoder import CaptionDecoder, DecoderConfig
            from ..training.trainer import MODEL, VOCAB, read_config

            config = read_config(self.folder)
            device = resolve_device(self.settings.device)
            model = CaptionDecoder(DecoderConfig(**config["decoder"]))
            model.load_state_dict(torch.load(self.folder / MODEL, map_location=device, weights_only=True))
            self._model = (model.to(device).eval(), Vocabulary.load(self.folder / VOCAB),
                           ImageNetCNN.get(self.settings.device), int(config.get("beam", 3)), device)
        return self._model

    def caption(self, images: list[Path]) -> list[str]:
        import torch

        from ..training.dataset import BOS, EOS

        model, vocab, cnn, beam, device = self._load()
        features = torch.from_numpy(cnn.run(images).features).to(device)
        ids = model.generate(features, vocab.index[BOS], vocab.index[EOS], beam)
        out = []
        for sentence in (vocab.decode(i) for i in ids):
            out.append(sentence[:1].upper() + sentence[1:] + "." if sentence else "Something the machine cannot name.")
        return out

    def close(self) -> None:
        self._model = None
