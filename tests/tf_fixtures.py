"""Tiny TensorFlow models the ``tf:`` tests build in a temporary folder (nothing downloaded): two captioners
with the two serving signatures the ``tf:`` captioner accepts, and two embedders (a Keras classifier ending in
1000 ImageNet classes, a SavedModel giving only features). Their answers depend on the picture, so a test can
tell that the right image reached the right caption."""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

COLOUR_WORDS = ("crimson", "verdant", "azure")  # what the bytes captioner says for a red, green or blue image
VOCAB = ("<pad>", "<S>", "</S>", "a", "bright", "dark", "picture", "never")


class BytesCaptioner(tf.Module):
    """Encoded images [batch] -> a caption [batch] naming the image's dominant colour channel."""

    def __init__(self) -> None:
        super().__init__()
        self.sentences = tf.constant([f"the machine sees {w} light" for w in COLOUR_WORDS])
        self.gain = tf.Variable([1.0, 1.0, 1.0])  # a variable, so the SavedModel has variables/ to hash

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="image_bytes")])
    def serve(self, image_bytes: tf.Tensor) -> dict[str, tf.Tensor]:
        def one(data: tf.Tensor) -> tf.Tensor:
            image = tf.io.decode_image(data, channels=3, expand_animations=False)
            means = tf.reduce_mean(tf.cast(image, tf.float32), axis=[0, 1]) * self.gain
            return tf.gather(self.sentences, tf.argmax(means))

        return {"caption": tf.map_fn(one, image_bytes, fn_output_signature=tf.string)}


class IdsCaptioner(tf.Module):
    """Pixels [batch, 32, 32, 3] in [-1, 1] -> token ids [batch, 6]: "<S> a dark|bright picture </S> never".
    "dark" only when some pixel is below -0.5, which only a [-1, 1] range gives."""

    def __init__(self) -> None:
        super().__init__()
        self.threshold = tf.Variable(-0.5)

    @tf.function(input_signature=[tf.TensorSpec([None, 32, 32, 3], tf.float32, name="pixels")])
    def serve(self, pixels: tf.Tensor) -> dict[str, tf.Tensor]:
        n = tf.shape(pixels)[0]
        dark = tf.reduce_min(pixels, axis=[1, 2, 3]) < self.threshold
        word = tf.where(dark, VOCAB.index("dark"), VOCAB.index("bright"))

        def fill(token: str) -> tf.Tensor:
            return tf.fill([n], VOCAB.index(token))

        ids = tf.stack([fill("<S>"), fill("a"), word, fill("picture"), fill("</S>"), fill("never")], axis=1)
        return {"token_ids": tf.cast(ids, tf.int64), "score": tf.reduce_mean(pixels, axis=[1, 2, 3])}


class FeatureModel(tf.Module):
    """uint8 pixels [batch, 24, 24, 3] -> a 4-D feature map [batch, 6, 6, 4] (averaged by the embedder)."""

    def __init__(self) -> None:
        super().__init__()
        self.kernel = tf.Variable(tf.random.stateless_normal([4, 4, 3, 4], seed=[1, 2]))

    @tf.function(input_signature=[tf.TensorSpec([None, 24, 24, 3], tf.uint8, name="images")])
    def serve(self, images: tf.Tensor) -> dict[str, tf.Tensor]:
        x = tf.cast(images, tf.float32) / 255.0
        return {"feature_map": tf.nn.conv2d(x, self.kernel, strides=4, padding="VALID")}


def save_module(module: tf.Module, folder: Path) -> Path:
    tf.saved_model.save(module, str(folder), signatures={"serving_default": module.serve})
    return folder


def bytes_captioner(folder: Path) -> Path:
    return save_module(BytesCaptioner(), folder)


def ids_captioner(folder: Path) -> Path:
    save_module(IdsCaptioner(), folder)
    (folder / "assets").mkdir(exist_ok=True)
    (folder / "assets" / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    (folder / "electric_speech.json").write_text(json.dumps({"range": [-1, 1], "output": "token_ids"}))
    return folder


def feature_model(folder: Path) -> Path:
    return save_module(FeatureModel(), folder)


def keras_classifier(path: Path) -> Path:
    """A Keras 3 model: 32x32 RGB in [0, 1] -> 16 features -> 1000 softmax classes."""
    keras = tf.keras
    keras.utils.set_random_seed(3)
    inp = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(8, 3, strides=2, activation="relu")(inp)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dense(16, activation="relu", name="features")(x)
    out = keras.layers.Dense(1000, activation="softmax", name="classes")(x)
    keras.Model(inp, out).save(str(path))
    return path
