"""The map's files under ``map/``: each layer's data (:mod:`generator.archive.mapdata`), the manifest the
viewer starts from, and the page itself in the site's shared layout."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    renderer.page("map.html", rel, "map", dict(
        page_title="Map", body_class="dark map-page", wide=True, map_version=manifest["version"], item_count=n,
        frame_count=result.frames, description=f"{n} archive images arranged by visual similarity."))
