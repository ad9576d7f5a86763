"""Keyframes and renditions of many films as executor tasks (what ``--executor ray`` does), checked with a
stand-in executor that runs each task in this process but only after pickling the function and the item,
as Ray does: the task path must give what the local loop gives, byte for byte, and leave nothing half-made.
(The real Ray runs the same path in tests/test_executors.py, under ``-m ray``.)"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from media_fixtures import make_clip, make_corrupt

from generator.captions.base import register_captioner
from generator.config import Settings, load_settings
from generator.executors.local import LocalExecutor
from generator.reporter import Reporter
from generator.stages import StageContext

register_captioner("test-colour", "colour_captioner:ColourCaptioner")


class PicklingExecutor(LocalExecutor):
    """``remote`` like Ray: the stages send their misses as tasks, and every task travels by pickle."""

    remote = True

    def __init__(self) -> None:
        super().__init__()
        self.tasks: list[Any] = []
        self.done: list[int] = []

    def run_tasks(self, fn: Callable[[Any], Any], items: Sequence[Any], *,
                  done: Callable[[int], None] | None = None) -> list[Any]:
        fn = pickle.loads(pickle.dumps(fn))
        results = []
        for i, item in enumerate(items):
            self.tasks.append(item)
            results.append(pickle.loads(pickle.dumps(fn(pickle.loads(pickle.dumps(item))))))
            self.done.append(i)
            if done is not None:
                done(i)
        return results


def _site(root: Path) -> Path:
    content = root / "content"
    for slug, colour in (("red", "0xC81E1E"), ("green", "0x1EA03C")):
        film = content / "films" / slug
        make_clip(film / f"{slug}.mp4", duration=4, cuts=(2.0,), size="160x120",
                  sources=(f"color=c={colour}", "testsrc2"))
        (film / "index.md").write_text(f"---\ntitle: {slug}\nvideo: {slug}.mp4\n---\n")
    broken = content / "films" / "broken"
    make_corrupt(broken / "broken.mp4")
    (broken / "index.md").write_text("---\ntitle: Broken\nvideo: broken.mp4\n---\n")
    (content / "site.toml").write_text('[captions]\ncaptioner = "test-colour"\n[video]\npreset = "ultrafast"\n')
    return content


def _build(content: Path, monkeypatch: pytest.MonkeyPatch, executor: LocalExecutor | None) -> Any:
    from generator.pipeline import BuildOptions, build

    if executor is not None:
        monkeypatch.setattr(StageContext, "executor", lambda self: executor)
    else:
        monkeypatch.undo()
    result = build(content, content.parent / f"_site_{id(executor)}", load_settings(content), Reporter(quiet=True),
                   BuildOptions(with_map=False))
    monkeypatch.undo()
    return result


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_films_as_tasks_give_what_the_local_loop_gives(tmp_path, monkeypatch):
    content = _site(tmp_path / "a")
    tasks = PicklingExecutor()
    remote = _build(content, monkeypatch, tasks)
    kinds = [type(t).__name__ for t in tasks.tasks]
    assert kinds == ["KeyframeTask"] * 2 + ["RenditionTask"] * 2  # the broken film fails at its probe
    assert [f.slug for f in remote.site.films] == ["green", "red"]
    assert any("broken.mp4" in w and "'broken' skipped" in w for w in remote.warnings)

    local_content = _site(tmp_path / "b")  # the same footage, its own cache, the local loop
    local = _build(local_content, monkeypatch, None)
    assert [w.replace(str(local_content), "") for w in local.warnings] == \
        [w.replace(str(content), "") for w in remote.warnings]
    for a, b in zip(remote.site.films, local.site.films):
        assert [(k.time, k.scene_cut, _digest(k.image)) for k in a.keyframes] == \
            [(k.time, k.scene_cut, _digest(k.image)) for k in b.keyframes]
        assert a.rendition is not None and b.rendition is not None
        assert (a.rendition.width, a.rendition.height, a.rendition.remuxed) == \
            (b.rendition.width, b.rendition.height, b.rendition.remuxed)
        assert _digest(a.rendition.mp4) == _digest(b.rendition.mp4)
    cache = content / ".cache"
    assert [p for p in cache.rglob("*") if p.name.endswith(".tmp")] == []

    again = PicklingExecutor()  # everything is cached now: no task runs (the broken film is tried again)
    second = _build(content, monkeypatch, again)
    assert [type(t).__name__ for t in again.tasks] == []
    assert second.stats.cache["renditions"] == (2, 0)


def test_a_film_whose_task_fails_is_skipped_and_the_others_kept(tmp_path, monkeypatch):
    from generator.errors import MediaError
    from generator.media import renditions

    content = _site(tmp_path)
    real = renditions._make

    def fail_red(source, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        real(source, *args, **kwargs)  # writes its files, then fails: they must not be kept
        if source.stem == "red":
            raise MediaError("ffmpeg could not make its web rendition: test", source)

    tasks = PicklingExecutor()
    from generator.pipeline import BuildOptions, build

    monkeypatch.setattr(renditions, "_make", fail_red)
    monkeypatch.setattr(StageContext, "executor", lambda self: tasks)
    result = build(content, tmp_path / "_site", load_settings(content), Reporter(quiet=True),
                   BuildOptions(with_map=False))
    assert [f.slug for f in result.site.films] == ["green"]
    assert any("red.mp4: ffmpeg could not make its web rendition: test (film 'red' skipped)" in w
               for w in result.warnings)
    folder = content / ".cache" / "renditions"
    assert len(list(folder.rglob("rendition.json"))) == 1 and [p for p in folder.rglob("*.tmp")] == []


def test_an_interrupted_task_run_keeps_nothing_it_made(tmp_path, monkeypatch):
    from generator.media.ffmpeg_bin import find_tools
    from generator.media.probe import probe_cached
    from generator.model import Film
    from generator.stages import media

    tools = find_tools()
    ctx = StageContext(tmp_path, Settings(), __import__("generator.cache", fromlist=["Cache"]).Cache(tmp_path / "c"),
                       Reporter(quiet=True))
    films = []
    for slug in ("one", "two"):
        clip = make_clip(tmp_path / f"{slug}.mp4", duration=2, cuts=(), size="96x64")
        films.append(Film(slug, slug, tmp_path / f"{slug}.md", clip, info=probe_cached(clip, tools, ctx.cache)))

    class Interrupted(PicklingExecutor):
        def run_tasks(self, fn, items, *, done=None):  # noqa: ANN001, ANN202
            fn(items[0])  # the first film's folder is filled, then Ctrl-C
            raise KeyboardInterrupt

    monkeypatch.setattr(StageContext, "executor", lambda self: Interrupted())
    with pytest.raises(KeyboardInterrupt):
        media.run(ctx, films)
    keyframes = tmp_path / "c" / "keyframes"
    assert list(keyframes.rglob("index.json")) == [] and [p for p in keyframes.rglob("*.tmp")] == []


def test_a_single_missing_film_stays_in_this_process(tmp_path, monkeypatch):
    from generator.stages.film_tasks import use_tasks

    ctx = StageContext(tmp_path, Settings(), None, Reporter(quiet=True))  # type: ignore[arg-type]
    monkeypatch.setattr(StageContext, "executor", lambda self: PicklingExecutor())
    assert not use_tasks(ctx, 1) and use_tasks(ctx, 2)
    monkeypatch.setattr(StageContext, "executor", lambda self: LocalExecutor())
    assert not use_tasks(ctx, 5)


def test_the_local_executor_reports_each_task_as_it_is_done():
    seen: list[int] = []
    assert LocalExecutor().run_tasks(lambda x: -x, [3, 1, 2], done=seen.append) == [-3, -1, -2]
    assert seen == [0, 1, 2]
