"""Untrusted images: every broken or unusual file gives a result (thumbnail or a reason), never a traceback."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from generator.archive.images import PIL_PIXELS, make_thumb, open_rgb
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
    ("bomb.png", "max_megapixels = 64"),
])
def test_unreadable_images_raise_one_clear_media_error(files, name, reason):
    with pytest.raises(MediaError) as info:
        open_rgb(files[name], max_pixels=64_000_000)
    assert reason in info.value.message
    assert name in info.value.oneline() and "\n" not in info.value.oneline()
    assert 9000 * 9000 > PIL_PIXELS


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


def test_a_picture_over_pillows_limit_is_read_shrunk_on_load(files):
    """81 MP (the bomb above, a real size under the default limit): libvips reads it shrunk on load."""
    im, info = open_rgb(files["bomb.png"])
    assert im.mode == "RGB" and max(im.size) <= 512
    assert (info["width"], info["height"], info["format"]) == (9000, 9000, "PNG")
    assert any("read shrunk on load" in n for n in info["notes"])


def test_large_pictures_with_alpha_and_16_bit_samples_become_rgb_with_notes(tmp_path):
    pyvips = pytest.importorskip("pyvips")
    side = 8200  # 67 MP: over PIL_PIXELS
    ramp = pyvips.Image.xyz(side, side)[0].cast("ushort") * 8  # 16-bit grey, 0 .. 65,592
    alpha = (pyvips.Image.black(side, side) + 65535).cast("ushort")
    path = tmp_path / "deep-alpha.png"
    ramp.bandjoin(alpha).copy(interpretation="grey16").pngsave(str(path), compression=1)
    im, info = open_rgb(path, target=256)
    assert im.mode == "RGB" and max(im.size) == 256
    px = np.asarray(im)
    assert px[:, 0].mean() < 10 and px[:, -1].mean() > 245  # the ramp survives the 16 -> 8 bit step
    notes = " ".join(info["notes"])
    assert "16-bit" in notes and "transparency" in notes


def test_the_limit_is_a_setting_and_a_refusal_is_not_cached_past_a_change(files, tmp_path):
    cache = Cache(tmp_path / "cache")
    refused = make_thumb(files["bomb.png"], cache, max_pixels=50_000_000)
    assert not refused.ok and "max_megapixels = 50" in refused.error
    assert "max_megapixels = 40" in make_thumb(files["bomb.png"], cache, max_pixels=40_000_000).error
    admitted = make_thumb(files["bomb.png"], cache, max_pixels=100_000_000)
    assert admitted.ok and (admitted.width, admitted.height) == (9000, 9000)
    assert not make_thumb(files["bomb.png"], cache, max_pixels=50_000_000).ok  # lowered again: refused unread
