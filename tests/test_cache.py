import json
import os
import stat

import pytest

from generator.cache import COMPLETE, Cache, atomic_path, atomic_write, atomic_write_bytes, atomic_write_json


def test_key_depends_on_every_part():
    assert Cache.key("s", 1, {"a": 1, "b": 2}) == Cache.key("s", 1, {"b": 2, "a": 1})
    assert Cache.key("s", 1, "x") != Cache.key("s", 2, "x")
    assert Cache.key("s", 1, "x") != Cache.key("t", 1, "x")


def test_json_roundtrip_and_counts(tmp_path):
    cache = Cache(tmp_path)
    k = cache.key("captions", 1, "img")
    assert cache.read_json("captions", k) is None
    cache.write_json("captions", k, {"text": "A cat."})
    assert cache.read_json("captions", k) == {"text": "A cat."}
    assert cache.summary() == {"captions": (1, 1)}


def test_corrupt_artifact_is_a_miss(tmp_path):
    cache = Cache(tmp_path)
    k = cache.key("x", 1)
    cache.path("x", k, ".json").parent.mkdir(parents=True)
    cache.path("x", k, ".json").write_text("{not json")
    assert cache.read_json("x", k) is None


def test_file_hash_memo_follows_changes(tmp_path):
    f = tmp_path / "v.mp4"
    f.write_bytes(b"one")
    cache = Cache(tmp_path / "c")
    h1 = cache.file_hash(f)
    cache.flush()
    f.write_bytes(b"two!")
    os.utime(f, ns=(1, 1))
    assert Cache(tmp_path / "c").file_hash(f) != h1


def test_new_dir_is_atomic(tmp_path):
    cache = Cache(tmp_path)
    k = cache.key("kf", 1)
    with pytest.raises(RuntimeError, match="interrupted"):
        with cache.new_dir("kf", k) as d:
            (d / "a.jpg").write_bytes(b"x")
            raise RuntimeError("interrupted")
    assert not cache.path("kf", k).exists()
    assert not list(cache.path("kf", k).parent.glob("*.tmp"))
    with cache.new_dir("kf", k) as d:
        (d / "a.jpg").write_bytes(b"x")
    assert (cache.path("kf", k) / "a.jpg").read_bytes() == b"x"


def test_atomic_write_leaves_no_temp_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "f.json"
    target.write_bytes(b"old")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


# -- folder artifacts ----------------------------------------------------------------------------------


def test_a_committed_folder_is_found_and_counted(tmp_path):
    ns = Cache(tmp_path).namespace("kf", 1)
    k = ns.key("film")
    assert ns.folder(k) is None  # a miss
    with ns.new_dir(k) as d:
        (d / "index.json").write_text('{"frames": 3}')
        (d / "sub").mkdir()
        (d / "sub" / "a.jpg").write_bytes(b"x")
    found = ns.folder(k)  # a hit
    assert found is not None and found.path == ns.path(k)
    assert (found / COMPLETE).is_file()  # the marker, written at the commit
    assert found.read_json("index.json") == {"frames": 3} and found.read_json("absent.json") is None
    assert found.files() == ["index.json", "sub/a.jpg"]  # the marker is not one of its files
    assert ns.folder(k, counted=False) is not None
    assert ns.cache.summary() == {"kf": (1, 1)}


def test_an_incomplete_folder_is_not_trusted(tmp_path):
    ns = Cache(tmp_path).namespace("kf", 1)
    k = ns.key("film")
    half = ns.path(k)
    half.mkdir(parents=True)  # as a copy or a removal cut short leaves it: files but no marker
    (half / "index.json").write_text("{}")
    assert ns.folder(k) is None
    with ns.new_dir(k) as d:  # made again, it replaces the half folder
        (d / "index.json").write_text('{"whole": true}')
    found = ns.folder(k)
    assert found is not None and found.read_json("index.json") == {"whole": True}
    assert ns.cache.summary() == {"kf": (1, 1)}


def test_a_failed_staged_folder_leaves_the_committed_one(tmp_path):
    ns = Cache(tmp_path).namespace("kf", 1)
    k = ns.key("film")
    with ns.new_dir(k) as d:
        (d / "a").write_text("old")
    with pytest.raises(RuntimeError):
        with ns.new_dir(k) as d:
            (d / "a").write_text("new")
            raise RuntimeError("interrupted")
    found = ns.folder(k)
    assert found is not None and (found / "a").read_text() == "old"
    assert [p.name for p in ns.path(k).parent.iterdir()] == [k]  # no staged folder left behind


def test_a_staged_dir_is_committed_or_discarded(tmp_path):
    ns = Cache(tmp_path).namespace("kf", 1)
    kept, dropped = ns.staged_dir(ns.key("a")), ns.staged_dir(ns.key("b"))
    (kept.path / "f").write_text("x")
    (dropped.path / "f").write_text("x")
    kept.commit()
    for staged in (kept, dropped):
        staged.discard()
    assert ns.folder(ns.key("a"), counted=False) is not None
    assert ns.folder(ns.key("b"), counted=False) is None and not ns.path(ns.key("b")).exists()


def test_a_listed_folder_lists_its_files_at_the_commit(tmp_path):
    ns = Cache(tmp_path).namespace("search", 1)
    k = ns.key("bundle")
    with ns.new_dir(k, listed=True) as d:
        (d / "pagefind.js").write_text("js")
        (d / "index").mkdir()
        (d / "index" / "en_1.pf_index").write_bytes(b"i")
    (ns.path(k) / "later.txt").write_text("not listed")  # the listing is what was committed
    found = ns.folder(k)
    assert found is not None and found.listed == ("index/en_1.pf_index", "pagefind.js")
    assert found.files() == ["index/en_1.pf_index", "pagefind.js"]


def test_a_legacy_folder_is_adopted_by_its_old_marker(tmp_path):
    ns = Cache(tmp_path).namespace("kf", 1)
    k = ns.key("film")
    old = ns.path(k)
    old.mkdir(parents=True)  # as builds before markers committed it: renamed into place whole
    (old / "index.json").write_text("{}")
    assert ns.folder(k) is None  # no marker, and no legacy file named: not trusted
    found = ns.folder(k, legacy="index.json")
    assert found is not None and (old / COMPLETE).is_file()  # adopted once, a plain hit from then on
    assert ns.folder(k) is not None
    assert ns.folder(ns.key("other"), legacy="index.json") is None
    assert ns.cache.summary() == {"kf": (2, 2)}


def test_evict_and_keep_latest(tmp_path):
    ns = Cache(tmp_path).namespace("search", 1)
    keys = [ns.key(i) for i in range(3)]
    for k in keys:
        with ns.new_dir(k) as d:
            (d / "f").write_text(k)
    ns.keep_latest("latest", keys[0])
    ns.keep_latest("latest", keys[1])  # the folder of keys[0] goes
    ns.keep_latest("latest", keys[1])  # pointing again at the same folder keeps it
    assert ns.pointer("latest") == keys[1]
    assert not ns.path(keys[0]).exists()
    assert ns.folder(keys[1], counted=False) is not None
    ns.evict(keys[2])
    assert not ns.path(keys[2]).exists() and ns.folder(keys[2], counted=False) is None
    ns.evict(keys[2])  # evicting what is not there is no error
    assert ns.cache.summary() == {}  # none of it counted


def test_scratch_and_store_folders_stay_inside_the_cache(tmp_path):
    cache = Cache(tmp_path / "c")
    assert cache.scratch("site") == tmp_path / "c" / "site"
    assert cache.namespace("map-embed", 1).store("abc") == tmp_path / "c" / "map-embed" / "abc"


# -- the atomic writer -----------------------------------------------------------------------------


def test_atomic_write_forms(tmp_path):
    target = tmp_path / "sub" / "f.bin"
    atomic_write(target, lambda fh: fh.write(b"by a writer"))  # the form torch.save and Image.save use
    assert target.read_bytes() == b"by a writer"
    atomic_write_json(target, {"b": 1, "a": "é"}, durable=True)
    assert json.loads(target.read_text("utf-8")) == {"a": "é", "b": 1}
    with atomic_path(tmp_path / "film.mp4") as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".mp4" and tmp.name != "film.mp4"  # ffmpeg picks by suffix
        tmp.write_bytes(b"mp4")
    assert (tmp_path / "film.mp4").read_bytes() == b"mp4"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.mp4", "sub"]


def test_atomic_write_keeps_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "ckpt.pt"
    target.write_bytes(b"previous checkpoint")

    def half(fh):
        fh.write(b"half a")
        raise KeyboardInterrupt  # interrupted mid-save

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, half)
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("ffmpeg failed")
    assert target.read_bytes() == b"previous checkpoint"
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_atomic_write_modes(tmp_path):
    umask = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "plain", b"x")
        atomic_write_bytes(tmp_path / "secret", b"x", private=True)
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "plain").stat().st_mode) == 0o644  # as open() would make it
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o600
