"""The ``hf:`` captioner end to end with tiny randomly initialised BLIP, GIT and VisionEncoderDecoder
models that the tests build from a config and save to a temporary directory (no hub, no download).
The tiny models know a few dozen words; their output bias bans the special tokens, so they always
produce words and the whole path (image processor -> generate -> decode -> clean-up) is exercised."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from generator.captions.base import create_captioner
from generator.captions.hf import FALLBACK, HFCaptioner, clean_caption, parse_spec
from generator.config import CaptionSettings
from generator.errors import ConfigError, MediaError

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

WORDS = ("a an the cat dog sky cloud cup of coffee sitting on table over sea bird flying in blue grey white red "
         "man woman street car house tree field light dark with and near two small large window room").split()
SMALL = dict(hidden_size=32, intermediate_size=37, num_hidden_layers=1, num_attention_heads=2)
VISION = dict(SMALL, image_size=32, patch_size=16)
SPECIAL = 5  # the first ids of both tiny vocabularies are special tokens


def _bert_tokenizer():
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, ".", ","]
    return transformers.BertTokenizerFast(vocab={t: i for i, t in enumerate(vocab)}, do_lower_case=True)


def _wordlevel_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    vocab = {t: i for i, t in enumerate(["<pad>", "<unk>", "<s>", "</s>", "<mask>", *WORDS, ".", ","])}
    tk = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tk.decoder = decoders.WordPiece(prefix="##")  # joins tokens with spaces
    return transformers.PreTrainedTokenizerFast(tokenizer_object=tk, bos_token="<s>", eos_token="</s>",
                                                pad_token="<pad>", unk_token="<unk>", mask_token="<mask>")


def _build_blip(d: Path) -> None:
    tok = _bert_tokenizer()
    text = dict(SMALL, vocab_size=len(tok), max_position_embeddings=64, bos_token_id=tok.cls_token_id,
                pad_token_id=tok.pad_token_id, sep_token_id=tok.sep_token_id, eos_token_id=tok.sep_token_id)
    model = transformers.BlipForConditionalGeneration(
        transformers.BlipConfig(text_config=text, vision_config=VISION, projection_dim=32)).eval()
    with torch.no_grad():
        model.text_decoder.cls.predictions.bias[:SPECIAL] = -100.0
    model.save_pretrained(d)
    tok.save_pretrained(d)
    transformers.BlipImageProcessor(size={"height": 32, "width": 32}).save_pretrained(d)


def _build_git(d: Path) -> None:
    tok = _bert_tokenizer()
    config = transformers.GitConfig(vision_config=VISION, vocab_size=len(tok), max_position_embeddings=64,
                                    bos_token_id=tok.cls_token_id, eos_token_id=tok.sep_token_id,
                                    pad_token_id=tok.pad_token_id, **SMALL)
    model = transformers.GitForCausalLM(config).eval()
    with torch.no_grad():
        model.output.bias[:SPECIAL] = -100.0
    model.save_pretrained(d)
    tok.save_pretrained(d)
    processor = transformers.CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    processor.save_pretrained(d)


def _build_vision_encoder_decoder(d: Path) -> None:
    tok = _wordlevel_tokenizer()
    encoder = transformers.ViTConfig(**VISION)
    decoder = transformers.GPT2Config(vocab_size=len(tok), n_embd=32, n_layer=1, n_head=2, n_positions=64,
                                      bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                                      pad_token_id=tok.pad_token_id, add_cross_attention=True, is_decoder=True)
    config = transformers.VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    config.decoder_start_token_id = tok.bos_token_id
    config.pad_token_id = tok.pad_token_id
    config.eos_token_id = tok.eos_token_id
    model = transformers.VisionEncoderDecoderModel(config).eval()
    with torch.no_grad():  # GPT-2's head is tied to its embeddings: push the special tokens' rows away
        emb = model.decoder.get_input_embeddings().weight
        emb[:SPECIAL] = 0.0
    model.save_pretrained(d)
    tok.save_pretrained(d)
    transformers.ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(d)


BUILDERS = {"blip": _build_blip, "git": _build_git, "vision-encoder-decoder": _build_vision_encoder_decoder}


@pytest.fixture(scope="module")
def models(tmp_path_factory, test_seed) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny-captioners")
    out = {}
    for name, build in BUILDERS.items():
        torch.manual_seed(test_seed)  # random weights: what they say is only checked to be words
        d = root / name
        d.mkdir()
        build(d)
        out[name] = d
    return out


@pytest.fixture(scope="module")
def frames(tmp_path_factory) -> list[Path]:
    d = tmp_path_factory.mktemp("frames")
    rng = np.random.default_rng(7)
    paths = []
    for i, colour in enumerate([(200, 40, 40), (40, 160, 60), (40, 60, 200)]):
        arr = np.clip(np.array(colour) + rng.normal(0, 30, (120, 160, 3)), 0, 255).astype(np.uint8)
        path = d / f"frame{i}.jpg"
        Image.fromarray(arr).save(path, quality=90)
        paths.append(path)
    return paths


def _settings(**kw) -> CaptionSettings:
    return CaptionSettings(**{"max_new_tokens": 8, "num_beams": 2, **kw})


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_end_to_end_batch(kind, models, frames):
    captioner = create_captioner(f"hf:{models[kind]}", _settings())
    assert isinstance(captioner, HFCaptioner)
    out = captioner.caption(frames)
    assert len(out) == 3 and all(isinstance(s, str) and s for s in out)
    for sentence in out:
        assert sentence[0].isupper() and sentence.endswith("."), sentence
        assert "[" not in sentence and "<" not in sentence and "#" not in sentence, sentence
    assert any(w in WORDS for s in out for w in re.findall(r"[a-z]+", s.lower())), out
    assert loaded_type(captioner) == kind
    # a fresh captioner on the same model says the same
    assert create_captioner(f"hf:{models[kind]}", _settings()).caption(frames) == out


def loaded_type(captioner: HFCaptioner) -> str:
    return captioner._load()["model_type"]


def test_generate_uses_beam_search_and_the_repetition_guard(models, frames, monkeypatch):
    captioner = create_captioner(f"hf:{models['git']}", _settings(num_beams=3, no_repeat_ngram_size=2,
                                                                  repetition_penalty=1.3))
    model = captioner._load()["model"]
    seen: dict = {}
    real = model.generate

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(model, "generate", spy)
    assert len(captioner.caption(frames[:2])) == 2
    assert seen["num_beams"] == 3 and seen["no_repeat_ngram_size"] == 2
    assert seen["repetition_penalty"] == 1.3 and seen["max_new_tokens"] == 8
    assert seen["pixel_values"].shape[0] == 2


def test_blip_prompt_is_given_and_not_echoed(models, frames):
    captioner = create_captioner(f"hf:{models['blip']}", _settings(prompt="a cat"))
    ids = captioner._prompt_ids(captioner._load(), 3)["input_ids"]
    assert ids.shape[0] == 3
    for sentence in captioner.caption(frames):
        assert not sentence.lower().startswith("a cat "), sentence


def test_identity_is_cheap_stable_and_follows_model_and_settings(models):
    path = models["git"]
    a = create_captioner(f"hf:{path}", _settings())
    assert a.identity() == create_captioner(f"hf:{path}", _settings()).identity()
    assert a._loaded is None  # identity never loads the model
    assert a.identity() != create_captioner(f"hf:{path}", _settings(num_beams=4)).identity()
    assert a.identity() != create_captioner(f"hf:{path}", _settings(prompt="a photo of")).identity()
    assert a.identity() != create_captioner(f"hf:{models['blip']}", _settings()).identity()
    before = a.identity()
    weights = path / "model.safetensors"
    st = weights.stat()
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # the weights were replaced
    try:
        assert create_captioner(f"hf:{path}", _settings()).identity() != before
    finally:
        os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns))
    hub = create_captioner("hf:Salesforce/blip-image-captioning-base@abc123", _settings()).identity()
    assert "Salesforce/blip-image-captioning-base@abc123" in hub


def test_cuda_asked_for_without_a_gpu_is_a_clear_error(models, frames):
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ConfigError, match="cuda"):
        create_captioner(f"hf:{models['git']}", _settings(device="cuda")).caption(frames[:1])


def test_auto_device_falls_back_to_cpu(models, frames):
    captioner = create_captioner(f"hf:{models['git']}", _settings(device="auto"))
    captioner.caption(frames[:1])
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert captioner._load()["device"] == expected


def test_hub_model_offline_says_to_pass_a_local_path(frames, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    captioner = create_captioner("hf:nobody-here/no-such-captioner", _settings())
    with pytest.raises(ConfigError) as err:
        captioner.caption(frames[:1])
    message = err.value.oneline()
    assert "hub" in message and "local" in message and "\n" not in message


def test_unreachable_hub_fails_fast_without_retries(frames, monkeypatch):
    import socket

    import generator.captions.hf as hf

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    for var in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)

    def no_dns(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    def no_download(*args, **kwargs):
        raise AssertionError("must not try the network")

    monkeypatch.setattr(hf.socket, "getaddrinfo", no_dns)
    monkeypatch.setattr(hf, "_cached_locally", lambda source: False)
    monkeypatch.setattr(transformers.AutoConfig, "from_pretrained", no_download)
    with pytest.raises(ConfigError, match="could not be loaded from the Hugging Face hub"):
        create_captioner("hf:nobody-here/no-such-captioner", _settings()).caption(frames[:1])


def test_spec_parsing(tmp_path):
    assert parse_spec("hf:Salesforce/blip-image-captioning-base").revision is None
    src = parse_spec("hf:Salesforce/blip-image-captioning-base@v1.0")
    assert (src.name, src.revision, src.local) == ("Salesforce/blip-image-captioning-base", "v1.0", False)
    assert parse_spec(f"hf:{tmp_path}").local
    for bad in ("hf:", f"hf:{tmp_path}/missing", "hf:./nowhere", "hf:a/b/c"):
        with pytest.raises(ConfigError):
            parse_spec(bad)


def test_unknown_model_type_is_a_config_error(tmp_path, frames):
    (tmp_path / "config.json").write_text('{"model_type": "bert", "vocab_size": 10}')
    with pytest.raises(ConfigError):
        create_captioner(f"hf:{tmp_path}", _settings()).caption(frames[:1])


def test_unreadable_frame_is_a_media_error(models, tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    with pytest.raises(MediaError):
        create_captioner(f"hf:{models['git']}", _settings()).caption([bad])


@pytest.mark.parametrize("raw, prompt, expected", [
    ("a photography of a cat sitting on a couch", "a photography of", "A cat sitting on a couch."),
    ("arafed man riding a horse", "", "Man riding a horse."),
    ("a cat a cat sitting sitting on the the bed", "", "A cat sitting on the bed."),
    ("two dogs playing in the snow and", "", "Two dogs playing in the snow."),
    ("   ", "", FALLBACK),
    ("the", "", FALLBACK),
    ("a red bus on a street.", "", "A red bus on a street."),
])
def test_clean_caption(raw, prompt, expected):
    assert clean_caption(raw, prompt) == expected


@pytest.mark.parametrize("processor", [
    lambda: transformers.CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}),
    lambda: transformers.BlipImageProcessor(size={"height": 48, "width": 48}),
    lambda: transformers.ViTImageProcessor(size={"height": 32, "width": 32}),
])
def test_pre_resize_leaves_pixel_values_unchanged(processor, frames):
    from generator.captions.hf import _pre_resize

    proc = processor()
    images = [Image.open(p).convert("RGB") for p in frames]
    plain = proc(images=images, return_tensors="np")["pixel_values"]
    fast = proc(images=[_pre_resize(im, proc) for im in images], return_tensors="np")["pixel_values"]
    assert np.array_equal(plain, fast)
