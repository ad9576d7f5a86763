"""The map's static data: compact binary arrays for the viewer, small JSON shards fetched on demand.

Layout of ``map/data/<layer>/`` (all little-endian typed arrays, item i at offset i * width):
  pos-<layout>.bin   uint16 x2   position, quantised to the layout's bounds (in the manifest)
  scale-<layout>.bin uint8       the image's size as a multiple of the layout's size (x64; scatter layouts,
                                 whose sizes follow the local density)
  color.bin          uint8  x3   mean colour (the zoomed-out point view)
  aspect.bin         uint8  x2   thumbnail width and height as a share of its atlas cell (x255)
  cluster.bin        uint16      cluster id          (archive layer)
  labels.bin         uint16 x3   machine labels      (archive layer; 65535 = none)
  facet-<n>.bin      uint16      value of a metadata column (65535 = empty)
  meta/<s>.json      records of items s*SHARD .. (title, metadata, image, neighbours ...)
  ids/<b>.json       {id: index} for the ids whose FNV-1a hash falls in bucket b (permalinks)
  search/<c>.txt     one line per item, CHUNK items per file: title TAB id TAB other searchable text
  atlas/<cell>/<p>.jpg  texture pages
  tiles/<layout>/<z>/<x>-<y>.jpg  the overview pyramid of large layers (generator/archive/tiles.py)
  taught/<label>-<hash>.bin  uint8  a taught label's confidence (1..255 = 0..100 %, 0 = none; see
                                 generator/site/labels_page.py), fetched when the map is filtered by it
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..model import ArchiveItem
from .atlas import AtlasLevel

META_SHARD = 256
SEARCH_CHUNK = 65536
IDS_PER_BUCKET = 2048
SCALE_UNIT = 32  # scale-<layout>.bin holds size multiples x32: 1/32 to ~8x the layout's size
FACET_MAX_VALUES = 1000  # a column with more distinct values (titles, ids) is not offered as a filter


@dataclass
class LayerData:
    name: str
    count: int
    positions: dict[str, np.ndarray]  # layout -> (N, 2) float32
    colors: np.ndarray  # (N, 3) uint8
    aspect: np.ndarray  # (N, 2) uint8
    records: list[dict[str, Any]]  # per item, written into meta shards
    search: list[list[str]]  # per item: title, id, then any other searchable text
    ids: list[str]
    atlas: dict[int, list[Path | bytes]] = field(default_factory=dict)  # cell size -> pages
    images: dict[str, Path] = field(default_factory=dict)  # relative path under map/ -> cached file
    clusters: np.ndarray | None = None
    labels: np.ndarray | None = None
    facets: list[tuple[str, np.ndarray, list[tuple[str, int]]]] = field(default_factory=list)
    scales: dict[str, np.ndarray] = field(default_factory=dict)  # layout -> (N,) size multiples
    tiles: dict[str, Any] = field(default_factory=dict)  # layout -> Pyramid (the overview's tiles)
    extra: dict[str, bytes] = field(default_factory=dict)  # more files of the layer's folder (taught labels' scores)


def fnv1a(text: str) -> int:
    """32-bit FNV-1a of the UTF-8 bytes; site_src/map/util.js computes the same to find an id's bucket."""
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def quantise(P: np.ndarray) -> tuple[bytes, list[float]]:
    if len(P) == 0:
        return b"", [0.0, 0.0, 1.0, 1.0]
    lo, hi = P.min(0), P.max(0)
    span = np.maximum(hi - lo, 1e-9)
    q = np.clip(np.round((P - lo) / span * 65535), 0, 65535).astype("<u2")
    return q.tobytes(), [float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])]


def facet_codes(values: list[str]) -> tuple[np.ndarray, list[tuple[str, int]]] | None:
    """Codes (most frequent value first) for a column with few distinct values, else None."""
    counts: dict[str, int] = {}
    for v in values:
        if v:
            counts[v] = counts.get(v, 0) + 1
    if not counts or len(counts) > FACET_MAX_VALUES or len(counts) == len([v for v in values if v]) > 12:
        return None
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    code_of = {v: i for i, (v, _) in enumerate(ordered)}
    codes = np.array([code_of.get(v, 65535) for v in values], "<u2")
    return codes, ordered


def _json(obj: Any) -> bytes:
    # ensure_ascii keeps hostile strings (U+2028, lone surrogates) inert in any consumer
    return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode("ascii")


class Files(Protocol):
    """Where the map's files go (the render stage's output tree)."""

    def add_bytes(self, rel: str, data: bytes, key: str = "") -> None: ...

    def add_file(self, rel: str, source: Path) -> None: ...


def write_layer(tree: Files, prefix: str, layer: LayerData, levels: list[AtlasLevel]) -> dict[str, Any]:
    """Add the layer's files under ``prefix`` (e.g. ``map/data/archive/``); returns its manifest entry."""
    entry: dict[str, Any] = {"count": layer.count, "dir": prefix.split("map/", 1)[1], "positions": {}}
    for name, P in layer.positions.items():
        data, bounds = quantise(P)
        tree.add_bytes(f"{prefix}pos-{name}.bin", data)
        entry["positions"][name] = {"file": f"pos-{name}.bin", "bounds": bounds}
        if name in layer.scales:
            codes = np.clip(np.round(np.asarray(layer.scales[name], np.float64) * SCALE_UNIT), 1, 255)
            tree.add_bytes(f"{prefix}scale-{name}.bin", codes.astype(np.uint8).tobytes())
            entry["positions"][name]["scale"] = f"scale-{name}.bin"
            entry["positions"][name]["scale_unit"] = SCALE_UNIT
        if name in layer.tiles:
            entry["positions"][name]["tiles"] = layer.tiles[name].write(tree, f"{prefix}tiles/{name}/")
    tree.add_bytes(f"{prefix}color.bin", np.ascontiguousarray(layer.colors, np.uint8).tobytes())
    tree.add_bytes(f"{prefix}aspect.bin", np.ascontiguousarray(layer.aspect, np.uint8).tobytes())
    if layer.clusters is not None:
        tree.add_bytes(f"{prefix}cluster.bin", layer.clusters.astype("<u2").tobytes())
        entry["clusters"] = "cluster.bin"
    if layer.labels is not None:
        tree.add_bytes(f"{prefix}labels.bin", layer.labels.astype("<u2").tobytes())
        entry["labels"] = "labels.bin"
    entry["facets"] = []
    for i, (column, codes, values) in enumerate(layer.facets):
        tree.add_bytes(f"{prefix}facet-{i}.bin", codes.tobytes())
        entry["facets"].append({"column": column, "file": f"facet-{i}.bin", "values": [[v, c] for v, c in values]})
    for s in range(0, layer.count, META_SHARD):
        tree.add_bytes(f"{prefix}meta/{s // META_SHARD}.json", _json(layer.records[s:s + META_SHARD]))
    entry["meta_shard"] = META_SHARD
    buckets = max(1, math.ceil(layer.count / IDS_PER_BUCKET))
    grouped: list[dict[str, int]] = [{} for _ in range(buckets)]
    for i, item_id in enumerate(layer.ids):
        grouped[fnv1a(item_id) % buckets][item_id] = i
    for b, mapping in enumerate(grouped):
        tree.add_bytes(f"{prefix}ids/{b}.json", _json(mapping))
    entry["id_buckets"] = buckets
    for c in range(0, max(layer.count, 1), SEARCH_CHUNK):
        lines = ("\t".join(" ".join(f.split()) for f in fields) for fields in layer.search[c:c + SEARCH_CHUNK])
        tree.add_bytes(f"{prefix}search/{c // SEARCH_CHUNK}.txt", ("\n".join(lines) + "\n").encode("utf-8"))
    entry["search_chunk"] = SEARCH_CHUNK
    entry["search_chunks"] = max(1, math.ceil(layer.count / SEARCH_CHUNK))
    entry["atlas"] = []
    for level in levels:
        pages = layer.atlas.get(level.cell, [])
        for p, page in enumerate(pages):
            rel = f"{prefix}atlas/{level.cell}/{p}.jpg"
            if isinstance(page, bytes):
                tree.add_bytes(rel, page)
            else:
                tree.add_file(rel, page)
        entry["atlas"].append({"cell": level.cell, "page": level.page, "per_row": level.per_row,
                               "per_page": level.per_page, "pages": len(pages), "dir": f"atlas/{level.cell}/"})
    for rel, path in layer.images.items():
        tree.add_file(f"map/{rel}", path)
    for rel, data in layer.extra.items():
        tree.add_bytes(f"{prefix}{rel}", data)
    return entry


def write_manifest(tree: Files, manifest: dict[str, Any]) -> None:
    tree.add_bytes("map/manifest.json", json.dumps(manifest, ensure_ascii=True, separators=(",", ":")).encode("ascii"))


@dataclass
class MapResult:
    archive: list[ArchiveItem]  # the readable images (with their sizes), in scan order
    layers: dict[str, LayerData]  # "archive" and, when films have keyframes, "frames"
    levels: list[AtlasLevel]
    manifest: dict[str, Any]  # everything of map/manifest.json but the layers' entries
    count: int = 0
    frames: int = 0
    scores: dict[str, float] = field(default_factory=dict)
    layouts: list[str] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)  # archive id -> image key (its embedding's key)
    thumbs: dict[str, Path] = field(default_factory=dict)  # archive id -> the large cached thumbnail

    def item_images(self) -> dict[str, str]:
        """Archive id -> below the site root, the map's JPEG of it (at most 512 px; see MAP_URL)."""
        layer = self.layers.get("archive")
        return {str(r["id"]): "map/" + str(r["img"]) for r in layer.records} if layer is not None else {}
