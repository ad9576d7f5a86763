"""A picture as a static IIIF Image API 3 level-0 tile pyramid: ``info.json`` and the JPEG tiles any IIIF
viewer (OpenSeadragon, Mirador, the Universal Viewer) asks for, made once per picture's bytes and cached.

libvips' ``dzsave`` with the ``iiif3`` layout writes exactly the files level 0 needs: every tile of every
power-of-two scale at ``<x>,<y>,<w>,<h>/<w>,<h>/0/default.jpg`` and the whole picture at the smallest scale
at ``full/<w>,<h>/0/default.jpg``. It streams the source (a gigapixel TIFF or a 200 MP JPEG) through memory
a strip at a time, so the pyramid of any picture is made in memory bounded by its width, not its area.

The ``id`` in ``info.json`` is the address the service will have on the published site; the cached pyramid
holds a placeholder that :func:`info_json` replaces when the site is written (the base URL is a setting,
the tiles are not).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..cache import Cache
    from ..cache_folders import Folder

NAMESPACE = "iiif-tiles"
VERSION = 1
PLACEHOLDER = "https://iiif.invalid/tiles"  # replaced by the service's address on the site (info_json)
NAME = "p"  # the folder dzsave fills inside the cache folder


@dataclass(frozen=True)
class Pyramid:
    key: str  # of the picture's bytes and the tiling
    folder: Path  # holds info.json and the tiles
    files: tuple[str, ...]  # relative to ``folder``, info.json included
    width: int
    height: int

    @property
    def slug(self) -> str:
        """Its folder's name on the site (``iiif/<slug>/``): short, and new whenever its tiles change."""
        return self.key[:24]


def pyramid_key(path: Path, cache: Cache, tile_size: int, quality: int) -> str:
    return cache.namespace(NAMESPACE, VERSION).key(cache.file_hash(path), tile_size, quality)


def cached_pyramid(path: Path, cache: Cache, tile_size: int, quality: int) -> Pyramid | None:
    """The pyramid when the cache holds it (counted as a hit or a miss), else None; imports nothing heavy."""
    ns = cache.namespace(NAMESPACE, VERSION)
    key = pyramid_key(path, cache, tile_size, quality)
    return _from_folder(key, ns.folder(key))


def make_pyramid(path: Path, cache: Cache, tile_size: int, quality: int) -> Pyramid:
    """The pyramid of ``path`` (cached), made in libvips' worker process (see
    :mod:`generator.archive.vips_worker`); raises MediaError when libvips cannot read the picture."""
    from ..archive.vips_worker import in_worker
    from ..errors import MediaError

    found = cached_pyramid(path, cache, tile_size, quality)
    if found is not None:
        return found
    ns = cache.namespace(NAMESPACE, VERSION)
    key = pyramid_key(path, cache, tile_size, quality)
    with ns.new_dir(key, listed=True) as tmp:
        problem = in_worker(path, tile_quietly, str(path), str(tmp / NAME), tile_size, quality)
        if problem:
            raise MediaError(problem, path)
    made = _from_folder(key, ns.folder(key, counted=False))
    if made is None:  # only if the folder vanished between its commit and now (another build's clean-up)
        raise OSError(f"{path}: the tile pyramid was made but is gone from the cache")
    return made


def tile_quietly(source: str, out: str, tile_size: int, quality: int) -> str:
    """:func:`tile` as the worker runs it: "" when done, else the problem (a MediaError's path does not
    cross the process boundary)."""
    from ..errors import MediaError

    try:
        tile(Path(source), Path(out), tile_size, quality)
    except MediaError as exc:
        return exc.message
    return ""


def tile(path: Path, out: Path, tile_size: int, quality: int) -> None:
    """Write the level-0 pyramid of ``path`` into the new folder ``out`` (upright, sRGB, 8-bit, no alpha)."""
    from ..archive.large_images import vips
    from ..errors import MediaError

    pyvips = vips()
    try:
        im = pyvips.Image.new_from_file(str(path), access="sequential")
        if "orientation" in im.get_fields() and int(im.get("orientation")) != 1:
            im = im.autorot()  # a rotated scan: this one needs the picture whole (libvips spills it to disk)
        if im.hasalpha():
            im = im.flatten(background=[255] * (im.bands - 1))
        if im.interpretation != "srgb" or im.format != "uchar":
            im = im.colourspace("srgb").cast("uchar")
        if im.bands == 1:
            im = im.bandjoin([im, im])
        elif im.bands > 3:
            im = im.extract_band(0, n=3)
        im.dzsave(str(out), layout="iiif3", id=PLACEHOLDER, tile_size=tile_size, overlap=0,
                  suffix=f".jpg[Q={quality},strip]")
    except Exception as exc:  # noqa: BLE001 - pyvips.Error names the problem in its last line
        text = str(exc).strip()
        raise MediaError(f"cannot make its tiles ({text.splitlines()[-1] if text else type(exc).__name__})",
                         path) from None


def _from_folder(key: str, folder: Folder | None) -> Pyramid | None:
    if folder is None:
        return None
    info = folder.read_json(f"{NAME}/info.json")
    if not isinstance(info, dict):
        return None
    files = tuple(f.removeprefix(NAME + "/") for f in folder.files() if f.startswith(NAME + "/"))
    return Pyramid(key, folder.path / NAME, files, int(info.get("width", 0)), int(info.get("height", 0)))


def info_json(pyramid: Pyramid, service_id: str) -> bytes:
    """The pyramid's ``info.json`` with ``id`` the address of its folder on the site (``service_id``)."""
    info: dict[str, Any] = json.loads((pyramid.folder / "info.json").read_text("utf-8"))
    info["id"] = service_id
    # the smallest scale's whole picture is a size a level-0 client may ask for: say so (Image API 3, 5.6)
    full = sorted(f for f in pyramid.files if f.startswith("full/") and f.endswith("/0/default.jpg"))
    sizes = []
    for rel in full:
        w, _, h = rel.split("/")[1].partition(",")
        if w.isdigit() and h.isdigit():
            sizes.append({"width": int(w), "height": int(h)})
    if sizes:
        info["sizes"] = sizes
    return json.dumps(info, ensure_ascii=True, indent=1).encode("ascii")
