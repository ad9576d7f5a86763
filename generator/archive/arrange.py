"""Every layout of one build's items and film frames, derived from the layout base and cached as a whole.

From the base's scatter positions (mosaics: each image sized by the local density and overlaps pushed
apart, see :mod:`generator.archive.mosaic`): copies of one image fanned out, items numbered along a Z-order curve
of the first scatter layout (so an atlas page is one small region), each film frame placed beside its
most similar images in every scatter layout, then the arrangements (grid, timeline) from the registry.
A rebuild with the same inputs reads all of it back without importing scipy or faiss.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .. import registry
from ..cache import Cache
from .geometry import knn_search, morton_order, point_size
from .lattice import ArrangeInput, free_cells_near
from .layout_base import LayoutBase
from .neighbours import neighbours_of
from .placement import place_new

NAMESPACE = "map-arrange"
VERSION = 2  # 2: scatter layouts spread into a mosaic, per-item sizes
FRAME_NEIGHBOURS = 8  # archive images listed beside a film frame, at least


@dataclass
class Arrangement:
    order: np.ndarray  # the build's items (scan order) renumbered along the map: item i is scan item order[i]
    positions: dict[str, np.ndarray]  # layout -> (n, 2), items in map order
    sizes: dict[str, float]  # layout -> world size of one thumbnail
    axis: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    frame_positions: dict[str, np.ndarray] = field(default_factory=dict)  # layout -> (m, 2)
    frame_near: np.ndarray | None = None  # (m, k): the nearest items (map order) of each frame
    notes: list[str] = field(default_factory=list)
    scales: dict[str, np.ndarray] = field(default_factory=dict)  # scatter layout -> (n,) size / sizes[layout]
    spread: dict[str, dict[str, float]] = field(default_factory=dict)  # scatter layout -> what the push did


def arrange(base: LayoutBase, vectors: Callable[[], np.ndarray], rows: np.ndarray, years: Sequence[float | None],
            frame_vectors: Callable[[], np.ndarray] | None, frame_keys: Sequence[str], layouts: Sequence[str],
            neighbours: int, cache: Cache) -> Arrangement:
    """``rows``: the base row of each item (scan order); ``vectors()`` the base's PCA vectors and
    ``frame_vectors()`` the frames' (both computed only on a miss)."""
    ns = cache.namespace(NAMESPACE, VERSION)
    scatter = [s for s in base.positions if s in layouts] or list(base.positions)[:1]
    k = max(neighbours, FRAME_NEIGHBOURS)
    key = ns.key(base.key, rows.tolist(), list(years), list(frame_keys), list(layouts), scatter, k)
    stored = ns.get_arrays(key)
    if stored is not None:
        found = _from_arrays(stored)
        if found is not None:
            return found
    result = _compute(base, vectors, rows, years, frame_vectors if frame_keys else None, layouts, scatter, k)
    ns.put_arrays(key, _to_arrays(result))
    return result


def _compute(base: LayoutBase, vectors: Callable[[], np.ndarray], rows: np.ndarray, years: Sequence[float | None],
             frame_vectors: Callable[[], np.ndarray] | None, layouts: Sequence[str], scatter: list[str],
             k: int) -> Arrangement:
    positions = {s: base.positions[s][rows].copy() for s in scatter}
    _separate_duplicates(rows, positions)
    # the base's scatter layouts are mosaics already (layout_base._make_mosaic): each image's world size
    world = {s: base.sizes[s][rows].astype(np.float64) if s in base.sizes else None for s in scatter}
    primary = scatter[0]
    order = morton_order(positions[primary])
    positions = {s: P[order] for s, P in positions.items()}
    n = len(order)
    sizes = {s: float(np.median(w)) if w is not None and len(w) else point_size(positions[s]) for s, w in world.items()}
    out = Arrangement(order=order, positions=positions, sizes=sizes,
                      scales={s: (w[order] / sizes[s]).astype(np.float32) for s, w in world.items() if w is not None},
                      spread={s: base.spread[s] for s in scatter if s in base.spread})
    Y = Yf = None
    if frame_vectors is not None:
        Y, Yf = vectors()[rows[order]], frame_vectors()
        frame_knn = knn_search(Y, Yf, 10)  # the same neighbours serve every scatter layout
        out.frame_positions = {s: place_new(Y, positions[s], Yf, old_knn=frame_knn) for s in scatter}
    m = len(Yf) if Yf is not None else 0
    joint = (np.concatenate([positions[primary], out.frame_positions[primary]]) if m else positions[primary])
    ordered_years = [years[i] for i in order.tolist()]
    for name in layouts:
        entry = registry.resolve("layout", name)
        if entry.family != "arrangement":
            continue
        made = entry.load()(ArrangeInput(primary=joint, count=n, years=ordered_years))
        if made is None:
            out.notes.append(f"no {entry.label.lower()} layout (metadata.csv has no date column with at least "
                             "two dates)" if name == "date" else f"no {entry.label} layout")
            continue
        positions[name], out.sizes[name] = made.items, made.size
        if made.axis:
            out.axis[name] = made.axis
        if m and made.frames is not None:
            out.frame_positions[name] = made.frames
    if Y is not None and Yf is not None:
        out.frame_near = neighbours_of(Y, Yf, k)
        for name, P in positions.items():
            if name not in out.frame_positions:  # a free cell of the lattice, nearest the most similar image
                out.frame_positions[name] = free_cells_near(P, out.sizes[name], P[out.frame_near[:, 0]])
    return out


def _separate_duplicates(rows: np.ndarray, positions: dict[str, np.ndarray]) -> None:
    """Identical files share one embedding and so one spot: fan the copies out a little."""
    seen: dict[int, int] = {}
    for i, r in enumerate(rows.tolist()):
        c = seen.get(r, 0)
        seen[r] = c + 1
        if c:
            for P in positions.values():
                spread = float(np.ptp(P, 0).max()) or 1.0
                P[i] += 0.004 * spread * np.array([np.cos(c * 2.4), np.sin(c * 2.4)], np.float32)


def _to_arrays(a: Arrangement) -> dict[str, np.ndarray]:
    meta = {"sizes": a.sizes, "axis": a.axis, "notes": a.notes, "layouts": list(a.positions),
            "frames": list(a.frame_positions), "spread": a.spread}
    arrays = {"order": a.order, "meta": np.frombuffer(json.dumps(meta).encode(), np.uint8)}
    arrays.update({f"pos_{k}": v for k, v in a.positions.items()})
    arrays.update({f"frame_{k}": v for k, v in a.frame_positions.items()})
    arrays.update({f"scale_{k}": v for k, v in a.scales.items()})
    if a.frame_near is not None:
        arrays["frame_near"] = a.frame_near
    return arrays


def _from_arrays(z: dict[str, np.ndarray]) -> Arrangement | None:
    try:
        meta = json.loads(bytes(z["meta"]).decode())
        return Arrangement(order=z["order"], positions={k: z[f"pos_{k}"] for k in meta["layouts"]},
                           sizes={k: float(v) for k, v in meta["sizes"].items()},
                           axis={k: [(float(x), str(t)) for x, t in v] for k, v in meta["axis"].items()},
                           frame_positions={k: z[f"frame_{k}"] for k in meta["frames"]},
                           frame_near=z.get("frame_near"), notes=list(meta["notes"]),
                           scales={k: z[f"scale_{k}"] for k in meta["spread"]}, spread=meta["spread"])
    except (KeyError, ValueError, TypeError):
        return None
