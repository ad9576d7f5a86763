"""The map viewer's ES modules (site_src/map/): only static imports with relative ``./x.js`` specifiers
(the build may rewrite them with a regex to add cache-busting hashes), every imported name exported by its
module, no import cycles, the page loading main.js; the bench-only instrumentation (bench/map/bench.js) is not
among them, so no published site carries it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MAP = REPO / "site_src" / "map"
BENCH_JS = REPO / "bench" / "map" / "bench.js"
IMPORT = re.compile(r'^import \{([^}]*)\} from "(\./[\w-]+\.js)";$', re.M)
EXPORT = re.compile(r"^export (?:async )?(?:function\*? |class )([\w$]+)|^export (?:const|let) (.*?);?$", re.M)


def modules() -> dict[str, str]:
    return {p.name: p.read_text("utf-8") for p in sorted(MAP.glob("*.js"))}


def declared(rest: str) -> list[str]:
    """Names declared by ``a = 1, b = f(x, y)`` (or the first line of a longer declaration): the identifier
    before each ``=`` outside brackets."""
    names, depth, part = [], 0, ""
    for ch in rest:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            names.append(part.split("=")[0].strip())
            part = ""
        else:
            part += ch
    return names + [part.split("=")[0].strip()]


def exports(src: str) -> set[str]:
    out: set[str] = set()
    for fn, rest in EXPORT.findall(src):
        out.update([fn] if fn else declared(rest))
    return out


def imports(src: str) -> list[tuple[list[str], str]]:
    return [([n.strip() for n in names.split(",") if n.strip()], spec[2:]) for names, spec in IMPORT.findall(src)]


def test_imports_are_static_relative_and_resolve():
    mods = modules()
    assert "main.js" in mods and "bench.js" not in mods and BENCH_JS.is_file()
    for name, src in mods.items():
        lines = [ln for ln in src.splitlines() if re.match(r"\s*import\b", ln)]
        assert len(lines) == len(imports(src)), f"{name}: an import not of the form import {{ a, b }} from \"./x.js\";"
        assert "import(" not in src, f"{name}: no dynamic import of our own modules"
        for names, target in imports(src):
            assert target in mods, f"{name} imports a missing {target}"
            missing = set(names) - exports(mods[target])
            assert not missing, f"{name} imports {sorted(missing)}, which {target} does not export"


def test_no_import_cycles_and_bench_stays_out():
    graph = {name: [t for _, t in imports(src)] for name, src in modules().items()}
    assert imports(BENCH_JS.read_text("utf-8")) == [], "bench.js talks to the map only through window.electricMap"
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        assert node not in path, "import cycle: " + " -> ".join(path[path.index(node):] + [node])
        if node in done:
            return
        for dep in graph[node]:
            visit(dep, path + [node])
        done.add(node)

    for node in graph:
        visit(node, [])
    reached: set[str] = set()
    stack = ["main.js"]
    while stack:
        n = stack.pop()
        if n not in reached:
            reached.add(n)
            stack += graph[n]
    assert reached == set(graph), f"modules main.js never loads: {set(graph) - reached}"


def test_modules_stay_small_and_the_page_loads_the_entry():
    for name, src in modules().items():
        assert src.count("\n") < 400, f"{name} has grown past 400 lines: split it"
    html = (REPO / "templates" / "map.html").read_text("utf-8")
    assert """<script type="module" src="{{ root }}assets/{{ asset['map/main.js'] }}"></script>""" in html
    assert not (REPO / "site_src" / "map.js").exists()


def test_modules_parse(tmp_path):
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed")
    for name, src in modules().items():
        copy = tmp_path / (name[:-3] + ".mjs")  # parsed as a module, whatever package.json says
        copy.write_text(src, "utf-8")
        result = subprocess.run([node, "--check", str(copy)], capture_output=True, text=True)
        assert result.returncode == 0, f"{name}: {result.stderr}"
