"""The shapes of a IIIF Presentation 3.0 Manifest as the site writes it, as a small JSON Schema.

The second, independent net beside the hand-walked rules of ``iiif_check``: written from the
specification (https://iiif.io/api/presentation/3.0/), offline, and run by ``jsonschema``. A schema
states shapes (required keys, types, value ranges, width with height); the relations between parts
(targets, unique ids, fragments) are left to ``iiif_check``.
"""

from __future__ import annotations

import re
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

CONTEXT = "http://iiif.io/api/presentation/3/context.json"
CONTENT_TYPES = {"Image", "Video", "Sound", "Text", "Dataset", "Model"}  # 3.2 type, table of classes
BEHAVIORS = {"auto-advance", "no-auto-advance", "repeat", "no-repeat", "unordered", "individuals", "continuous",
             "paged", "facing-pages", "non-paged", "multi-part", "together", "sequence", "thumbnail-nav", "no-nav",
             "hidden"}
DIRECTIONS = {"left-to-right", "right-to-left", "top-to-bottom", "bottom-to-top"}
RIGHTS = re.compile(r"^http://(creativecommons\.org/(licenses|publicdomain)|rightsstatements\.org/vocab)/\S+$")
HTTP_URI = re.compile(r"^https?://[^\s/?#]+[^\s]*$")
MEDIA_TYPE = re.compile(r"^[a-z]+/[a-zA-Z0-9.+-]+(;.*)?$")
LANGUAGE = re.compile(r"^(none|[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*)$")  # BCP 47, loosely, or "none" (4.4)

_URI = {"type": "string", "pattern": r"^https?://\S+$"}
_LANG_MAP = {"type": "object", "minProperties": 1,
             "patternProperties": {LANGUAGE.pattern: {"type": "array", "items": {"type": "string"}}},
             "additionalProperties": False}
_DIMENSION = {"type": "integer", "exclusiveMinimum": 0}
_DURATION = {"type": "number", "exclusiveMinimum": 0}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$ref": "#/$defs/manifest",
    "$defs": {
        "langMap": _LANG_MAP,
        "labelValue": {"type": "object", "required": ["label", "value"],
                       "properties": {"label": {"$ref": "#/$defs/langMap"}, "value": {"$ref": "#/$defs/langMap"}}},
        "service": {"type": "array", "items": {
            "type": "object",
            "anyOf": [{"required": ["id", "type"]}, {"required": ["@id", "@type"]}],
            "properties": {"id": _URI, "@id": _URI, "type": {"type": "string"}, "@type": {"type": "string"},
                           "profile": {"type": "string"}}}},
        "content": {"type": "object", "required": ["id", "type"], "properties": {
            "id": _URI, "type": {"enum": sorted(CONTENT_TYPES)},
            "format": {"type": "string", "pattern": r"^[a-z]+/\S+$"},
            "width": _DIMENSION, "height": _DIMENSION, "duration": _DURATION,
            "label": {"$ref": "#/$defs/langMap"}, "service": {"$ref": "#/$defs/service"},
            "language": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}}},
        "thumbnails": {"type": "array", "items": {"allOf": [{"$ref": "#/$defs/content"}, {"required": ["format"]}]}},
        "homepages": {"type": "array", "items": {"allOf": [{"$ref": "#/$defs/content"}, {"required": ["label"]}]}},
        "annotation": {"type": "object", "required": ["id", "type", "motivation", "target"], "properties": {
            "id": _URI, "type": {"const": "Annotation"},
            "motivation": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            "body": {"anyOf": [{"$ref": "#/$defs/content"}, {"type": "array", "items": {"$ref": "#/$defs/content"}},
                               {"type": "object", "required": ["type", "value"],
                                "properties": {"type": {"const": "TextualBody"}, "value": {"type": "string"}}},
                               {"type": "object", "required": ["type", "items"], "properties": {
                                   "type": {"const": "Choice"},
                                   "items": {"type": "array", "items": {"$ref": "#/$defs/content"}}}}]},
            "target": {"anyOf": [_URI, {"type": "object"}, {"type": "array"}]}}},
        "annotationPage": {"type": "object", "required": ["id", "type", "items"], "properties": {
            "id": _URI, "type": {"const": "AnnotationPage"},
            "items": {"type": "array", "items": {"$ref": "#/$defs/annotation"}}}},
        "canvas": {"type": "object", "required": ["id", "type", "items"],
                   "anyOf": [{"required": ["width", "height"]}, {"required": ["duration"]}],
                   "dependentRequired": {"width": ["height"], "height": ["width"]},
                   "properties": {
                       "id": {"type": "string", "pattern": r"^https?://[^#\s]+$"}, "type": {"const": "Canvas"},
                       "label": {"$ref": "#/$defs/langMap"}, "summary": {"$ref": "#/$defs/langMap"},
                       "metadata": {"type": "array", "items": {"$ref": "#/$defs/labelValue"}},
                       "width": _DIMENSION, "height": _DIMENSION, "duration": _DURATION,
                       "thumbnail": {"$ref": "#/$defs/thumbnails"}, "homepage": {"$ref": "#/$defs/homepages"},
                       "placeholderCanvas": {"$ref": "#/$defs/canvas"},
                       "items": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/annotationPage"}},
                       "annotations": {"type": "array", "items": {"anyOf": [
                           {"$ref": "#/$defs/annotationPage"},
                           {"type": "object", "required": ["id", "type"], "not": {"required": ["items"]},
                            "properties": {"id": _URI, "type": {"const": "AnnotationPage"}}}]}}}},
        "manifest": {"type": "object", "required": ["@context", "id", "type", "label", "items"], "properties": {
            "@context": {"anyOf": [{"const": CONTEXT},
                                   {"type": "array", "items": {"type": "string"}, "contains": {"const": CONTEXT}}]},
            "id": _URI, "type": {"const": "Manifest"},
            "label": {"$ref": "#/$defs/langMap"}, "summary": {"$ref": "#/$defs/langMap"},
            "metadata": {"type": "array", "items": {"$ref": "#/$defs/labelValue"}},
            "requiredStatement": {"$ref": "#/$defs/labelValue"},
            "rights": {"type": "string", "pattern": RIGHTS.pattern},
            "thumbnail": {"$ref": "#/$defs/thumbnails"}, "homepage": {"$ref": "#/$defs/homepages"},
            "provider": {"type": "array", "items": {"type": "object", "required": ["id", "type", "label"],
                                                    "properties": {"id": _URI, "type": {"const": "Agent"},
                                                                   "label": {"$ref": "#/$defs/langMap"}}}},
            "behavior": {"type": "array", "items": {"enum": sorted(BEHAVIORS)}},
            "viewingDirection": {"enum": sorted(DIRECTIONS)},
            "placeholderCanvas": {"$ref": "#/$defs/canvas"},
            "items": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/canvas"}}}},
    },
}
Draft202012Validator.check_schema(SCHEMA)
_VALIDATOR = Draft202012Validator(SCHEMA)


def schema_problems(manifest: Any) -> list[str]:
    """Where ``manifest`` breaks the JSON Schema above, one line each."""
    return [f"schema: /{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
            for error in sorted(_VALIDATOR.iter_errors(manifest), key=lambda e: list(map(str, e.absolute_path)))]
