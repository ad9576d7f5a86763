"""The structure of the Python package ``generator/`` (as tests/test_map_modules.py is for the map's
JavaScript): no import cycles between modules, ``site/`` never imports ``stages/``, the core never imports
a feature and a feature never imports another feature (features meet only through
:mod:`generator.features.base`), heavy libraries only inside functions, and no module much over 400 lines.

Imports are read with :mod:`ast`, at any depth (an import inside a function is a cycle all the same once
it runs); those under ``if TYPE_CHECKING:`` are left out, as they never run."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "generator"
FEATURES = ("narration", "labels", "portraits", "collage", "stories", "dreams", "nextframe", "search")
HEAVY = ("torch", "tensorflow", "onnxruntime", "ray", "dlib", "sentence_transformers", "umap", "cv2", "pagefind",
         "transformers", "openTSNE", "faiss", "sklearn", "piper", "skimage", "pyvips")
MAX_LINES = 420


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the import nodes inside ``if TYPE_CHECKING:`` blocks."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                out.update(id(n) for n in ast.walk(inner))
    return out


def imports(name: str, path: Path) -> Iterator[tuple[str, bool, int]]:
    """(imported module, at the top of the module, line) of every import that runs."""
    tree = ast.parse(path.read_text("utf-8"))
    skipped = _type_checking_nodes(tree)
    top = {id(n) for n in tree.body}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, id(node) in top, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target, id(node) in top, node.lineno
            for alias in node.names:  # `from . import stage` imports a module
                yield f"{target}.{alias.name}", id(node) in top, node.lineno


def graph() -> dict[str, set[str]]:
    mods = modules()
    out: dict[str, set[str]] = {}
    for name, path in mods.items():
        out[name] = {target for target, _, _ in imports(name, path) if target in mods and target != name}
    return out


def feature_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FEATURES else ""


def test_the_package_has_no_import_cycles():
    g = graph()
    seen: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        seen[node] = 1
        for nxt in sorted(g[node]):
            if seen.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in seen:
                visit(nxt, path + [nxt])
        seen[node] = 2

    for start in sorted(g):
        if start not in seen:
            visit(start, [start])
    # a package's __init__ importing its own submodules is no cycle worth the name
    real = [c for c in cycles if not all(m == c[0] or m.startswith(c[0] + ".") for m in c)]
    assert not real, "\n".join(" -> ".join(c) for c in real)


def test_site_never_imports_stages():
    bad = [f"{m} imports {t}" for m, ts in graph().items() if m.startswith("generator.site.")
           for t in ts if t.startswith("generator.stages")]
    assert not bad, bad


def test_the_core_never_imports_a_feature_and_features_never_import_each_other():
    bad = []
    for m, ts in graph().items():
        mine = feature_of(m)
        for t in ts:
            theirs = feature_of(t)
            if theirs and theirs != mine:
                bad.append(f"{m} imports {t}")
    assert not bad, "\n".join(bad)


def test_heavy_libraries_are_imported_inside_functions():
    """What the command line, the build and every feature import when they load (following top-level imports
    only) holds no heavy library: a module built on one (a torch network) is itself imported only inside the
    functions that use it."""
    mods = modules()
    top: dict[str, list[tuple[str, int]]] = {}
    for name, path in mods.items():
        top[name] = [(t, line) for t, at_top, line in imports(name, path) if at_top]
    entries = ["generator.cli", "generator.pipeline", "generator.features"]
    entries += [m for m in mods if m.endswith(".feature")]
    seen: set[str] = set()
    todo = list(entries)
    bad = []
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        for target, line in top[m]:
            if target.split(".")[0] in HEAVY:
                bad.append(f"{mods[m].relative_to(REPO)}:{line} imports {target} at the top")
            elif target in mods:
                todo.append(target)
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("name", sorted(modules()))
def test_modules_stay_small(name):
    lines = modules()[name].read_text("utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name}: {lines} lines"
