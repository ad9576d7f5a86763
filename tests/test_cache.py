import os

from generator.cache import Cache, atomic_write_bytes


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
    try:
        with cache.new_dir("kf", k) as d:
            (d / "a.jpg").write_bytes(b"x")
            raise RuntimeError("interrupted")
    except RuntimeError:
        pass
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
    try:
        atomic_write_bytes(target, b"new")
    except OSError:
        pass
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]
