"""Executors: the registry kind, settings checked before any work, the local executor's order, how the
Ray executor finds its cluster (with a stand-in ``ray`` module), and, under ``-m ray``, the real thing on a
local Ray of 2 CPUs: captions equal to the local executor's, embeddings within 1e-5, the same cache.

The real-Ray checks are one test (one cluster start, one xdist worker): Ray takes seconds to start."""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
import threading
import types
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench" / "map"))
import synth  # noqa: E402
from media_fixtures import make_clip  # noqa: E402

from generator import registry  # noqa: E402
from generator.captions.base import register_captioner  # noqa: E402
from generator.config import BuildSettings, CaptionSettings, MapSettings, Settings, load_settings, validate  # noqa: E402
from generator.errors import ConfigError, MissingDependency  # noqa: E402
from generator.executors import PartJob, Worker, create_executor  # noqa: E402
from generator.executors.local import LocalExecutor  # noqa: E402
from generator.executors.ray_cluster import RayExecutor  # noqa: E402
from generator.reporter import Reporter  # noqa: E402

register_captioner("test-colour", "colour_captioner:ColourCaptioner")


# ------------------------------------------------------------------------------------ registry, settings

def test_registry_lists_both_executors():
    assert registry.names("executor") == ["local", "ray"]
    assert "executor" in registry.KINDS
    ray = registry.resolve("executor", "ray")
    assert ray.requires[0] == "ray" and ray.install == "pip install -e .[scale]"
    assert isinstance(create_executor(BuildSettings()), LocalExecutor)
    from generator.cli import list_components

    out = io.StringIO()
    list_components(out)
    assert "\nexecutors: where captions and embeddings are computed" in out.getvalue()
    assert "  local " in out.getvalue() and "  ray " in out.getvalue()


def test_unknown_executor_is_a_config_error_before_any_work(tmp_path):
    settings = Settings()
    settings.build.executor = "spark"
    with pytest.raises(ConfigError, match=r"\[build\] unknown executor 'spark'; choose one of: local, ray"):
        validate(settings)
    (tmp_path / "site.toml").write_text('[build]\nexecutor = "dask"\nray_actors = -1\n')
    with pytest.raises(ConfigError, match="unknown executor 'dask'.*ray_actors must be 0"):
        load_settings(tmp_path)
    (tmp_path / "site.toml").write_text("[build]\nray_address = [1]\n")
    with pytest.raises(ConfigError, match=r"\[build\] ray_address must be text"):
        load_settings(tmp_path)
    # the flag, through the CLI: one line, and nothing built or cached
    (tmp_path / "site.toml").write_text("")
    proc = subprocess.run([sys.executable, str(REPO / "build.py"), "--content", str(tmp_path), "--out",
                           str(tmp_path / "_site"), "--executor", "nope", "-q"], capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert "unknown executor 'nope'" in proc.stderr
    assert not (tmp_path / "_site").exists() and not (tmp_path / ".cache").exists()


def test_missing_ray_is_one_clear_line(monkeypatch):
    entry = registry.resolve("executor", "ray")
    monkeypatch.setitem(registry._ENTRIES, ("executor", "ray"),
                        registry.Entry(**{**entry.__dict__, "requires": ("no_such_ray_here",)}))
    settings = Settings()
    settings.build.executor = "ray"
    with pytest.raises(ConfigError) as err:
        validate(settings)
    assert err.value.oneline() == ("[build] executor 'ray' cannot run here: no_such_ray_here not installed "
                                   "(pip install -e .[scale])")
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails
    with pytest.raises(MissingDependency, match=r"ray, which the executor 'ray' needs, is not installed; pip install"):
        RayExecutor("ray", BuildSettings(executor="ray")).run_tasks(abs, [1])


def test_flag_sets_the_executor(tmp_path):
    from generator.cli import make_parser
    from generator.runner import settings_from_args

    args = make_parser().parse_args(["build", "--content", str(tmp_path), "--executor", "ray"])
    assert settings_from_args(args).build.executor == "ray"
    args = make_parser().parse_args(["build", "--content", str(tmp_path)])
    assert settings_from_args(args).build.executor == "local"


# ------------------------------------------------------------------------------------ the local executor

class _Doubler(Worker[list[int], list[int]]):
    made = 0

    def __init__(self, overlap: bool) -> None:
        type(self).made += 1
        self.overlap = overlap
        self.threads: set[str] = set()

    def prepare(self, batch: list[int]) -> list[int]:
        self.threads.add(threading.current_thread().name)
        return batch

    def compute(self, prepared: list[int]) -> list[int]:
        return [2 * x for x in prepared]


@pytest.mark.parametrize("overlap", [False, True])
def test_local_executor_keeps_order_and_makes_one_worker(overlap):
    batches = [[i, i + 1] for i in range(0, 40, 2)]
    workers: list[_Doubler] = []

    def job() -> _Doubler:
        workers.append(_Doubler(overlap))
        return workers[-1]

    ex = LocalExecutor()
    assert list(ex.map_batches(job, [])) == [] and workers == []  # nothing to do: no worker, no model
    assert list(ex.map_batches(job, batches)) == [[2 * a, 2 * b] for a, b in batches]
    assert len(workers) == 1
    # overlap: decoding runs in the loader thread; without it, in this one
    assert workers[0].threads == ({"batch-loader"} if overlap else {threading.current_thread().name})
    with closing(ex.map_batches(job, batches)) as results:  # stopping early stops the loader too
        assert next(results) == [0, 2]
    assert not any(t.name == "batch-loader" for t in threading.enumerate())
    assert ex.run_tasks(lambda x: x * x, [3, 1, 2]) == [9, 1, 4]


def test_part_job_travels_as_spec_and_settings():
    from colour_captioner import ColourCaptioner

    from generator.captions.describe import DescribeCaptioner
    from generator.stages.captions import CaptionWorker

    here = ColourCaptioner("test-colour", CaptionSettings(batch_size=3))
    job = PartJob(CaptionWorker, here)
    assert job().captioner is here  # in this process: the stage's own instance
    there = pickle.loads(pickle.dumps(job))().captioner
    assert type(there) is ColourCaptioner and there is not here
    assert there.spec == "test-colour" and there.settings == CaptionSettings(batch_size=3)
    describe = DescribeCaptioner("describe", CaptionSettings())
    describe._executor()  # a thread pool and a lock: never pickled, the copy makes its own
    try:
        assert isinstance(pickle.loads(pickle.dumps(PartJob(CaptionWorker, describe)))().captioner, DescribeCaptioner)
    finally:
        describe.close()


# -------------------------------------------------------------------- the ray executor, with a stand-in ray

class _FakeDataset:
    def __init__(self, fake: types.SimpleNamespace, items: list[dict]) -> None:
        self.fake, self.items = fake, items

    def map_batches(self, fn, **kwargs):  # noqa: ANN001, ANN003, ANN201
        self.fake.map_kwargs = kwargs
        self.fn = fn
        return self

    def iter_rows(self):  # noqa: ANN201 - runs the actor in this process, row by row as Ray Data would
        actor = self.fn(**self.fake.map_kwargs["fn_constructor_kwargs"])
        for item in self.items:
            out = actor({"seq": np.array([item["seq"]]), "batch": np.array([item["batch"]], dtype=object)})
            yield {"seq": out["seq"][0], "result": out["result"][0]}


@pytest.fixture
def fake_ray(monkeypatch):
    fake = types.SimpleNamespace(initialised=False, inits=[], shutdowns=0, resources={"CPU": 6.0})
    context = types.SimpleNamespace(execution_options=types.SimpleNamespace(preserve_order=False),
                                    enable_progress_bars=True)
    data = types.ModuleType("ray.data")
    data.DataContext = types.SimpleNamespace(get_current=lambda: context)  # type: ignore[attr-defined]
    data.ActorPoolStrategy = lambda size: ("pool", size)  # type: ignore[attr-defined]
    data.from_items = lambda items, override_num_blocks: _FakeDataset(fake, items)  # type: ignore[attr-defined]
    ray = types.ModuleType("ray")
    ray.data = data  # type: ignore[attr-defined]
    ray.is_initialized = lambda: fake.initialised  # type: ignore[attr-defined]

    def init(**kwargs):  # noqa: ANN003, ANN202
        fake.inits.append(kwargs)
        fake.initialised = True

    def shutdown() -> None:
        fake.shutdowns += 1
        fake.initialised = False

    ray.init, ray.shutdown = init, shutdown  # type: ignore[attr-defined]
    ray.cluster_resources = lambda: fake.resources  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ray", ray)
    monkeypatch.setitem(sys.modules, "ray.data", data)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    fake.context = context
    return fake


def test_ray_address_setting_joins_that_cluster(fake_ray):
    ex = RayExecutor("ray", BuildSettings(executor="ray", ray_address="ray://head:10001"))
    assert fake_ray.inits == []  # creating the executor connects to nothing
    ex.ray()
    assert fake_ray.inits[0]["address"] == "ray://head:10001" and "num_cpus" not in fake_ray.inits[0]
    ex.close()
    assert fake_ray.shutdowns == 1  # the driver leaves the cluster (the cluster itself keeps running)


def test_ray_address_variable_wins_over_the_setting(fake_ray, monkeypatch):
    monkeypatch.setenv("RAY_ADDRESS", "auto")
    ex = RayExecutor("ray", BuildSettings(executor="ray", ray_address="ray://elsewhere:10001"))
    ex.ray()
    assert fake_ray.inits[0]["address"] == "auto"


def test_a_cluster_that_does_not_answer_is_one_line(fake_ray, monkeypatch):
    def refuse(**kwargs):  # noqa: ANN003, ANN202
        raise ConnectionError("Could not find any running Ray instance.\nmore detail")

    monkeypatch.setattr(sys.modules["ray"], "init", refuse)
    ex = RayExecutor("ray", BuildSettings(executor="ray", ray_address="10.0.0.9:6379"))
    with pytest.raises(ConfigError) as err:
        ex.run_tasks(abs, [1])
    assert err.value.oneline() == ("cannot join the Ray cluster at [build] ray_address = '10.0.0.9:6379': "
                                   "Could not find any running Ray instance.")


def test_without_an_address_a_local_ray_starts_with_every_core(fake_ray):
    from generator.executors.ray_cluster import local_cores

    ex = RayExecutor("ray", BuildSettings(executor="ray"))
    ex.ray()
    init = fake_ray.inits[0]
    assert init["address"] == "local" and init["num_cpus"] == local_cores() and init["include_dashboard"] is False
    # the workers import this checkout of the generator, and what the driver put on its path
    assert str(REPO) in init["runtime_env"]["env_vars"]["PYTHONPATH"].split(":")
    ex.close()
    assert fake_ray.shutdowns == 1


def test_a_ray_already_running_in_the_process_is_used_and_left_running(fake_ray):
    fake_ray.initialised = True
    ex = RayExecutor("ray", BuildSettings(executor="ray", ray_address="ray://head:10001"))
    ex.ray()
    ex.close()
    assert fake_ray.inits == [] and fake_ray.shutdowns == 0


def test_ray_map_batches_asks_for_an_ordered_actor_pool_with_gpus(fake_ray):
    ex = RayExecutor("ray", BuildSettings(executor="ray"))
    batches = [[1, 2], [3], [4, 5]]

    def job() -> _Doubler:
        return _Doubler(False)

    assert list(ex.map_batches(job, batches)) == [[2, 4], [6], [8, 10]]
    kw = fake_ray.map_kwargs
    assert kw["batch_size"] == 1 and kw["num_gpus"] == 0 and kw["compute"] == ("pool", 3)  # <= one per batch
    assert fake_ray.context.execution_options.preserve_order is True
    list(ex.map_batches(job, batches * 4, device="cuda"))
    assert fake_ray.map_kwargs["num_gpus"] == 1 and fake_ray.map_kwargs["compute"] == ("pool", 1)  # no GPU here
    fake_ray.resources = {"CPU": 16.0, "GPU": 4.0}
    list(ex.map_batches(job, batches * 4, device="auto"))
    assert fake_ray.map_kwargs["num_gpus"] == 1 and fake_ray.map_kwargs["compute"] == ("pool", 4)
    ex.settings.ray_actors = 2
    list(ex.map_batches(job, batches * 4))
    assert fake_ray.map_kwargs["num_gpus"] == 0 and fake_ray.map_kwargs["compute"] == ("pool", 2)


@pytest.mark.slow  # the demo build
def test_cached_build_with_the_ray_executor_never_imports_ray(demo_copy):
    """Everything the local build computed is a hit for --executor ray, and Ray is never imported."""
    code = ("import sys; from generator.cli import make_parser; from generator.runner import run_build; "
            "from generator.reporter import Reporter; "
            "args = make_parser().parse_args(['build', '--content', sys.argv[1], '--out', sys.argv[2], '-q', "
            "'--executor', 'ray']); r = run_build(args, Reporter(quiet=True)); "
            "print(all(m == 0 for _, m in r.stats.cache.values()), 'ray' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code, str(demo_copy / "content"), str(demo_copy / "_site")],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.stdout.split() == ["True", "False"], proc.stderr


# ---------------------------------------------------------------------------------- a real local Ray

@pytest.fixture(scope="module")
def local_ray():
    pytest.importorskip("ray")
    pytest.importorskip("pyarrow")
    import ray

    from generator.executors.ray_cluster import connect

    # as ray.init(num_cpus=2, include_dashboard=False), with the workers on this process's import path
    started = connect(num_cpus=2)
    yield
    if started:
        ray.shutdown()


def _build(content: Path, out: Path, executor: str):  # noqa: ANN202
    from generator.pipeline import BuildOptions, build

    settings = load_settings(content)
    settings.build.executor = executor
    return build(content, out, settings, Reporter(quiet=True), BuildOptions(with_map=False))


class _RecordingStore:
    """Wraps an EmbeddingStore and keeps the float32 outputs it is given (the store keeps float16)."""

    def __init__(self, store) -> None:  # noqa: ANN001
        self.store, self.outputs = store, []
        self.ns = store.ns

    def missing(self, keys):  # noqa: ANN001, ANN201
        return self.store.missing(keys)

    def add(self, keys, out) -> None:  # noqa: ANN001
        self.outputs.append(out)
        self.store.add(keys, out)

    def flush(self) -> None:
        self.store.flush()


@pytest.mark.ray
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Ray Data's own, from its context module
def test_ray_executor_gives_what_the_local_one_gives(tmp_path, local_ray):
    from generator.archive.embed import EmbeddingStore, EmbedWorker, create_embedder, embed_missing
    from generator.cache import Cache

    # 1. captions through the whole build: a film of three shots, one keyframe per batch over two actors
    content = tmp_path / "content"
    film = content / "films" / "shots"
    make_clip(film / "shots.mp4", duration=6, cuts=(2.0, 4.0), size="160x120",
              sources=("color=c=0xC81E1E", "color=c=0xF0F0F0", "color=c=0x1EA03C"))
    (film / "index.md").write_text("---\ntitle: Shots\nvideo: shots.mp4\n---\n")
    second = content / "films" / "second"  # two films: their keyframes and renditions go out as Ray tasks
    make_clip(second / "second.mp4", duration=4, cuts=(2.0,), size="160x120",
              sources=("color=c=0x1EA03C", "color=c=0xC81E1E"))
    (second / "index.md").write_text("---\ntitle: Second\nvideo: second.mp4\n---\n")
    (content / "site.toml").write_text('[captions]\ncaptioner = "test-colour"\nbatch_size = 1\n'
                                       '[video]\npreset = "ultrafast"\n')
    on_ray = _build(content, tmp_path / "_site", "ray")
    assert on_ray.stats.captions_computed == on_ray.stats.keyframes >= 3
    again = _build(content, tmp_path / "_site", "local")  # what Ray computed is in the same cache
    assert again.stats.captions_computed == 0 and again.stats.cache["captions"][1] == 0
    fresh = tmp_path / "fresh"
    (fresh / "films").mkdir(parents=True)
    (fresh / "site.toml").write_text((content / "site.toml").read_text())
    (fresh / "films" / "shots").symlink_to(film)
    (fresh / "films" / "second").symlink_to(second)
    local = _build(fresh, tmp_path / "_site2", "local")
    assert [f.captions for f in on_ray.site.films] == [f.captions for f in local.site.films]
    for a, b in zip(on_ray.site.films, local.site.films):  # keyframes and renditions made by Ray tasks
        assert [(k.time, k.scene_cut, k.image.read_bytes()) for k in a.keyframes] == \
            [(k.time, k.scene_cut, k.image.read_bytes()) for k in b.keyframes]
        assert a.rendition and b.rendition and a.rendition.mp4.read_bytes() == b.rendition.mp4.read_bytes()
    assert any("red" in c for f in on_ray.site.films if f.slug == "shots" for c in f.captions)

    # 2. embeddings with the real CNN: float32 within 1e-5 of the local executor, stored in the same store
    images = []
    for i in range(12):
        p = tmp_path / f"img{i}.jpg"
        Image.fromarray(synth.rich_image(i % 6, synth.rich_params(i)[1], size=96)).save(p)
        images.append((f"{i:064x}", p))
    ms = MapSettings(batch_size=4)
    embedder = create_embedder("efficientnet", ms)
    ray_executor = RayExecutor("ray", BuildSettings(executor="ray"))
    cache = Cache(tmp_path / "cache")
    store = _RecordingStore(EmbeddingStore(cache, embedder.identity()))
    assert embed_missing(embedder, store, images, Reporter(quiet=True), 4, executor=ray_executor) == 12  # type: ignore[arg-type]
    local_out = list(LocalExecutor().map_batches(PartJob(EmbedWorker, embedder),
                                                 [[p for _, p in images[i:i + 4]] for i in range(0, 12, 4)]))
    assert len(store.outputs) == len(local_out) == 3
    for remote, here in zip(store.outputs, local_out):
        assert remote.features.dtype == np.float32 and remote.features.shape == here.features.shape
        assert np.abs(remote.features - here.features).max() <= 1e-5
        assert np.abs(remote.probs - here.probs).max() <= 1e-5
    reopened = EmbeddingStore(cache, embedder.identity())
    assert embed_missing(embedder, reopened, images, Reporter(quiet=True), 4) == 0  # all hits locally

    # 3. tasks
    assert ray_executor.run_tasks(lambda x: x * x, [3, 1, 2]) == [9, 1, 4]
    ray_executor.close()  # the fixture's Ray: left running
    import ray

    assert ray.is_initialized()
