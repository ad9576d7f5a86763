"""The default captioner, fully offline: the ImageNet CNN's class probabilities plus a few pixel
statistics, turned into one plain English sentence per picture.

The CNN only knows 1000 object classes, so the sentence says as much as those can carry and no more:
a confident class is named ("A cat, close up, in warm light."), a plausible one is hedged ("Probably
a cup of espresso, in dim light."), and an unclear picture says it is unclear ("Something like a fox
or a dog, in soft grey light."). Frames that are mostly sky — which ImageNet cannot name — are
described from their colours instead of being forced into a wrong object ("White clouds in a blue
sky."). Templates vary from picture to picture, chosen by a seed taken from the image bytes, so a film
does not read as one sentence ten times, and the same picture always gets the same sentence.
"""

from __future__ import annotations

import hashlib
import io
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..config import CaptionSettings
from ..errors import MediaError
from .base import Captioner
from .describe_words import describe, wants_faces
from .faces import Faces, detection_image, find_faces
from .faces import available as faces_available
from .identity import DESCRIBE_VERSION, describe_identity
from .scene import Scene

if TYPE_CHECKING:
    from PIL import Image

    from ..models.efficientnet import ImageNetCNN

@dataclass
class Prepared:
    pixels: np.ndarray  # (224, 224, 3) uint8 centre crop for the CNN
    scene: Scene
    seed: int
    frame: Image.Image | None = None  # the decoded frame, kept for a face search when faces are on


def prepare(path: Path, with_faces: bool = False) -> Prepared:
    """Read, hash, decode (JPEG draft mode: only as many pixels as needed) and measure one image."""
    from PIL import Image, UnidentifiedImageError

    from ..models.efficientnet import INPUT_SIZE, load_image
    from .scene import analyse

    try:
        data = Path(path).read_bytes()
        with Image.open(io.BytesIO(data)) as im:
            if im.format == "JPEG":
                im.draft("RGB", (INPUT_SIZE, INPUT_SIZE))
            im.load()
            rgb = im if im.mode == "RGB" else im.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise MediaError(f"cannot read the keyframe image ({exc})", path) from None
    seed = int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")
    return Prepared(np.asarray(load_image(rgb), dtype=np.uint8), analyse(rgb), seed, rgb if with_faces else None)


class DescribeCaptioner(Captioner):
    """``describe``: ImageNet classes + scene attributes in plain English."""

    version = DESCRIBE_VERSION

    #: images per forward pass inside one caption() call: small enough that decoding the next chunk
    #: overlaps the forward pass of this one, big enough to keep the forward efficient
    chunk = 4
    #: worker threads for decoding and face search beside the forward pass
    workers = 2

    def __init__(self, spec: str, settings: CaptionSettings) -> None:
        super().__init__(spec, settings)
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def identity(self) -> str:
        return describe_identity(self.spec, self.settings)

    def _faces_on(self) -> bool:
        return self.settings.faces and faces_available()

    def _model(self) -> ImageNetCNN:
        from ..models.efficientnet import ImageNetCNN

        return ImageNetCNN.get(self.settings.device)

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="describe")
            return self._pool

    def caption(self, images: list[Path]) -> list[str]:
        if not images:
            return []
        cnn = self._model()
        from ..models.efficientnet import to_batch

        # The forward pass keeps both cores busy, so everything else runs in worker threads beside it
        # rather than before or after it: decoding the next chunk, and the face search for the chunk
        # just classified (whether a frame needs one depends on its class probabilities).
        with_faces = self._faces_on()
        pool = self._executor()
        futures: list[Future[Prepared]] = [pool.submit(prepare, Path(p), with_faces) for p in images]
        done: list[tuple[np.ndarray, Prepared, Future[Faces] | None]] = []
        try:
            for start, stop in _chunks(len(futures), self.chunk):
                prepared = [f.result() for f in futures[start:stop]]
                probs = cnn.forward(to_batch([p.pixels for p in prepared])).probs
                for pr, p in zip(probs, prepared):
                    search: Future[Faces] | None = None
                    if p.frame is not None and wants_faces(pr, p.scene):
                        search = pool.submit(_search_faces, p.frame)
                    done.append((pr, p, search))
            return [describe(pr, p.scene, p.seed, self.settings.min_confidence,
                             faces.result() if faces is not None else None, self.settings.reading)
                    for pr, p, faces in done]
        finally:
            for f in futures:
                f.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _search_faces(frame: Image.Image) -> Faces:
    return find_faces(detection_image(frame))


def _chunks(n: int, size: int) -> list[tuple[int, int]]:
    """(start, stop) of each forward pass. The first is half size: nothing overlaps the decoding of
    the first chunk, so the CNN should start as soon as possible."""
    bounds, start = [], 0
    first = max(1, size // 2)
    while start < n:
        stop = min(n, start + (first if start == 0 else size))
        bounds.append((start, stop))
        start = stop
    return bounds

