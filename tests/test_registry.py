"""The one registry of swappable parts, and `build.py list`."""

from __future__ import annotations

import pytest

from generator import registry
from generator.cli import main
from generator.errors import ConfigError, MissingDependency


def test_builtins_are_registered_in_order_with_labels():
    assert registry.names("captioner")[:2] == ["describe", "hf"]
    assert registry.names("embedder")[:2] == ["efficientnet", "hf"]
    assert registry.names("layout")[:4] == ["umap", "tsne", "grid", "date"]
    families = {e.name: e.family for e in registry.entries("layout")}
    assert families["umap"] == families["tsne"] == "scatter" and families["grid"] == "arrangement"
    assert registry.resolve("layout", "tsne").label == "t-SNE"


def test_specs_are_checked_with_the_choices_named():
    with pytest.raises(ConfigError, match="unknown captioner 'magic'; choose one of: describe, hf:<model id or path>"):
        registry.resolve("captioner", "magic")
    with pytest.raises(ConfigError, match="needs a model id or path"):
        registry.resolve("captioner", "hf:")
    with pytest.raises(ConfigError, match="takes no argument"):
        registry.resolve("embedder", "efficientnet:big")
    assert registry.resolve("captioner", "hf:Salesforce/blip-image-captioning-base").name == "hf"
    # an optional argument: the packaged voice alone, or a voice file
    assert registry.resolve("voice", "piper").name == registry.resolve("voice", "piper:/v/x.onnx").name == "piper"


def test_a_new_kind_and_a_missing_dependency(monkeypatch):
    monkeypatch.setattr(registry, "_ENTRIES", dict(registry._ENTRIES))
    monkeypatch.setattr(registry, "KINDS", dict(registry.KINDS))
    entry = registry.register("sharpener", "nobody", "generator.does_not_exist:Voice", requires=("no_such_module_xyz",),
                              install="pip install no-such-module", kind_summary="cuts things")
    assert registry.KINDS["sharpener"] == "cuts things"
    assert entry.unavailable() == "no_such_module_xyz not installed (pip install no-such-module)"
    with pytest.raises(MissingDependency, match="pip install no-such-module"):
        registry.create("sharpener", "nobody")


def test_list_shows_stages_and_every_kind(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    stages = [line.split()[0] for line in out.split("\n\n")[0].splitlines()[1:]]
    assert stages == ["read", "dream-films", "media", "renditions", "captions", "stories", "subtitles", "narration",
                      "map", "labels", "faces", "collages", "dreams", "iiif", "render", "search", "write"]
    assert "captions v1" in out and "map-layout v" in out and "[map]" in out
    assert "[narration]" in out and "narration-speech v1" in out
    assert "piper[:<path to a .onnx voice>]" in out and "espeak-ng[:<espeak-ng voice>]" in out
    assert "[collages]" in out and "collage-cutouts v1" in out and "isnet[:<small|medium|model path>]" in out
    for kind in ("captioners:", "embedders:", "layouts:", "voices:", "cutters:"):
        assert kind in out
    assert "describe" in out and "hf:<model id or path>" in out and "available" in out
