"""The frozen image side: EfficientNet-Lite0's 1280-d pooled features for every training image, computed
once and kept in the cache (the embedding store the map uses, under an identity of their own: the map embeds
its thumbnails, training and captioning embed the image as it is), so a second run or a resumed one
starts training at once."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..cache import Cache
from ..config import MapSettings
from ..reporter import Reporter

if TYPE_CHECKING:
    import numpy as np

#: the embedding store's identity suffix for features of whole images (not the map's thumbnails)
IDENTITY_SUFFIX = "/whole-image"


def image_features(paths: Sequence[Path], cache: Cache, reporter: Reporter, device: str = "cpu",
                   batch_size: int = 16) -> np.ndarray:
    """(N, 1280) float32 features of ``paths``, in order; computed only for images the cache lacks."""
    from ..archive.embed import EmbeddingStore, create_embedder, embed_missing

    embedder = create_embedder("efficientnet", MapSettings(device=device, batch_size=batch_size))
    store = EmbeddingStore(cache, embedder.identity() + IDENTITY_SUFFIX)
    keys = [cache.file_hash(p) for p in paths]
    embed_missing(embedder, store, list(zip(keys, paths)), reporter, batch_size, desc="features",
                  device=device)
    return store.features(keys)
