"""Embedders and the sharded embedding store: resume after an interruption, the hf: image tower."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench" / "map"))
import synth  # noqa: E402

from generator.archive.embed import EmbeddingStore, create_embedder, embed_missing, register_embedder  # noqa: E402
from generator.cache import Cache  # noqa: E402
from generator.config import MapSettings  # noqa: E402
from generator.errors import ConfigError  # noqa: E402
from generator.reporter import Reporter  # noqa: E402

register_embedder("colour", "synth:ColourEmbedder")


def _images(tmp_path: Path, n: int) -> list[tuple[str, Path]]:
    out = []
    for i in range(n):
        p = tmp_path / f"{i}.png"
        Image.fromarray(synth.synth_image(i, 32)).save(p)
        out.append((f"{i:064x}", p))
    return out


def test_interrupted_embedding_resumes_where_it_stopped(tmp_path):
    images = _images(tmp_path, 23)
    cache = Cache(tmp_path / "cache")
    embedder = create_embedder("colour", MapSettings())
    store = EmbeddingStore(cache, embedder.identity(), shard_size=4)
    synth.FAIL_AFTER = 3  # the 4th batch is "interrupted" (Ctrl-C)
    try:
        with pytest.raises(KeyboardInterrupt):
            embed_missing(embedder, store, images, Reporter(quiet=True), batch_size=4)
    finally:
        synth.FAIL_AFTER = None
    assert len(list(store.dir.glob("*.npz"))) == 3  # every finished batch was saved
    fresh = EmbeddingStore(cache, embedder.identity(), shard_size=4)
    assert len(fresh.missing([k for k, _ in images])) == 23 - 12
    again = create_embedder("colour", MapSettings())
    assert embed_missing(again, fresh, images, Reporter(quiet=True), batch_size=4) == 11
    assert again.calls == 3  # only the missing 11 images, in three batches
    full = EmbeddingStore(cache, embedder.identity())
    assert full.missing([k for k, _ in images]) == []
    direct = embedder.embed([p for _, p in images[:5]]).features
    assert np.allclose(full.features([k for k, _ in images[:5]]), direct, atol=1e-2)  # float16 storage
    idx, p = full.labels([k for k, _ in images[:2]])
    assert idx.shape == (2, 5) and (p[:, 0] >= p[:, 1]).all()
    assert embed_missing(again, full, images, Reporter(quiet=True), batch_size=4) == 0


def test_damaged_shard_only_costs_its_images(tmp_path):
    images = _images(tmp_path, 8)
    cache = Cache(tmp_path / "cache")
    embedder = create_embedder("colour", MapSettings())
    store = EmbeddingStore(cache, embedder.identity(), shard_size=4)
    embed_missing(embedder, store, images, Reporter(quiet=True), batch_size=4)
    first = sorted(store.dir.glob("*.npz"))[0]
    first.write_bytes(b"garbage")
    assert len(EmbeddingStore(cache, embedder.identity()).missing([k for k, _ in images])) == 4


def test_unknown_embedder_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown embedder"):
        create_embedder("nope", MapSettings())
    with pytest.raises(ConfigError, match="needs a model id"):
        create_embedder("hf:", MapSettings())


def test_hf_image_tower_with_a_tiny_random_clip(tmp_path, test_seed):
    transformers = pytest.importorskip("transformers")
    torch = pytest.importorskip("torch")
    torch.manual_seed(test_seed)  # the random weights: seeded rather than left to whatever ran before
    cfg = transformers.CLIPConfig(
        text_config=dict(hidden_size=32, intermediate_size=37, num_hidden_layers=1, num_attention_heads=2,
                         vocab_size=99, bos_token_id=0, eos_token_id=1, pad_token_id=1),
        vision_config=dict(hidden_size=32, intermediate_size=37, num_hidden_layers=1, num_attention_heads=2,
                           image_size=32, patch_size=8),
        projection_dim=16)
    model_dir = tmp_path / "tiny-clip"
    transformers.CLIPModel(cfg).save_pretrained(model_dir)
    processor = transformers.CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    processor.save_pretrained(model_dir)
    embedder = create_embedder(f"hf:{model_dir}", MapSettings())
    assert embedder.identity().startswith("hf:tiny-clip@")
    assert not embedder.gives_labels
    images = _images(tmp_path, 5)
    store = EmbeddingStore(Cache(tmp_path / "cache"), embedder.identity())
    assert embed_missing(embedder, store, images, Reporter(quiet=True), batch_size=2) == 5
    feats = store.features([k for k, _ in images])
    assert feats.shape == (5, 16) and np.isfinite(feats).all() and feats.std() > 0


def test_hf_model_that_is_not_available_offline_is_a_config_error(tmp_path):
    pytest.importorskip("transformers")
    embedder = create_embedder("hf:nobody/no-such-model-here", MapSettings())
    with pytest.raises(ConfigError, match="cannot load image model"):
        embedder.embed([_images(tmp_path, 1)[0][1]])
