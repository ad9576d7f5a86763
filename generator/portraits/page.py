"""The ``portraits/`` section: the page "Find your likeness in the archive" with its gallery of the faces
found, the face index it searches (``faces.bin`` + ``faces.json``, see :mod:`generator.portraits.index`),
one JPEG crop per face (shown by the gallery and the results alike), and the vendored face-api with its
weights and the TF.js WebAssembly backend (added to ``assets/`` only here)."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from ..site.assets import add_optional_assets, missing_npm_files
from ..site.output import OutputTree
from .settings import PortraitsSettings

if TYPE_CHECKING:
    from ..portraits.stage import FacesResult
    from ..reporter import Reporter
    from ..site.render import SiteRenderer

PORTRAITS_URL = "portraits/"
FACEAPI, WASM = "vendor/face-api/", "vendor/tfjs-backend-wasm/"


def face_api_missing(reporter: Reporter) -> bool:
    """Whether face-api or the TF.js wasm files are absent from node_modules (warned once, naming the fix)."""
    missing = missing_npm_files(FACEAPI) + missing_npm_files(WASM)
    if missing:
        reporter.warn(f"portraits: no portraits page: node_modules lacks {missing[0]}"
                      f"{f' and {len(missing) - 1} more file(s)' if len(missing) > 1 else ''} (run npm ci)")
    return bool(missing)


def render_portraits(result: FacesResult, renderer: SiteRenderer, tree: OutputTree) -> None:
    import numpy as np

    from ..portraits.index import encode

    vectors = np.array([f.descriptor for f in result.faces], np.float32).reshape(len(result.faces), -1)
    data = encode(vectors)
    records = []
    for face in result.faces:
        crop = f"faces/{face.key}.jpg"
        tree.add_file(PORTRAITS_URL + crop, face.crop)
        records.append([crop, face.href, face.title, face.detail])
    settings = renderer.site.settings.of(PortraitsSettings)
    # the gallery shown before a photo is given: the same crops and links as the results, in the index's order
    # (the archive's, then the films'), at most [portraits] gallery of them
    gallery = [{"crop": crop, "href": href, "title": title,
                "detail": ", ".join(v for v in ("film" if face.kind == "film" else "archive", detail) if v)}
               for face, (crop, href, title, detail) in zip(result.faces, records)][:settings.gallery]
    meta = {"format": 1, "count": len(records), "dim": int(vectors.shape[1]) if records else 128,
            "model": result.model, "faces": records}
    meta_bytes = json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    version = hashlib.sha256(data + meta_bytes).hexdigest()[:12]
    tree.add_bytes(PORTRAITS_URL + "faces.bin", data)
    tree.add_bytes(PORTRAITS_URL + "faces.json", meta_bytes)
    vendor = add_optional_assets(tree, FACEAPI)
    vendor.update(add_optional_assets(tree, WASM))
    archive = sum(f.kind == "archive" for f in result.faces)
    renderer.page("portraits.html", PORTRAITS_URL + "index.html", "portraits", dict(
        page_title="Portraits", body_class="light portraits-page", wide=True, index_version=version,
        face_count=len(records), archive_faces=archive, film_faces=len(records) - archive,
        pictures=result.with_faces, results=settings.results, faceapi=vendor[FACEAPI + "face-api.esm.js"],
        gallery=gallery, made_films=len(result.made),
        description=f"Find your likeness among {len(records)} faces of the archive and the films."))
