"""``tf:<SavedModel folder>``: a TensorFlow captioner of the im2txt lineage, run through its serving signature.

The signature accepted (``serving_default``, or the only one, or the one ``electric_speech.json`` names):

- **one input**, either the images' encoded bytes, a ``tf.string`` that is a scalar (one image per call)
  or 1-D ``[batch]`` (the keyframes' JPEG bytes are passed as they are; other formats become PNG), or
  pixels, a ``float32``/``float16``/``uint8`` tensor ``[batch, height, width, 3]`` in RGB order. Height
  and width come from the signature when it fixes them, else from ``"size": [h, w]`` in the metadata
  file, else 224. Float pixels run from black = ``range[0]`` to white = ``range[1]`` (``"range"``,
  default ``[0, 1]``; Inception-style models want ``[-1, 1]``); uint8 pixels are 0-255. Images are
  scaled so they cover the size and centre-cropped (``"resize": "stretch"`` ignores the aspect ratio).
- **one output** (or the one named by ``"output"``), either the caption, a ``tf.string`` scalar or
  ``[batch]`` (``[batch, tokens]`` of word strings is joined), or token ids, an integer tensor
  ``[batch, tokens]`` (``[batch, beams, tokens]``: the first beam, the best by convention), or per-step
  logits, a float tensor ``[batch, tokens, vocabulary]`` (the most likely token at each step).
  Token ids need a vocabulary: ``vocab.txt`` (or im2txt's ``word_counts.txt``) in the folder or its
  ``assets/``, or the file ``"vocab"`` names; line n is token id n, only its first field counts (so
  ``word count`` lines work). A caption ends at the end token (``"end_token"``, else the first of
  ``</S> </s> <end> [SEP] <eos>`` the vocabulary has); start, padding and unknown tokens are dropped and
  ``##`` word pieces are joined. The text is then cleaned like every neural caption (one sentence, a
  capital, a full stop).

The model decides its own decoding (beam search lives in the exported graph), so ``num_beams`` and the
other generation settings do not apply. The identity (the cache key of its captions) is the sha256 of the
folder's files; TensorFlow is imported only when a caption is missing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..config import CaptionSettings
from ..errors import ConfigError
from ..models import tf_model as tfm
from .base import Captioner
from .hf import clean_caption

VERSION = 1  # bump when the sentences for the same model change
VOCAB_FILES = ("vocab.txt", "assets/vocab.txt", "word_counts.txt", "assets/word_counts.txt")
END_TOKENS = ("</S>", "</s>", "<end>", "[SEP]", "<eos>", "<EOS>", "<|endoftext|>")
DROPPED = frozenset({"<S>", "<s>", "<start>", "[CLS]", "<bos>", "<BOS>", "<pad>", "<PAD>", "[PAD]", "<unk>",
                     "<UNK>", "[UNK]", "<mask>", "[MASK]", ""})
_PREFERRED = ("caption", "text", "sentence", "ids", "token", "output")


def tf_identity(spec: str, settings: CaptionSettings) -> str:
    """What decides the sentences: the folder's bytes (weights, graph, vocabulary, metadata)."""
    path = tfm.model_path(spec, "captioner")
    return f"tf/v{VERSION}/{path.name}@{tfm.content_hash(path)}"


@dataclass(frozen=True)
class CaptionPlan:
    signature: str
    input: tfm.InputPlan
    output: tfm.TensorSpec
    vocab: tuple[str, ...] | None  # None: the output is text
    end: str


def plan_captioner(model_dir: Path) -> CaptionPlan:
    """The signature read and checked without TensorFlow: a mistake is reported before a long import."""
    meta = tfm.read_metadata(model_dir)
    sig = tfm.pick_signature(model_dir, meta)
    inp = tfm.plan_input(sig, meta, model_dir)
    out = _pick_output(sig, meta, model_dir)
    if out.dtype == "string":
        return CaptionPlan(sig.name, inp, out, _read_vocab(model_dir, meta, required=False), meta.end_token)
    vocab = _read_vocab(model_dir, meta, required=True)
    assert vocab is not None
    end = meta.end_token or next((t for t in END_TOKENS if t in vocab), "")
    if meta.end_token and meta.end_token not in vocab:
        raise ConfigError(f"{tfm.METADATA}: end_token {meta.end_token!r} is not in the vocabulary", model_dir)
    return CaptionPlan(sig.name, inp, out, vocab, end)


def _pick_output(sig: tfm.Signature, meta: tfm.Metadata, where: Path) -> tfm.TensorSpec:
    if meta.output:
        if meta.output not in sig.outputs:
            raise ConfigError(f"{tfm.METADATA} names output {meta.output!r}; signature {sig.name!r} has "
                              f"{', '.join(sorted(sig.outputs)) or 'none'}", where)
        chosen = sig.outputs[meta.output]
        if chosen.dtype not in ("string", *tfm.INTEGERS, *tfm.FLOATS):
            raise ConfigError(f"output {chosen.name!r} is {chosen.dtype}: not a caption or token ids", where)
        return chosen
    groups = ([o for o in sig.outputs.values() if o.dtype == "string"],
              [o for o in sig.outputs.values() if o.dtype in tfm.INTEGERS],
              [o for o in sig.outputs.values() if o.dtype in tfm.FLOATS and (o.shape is None or len(o.shape) >= 3)])
    for group in groups:
        if len(group) == 1:
            return group[0]
        if group:
            for word in _PREFERRED:
                named = [o for o in group if word in o.name.lower()]
                if len(named) == 1:
                    return named[0]
            raise ConfigError(f"signature {sig.name!r} has several possible caption outputs "
                              f"({', '.join(sorted(o.name for o in group))}): name one as \"output\" in "
                              f"{tfm.METADATA}", where)
    listed = ", ".join(f"{o.name} ({o.dtype})" for o in sig.outputs.values()) or "none"
    raise ConfigError(f"signature {sig.name!r} gives no caption: it needs a tf.string output or token ids "
                      f"(integers) or per-step logits; its outputs: {listed}", where)


def _read_vocab(model_dir: Path, meta: tfm.Metadata, required: bool) -> tuple[str, ...] | None:
    candidates = [meta.vocab] if meta.vocab else list(VOCAB_FILES)
    for name in candidates:
        path = model_dir / name
        if path.is_file():
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"cannot read the vocabulary ({exc})", path) from None
            return tuple(line.split()[0] if line.split() else "" for line in lines)
        if meta.vocab:
            raise ConfigError(f"{tfm.METADATA} names vocab {meta.vocab!r}, which is not in the folder", model_dir)
    if required:
        raise ConfigError("the signature gives token ids, but there is no vocabulary: put vocab.txt (one token a "
                          "line, line n = id n) in the folder or its assets/", model_dir)
    return None


def join_tokens(tokens: list[str], end: str) -> str:
    """Words up to the end token, without start/pad/unknown tokens, word pieces (##) joined."""
    words: list[str] = []
    for token in tokens:
        if token == end or (not end and token in END_TOKENS):
            break
        if token in DROPPED:
            continue
        if token.startswith("##") and words:
            words[-1] += token[2:]
        else:
            words.append(token)
    return " ".join(words)


def decode(value: np.ndarray, plan: CaptionPlan) -> str:
    """One image's output as text."""
    if value.dtype == object or value.dtype.kind in "SU":
        if value.ndim == 0:
            item = value.item()
            return item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
        while value.ndim > 1:
            value = value[0]
        tokens = [t.decode("utf-8", "replace") if isinstance(t, bytes) else str(t) for t in value.tolist()]
        return join_tokens(tokens, plan.end)
    vocab = plan.vocab or ()
    if value.dtype.kind == "f":
        while value.ndim > 2:
            value = value[0]
        value = value.argmax(-1) if value.ndim == 2 else np.rint(value)
    while value.ndim > 1:
        value = value[0]
    ids = [int(i) for i in np.atleast_1d(value).tolist()]
    # ids beyond the vocabulary (im2txt's unknown word is len(vocab)) are dropped
    return join_tokens([vocab[i] if 0 <= i < len(vocab) else "" for i in ids], plan.end)


class TFCaptioner(Captioner):
    """Captions from a TensorFlow SavedModel's serving signature (see the module's docstring)."""

    version = VERSION

    def __init__(self, spec: str, settings: CaptionSettings) -> None:
        super().__init__(spec, settings)
        self.path = tfm.model_path(spec, "captioner")
        self._plan: CaptionPlan | None = None
        self._key: tuple[str, str, str] | None = None
        self._lock = threading.Lock()

    def identity(self) -> str:
        return tf_identity(self.spec, self.settings)

    def plan(self) -> CaptionPlan:
        with self._lock:
            if self._plan is None:
                self._plan = plan_captioner(self.path)
            return self._plan

    def _signature(self) -> tuple[Any, Any]:
        plan = self.plan()
        tf = tfm.import_tf(self.settings.device, f"the captioner {self.spec!r}")
        self._key = (str(self.path), tfm.content_hash(self.path), self.settings.device)
        loaded = tfm.shared_load(self._key, lambda: tf.saved_model.load(str(self.path)))
        return tf, loaded.signatures[plan.signature]

    def caption(self, images: list[Path]) -> list[str]:
        if not images:
            return []
        plan = self.plan()
        tf, fn = self._signature()
        texts: list[str] = []
        for value, count in tfm.feed(list(images), plan.input):
            dtype = tf.string if plan.input.kind == "bytes" else getattr(tf, plan.input.dtype)
            result = fn(**{plan.input.name: tf.constant(value, dtype=dtype)})
            texts += [decode(v, plan) for v in tfm.split(result[plan.output.name], count, plan.input)]
        return [clean_caption(t) for t in texts]

    def close(self) -> None:
        if self._key is not None:
            tfm.forget(self._key)
            self._key = None
