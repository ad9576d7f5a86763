"""The ``tf:`` captioner and embedder. Without TensorFlow: the signature reader (on a saved_model.pb written
here by hand), the plans, the decoding of token ids, the metadata file, the identity, and the one-line error
when TensorFlow is missing. With it (skipped only when tensorflow cannot be imported): tiny SavedModels and a
Keras model built in the test (tests/tf_fixtures.py), the reader checked against TensorFlow's own view, and
a whole build through them: captions in the subtitles, the map made with the Keras model's features and
labels, a no-change rebuild that imports no TensorFlow, and a switch to the token-id captioner."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from generator.archive.tf_embed import as_probabilities, keras_classes
from generator.captions.base import create_captioner
from generator.captions.tf_saved import CaptionPlan, decode, join_tokens, plan_captioner, tf_identity
from generator.config import CaptionSettings
from generator.errors import ConfigError, MissingDependency
from generator.models import tf_model as tfm

REPO = Path(__file__).resolve().parents[1]
HAS_TF = importlib.util.find_spec("tensorflow") is not None
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
needs_tf = pytest.mark.skipif(not HAS_TF, reason="tensorflow is not installed (pip install -e .[tf])")

# ------------------------------------------------------------------- a saved_model.pb written by hand


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # int64 as protobuf writes it: -1 is ten bytes
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _num(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def _msg(field: int, payload: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def _tensor(name: str, dtype: int, dims: list[int]) -> bytes:
    shape = b"".join(_msg(2, _num(1, d)) for d in dims)
    return _msg(1, f"{name}:0".encode()) + _num(2, dtype) + _msg(3, shape)


def fake_saved_model(folder: Path, inputs: dict[str, tuple[int, list[int]]],
                     outputs: dict[str, tuple[int, list[int]]], signature: str = "serving_default") -> Path:
    """A SavedModel folder whose saved_model.pb holds one signature (and a graph field the reader skips)."""
    def table(field: int, specs: dict[str, tuple[int, list[int]]]) -> bytes:
        return b"".join(_msg(field, _msg(1, k.encode()) + _msg(2, _tensor(k, *v))) for k, v in specs.items())

    sig = table(1, inputs) + table(2, outputs) + _msg(3, b"tensorflow/serving/predict")
    meta = _msg(2, b"\x0a\x03big" * 50) + _msg(5, _msg(1, signature.encode()) + _msg(2, sig))
    meta += _msg(5, _msg(1, b"__saved_model_init_op") + _msg(2, b""))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "saved_model.pb").write_bytes(_num(1, 1) + _msg(2, meta))
    (folder / "variables").mkdir(exist_ok=True)
    (folder / "variables" / "variables.data-00000-of-00001").write_bytes(b"\0" * 64)
    return folder


STRING, FLOAT, INT64, INT32 = 7, 1, 9, 3


def test_signature_reader_decodes_a_hand_written_saved_model(tmp_path):
    d = fake_saved_model(tmp_path / "m", {"pixels": (FLOAT, [-1, 299, 299, 3])},
                         {"ids": (INT64, [-1, 20]), "text": (STRING, [-1])})
    sigs = tfm.read_signatures(d)
    assert list(sigs) == ["serving_default"]  # the init op is not a function to call
    sig = sigs["serving_default"]
    assert sig.inputs["pixels"] == tfm.TensorSpec("pixels", "float32", (-1, 299, 299, 3))
    assert sig.outputs["ids"].shape == (-1, 20) and sig.outputs["text"].dtype == "string"
    (d / "saved_model.pb").write_bytes(b"\x12\xff\xff")  # truncated
    with pytest.raises(ConfigError, match="signatures"):
        tfm.read_signatures(d)


def test_plans_from_signature_and_metadata(tmp_path):
    d = fake_saved_model(tmp_path / "ids", {"pixels": (FLOAT, [-1, -1, -1, 3])}, {"token_ids": (INT32, [-1, 9])})
    with pytest.raises(ConfigError, match="vocab.txt"):
        plan_captioner(d)
    (d / "vocab.txt").write_text("<S>\n</S>\na 10\ncat 3\n")  # im2txt's "word count" lines
    (d / "electric_speech.json").write_text(json.dumps({"size": [64, 48], "range": [-1, 1]}))
    plan = plan_captioner(d)
    assert (plan.input.kind, plan.input.size, plan.input.range, plan.input.batch) == ("float", (64, 48), (-1, 1), 0)
    assert plan.vocab == ("<S>", "</S>", "a", "cat") and plan.end == "</S>"
    scalar = fake_saved_model(tmp_path / "scalar", {"jpeg": (STRING, [])}, {"caption": (STRING, [])})
    assert plan_captioner(scalar).input.scalar and plan_captioner(scalar).vocab is None
    two = fake_saved_model(tmp_path / "two", {"a": (FLOAT, [-1, 8, 8, 3]), "b": (FLOAT, [-1])},
                           {"caption": (STRING, [-1])})
    with pytest.raises(ConfigError, match="input_name"):
        plan_captioner(two)
    for inputs, outputs, message in [({"x": (INT64, [-1, 8])}, {"c": (STRING, [-1])}, "tf.string"),
                                     ({"x": (FLOAT, [-1, 8, 3])}, {"c": (STRING, [-1])}, "height, width, 3"),
                                     ({"x": (STRING, [-1])}, {"score": (FLOAT, [-1])}, "gives no caption"),
                                     ({"x": (STRING, [-1])}, {"a": (STRING, [-1]), "b": (STRING, [-1])}, "several")]:
        bad = fake_saved_model(tmp_path / message.replace(" ", "_"), inputs, outputs)
        with pytest.raises(ConfigError, match=message):
            plan_captioner(bad)
    other = fake_saved_model(tmp_path / "named", {"x": (STRING, [-1])}, {"c": (STRING, [-1])}, signature="caption")
    assert plan_captioner(other).signature == "caption"  # the only one, when there is no serving_default


def test_metadata_mistakes_name_the_file(tmp_path):
    d = fake_saved_model(tmp_path / "m", {"x": (STRING, [-1])}, {"c": (STRING, [-1])})
    for data, message in [({"colour": 1}, "unknown key"), ({"range": [0, 0]}, "range"), ({"size": [3]}, "size"),
                          ({"input": "video"}, "input"), ({"input": "float"}, "says input 'float'"),
                          ({"signature": "nope"}, "nope")]:
        (d / "electric_speech.json").write_text(json.dumps(data))
        with pytest.raises(ConfigError, match=message) as err:
            plan_captioner(d)
        assert "electric_speech.json" in err.value.oneline() or "nope" in message


def _plan(vocab: tuple[str, ...], end: str = "</S>") -> CaptionPlan:
    return CaptionPlan("serving_default", tfm.InputPlan("x", "bytes"), tfm.TensorSpec("y", "int64", None), vocab, end)


def test_token_ids_beams_logits_and_strings_decode():
    vocab = ("<pad>", "<S>", "</S>", "a", "cat", "##s", "never")
    plan = _plan(vocab)
    assert decode(np.array([1, 3, 4, 5, 2, 6, 0]), plan) == "a cats"
    assert decode(np.array([[1, 3, 4, 2], [1, 6, 6, 2]]), plan) == "a cat"  # beams: the first
    assert decode(np.array([3, 99, 4]), plan) == "a cat"  # an id beyond the vocabulary (im2txt's unknown word)
    logits = np.full((3, len(vocab)), -5.0)
    logits[0, 3] = logits[1, 4] = logits[2, 2] = 5.0
    assert decode(logits, plan) == "a cat"
    assert decode(np.array(b"a dog", dtype=object), plan) == "a dog"
    assert decode(np.array([b"<S>", b"a", b"dog", b"</S>", b"never"], dtype=object), plan) == "a dog"
    assert join_tokens(["a", "[UNK]", "dog", "<end>", "x"], "") == "a dog"


def test_probabilities_from_logits_and_1001_classes():
    logits = np.random.default_rng(0).normal(0, 3, (2, 1001)).astype(np.float32)
    p = as_probabilities(logits)
    assert p.shape == (2, 1000) and np.allclose(p.sum(1), 1, atol=1e-5)
    probs = np.full((1, 1000), 1 / 1000, np.float32)
    assert np.allclose(as_probabilities(probs), probs)


def test_keras_classes_read_from_the_file_without_keras(tmp_path):
    layers = [{"class_name": "InputLayer", "config": {"name": "in"}},
              {"class_name": "Dense", "config": {"name": "head", "units": 1000}},
              {"class_name": "Activation", "config": {"name": "softmax"}}]
    path = tmp_path / "m.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", json.dumps({"class_name": "Functional", "config": {
            "layers": layers, "output_layers": [["softmax", 0, 0]]}}))
    assert keras_classes(path) == 1000
    (tmp_path / "bad.keras").write_bytes(b"nope")
    with pytest.raises(ConfigError, match="Keras"):
        keras_classes(tmp_path / "bad.keras")


def test_identity_follows_the_models_bytes_and_needs_no_tensorflow(tmp_path):
    d = fake_saved_model(tmp_path / "m", {"x": (STRING, [-1])}, {"c": (STRING, [-1])})
    before = tf_identity(f"tf:{d}", CaptionSettings())
    assert before == create_captioner(f"tf:{d}", CaptionSettings()).identity()
    weights = d / "variables" / "variables.data-00000-of-00001"
    weights.write_bytes(b"\1" * 64)  # same size: the bytes decide
    assert tf_identity(f"tf:{d}", CaptionSettings()) != before
    for spec, message in [("tf:", "needs a SavedModel folder"), (f"tf:{tmp_path / 'nowhere'}", "nothing at"),
                          (f"tf:{tmp_path}", "no saved_model.pb"), (f"tf:{weights}", "is a file")]:
        with pytest.raises(ConfigError, match=message):
            create_captioner(spec, CaptionSettings())


def test_a_part_travels_to_another_process_as_its_spec(tmp_path):
    import pickle

    from generator.executors.base import PartJob
    from generator.stages.captions import CaptionWorker

    d = fake_saved_model(tmp_path / "m", {"x": (STRING, [-1])}, {"c": (STRING, [-1])})
    captioner = create_captioner(f"tf:{d}", CaptionSettings(batch_size=3))
    worker = pickle.loads(pickle.dumps(PartJob(CaptionWorker, captioner)))()  # as a Ray actor makes it
    assert worker.captioner.identity() == captioner.identity() and worker.captioner.settings.batch_size == 3


def test_without_tensorflow_one_clear_line(tmp_path, monkeypatch):
    d = fake_saved_model(tmp_path / "m", {"x": (STRING, [-1])}, {"c": (STRING, [-1])})
    Image.new("RGB", (8, 8)).save(tmp_path / "f.jpg")
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # `import tensorflow` fails
    with pytest.raises(MissingDependency) as err:
        create_captioner(f"tf:{d}", CaptionSettings()).caption([tmp_path / "f.jpg"])
    line = err.value.oneline()
    assert "TensorFlow" in line and "pip install -e .[tf]" in line and "\n" not in line


# ---------------------------------------------------------------------------- with TensorFlow


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    if not HAS_TF:
        pytest.skip("tensorflow is not installed (pip install -e .[tf])")
    import tf_fixtures as fx

    root = tmp_path_factory.mktemp("tf-models")
    return {"bytes": fx.bytes_captioner(root / "bytes"), "ids": fx.ids_captioner(root / "ids"),
            "features": fx.feature_model(root / "features"), "keras": fx.keras_classifier(root / "classes.keras")}


def _colour_images(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, colour in enumerate([(220, 30, 30), (30, 200, 40), (30, 40, 230), (250, 250, 250)]):
        path = folder / f"c{i}.png" if i % 2 else folder / f"c{i}.jpg"
        Image.fromarray(np.full((90, 120, 3), colour, np.uint8)).save(path)
        paths.append(path)
    return paths


@needs_tf
def test_parts_on_tiny_tensorflow_models(models, tmp_path):
    import tensorflow as tf

    from generator.archive.embed import create_embedder
    from generator.config import MapSettings

    for name in ("bytes", "ids", "features"):  # the hand-made reader agrees with TensorFlow
        ours = tfm.read_signatures(models[name])["serving_default"]
        theirs = tf.saved_model.load(str(models[name])).signatures["serving_default"]
        for spec in [*theirs.structured_input_signature[1].values(), *theirs.structured_outputs.values()]:
            mine = ours.inputs.get(spec.name) or ours.outputs[spec.name]
            assert mine.dtype == spec.dtype.name and mine.shape == tuple(-1 if d is None else d for d in spec.shape)
    images = _colour_images(tmp_path / "img")
    assert create_captioner(f"tf:{models['bytes']}", CaptionSettings()).caption(images) == [
        "The machine sees crimson light.", "The machine sees verdant light.", "The machine sees azure light.",
        "The machine sees crimson light."]
    ids = create_captioner(f"tf:{models['ids']}", CaptionSettings(batch_size=3))
    assert ids.caption(images) == ["A dark picture."] * 3 + ["A bright picture."]  # [-1, 1] from the metadata
    keras = create_embedder(f"tf:{models['keras']}", MapSettings())
    out = keras.embed(images)
    assert keras.gives_labels and out.features.shape == (4, 16) and out.probs is not None
    assert out.probs.shape == (4, 1000) and np.allclose(out.probs.sum(1), 1, atol=1e-4)
    plain = create_embedder(f"tf:{models['features']}", MapSettings())
    assert not plain.gives_labels and plain.embed(images).features.shape == (4, 4)


def _site(root: Path, models: dict[str, Path]) -> Path:
    from media_fixtures import make_clip

    content = root / "content"
    film = content / "films" / "colours"
    make_clip(film / "colours.mp4", duration=6, cuts=(2.0, 4.0),
              sources=("color=c=0xd01010", "color=c=0x10c020", "color=c=0x1020e0"))
    (film / "index.md").write_text("---\ntitle: Colours\nvideo: colours.mp4\n---\nThree shots.\n")
    rng = np.random.default_rng(5)
    for i in range(14):
        colour = np.array([(200, 40, 40), (40, 180, 60), (40, 60, 210)][i % 3])
        arr = np.clip(colour + rng.normal(0, 25, (48, 64, 3)), 0, 255).astype(np.uint8)
        Image.fromarray(arr).save(content / "archive" / f"a{i:02d}.jpg" if (content / "archive").is_dir()
                                  else _mkdir(content / "archive") / f"a{i:02d}.jpg")
    _write_toml(content, models["bytes"], models["keras"])
    return content


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write_toml(content: Path, captioner: Path, embedder: Path) -> None:
    (content / "site.toml").write_text(
        f'[captions]\ncaptioner = "tf:{captioner}"\n[video]\npreset = "ultrafast"\n'
        f'[map]\nembedder = "tf:{embedder}"\nlayouts = ["tsne", "grid"]\nlayout = "tsne"\ntsne_iter = 100\n')


def _build(content: Path, out: Path):
    from generator.cli import make_parser
    from generator.reporter import Reporter
    from generator.runner import run_build

    args = make_parser().parse_args(["build", "--content", str(content), "--out", str(out), "-q"])
    return run_build(args, Reporter(quiet=True))


@needs_tf
@pytest.mark.slow
def test_a_build_through_tensorflow_models(models, tmp_path):
    content, out = _site(tmp_path, models), tmp_path / "_site"
    result = _build(content, out)
    vtt = (out / "films" / "colours" / "colours.vtt").read_text()
    for word in ("crimson", "verdant", "azure"):  # each shot's colour named in its own cue
        assert f"The machine sees {word} light." in vtt
    assert result.stats.captions_computed >= 3
    manifest = json.loads((out / "map" / "manifest.json").read_text())
    assert manifest["embedder"].startswith("tf:classes.keras@") and (out / "map" / "index.html").is_file()
    assert result.stats.archive == 14

    # a no-change rebuild in a fresh process: nothing computed, TensorFlow never imported
    code = ("import sys; from generator.cli import make_parser; from generator.runner import run_build; "
            "from generator.reporter import Reporter; "
            "r = run_build(make_parser().parse_args(['build', '--content', sys.argv[1], '--out', sys.argv[2], '-q']), "
            "Reporter(quiet=True)); "
            "print(r.stats.captions_computed, sum(m for _, m in r.stats.cache.values()), 'tensorflow' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", code, str(content), str(out)], cwd=REPO, capture_output=True,
                          text=True, timeout=300, env=env)
    assert proc.stdout.split() == ["0", "0", "False"], proc.stderr[-2000:]

    # the token-id captioner instead: only the captions are computed again
    _write_toml(content, models["ids"], models["keras"])
    again = _build(content, out)
    vtt = (out / "films" / "colours" / "colours.vtt").read_text()
    assert "A dark picture." in vtt and "never" not in vtt and "crimson" not in vtt
    assert again.stats.captions_computed == result.stats.captions_computed
    assert again.stats.cache.get("map-embed", (0, 0))[1] == 0
