"""The map's files under ``map/``: each layer's data (:mod:`generator.archive.mapdata`), the manifest the
viewer starts from, and the page itself in the site's shared layout."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .output import OutputTree

if TYPE_CHECKING:
    from ..archive.mapdata import MapResult
    from .render import SiteRenderer

MAP_URL = "map/"


def render_map(result: MapResult, renderer: SiteRenderer, tree: OutputTree) -> None:
    from ..archive.mapdata import write_layer, write_manifest

    manifest = dict(result.manifest)  # a copy: the result stays as the map stage made it
    manifest["layers"] = {name: write_layer(tree, f"map/data/{name}/", layer, result.levels)
                          for name, layer in result.layers.items()}
    write_manifest(tree, manifest)
    rel = MAP_URL + "index.html"
    n = result.count
    archive = manifest["layers"].get("archive") or {}
    renderer.page("map.html", rel, "map", dict(
        page_title="Map", body_class="dark map-page", wide=True, map_version=manifest["version"], item_count=n,
        frame_count=result.frames, description=f"{n} archive images arranged by visual similarity.",
        # the toolbar's controls, as the viewer would make them from the manifest (see templates/map.html)
        layouts=[(lay["name"], lay["label"]) for lay in manifest["layouts"]], default_layout=manifest["default_layout"],
        facets=[f["column"] for f in archive.get("facets", [])],
        taught=[(t["slug"], t["name"]) for t in manifest.get("taught", [])], first_data=first_data(manifest)))


def first_data(manifest: dict[str, Any]) -> list[str]:
    """The files the viewer fetches, after the manifest, before it draws anything (relative to map/): the
    archive's colours, aspects and its positions in the default layout. The page preloads them, so they
    arrive with the scripts instead of after them."""
    archive = manifest["layers"].get("archive")
    if not archive:
        return []
    where = archive["positions"].get(manifest["default_layout"], {})
    files = ["color.bin", "aspect.bin", where.get("file", ""), where.get("scale", "")]
    return [archive["dir"] + f for f in files if f]
