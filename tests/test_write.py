import os

import pytest

from generator.errors import ConfigError
from generator.site import write as write_mod
from generator.site.output import OutputTree
from generator.site.write import MARKER, write_tree


def tree(**files):
    t = OutputTree()
    for name, text in files.items():
        t.add_text(name.replace("__", "/") + ".html", text)
    return t


def test_writes_and_replaces(tmp_path):
    content, out = tmp_path / "content", tmp_path / "_site"
    content.mkdir()
    src = tmp_path / "big.mp4"
    src.write_bytes(b"video")
    t = tree(index="one", films__a__index="film")
    t.add_file("films/a/big.mp4", src)
    assert write_tree(t, out, content) == 3
    assert (out / "films/a/index.html").read_text() == "film"
    assert (out / "films/a/big.mp4").read_bytes() == b"video"
    write_tree(tree(index="two"), out, content)
    assert (out / "index.html").read_text() == "two" and not (out / "films").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_failure_leaves_previous_site(tmp_path):
    content, out = tmp_path / "content", tmp_path / "_site"
    content.mkdir()
    write_tree(tree(index="old"), out, content)
    bad = tree(index="new")
    bad.add_file("missing.jpg", tmp_path / "does-not-exist.jpg")
    with pytest.raises(OSError):
        write_tree(bad, out, content)
    assert (out / "index.html").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_interrupted_swap_is_recovered(tmp_path):
    content, out = tmp_path / "content", tmp_path / "_site"
    content.mkdir()
    write_tree(tree(index="old"), out, content)
    os.replace(out, tmp_path / "._site.old-999")  # as if killed between the two renames
    write_mod._remove_stale(out)
    assert (out / "index.html").read_text() == "old"


def test_refuses_foreign_or_dangerous_folders(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    foreign = tmp_path / "docs"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    with pytest.raises(ConfigError, match="did not build"):
        write_tree(tree(index="x"), foreign, content)
    assert (foreign / "thesis.tex").exists()
    with pytest.raises(ConfigError, match="must not be the site folder"):
        write_tree(tree(index="x"), content, content)
    with pytest.raises(ConfigError, match="must not be the site folder"):
        write_tree(tree(index="x"), tmp_path, content)
    write_tree(tree(index="x"), tmp_path / "empty-new", content)
    assert (tmp_path / "empty-new" / MARKER).exists()
