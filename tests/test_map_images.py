"""Untrusted images: every broken or unusual file gives a result (thumbnail or a reason), never a traceback."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from generator.archive.images import MAX_PIXELS, make_thumb, open_rgb
from generator.cache import Cache
from generator.errors import MediaError


def _jpeg(size=(80, 60), colour=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}

    def put(name: str, data: bytes) -> None:
        out[name] = tmp_path / name
        out[name].write_bytes(data)

    put("good.jpg", _jpeg())
    put("zero.jpg", b"")
    put("text.jpg", b"this is not an image at all")
    put("truncated.jpg", _jpeg((400, 300))[:600])
    bomb = io.BytesIO()
    Image.new("1", (9000, 9000)).save(bomb, "PNG")  # 81 MP of nothing: a few kB on disk
    put("bomb.png", bomb.getvalue())
    cmyk = io.BytesIO()
    Image.new("CMYK", (40, 30), (0, 255, 255, 0)).save(cmyk, "JPEG")
    put("cmyk.jpg", cmyk.getvalue())
    deep = io.BytesIO()
    Image.fromarray((np.arange(64 * 48).reshape(48, 64) * 20).astype(np.uint16)).save(deep, "PNG")
    put("deep16.png", deep.getvalue())
    alpha = io.BytesIO()
    Image.new("RGBA", (30, 30), (0, 0, 255, 0)).save(alpha, "PNG")
    put("alpha.png", alpha.getvalue())
    anim = io.BytesIO()
    frames = [Image.new("RGB", (20, 20), (i * 80, 0, 0)) for i in range(3)]
    frames[0].save(anim, "GIF", save_all=True, append_images=frames[1:])
    put("anim.gif", anim.getvalue())
    rotated = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees on display
    Image.new("RGB", (80, 40), (0, 200, 0)).save(rotated, "JPEG", exif=exif)
    put("rotated.jpg", rotated.getvalue())
    return out


@pytest.mark.parametrize("name, reason", [
    ("zero.jpg", "empty file"),
    ("text.jpg", "not an image"),
    ("truncated.jpg", "cannot decode"),
    ("bomb.png", "MP limit"),
])
def test_unreadable_images_raise_one_clear_media_error(files, name, reason):
    with pytest.raises(MediaError) as info:
        open_rgb(files[name])
    assert reason in info.value.message
    assert name in info.value.oneline()
    assert 9000 * 9000 > MAX_PIXELS


@pytest.mark.parametrize("name, note", [
    ("cmyk.jpg", "CMYK"),
    ("deep16.png", "16-bit"),
    ("alpha.png", "transparency"),
    ("anim.gif", "animated"),
    ("good.jpg", None),
])
def test_unusual_images_become_rgb_with_a_note(files, name, note):
    im, info = open_rgb(files[name])
    assert im.mode == "RGB"
    assert (note is None and info["notes"] == []) or any(note in n for n in info["notes"])


def test_exif_rotation_is_applied_and_reported_in_the_size(files):
    im, info = open_rgb(files["rotated.jpg"])
    assert im.size == (40, 80)
    assert (info["width"], info["height"]) == (40, 80)


def test_thumbs_are_cached_and_failures_remembered(files, tmp_path):
    cache = Cache(tmp_path / "cache")
    good = make_thumb(files["good.jpg"], cache)
    assert good.ok and good.large.exists() and good.cell.exists() and good.color[0] > 150
    assert (good.width, good.height, good.cell_size) == (80, 60, (80, 60))
    bad = make_thumb(files["truncated.jpg"], cache)
    assert not bad.ok and "cannot decode" in bad.error
    hits = cache.hits["map-thumb"]
    assert make_thumb(files["good.jpg"], cache).ok and not make_thumb(files["truncated.jpg"], cache).ok
    assert cache.hits["map-thumb"] == hits + 2
