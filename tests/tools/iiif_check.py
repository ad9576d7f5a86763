"""Check a IIIF Presentation API 3.0 Manifest against the rules that bind what the site writes.

Written from the specification's text (https://iiif.io/api/presentation/3.0/, section numbers below), not
from the community validator, and offline. Two independent nets:

- ``rule_problems``: the MUST rules, walked by hand, with the relations a schema cannot state (targets
  name the Canvas they sit on, ids are unique, fragments stay inside the Canvas, painting only in
  ``items``);
- ``schema_problems``: a small JSON Schema of the shapes, run by ``jsonschema``.

``problems`` returns both. Scope: Manifests holding Canvases, AnnotationPages, Annotations with content
bodies (Choice included), thumbnails, homepages, providers, services and placeholder Canvases; Ranges,
Collections and Annotation Collections are reported as unknown, since the site does not write them.
Where we go beyond the letter of the spec it is said (a Canvas without ``items`` is only a SHOULD, but
a viewer shows nothing for it).
"""

from __future__ import annotations

import re
from typing import Any

from tools.iiif_schema import (
    BEHAVIORS,
    CONTENT_TYPES,
    CONTEXT,
    DIRECTIONS,
    HTTP_URI,
    LANGUAGE,
    MEDIA_TYPE,
    RIGHTS,
    schema_problems,
)

# 3.1-3.4: dimensions, format and the Canvas-only and structural properties are not for pages and Annotations
NOT_ON_ANNOTATIONS = {"width", "height", "duration", "format", "language", "annotations", "navDate",
                      "viewingDirection", "placeholderCanvas", "accompanyingCanvas", "structures"}
FRAGMENT = re.compile(r"^(t=(?P<t>[^&]+))?&?(xywh=(?P<xywh>[^&]+))?$")


class _Walk:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.ids: dict[str, str] = {}  # id of each resource the manifest defines -> where it was first seen

    def fail(self, where: str, message: str) -> None:
        self.out.append(f"{where}: {message}")

    # -- values ------------------------------------------------------------------------------------------

    def lang_map(self, node: Any, where: str, *, label: bool = False) -> None:
        """4.4: a JSON object of language code -> array of strings; 4.5: no HTML in labels."""
        if not isinstance(node, dict) or not node:
            self.fail(where, "must be a language map (a non-empty JSON object), got " + type(node).__name__)
            return
        for key, values in node.items():
            if not isinstance(key, str) or not LANGUAGE.match(key):
                self.fail(where, f"language key {key!r} is neither a BCP 47 code nor 'none'")
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                self.fail(f"{where}.{key}", "values of a language map must be an array of strings")
            elif label and any(v.startswith("<") and v.endswith(">") for v in values):
                self.fail(f"{where}.{key}", "HTML must not be used in a label (4.5)")

    def uri(self, node: Any, where: str) -> bool:
        if not isinstance(node, str) or not HTTP_URI.match(node):
            self.fail(where, f"must be an HTTP(S) URI, got {node!r}")
            return False
        return True

    def positive_int(self, node: Any, where: str) -> None:
        if isinstance(node, bool) or not isinstance(node, int) or node <= 0:
            self.fail(where, f"must be a positive integer, got {node!r}")

    def positive_number(self, node: Any, where: str) -> None:
        if isinstance(node, bool) or not isinstance(node, int | float) or not node > 0:
            self.fail(where, f"must be a positive number, got {node!r}")

    def identified(self, node: Any, where: str, types: set[str], *, defined: bool = True) -> bool:
        """id (an HTTP(S) URI, 3.2) and type (a string from ``types``); ``defined`` ids must be unique."""
        if not isinstance(node, dict):
            self.fail(where, f"must be a JSON object, got {type(node).__name__}")
            return False
        if "@context" in node and where != "manifest":
            self.fail(where, "@context must not appear within embedded resources (4.6)")
        ok = True
        if "id" not in node:
            self.fail(where, "has no id")
            ok = False
        elif self.uri(node["id"], f"{where}.id") and defined:
            seen = self.ids.setdefault(node["id"], where)
            if seen != where:
                self.fail(where, f"id {node['id']} is already the id of {seen}")
        if node.get("type") not in types:
            self.fail(where, f"type must be one of {sorted(types)}, got {node.get('type')!r}")
            ok = False
        return ok

    def not_on(self, node: dict[str, Any], where: str, keys: set[str]) -> None:
        """Properties the spec reserves for other classes ("other types of resource MUST NOT have ...")."""
        for key in sorted(keys & node.keys()):
            self.fail(where, f"{node.get('type')} must not have {key}")

    # -- descriptive and linking properties (3.1, 3.3) ---------------------------------------------------

    def descriptive(self, node: dict[str, Any], where: str) -> None:
        if "label" in node:
            self.lang_map(node["label"], f"{where}.label", label=True)
        if "summary" in node:
            self.lang_map(node["summary"], f"{where}.summary")
        for key in ("metadata",):
            if key in node and not isinstance(node[key], list):
                self.fail(f"{where}.{key}", "must be an array")
        for i, pair in enumerate(node.get("metadata") or []):
            self.label_value(pair, f"{where}.metadata[{i}]")
        if "requiredStatement" in node:
            self.label_value(node["requiredStatement"], f"{where}.requiredStatement")
        if "rights" in node and not (isinstance(node["rights"], str) and RIGHTS.match(node["rights"])):
            self.fail(f"{where}.rights", f"must be a Creative Commons or RightsStatements.org URI: {node['rights']!r}")
        for i, thumb in enumerate(self.array(node, "thumbnail", where)):
            self.content(thumb, f"{where}.thumbnail[{i}]", need_format=True)
        for i, page in enumerate(self.array(node, "homepage", where)):
            if self.identified(page, f"{where}.homepage[{i}]", CONTENT_TYPES, defined=False):
                if "label" not in page:
                    self.fail(f"{where}.homepage[{i}]", "a homepage must have a label")
                else:
                    self.lang_map(page["label"], f"{where}.homepage[{i}].label", label=True)
        for i, agent in enumerate(self.array(node, "provider", where)):
            if self.identified(agent, f"{where}.provider[{i}]", {"Agent"}):
                self.lang_map(agent.get("label"), f"{where}.provider[{i}].label", label=True)
        for i, service in enumerate(self.array(node, "service", where)):
            self.service(service, f"{where}.service[{i}]")
        behaviors = node.get("behavior", [])
        if not isinstance(behaviors, list) or not all(b in BEHAVIORS for b in behaviors):
            self.fail(f"{where}.behavior", f"must be an array of known behaviors, got {behaviors!r}")

    def array(self, node: dict[str, Any], key: str, where: str) -> list[Any]:
        value = node.get(key, [])
        if not isinstance(value, list):
            self.fail(f"{where}.{key}", "must be an array (4.3)")
            return []
        return value

    def label_value(self, pair: Any, where: str) -> None:
        if not isinstance(pair, dict) or "label" not in pair or "value" not in pair:
            self.fail(where, "must be an object with label and value")
            return
        self.lang_map(pair["label"], f"{where}.label", label=True)
        self.lang_map(pair["value"], f"{where}.value")

    def service(self, service: Any, where: str) -> None:
        """3.3 service: each has id or @id, and type or @type."""
        if not isinstance(service, dict):
            self.fail(where, "must be a JSON object")
            return
        self.uri(service.get("id", service.get("@id")), f"{where}.id")
        if not isinstance(service.get("type", service.get("@type")), str):
            self.fail(where, "a service must have a type")
        if service.get("type") == "ImageService3" and service.get("profile") not in {"level0", "level1", "level2"}:
            self.fail(where, f"an ImageService3 profile is level0, level1 or level2, got {service.get('profile')!r}")

    def content(self, node: Any, where: str, *, need_format: bool) -> None:
        """5.7: id and type; format, width, height, duration and language well formed when present."""
        if isinstance(node, dict) and node.get("type") == "TextualBody":  # embedded text: no id needed
            if not isinstance(node.get("value"), str):
                self.fail(where, "a TextualBody must have a string value")
            return
        if isinstance(node, dict) and node.get("type") == "Choice":
            for i, item in enumerate(self.array(node, "items", where) or [None]):
                self.content(item, f"{where}.items[{i}]", need_format=need_format)
            return
        if not self.identified(node, where, CONTENT_TYPES, defined=False):
            return
        if "format" in node or need_format:
            if not isinstance(node.get("format"), str) or not MEDIA_TYPE.match(node["format"]):
                self.fail(f"{where}.format", f"must be a media type, got {node.get('format')!r}")
        for key in ("width", "height"):
            if key in node:
                self.positive_int(node[key], f"{where}.{key}")
        if "duration" in node:
            self.positive_number(node["duration"], f"{where}.duration")
        language = node.get("language", [])
        languages = [language] if isinstance(language, str) else language
        if not isinstance(languages, list) or not all(isinstance(x, str) and LANGUAGE.match(x) for x in languages):
            self.fail(f"{where}.language", f"must be language codes, got {language!r}")
        self.descriptive(node, where)

    # -- structure (5.2 - 5.6) ---------------------------------------------------------------------------

    def manifest(self, node: Any) -> None:
        if not isinstance(node, dict):
            self.fail("manifest", "must be a JSON object")
            return
        context = node.get("@context")
        if not (context == CONTEXT or (isinstance(context, list) and context and context[-1] == CONTEXT)):
            self.fail("manifest.@context", f"must be {CONTEXT} or an array ending with it, got {context!r}")
        elif next(iter(node)) != "@context":
            self.fail("manifest.@context", "should be the very first key (4.6)")
        if "@graph" in node:
            self.fail("manifest", "must not have @graph (4.6)")
        if not self.identified(node, "manifest", {"Manifest"}):
            return
        self.not_on(node, "manifest", {"width", "height", "duration", "format", "language", "timeMode"})
        if "label" not in node:
            self.fail("manifest", "a Manifest must have a label")
        self.descriptive(node, "manifest")
        if node.get("viewingDirection", "left-to-right") not in DIRECTIONS:
            self.fail("manifest.viewingDirection", f"unknown value {node['viewingDirection']!r}")
        items = node.get("items")
        if not isinstance(items, list) or not items:
            self.fail("manifest", "a Manifest must have items with at least one Canvas")
            items = []
        for i, canvas in enumerate(items):
            self.canvas(canvas, f"manifest.items[{i}]")
        self.placeholders(node, "manifest")
        for i, page in enumerate(self.array(node, "annotations", "manifest")):
            self.page(page, f"manifest.annotations[{i}]", {"target": node.get("id"), "painting": False})

    def placeholders(self, node: dict[str, Any], where: str) -> None:
        for key in ("placeholderCanvas", "accompanyingCanvas"):
            if key in node:
                self.canvas(node[key], f"{where}.{key}", nested=True)

    def canvas(self, node: Any, where: str, *, nested: bool = False) -> None:
        if not self.identified(node, where, {"Canvas"}):
            return
        if "#" in node["id"]:
            self.fail(f"{where}.id", "a Canvas id must not contain a fragment (5.3)")
        if ("width" in node) != ("height" in node):
            self.fail(where, "a Canvas with width or height must have both")
        for key in ("width", "height"):
            if key in node:
                self.positive_int(node[key], f"{where}.{key}")
        if "duration" in node:
            self.positive_number(node["duration"], f"{where}.duration")
        if "width" not in node and "duration" not in node:
            self.fail(where, "a Canvas must have height and width, or a duration (5.3)")
        self.descriptive(node, where)
        if nested and ("placeholderCanvas" in node or "accompanyingCanvas" in node):
            self.fail(where, "a placeholder or accompanying Canvas must not have one of its own (3.1)")
        self.placeholders(node, where)
        items = node.get("items")
        if not isinstance(items, list) or not items:
            # 3.4 says SHOULD; a Canvas with nothing painted on it is a blank view, which we never want.
            self.fail(where, "a Canvas must have items with at least one AnnotationPage")
            items = []
        for i, page in enumerate(items):
            self.page(page, f"{where}.items[{i}]", {"canvas": node, "painting": True})
        for i, page in enumerate(self.array(node, "annotations", where)):
            self.page(page, f"{where}.annotations[{i}]", {"canvas": node, "painting": False})

    def page(self, node: Any, where: str, context: dict[str, Any]) -> None:
        if not self.identified(node, where, {"AnnotationPage"}):
            return
        self.not_on(node, where, NOT_ON_ANNOTATIONS)
        items = node.get("items")
        if items is None and not context["painting"]:
            return  # a reference to a page published elsewhere (5.5); ours are embedded, but it is allowed
        if not isinstance(items, list):
            self.fail(where, "an AnnotationPage in a Canvas's items must be embedded, with items")
            return
        for i, annotation in enumerate(items):
            self.annotation(annotation, f"{where}.items[{i}]", context)

    def annotation(self, node: Any, where: str, context: dict[str, Any]) -> None:
        if not self.identified(node, where, {"Annotation"}):
            return
        self.not_on(node, where, NOT_ON_ANNOTATIONS | {"items"})
        motivation = node.get("motivation")
        motivations = [motivation] if isinstance(motivation, str) else motivation
        if not isinstance(motivations, list) or not motivations or not all(isinstance(m, str) for m in motivations):
            self.fail(f"{where}.motivation", f"must be a string or array of strings, got {motivation!r}")
            motivations = []
        if context["painting"] and "painting" not in motivations:
            self.fail(where, "only painting Annotations may be in a Canvas's items (5.3)")
        if not context["painting"] and "painting" in motivations:
            self.fail(where, "painting Annotations must not be in annotations (3.4)")
        bodies = node.get("body")
        for i, body in enumerate(bodies if isinstance(bodies, list) else [bodies]):
            self.content(body, f"{where}.body" + (f"[{i}]" if isinstance(bodies, list) else ""), need_format=True)
            if "canvas" in context and "painting" in motivations:
                self.paintable(body, context["canvas"], where)
        targets = node.get("target")
        for target in targets if isinstance(targets, list) else [targets]:
            self.target(target, f"{where}.target", context)

    def paintable(self, body: Any, canvas: dict[str, Any], where: str) -> None:
        """5.3: content with a dimension the Canvas lacks must not be painted on it."""
        if not isinstance(body, dict):
            return
        if body.get("type") in {"Video", "Sound"} and "duration" not in canvas:
            self.fail(where, f"a {body['type']} is painted on a Canvas without duration")
        if body.get("type") in {"Video", "Image"} and "width" not in canvas:
            self.fail(where, f"a {body['type']} is painted on a Canvas without width and height")

    def target(self, target: Any, where: str, context: dict[str, Any]) -> None:
        """5.6: the Canvas's URI is repeated in target, maybe with a media fragment inside its extent."""
        if isinstance(target, dict):  # a SpecificResource: its source names the Canvas
            target = target.get("source", {}).get("id") if isinstance(target.get("source"), dict) else target.get(
                "source")
        if not self.uri(target, where):
            return
        base, _, fragment = target.partition("#")
        canvas = context.get("canvas")
        expected = canvas["id"] if canvas else context.get("target")
        if base != expected:
            self.fail(where, f"{target} does not name the resource the Annotation is on ({expected})")
        if fragment and canvas:
            self.fragment(fragment, canvas, where)

    def fragment(self, fragment: str, canvas: dict[str, Any], where: str) -> None:
        match = FRAGMENT.match(fragment)
        if not match or not (match["t"] or match["xywh"]):
            self.fail(where, f"unknown fragment #{fragment}")
            return
        try:
            if match["t"]:
                start, _, end = match["t"].partition(",")
                times = [float(start or 0), float(end or canvas.get("duration", 0))]
                if "duration" not in canvas or not 0 <= times[0] <= times[1] <= canvas["duration"]:
                    self.fail(where, f"#t={match['t']} is outside the Canvas's duration")
            if match["xywh"]:
                x, y, w, h = (int(v) for v in match["xywh"].split(","))
                if "width" not in canvas or min(x, y) < 0 or w <= 0 or h <= 0 or x + w > canvas["width"] or \
                        y + h > canvas["height"]:
                    self.fail(where, f"#xywh={match['xywh']} is outside the Canvas")
        except ValueError:
            self.fail(where, f"malformed fragment #{fragment}")


def rule_problems(manifest: Any) -> list[str]:
    """Every broken MUST rule in ``manifest``, one line each (empty when it conforms)."""
    walk = _Walk()
    walk.manifest(manifest)
    return walk.out


def problems(manifest: Any) -> list[str]:
    """Everything wrong with ``manifest``: the hand-walked rules, then the schema's findings."""
    return rule_problems(manifest) + schema_problems(manifest)


def defined_ids(manifest: Any) -> list[str]:
    """The ids of the resources a manifest defines (Manifest, Canvases, pages, Annotations, Agents), in
    document order. Content resources are left out: the same picture may well serve twice (a poster as a
    thumbnail and as a placeholder), and the same id then rightly names the same resource."""
    found: list[str] = []
    defining = {"Manifest", "Canvas", "AnnotationPage", "Annotation", "Agent"}

    def visit(node: Any, key: str) -> None:
        if isinstance(node, dict):
            if node.get("type") in defining and isinstance(node.get("id"), str) and key not in {"target", "body"}:
                found.append(node["id"])
            for k, v in node.items():
                visit(v, k)
        elif isinstance(node, list):
            for item in node:
                visit(item, key)

    visit(manifest, "")
    return found
