"""IIIF Presentation 3.0 manifests: built from plain records, checked offline against the spec's rules.

The checker (tests/tools/iiif_check.py) is proven on manifests broken on purpose before it is trusted
to pass ours.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tools.iiif_check import defined_ids, problems, rule_problems, schema_problems

from generator.iiif.manifests import (
    CONTEXT,
    FilmEntry,
    ImageEntry,
    absolute,
    archive_manifest,
    film_manifest,
    manifest_path_for_archive,
    manifest_path_for_film,
    normalise_rights,
    to_json_bytes,
)

BASE = "https://example.org/docu/"
LONG = "A very long note. " * 300  # 5,400 characters
HOSTILE = [
    ("Note", "<script>alert(1)</script>"),
    ("<img src=x onerror=alert(1)>", "</p><p>"),
    ("Caption", "first line\u2028second\u2029third"),
    ("Essay", LONG),
    ("Empty", ""),
]
NON_ASCII_ID = "Häfen/plate 47 – öl.jpg"


def pictures() -> list[ImageEntry]:
    """One picture with a tile service, one with hostile metadata, one whose id has spaces and non-ASCII."""
    return [
        ImageEntry(id="ships/plate-12.jpg", label="Plate 12", width=4000, height=3000,
                   metadata=[("Year", "1901"), ("Maker", "Anne Artist")],
                   image="map/img/ab/abcd1234.jpg", image_size=(512, 384),
                   thumbnail="map/thumb/ab/abcd1234.jpg", thumbnail_size=(128, 96),
                   service="iiif/abcd1234/", homepage="map/#item=ships%2Fplate-12.jpg"),
        ImageEntry(id="odd/hostile.png", label="<b>bold</b>", width=300, height=900, metadata=HOSTILE,
                   image="map/img/cd/cdef.jpg", image_size=(171, 512),
                   thumbnail="map/thumb/cd/cdef.jpg", thumbnail_size=(43, 128)),
        ImageEntry(id=NON_ASCII_ID, label="", width=640, height=480, metadata=[],
                   image="map/img/ef/ef01.jpg", image_size=(512, 384),
                   thumbnail=f"map/thumb/{NON_ASCII_ID}", thumbnail_size=(128, 96),
                   homepage=f"map/#item={NON_ASCII_ID}"),
    ]


def film(**changes: Any) -> FilmEntry:
    fields: dict[str, Any] = dict(
        slug="harbour", title="Harbour", summary="Boats <and> water.", duration=61.5, width=1280, height=720,
        video="films/harbour/harbour.mp4", poster="films/harbour/poster.jpg", poster_size=(640, 360),
        tracks=[("films/harbour/harbour.en.vtt", "en", "Machine captions"),
                ("films/harbour/harbour.desc.vtt", "en", "Descriptions")],
        homepage="films/harbour/")
    fields.update(changes)
    return FilmEntry(**fields)


def archive() -> dict[str, Any]:
    return archive_manifest(pictures(), BASE, "Electric Speech", rights="http://creativecommons.org/licenses/by/4.0/",
                            homepage="map/")


def the_film() -> dict[str, Any]:
    return film_manifest(film(), BASE, "Electric Speech")


def written(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest as a viewer will read it: through the bytes we write."""
    loaded: dict[str, Any] = json.loads(to_json_bytes(manifest))
    return loaded


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


# -- what we write passes ------------------------------------------------------------------------------


@pytest.mark.parametrize("build", [archive, the_film], ids=["archive", "film"])
def test_manifests_pass_the_checker(build: Callable[[], dict[str, Any]]) -> None:
    manifest = build()
    assert problems(manifest) == []
    assert problems(written(manifest)) == []


@pytest.mark.parametrize("build", [archive, the_film], ids=["archive", "film"])
def test_every_defined_id_is_unique(build: Callable[[], dict[str, Any]]) -> None:
    ids = defined_ids(build())
    assert len(ids) == len(set(ids)) > 3


@pytest.mark.parametrize("build", [archive, the_film], ids=["archive", "film"])
def test_targets_name_existing_canvases(build: Callable[[], dict[str, Any]]) -> None:
    manifest = build()
    canvases = {n["id"] for n in walk(manifest) if n.get("type") == "Canvas"}
    annotations = [n for n in walk(manifest) if n.get("type") == "Annotation"]
    assert annotations
    for annotation in annotations:
        assert annotation["target"].partition("#")[0] in canvases


def test_a_minimal_film_and_picture_pass() -> None:
    bare = ImageEntry(id="a.jpg", label="A", width=10, height=20, metadata=[], image="a.jpg", image_size=(10, 20),
                      thumbnail="", thumbnail_size=(0, 0))
    assert problems(archive_manifest([bare], "http://localhost:8000", "")) == []
    quiet = film(tracks=[], poster="", poster_size=(0, 0), summary="", homepage="")
    manifest = film_manifest(quiet, "http://localhost:8000", "")
    assert problems(manifest) == []
    assert "annotations" not in manifest["items"][0] and "thumbnail" not in manifest


# -- the checker catches what it should ----------------------------------------------------------------


def _canvas(m: dict[str, Any]) -> dict[str, Any]:
    canvas: dict[str, Any] = m["items"][0]
    return canvas


BREAKAGES: dict[str, Callable[[dict[str, Any]], object]] = {
    "missing id": lambda m: m.pop("id"),
    "label as a string": lambda m: m.__setitem__("label", "Electric Speech"),
    "canvas without items": lambda m: _canvas(m).pop("items"),
    "width without height": lambda m: _canvas(m).pop("height"),
}
RULE_ONLY: dict[str, Callable[[dict[str, Any]], object]] = {
    "no canvases": lambda m: m.__setitem__("items", []),
    "relative id": lambda m: _canvas(m).__setitem__("id", "iiif/manifest/canvas/1"),
    "canvas id with a fragment": lambda m: _canvas(m).__setitem__("id", _canvas(m)["id"] + "#x"),
    "duplicate id": lambda m: _canvas(m)["items"][0].__setitem__("id", _canvas(m)["id"]),
    "target elsewhere": lambda m: _canvas(m)["items"][0]["items"][0].__setitem__("target", m["items"][1]["id"]),
    "fragment outside": lambda m: _canvas(m)["items"][0]["items"][0].__setitem__(
        "target", _canvas(m)["id"] + "#xywh=0,0,5000,10"),
    "painting in annotations": lambda m: _canvas(m).__setitem__("annotations", _canvas(m).pop("items")),
    "metadata value as a string": lambda m: _canvas(m)["metadata"][0].__setitem__("value", "1901"),
    "html in a label": lambda m: _canvas(m).__setitem__("label", {"none": ["<b>Plate</b>"]}),
    "thumbnail without format": lambda m: m["thumbnail"][0].pop("format"),
    "untyped service": lambda m: _canvas(m)["items"][0]["items"][0]["body"]["service"][0].pop("type"),
    "rights not a licence URI": lambda m: m.__setitem__("rights", "https://example.org/licence"),
    "zero width": lambda m: _canvas(m).__setitem__("width", 0),
    "context not first": lambda m: m.__setitem__("@context", m.pop("@context")),
    "unknown top-level type": lambda m: m.__setitem__("type", "Collection"),
    "annotations on a page": lambda m: _canvas(m)["items"][0].__setitem__("annotations", []),
}


@pytest.mark.parametrize("name", BREAKAGES)
def test_both_nets_catch_the_basic_breakages(name: str) -> None:
    broken = archive()
    BREAKAGES[name](broken)
    assert rule_problems(broken), name
    assert schema_problems(broken), name


@pytest.mark.parametrize("name", RULE_ONLY)
def test_the_rules_catch_subtler_breakages(name: str) -> None:
    broken = archive()
    RULE_ONLY[name](broken)
    assert rule_problems(broken), name


def test_a_video_on_a_canvas_without_duration_is_caught() -> None:
    broken = the_film()
    del broken["items"][0]["duration"]
    assert any("without duration" in p for p in problems(broken))
    # ... and a track that targets a time outside the film
    broken = the_film()
    broken["items"][0]["annotations"][0]["items"][0]["target"] += "#t=0,99"
    assert any("duration" in p for p in problems(broken))


# -- content -------------------------------------------------------------------------------------------


def test_ids_are_absolute_and_quoted() -> None:
    manifest = archive()
    assert manifest["id"] == "https://example.org/docu/iiif/manifest.json"
    for node in walk(manifest):
        if "id" in node:
            assert node["id"].startswith("https://example.org/docu/")
            assert node["id"].isascii() and " " not in node["id"]
    third = manifest["items"][2]
    assert third["id"] == "https://example.org/docu/iiif/manifest/canvas/3"
    assert third["label"] == {"none": [NON_ASCII_ID]}  # no title: the archive id stands in
    assert third["homepage"][0]["id"] == (
        "https://example.org/docu/map/#item=H%C3%A4fen/plate%2047%20%E2%80%93%20%C3%B6l.jpg")
    # already-quoted links are left alone; a trailing slash on the base changes nothing
    assert manifest["items"][0]["homepage"][0]["id"] == "https://example.org/docu/map/#item=ships%2Fplate-12.jpg"
    assert archive_manifest(pictures(), BASE.rstrip("/"), "Electric Speech", rights="http://creativecommons.org/"
                            "licenses/by/4.0/", homepage="map/") == manifest


def test_quoting_is_idempotent_and_keeps_undecodable_bytes() -> None:
    once = absolute(BASE, "a b/ü?x=1#frag ment")
    assert once == "https://example.org/docu/a%20b/%C3%BC?x=1#frag%20ment"
    assert absolute(BASE, once) == once
    assert absolute(BASE, "bad\udce9.jpg") == "https://example.org/docu/bad%E9.jpg"  # the byte on disk


@pytest.mark.parametrize("base", ["", "/docu", "example.org/docu", "file:///srv/site", "https://example.org/#x"])
def test_a_base_url_that_is_not_absolute_http_is_refused(base: str) -> None:
    with pytest.raises(ValueError, match="absolute http"):
        archive_manifest(pictures(), base, "Electric Speech")


def test_the_painting_body_is_the_shown_jpeg_with_the_level0_service_beside_it() -> None:
    canvas = archive()["items"][0]
    assert (canvas["width"], canvas["height"]) == (4000, 3000)  # the original's
    body = canvas["items"][0]["items"][0]["body"]
    assert body == {
        "id": "https://example.org/docu/map/img/ab/abcd1234.jpg", "type": "Image", "format": "image/jpeg",
        "width": 512, "height": 384,
        "service": [{"id": "https://example.org/docu/iiif/abcd1234", "type": "ImageService3", "profile": "level0"}],
    }
    assert canvas["thumbnail"][0]["id"].endswith("map/thumb/ab/abcd1234.jpg")
    assert "service" not in archive()["items"][1]["items"][0]["items"][0]["body"]


def test_hostile_metadata_stays_inert_text() -> None:
    manifest = archive()
    data = to_json_bytes(manifest)
    assert "\u2028".encode() not in data and "\u2029".encode() not in data
    assert b"\\u2028" in data and b"\\u2029" in data
    canvas = written(manifest)["items"][1]
    shown = {pair["label"]["none"][0]: pair["value"]["none"][0] for pair in canvas["metadata"]}
    # nothing a client would take for HTML (first character '<' and last '>'), nothing removed or cut
    for text in strings(written(manifest)):
        assert not (text.startswith("<") and text.endswith(">")), text
    assert shown["Note"] == "<script>alert(1)</script> "
    assert shown["<img src=x onerror=alert(1)> "] == "</p><p> "
    assert shown["Caption"] == "first line\u2028second\u2029third"
    assert shown["Essay"] == LONG
    assert "Empty" not in shown  # an empty cell says nothing
    assert canvas["label"] == {"none": ["<b>bold</b> "]}


def test_film_manifest_follows_the_caption_recipe() -> None:
    manifest = the_film()
    assert manifest["id"] == "https://example.org/docu/iiif/films/harbour.json"
    assert manifest["summary"] == {"none": ["Boats <and> water."]}  # plain text by the spec's test: kept
    canvas = manifest["items"][0]
    assert (canvas["width"], canvas["height"], canvas["duration"]) == (1280, 720, 61.5)
    video = canvas["items"][0]["items"][0]
    assert video["motivation"] == "painting"
    assert video["body"] == {"id": "https://example.org/docu/films/harbour/harbour.mp4", "type": "Video",
                             "format": "video/mp4", "width": 1280, "height": 720, "duration": 61.5}
    (page,) = canvas["annotations"]
    assert [a["motivation"] for a in page["items"]] == ["supplementing", "supplementing"]
    assert [a["body"] for a in page["items"]] == [
        {"id": "https://example.org/docu/films/harbour/harbour.en.vtt", "type": "Text", "format": "text/vtt",
         "label": {"en": ["Machine captions"]}, "language": "en"},
        {"id": "https://example.org/docu/films/harbour/harbour.desc.vtt", "type": "Text", "format": "text/vtt",
         "label": {"en": ["Descriptions"]}, "language": "en"},
    ]
    assert all(a["target"] == canvas["id"] for a in page["items"])
    poster = {"id": "https://example.org/docu/films/harbour/poster.jpg", "type": "Image", "format": "image/jpeg",
              "width": 640, "height": 360}
    assert manifest["thumbnail"] == [poster] and canvas["thumbnail"] == [poster]
    assert canvas["placeholderCanvas"]["items"][0]["items"][0]["body"] == poster


@pytest.mark.parametrize("changes", [{"duration": 0}, {"duration": float("nan")}, {"width": 0}, {"height": -1}])
def test_a_film_without_extent_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        film_manifest(film(**changes), BASE, "Electric Speech")


def test_an_empty_archive_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        archive_manifest([], BASE, "Electric Speech")


def test_rights() -> None:
    assert "rights" not in the_film()
    assert archive()["rights"] == "http://creativecommons.org/licenses/by/4.0/"
    assert normalise_rights("https://creativecommons.org/publicdomain/zero/1.0") == \
        "http://creativecommons.org/publicdomain/zero/1.0/"
    assert normalise_rights("http://rightsstatements.org/vocab/InC/1.0/") == "http://rightsstatements.org/vocab/InC/1.0/"
    for bad in ("CC-BY", "https://example.org/licenses/by/", "http://creativecommons.org/about/"):
        with pytest.raises(ValueError, match="Creative Commons"):
            archive_manifest(pictures(), BASE, "Electric Speech", rights=bad)


def test_paths() -> None:
    assert manifest_path_for_archive() == "iiif/manifest.json"
    assert manifest_path_for_film("harbour") == "iiif/films/harbour.json"
    for bad in ("", "..", "a/b"):
        with pytest.raises(ValueError):
            manifest_path_for_film(bad)


def test_json_bytes_are_compact_stable_and_start_with_the_context() -> None:
    data = to_json_bytes(archive())
    assert data == to_json_bytes(archive())
    assert data.startswith(b'{"@context":"' + CONTEXT.encode() + b'","id":')
    assert b"\n" not in data and b", " not in data[:200]
    assert "Häfen".encode() in data  # UTF-8, not \u escapes
    reordered = {"id": "https://example.org/m", **{k: v for k, v in archive().items() if k != "id"}}
    assert to_json_bytes(reordered).startswith(b'{"@context":')
