"""The site's own files: ``static/`` (fonts, icons, vendored libraries with their licences) and
``site_src/`` (our JavaScript modules and CSS), copied to ``assets/`` with a content hash for cache busting.

Pages refer to an asset as ``name?v=<hash8>``. JavaScript modules import one another by relative
specifiers (``import {x} from "./data.js"``); those are rewritten to carry the imported file's version
too, so a change to one module reaches browsers that cached the others. A module's version covers what
it imports, so changing a leaf module changes the version of every module above it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from .output import OutputTree

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates"
SITE_SRC = REPO / "site_src"
STATIC = REPO / "static"

# vendored libraries only the pages that use them bring into the site (13 MB of face-api weights would
# otherwise travel with every site): see add_optional_assets
OPTIONAL = ("vendor/face-api/", "vendor/tfjs-backend-wasm/", "vendor/openseadragon/")
NODE_MODULES = REPO / "node_modules"
# their large files are not in the repository: they come unchanged from the npm packages that package.json
# pins (`npm ci`, run by .ci/setup); static/<prefix> keeps only what says where they come from and their licence
FROM_NPM: dict[str, tuple[tuple[str, str], ...]] = {
    "vendor/face-api/": tuple((name, "@vladmandic/face-api/" + src) for name, src in (
        ("LICENSE", "LICENSE"),
        ("face-api.esm.js", "dist/face-api.esm.js"),
        *((f"model/{net}{ext}", f"model/{net}{ext}")
          for net in ("tiny_face_detector_model", "face_landmark_68_model", "face_recognition_model")
          for ext in ("-weights_manifest.json", ".bin")))),
    "vendor/tfjs-backend-wasm/": tuple((name, "@tensorflow/tfjs-backend-wasm/dist/" + name)
                                       for name in ("tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm")),
    # the map's deep zoom viewer draws its own buttons (site_src/map/deepzoom.js): no button images
    "vendor/openseadragon/": (("LICENSE.txt", "openseadragon/LICENSE.txt"),
                              ("openseadragon.min.js", "openseadragon/build/openseadragon/openseadragon.min.js")),
}


def missing_npm_files(prefix: str) -> list[str]:
    """The files of ``prefix`` that its npm package should give and ``node_modules`` lacks (empty: all there)."""
    return [src for _, src in FROM_NPM.get(prefix, ()) if not (NODE_MODULES / src).is_file()]

# static `import ... from "./x.js"`, `import "./x.js"` and `export ... from "./x.js"` with a relative specifier
_IMPORT = re.compile(r"""(\b(?:import|export)\b[^'";]*?\bfrom\s*|\bimport\s*)(["'])(\.{1,2}/[^"'?#]+\.js)\2""")


def _url_path(rel: str) -> str:
    return quote(rel, safe="/")


def _files(root: Path) -> list[tuple[str, Path]]:
    return [(p.relative_to(root).as_posix(), p) for p in sorted(root.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)]


def _resolve(name: str, spec: str) -> str:
    parts: list[str] = []
    for part in (PurePosixPath(name).parent / spec).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def _rewrite_modules(sources: dict[str, bytes]) -> dict[str, bytes]:
    """Each ``.js`` module with its relative imports versioned, leaves first (imports form no cycle)."""
    out: dict[str, bytes] = {}
    digests: dict[str, str] = {}

    def visit(name: str, trail: tuple[str, ...]) -> str:
        if name in digests:
            return digests[name]
        if name in trail:
            raise ValueError(f"site_src/{name}: import cycle through {' -> '.join(trail)}")
        text = sources[name].decode("utf-8")

        def versioned(m: re.Match[str]) -> str:
            target = _resolve(name, m.group(3))
            if target not in sources:
                return m.group(0)
            return f"{m.group(1)}{m.group(2)}{m.group(3)}?v={visit(target, trail + (name,))}{m.group(2)}"

        data = _IMPORT.sub(versioned, text).encode("utf-8")
        out[name] = data
        digests[name] = hashlib.sha256(data).hexdigest()[:8]
        return digests[name]

    for name in sources:
        visit(name, ())
    return out


def add_assets(out: OutputTree) -> dict[str, str]:
    """Add ``static/`` and ``site_src/`` under ``assets/``; return name -> "name?v=<hash8>"."""
    versions: dict[str, str] = {}
    for root in (STATIC, SITE_SRC):  # site_src last: our own sources win a name clash
        if not root.is_dir():
            continue
        files = [(n, p) for n, p in _files(root) if not n.startswith(OPTIONAL)]
        original = {name: path.read_bytes() for name, path in files}
        modules = _rewrite_modules({n: b for n, b in original.items() if n.endswith(".js")}) if root == SITE_SRC else {}
        for name, path in files:
            data = modules.get(name, original[name])
            if data is original[name] or data == original[name]:
                out.add_file(f"assets/{name}", path)
            else:
                out.add_bytes(f"assets/{name}", data)
            versions[name] = f"{_url_path(name)}?v={hashlib.sha256(data).hexdigest()[:8]}"
    return versions


def add_optional_assets(out: OutputTree, prefix: str) -> dict[str, str]:
    """Add the vendored files of ``prefix`` (one of :data:`OPTIONAL`: those under ``static/<prefix>`` and those
    :data:`FROM_NPM` names in ``node_modules``) to ``assets/``, unchanged; return name -> "name?v=<hash8>" as
    :func:`add_assets` does."""
    if prefix not in OPTIONAL:
        raise ValueError(f"{prefix!r} is not an optional asset folder ({', '.join(OPTIONAL)})")
    versions: dict[str, str] = {}
    files = _files(STATIC / prefix) + [(name, NODE_MODULES / src) for name, src in FROM_NPM.get(prefix, ())]
    for name, path in files:
        rel = prefix + name
        out.add_file(f"assets/{rel}", path)
        versions[rel] = f"{_url_path(rel)}?v={hashlib.sha256(path.read_bytes()).hexdigest()[:8]}"
    return versions
