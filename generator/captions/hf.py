"""``hf:<model id or local path>``: a real neural captioner through Hugging Face ``transformers``.

Supported: BLIP (``BlipForConditionalGeneration``), GIT (``GitForCausalLM``), any
``VisionEncoderDecoderModel`` (ViT/DeiT/Swin/... encoder with a GPT-2/BERT/... decoder), and other
image-to-text models that ``AutoModelForImageTextToText`` knows. The model class is chosen from
``config.model_type``; images go through the model's own image processor and its tokenizer decodes.

The spec is ``hf:Salesforce/blip-image-captioning-base`` (hub id, optionally ``@revision``) or
``hf:/path/to/a/saved/model`` (a directory written by ``save_pretrained``). Nothing is imported or
loaded until the first :meth:`HFCaptioner.caption` call.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import threading
import types
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np

from ..config import CaptionSettings
from ..errors import ConfigError, MediaError, MissingDependency
from .base import Captioner

if TYPE_CHECKING:
    from PIL import Image

FALLBACK = "An image the machine could not describe."
_INSTALL = "pip install torch transformers"
# files whose size and modification time stand for a local model's weights in identity()
_MODEL_FILE = re.compile(r".*\.(safetensors|bin|pt|pth|ckpt|msgpack|h5|json|txt|model|tiktoken)$")


@dataclass(frozen=True)
class ModelSource:
    """Where the weights come from."""

    name: str  # hub id or absolute directory
    revision: str | None
    local: bool


def parse_spec(spec: str) -> ModelSource:
    """``hf:id``, ``hf:id@revision`` or ``hf:path``. A path must exist; anything that looks like a
    path (starts with ``/``, ``.``, ``~``) but does not is a configuration error, not a hub lookup."""
    target = spec.split(":", 1)[1].strip() if ":" in spec else ""
    if not target:
        raise ConfigError(f"captioner {spec!r} names no model; use hf:<hub id> or hf:<local directory>")
    expanded = Path(os.path.expanduser(target))
    if expanded.exists():
        if not expanded.is_dir():
            raise ConfigError(f"captioner {spec!r}: {expanded} is a file; give the model's directory")
        return ModelSource(str(expanded.resolve()), None, True)
    if target.startswith(("/", ".", "~")) or "\\" in target or target.count("/") > 1:
        raise ConfigError(f"captioner {spec!r}: no model directory at {expanded}")
    name, _, revision = target.partition("@")
    if not re.fullmatch(r"[\w.-]+(/[\w.-]+)?", name):
        raise ConfigError(f"captioner {spec!r}: {name!r} is neither a hub model id nor an existing directory")
    return ModelSource(name, revision or None, False)


def local_fingerprint(directory: Path) -> str:
    """Cheap identity of a saved model: config.json's bytes plus the size and mtime of each model file,
    so replacing the weights re-captions without hashing gigabytes."""
    digest = hashlib.sha256()
    config = directory / "config.json"
    if config.is_file():
        digest.update(config.read_bytes())
    for path in sorted(directory.rglob("*")):
        if path.is_file() and _MODEL_FILE.match(path.name) and ".cache" not in path.parts:
            st = path.stat()
            digest.update(f"{path.relative_to(directory).as_posix()}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


# --------------------------------------------------------------------------------------------------
# cleaning generated text

_ARTEFACTS = re.compile(r"\b(?:ar+af+e?d?|ar+af+e|arafe)\b\s*", re.IGNORECASE)  # BLIP's famous "arafed"
_DANGLING = {"a", "an", "the", "and", "of", "with", "in", "on", "at", "to", "or", "its", "his", "her", "their",
             "is", "are", "from", "by", "for", "that", "while"}


def clean_caption(text: str, prompt: str = "") -> str:
    """Generated text -> one clean sentence: no prompt echo, no stutter, capital, final full stop."""
    text = " ".join(text.replace("\n", " ").split())
    if prompt:
        p = " ".join(prompt.split()).lower()
        if text.lower().startswith(p):
            text = text[len(p):]
    text = _ARTEFACTS.sub("", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    # collapse repeated words and short phrases: "a cat a cat sitting" -> "a cat sitting"
    for size in (4, 3, 2, 1):
        pattern = re.compile(rf"\b((?:\w+\W+){{{size}}})\1+", re.IGNORECASE)
        text = pattern.sub(r"\1", text + " ").strip()
    text = re.sub(r"([,.;:!?])\1+", r"\1", text).strip(" ,;:-")
    words = text.split()
    while words and words[-1].lower().strip(",.;:") in _DANGLING:
        words.pop()
    text = " ".join(words).rstrip(",;:- ")
    if not re.search(r"[A-Za-z]{2,}", text):
        return FALLBACK
    text = text[0].upper() + text[1:]
    if not text.endswith((".", "!", "?")):
        text += "."
    return text


# --------------------------------------------------------------------------------------------------


class HFCaptioner(Captioner):
    """A captioning model from the Hugging Face hub or a local directory."""

    version = 1

    def __init__(self, spec: str, settings: CaptionSettings) -> None:
        super().__init__(spec, settings)
        self.source = parse_spec(spec)
        self._loaded: dict[str, Any] | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    # -- identity ------------------------------------------------------------------------------------

    def identity(self) -> str:
        s = self.settings
        if self.source.local:
            model = f"local:{Path(self.source.name).name}:{local_fingerprint(Path(self.source.name))}"
        else:
            model = f"hub:{self.source.name}@{self.source.revision or 'main'}"
        return (f"hf/v{self.version}/{model}/beams={s.num_beams}/max={s.max_new_tokens}"
                f"/norepeat={s.no_repeat_ngram_size}/penalty={s.repetition_penalty:g}"
                f"/prompt={s.prompt!r}")

    # -- loading -------------------------------------------------------------------------------------

    def _load(self) -> dict[str, Any]:
        with self._lock:
            if self._loaded is None:
                # one copy per process: a build (or a test run) may create several captioners for one model
                key = (self.source, self.settings.device,
                       local_fingerprint(Path(self.source.name)) if self.source.local else "")
                with _SHARED_LOCK:
                    if key not in _SHARED:
                        _SHARED[key] = self._load_model()
                    self._loaded = _SHARED[key]
            return self._loaded

    def _load_model(self) -> dict[str, Any]:
        try:
            import torch
            import transformers
        except ImportError as exc:
            raise MissingDependency(f"the neural captioner ({exc.name})", _INSTALL) from None
        from ..models.efficientnet import resolve_device

        device = resolve_device(self.settings.device)
        dtype = torch.float16 if device.startswith("cuda") else torch.float32
        src, kwargs = self.source.name, self._hub_kwargs()

        with _quiet_transformers():  # no progress bars or backend notices in the build's output
            config = self._from_pretrained(transformers.AutoConfig, src, kwargs)
            model_type = getattr(config, "model_type", "")
            model_cls = _model_class(transformers, model_type)
            image_processor = self._from_pretrained(transformers.AutoImageProcessor, src, kwargs)
            tokenizer = self._from_pretrained(transformers.AutoTokenizer, src, kwargs)
            model = self._from_pretrained(model_cls, src, {**kwargs, "dtype": dtype})
        model = model.to(device).eval()
        return {"torch": torch, "model": model, "image_processor": image_processor, "tokenizer": tokenizer,
                "device": device, "dtype": dtype, "model_type": model_type}

    def _hub_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if self.source.local:
            kwargs["local_files_only"] = True
        else:
            if self.source.revision:
                kwargs["revision"] = self.source.revision
            if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
                kwargs["local_files_only"] = True
        return kwargs

    def _from_pretrained(self, cls: Any, src: str, kwargs: dict[str, Any]) -> Any:
        try:
            return cls.from_pretrained(src, **kwargs)
        except (OSError, ValueError, KeyError) as exc:
            if self.source.local:
                raise ConfigError(f"cannot load the captioning model ({cls.__name__}): "
                                  f"{_first_line(exc)}", src) from None
            # (a model already in the local hub cache loads offline: transformers falls back to it itself)
            raise ConfigError(
                f"the captioning model {src!r} could not be loaded from the Hugging Face hub "
                f"({_first_line(exc)}); download it where there is internet (`hf download {src} --local-dir DIR`) "
                f"and pass the local directory instead: captioner = \"hf:/path/to/DIR\"") from None

    def _preflight(self) -> None:
        """Fail in a second, not after half a minute of retries, when the hub's name does not resolve."""
        if self.source.local or self._hub_kwargs().get("local_files_only"):
            return
        if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
            return
        if _cached_locally(self.source):
            return
        host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or "huggingface.co"
        try:
            socket.getaddrinfo(host, 443)
        except OSError as exc:
            raise ConfigError(
                f"the captioning model {self.source.name!r} could not be loaded from the Hugging Face hub "
                f"({host} is unreachable: {exc.strerror or exc}); download it where there is internet "
                f"(`hf download {self.source.name} --local-dir DIR`) and pass the local directory instead: "
                f"captioner = \"hf:/path/to/DIR\"") from None

    # -- captioning ----------------------------------------------------------------------------------

    def generate_kwargs(self, tokenizer: Any = None) -> dict[str, Any]:
        """Arguments for ``model.generate``: beam search with a guard against repetition."""
        s = self.settings
        kwargs: dict[str, Any] = {
            "num_beams": max(1, s.num_beams),
            "max_new_tokens": max(1, s.max_new_tokens),
            "do_sample": False,
            "early_stopping": s.num_beams > 1,
        }
        if s.no_repeat_ngram_size > 0:
            kwargs["no_repeat_ngram_size"] = s.no_repeat_ngram_size
        penalty = float(s.repetition_penalty)
        if penalty != 1.0:
            kwargs["repetition_penalty"] = penalty
        if tokenizer is not None and getattr(tokenizer, "pad_token_id", None) is None:
            eos = getattr(tokenizer, "eos_token_id", None)
            if eos is not None:
                kwargs["pad_token_id"] = eos
        return kwargs

    def _prompt_ids(self, loaded: dict[str, Any], batch: int) -> dict[str, Any]:
        """Prompt tokens for models that continue a text prefix (BLIP conditional, GIT)."""
        prompt = self.settings.prompt.strip()
        if not prompt:
            return {}
        torch, tok, model_type = loaded["torch"], loaded["tokenizer"], loaded["model_type"]
        if model_type == "blip":
            # BLIP's generate swaps the first token for BOS and drops the final [SEP] itself
            ids = tok(prompt, return_tensors="pt").input_ids
        elif model_type == "git":
            ids = torch.tensor([[tok.cls_token_id, *tok(prompt, add_special_tokens=False).input_ids]])
        elif model_type == "vision-encoder-decoder":
            start = loaded["model"].config.decoder_start_token_id
            ids = torch.tensor([[start, *tok(prompt, add_special_tokens=False).input_ids]])
            return {"decoder_input_ids": ids.repeat(batch, 1).to(loaded["device"])}
        else:
            return {}
        return {"input_ids": ids.repeat(batch, 1).to(loaded["device"])}

    def caption(self, images: list[Path]) -> list[str]:
        if not images:
            return []
        if self._loaded is None:
            self._preflight()
        loaded = self._load()
        torch = loaded["torch"]
        processor, size = loaded["image_processor"], _target_size(loaded["image_processor"])

        def pixels(path: Path) -> Any:
            image = _pre_resize(_open_rgb(Path(path), size), processor)
            return processor(images=image, return_tensors="np")["pixel_values"][0]

        # decoding and preprocessing run two images at a time (Pillow and numpy release the GIL)
        pixel_values = torch.from_numpy(np.stack(list(self._executor().map(pixels, images))))
        pixel_values = pixel_values.to(loaded["device"], dtype=loaded["dtype"])
        kwargs = {**self.generate_kwargs(loaded["tokenizer"]), **self._prompt_ids(loaded, len(images))}
        with torch.inference_mode():
            output = loaded["model"].generate(pixel_values=pixel_values, **kwargs)
        texts = loaded["tokenizer"].batch_decode(output, skip_special_tokens=True)
        return [clean_caption(t, self.settings.prompt) for t in texts]

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="hf-captioner")
            return self._pool

    def close(self) -> None:
        """Drop the model (for every captioner sharing it: close at the end of a build)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        with _SHARED_LOCK:
            for key in [k for k, v in _SHARED.items() if v is self._loaded]:
                del _SHARED[key]
        self._loaded = None


_SHARED: dict[tuple[Any, ...], dict[str, Any]] = {}
_SHARED_LOCK = threading.Lock()


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def _model_class(transformers: Any, model_type: str) -> Any:
    """The generation class for a config's model_type (looked up by name: importing every model that
    the auto mappings know would take seconds)."""
    named = {"blip": "BlipForConditionalGeneration", "git": "GitForCausalLM",
             "vision-encoder-decoder": "VisionEncoderDecoderModel"}
    if model_type in named:
        return getattr(transformers, named[model_type])
    modeling_auto: types.ModuleType | None
    try:
        from transformers.models.auto import modeling_auto
    except ImportError:
        modeling_auto = None
    for table, auto in (("MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES", "AutoModelForImageTextToText"),
                        ("MODEL_FOR_VISION_2_SEQ_MAPPING_NAMES", "AutoModelForVision2Seq")):
        names = getattr(modeling_auto, table, None) or {}
        if model_type in names and hasattr(transformers, auto):
            return getattr(transformers, auto)
    raise ConfigError(f"model type {model_type!r} is not an image captioner this build knows "
                      "(supported: BLIP, GIT, VisionEncoderDecoder and image-text-to-text models)")


def _cached_locally(source: ModelSource) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return False
    try:
        hit = try_to_load_from_cache(source.name, "config.json", revision=source.revision)
    except Exception:  # an unusual cache layout must not break captioning; the real load decides
        return False
    return isinstance(hit, str)


def _target_size(image_processor: Any) -> int:
    size = getattr(image_processor, "size", None) or {}
    if isinstance(size, dict):
        values = [v for v in size.values() if isinstance(v, int)]
        return max(values) if values else 384
    return int(size) if isinstance(size, int) else 384


def _open_rgb(path: Path, size: int) -> Image.Image:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            if im.format == "JPEG":
                im.draft("RGB", (size, size))  # decode only as many pixels as the model looks at
            return im.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise MediaError(f"cannot read the keyframe image ({exc})", path) from None


def _pre_resize(image: Image.Image, processor: Any) -> Image.Image:
    """Resize to the processor's own target size with its own filter, in Pillow's C code, so that its
    (slower, numpy-bound) resize becomes a no-op: the pixel values come out identical, a third faster.
    Only for the two common size forms; anything else is left to the processor."""
    size = getattr(processor, "size", None)
    try:
        wanted = {k: v for k, v in dict(size).items() if v is not None} if size is not None else {}
    except (TypeError, ValueError):
        return image
    resample = getattr(processor, "resample", None)
    if resample is None:
        return image
    w, h = image.size
    if set(wanted) == {"height", "width"}:
        target = (int(wanted["width"]), int(wanted["height"]))
    elif set(wanted) == {"shortest_edge"}:
        edge = int(wanted["shortest_edge"])
        short, long = (w, h) if w <= h else (h, w)
        other = int(edge * long / short)  # the same rounding as transformers' get_resize_output_image_size
        target = (edge, other) if w <= h else (other, edge)
    else:
        return image
    return image if image.size == target else image.resize(target, resample)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
