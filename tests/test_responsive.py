"""Responsive pictures (generator.site.responsive): WebP variants at the ladder's widths below a picture's own,
made once per source's bytes and then read from the cache without encoding or importing Pillow; and the
pages that show pictures wrap them in <picture> with the JPEG as the fallback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from browser.site_fixtures import make_film, make_image, make_site

from generator.cache import Cache
from generator.model import Keyframe
from generator.site import responsive
from generator.site.output import OutputTree
from generator.site.render import render_site
from generator.site.responsive import Pictures, widths_for

REPO = Path(__file__).resolve().parents[1]


def webp_size(path: Path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as im:
        assert im.format == "WEBP"
        return im.size


def test_the_ladder_stops_at_the_pictures_own_width():
    assert widths_for(2000) == [320, 480, 640, 960, 1280]
    assert widths_for(1000) == [320, 480, 640, 1000]
    assert widths_for(640) == [320, 480, 640]
    assert widths_for(512) == [320, 512]  # 480 is too near 512 to be worth a file
    assert widths_for(300) == [300]


def test_variants_are_webp_at_each_width_and_kept_in_the_tree(tmp_path):
    source = make_image(tmp_path / "a.jpg", (1000, 600), (40, 90, 160))
    out = OutputTree()
    pic = Pictures(Cache(tmp_path / "cache"), out).of(source)
    assert pic is not None and (pic.width, pic.height, pic.type) == (1000, 600, "image/webp")
    assert [w for _, w in pic.srcset] == [320, 480, 640, 1000]
    for url, w in pic.srcset:
        assert url.startswith(responsive.URL_PREFIX) and url.endswith(f"-{w}w.webp")
        stored = out.files[url]
        assert isinstance(stored, Path) and webp_size(stored) == (w, round(600 * w / 1000))
    assert out.files[pic.srcset[0][0]].stat().st_size < source.stat().st_size / 2


def test_a_second_build_reads_them_without_encoding(tmp_path, monkeypatch):
    source = make_image(tmp_path / "a.jpg", (640, 360), (170, 60, 40))
    first = Pictures(Cache(tmp_path / "cache"), OutputTree())
    made = first.of(source)
    assert first.encoded == 3

    def no_encode(*args: object) -> None:
        raise AssertionError("encoded again")

    monkeypatch.setattr(responsive, "_encode", no_encode)
    cache = Cache(tmp_path / "cache")
    again = Pictures(cache, OutputTree())
    assert again.of(source) == made and again.of(source) == made  # the second call is this build's memo
    assert again.encoded == 0 and cache.summary() == {"pictures": (1, 0)}
    copy = tmp_path / "same-bytes.jpg"  # the key is the bytes, not the path
    copy.write_bytes(source.read_bytes())
    assert again.of(copy) == made


def test_a_cached_lookup_imports_no_pillow(tmp_path):
    source = make_image(tmp_path / "a.jpg", (640, 360), (60, 130, 80))
    Cache(tmp_path / "cache").flush()
    Pictures(Cache(tmp_path / "cache"), OutputTree()).of(source)
    code = ("import sys; from pathlib import Path; from generator.cache import Cache; "
            "from generator.site.output import OutputTree; from generator.site.responsive import Pictures; "
            "p = Pictures(Cache(Path(sys.argv[1])), OutputTree()).of(Path(sys.argv[2])); "
            "print(len(p.srcset), 'PIL' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "cache"), str(source)], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.stdout.split() == ["3", "False"], proc.stderr


def test_an_unreadable_picture_is_shown_as_it_is(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8 not a picture")
    assert Pictures(Cache(tmp_path / "cache"), OutputTree()).of(bad) is None
    assert Pictures(None, OutputTree()).of(make_image(tmp_path / "a.jpg", (640, 360), (1, 2, 3))) is None


@pytest.fixture
def big_frames_site(tmp_path):
    """The render tests' site with 640 x 360 keyframes (theirs are 320 px: a single width)."""
    film = make_film(tmp_path)
    film.keyframes = [Keyframe(k.index, k.time, make_image(tmp_path / "big" / f"{k.index}.jpg", (640, 360),
                                                           (40 * k.index, 90, 160)), k.scene_cut)
                      for k in film.keyframes]
    return make_site(tmp_path, films=[film])


def test_pages_wrap_their_pictures(big_frames_site, tmp_path):
    out = render_site(big_frames_site, Cache(tmp_path / "cache"))
    film = out.files["films/test-card/index.html"].decode()
    assert film.count('<picture><source type="image/webp" srcset="../../assets/pictures/') == 4
    assert 'sizes="4.75rem"><img class="cue-frame" src="frames/0.jpg" alt="" width="640" height="360"' in film
    assert 'poster="../../assets/pictures/' in film
    front = out.files["index.html"].decode()
    assert '320w, assets/pictures/' in front and 'src="films/test-card/poster.jpg" alt="" width="640"' in front
    webps = [rel for rel in out.files if rel.endswith(".webp")]
    assert len(webps) == 4 * 3  # four keyframes (the poster is one of them) at 320, 480 and 640 px
