"""Assets: our JavaScript modules get versioned imports, and a module's version covers what it imports."""

from __future__ import annotations

import re

import pytest

from generator.site import assets
from generator.site.output import OutputTree


def modules(**files: str) -> dict[str, bytes]:
    return {name.replace("__", "/") + ".js": text.encode() for name, text in files.items()}


def test_imports_carry_the_version_of_what_they_import():
    src = modules(map__main='import { a } from "./data.js";\nimport "./gl.js";\nexport { b } from "./util.js";\n',
                  map__data='import { c } from "./util.js";\nexport const a = c;\n',
                  map__gl="export const g = 1;\n", map__util="export const c = 2, b = 3;\n")
    out = assets._rewrite_modules(src)
    main = out["map/main.js"].decode()
    for name in ("data", "gl", "util"):
        digest = assets.hashlib.sha256(out[f"map/{name}.js"]).hexdigest()[:8]
        assert f'"./{name}.js?v={digest}"' in main
    changed = assets._rewrite_modules({**src, "map/util.js": b"export const c = 5, b = 3;\n"})
    assert changed["map/data.js"] != out["map/data.js"], "a changed leaf changes the version of its importers"
    assert changed["map/main.js"] != out["map/main.js"]
    assert changed["map/gl.js"] == out["map/gl.js"]


def test_an_import_cycle_is_an_error():
    with pytest.raises(ValueError, match="import cycle"):
        assets._rewrite_modules(modules(a='import { b } from "./b.js";\n', b='import { a } from "./a.js";\n'))


def test_the_site_serves_what_the_map_page_preloads():
    tree = OutputTree()
    versions = assets.add_assets(tree)
    main = tree.files["assets/map/main.js"]
    assert isinstance(main, bytes)
    for spec in re.findall(r'from "\./([\w-]+\.js\?v=[0-9a-f]{8})"', main.decode()):
        assert versions[f"map/{spec.split('?')[0]}"] == f"map/{spec}"
    assert isinstance(tree.files["assets/player.js"], assets.Path), "a script without imports is linked as is"
