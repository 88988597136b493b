"""The package map of docs/architecture.md, checked on the source: no import cycle, no import "up".

Every module of ``stockingsim`` is parsed (``ast``, nothing is imported) and every import of a
``stockingsim`` module is an edge, whether it runs when the module loads or inside a function
(a lazy import is still a dependency). Two rules:

* the units (top-level modules and sub-packages) sit in layers; a unit may import units of its
  own or a lower layer, never a higher one (solvers importing viz or batch, leg importing
  solvers, ...). The few lazy "delegates" that go up on purpose are listed with their reason;
* no cycle between modules, inside a package or across packages.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "stockingsim"

#: Layer of every unit, lowest first; the same table as docs/architecture.md.
LAYERS: dict[str, int] = {
    # words and errors: import nothing of the package but each other
    "errors": 0,
    "vocabulary": 0,
    "_numbers": 0,
    "_lazy": 0,
    # the nouns and the tables
    "leg": 1,
    "fabric": 1,
    "tissue": 1,
    "standards": 1,
    # what is worn, and the argument checks of the entry points
    "stocking": 2,
    "_kit": 2,
    "_checks": 2,
    "_samples": 2,
    # pressure
    "solvers": 3,
    # what is built on simulate
    "design": 4,
    "motion": 4,
    "fitting": 4,
    "calibration": 4,
    # output for people
    "exports": 5,
    "_report": 5,
    "viz": 5,
    # scale
    "batch": 6,
    # front ends
    "cli": 7,
    "app": 7,
    # the package surface: the lazy export table, and the deprecated alias of exports
    "__init__": 8,
    "io": 8,
}

#: Imports that go up on purpose, each lazy (inside one function) and one line long.
DELEGATES: dict[tuple[str, str], str] = {
    ("solvers", "viz"): "PressureResult.plot* delegate to the pictures (imported on use)",
    ("solvers", "exports"): "PressureResult.to_vtk/to_ply/to_csv/to_json delegate to exports",
    ("fitting", "viz"): "the printable fitting report draws the predicted profile",
    ("calibration", "viz"): "Agreement.plot delegates to viz.plot_agreement",
    ("motion", "viz"): "MotionResult.plot/animate delegate to the motion pictures",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module an imported dotted name lives in (``stockingsim.fabric.Fabric`` -> the
    package ``stockingsim.fabric``), or None outside the package."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, int, bool]]:
    """(imported module, line, lazy) for every ``stockingsim`` import in one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    top = {id(node) for node in tree.body}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            targets = [f"{stem}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target == "stockingsim" or target.startswith("stockingsim."):
                mod = _resolve(target, modules)
                if mod and mod != name:
                    out.append((mod, node.lineno, id(node) not in top))
    return out


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


@pytest.fixture(scope="module")
def graph() -> dict[str, list[tuple[str, int, bool]]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def test_every_unit_has_a_layer(graph):
    units = {_unit(m) for m in graph}
    missing = sorted(units - set(LAYERS))
    assert not missing, (
        f"{missing} have no layer: add them to LAYERS here and to the package map in "
        "docs/architecture.md"
    )


def test_no_import_goes_up(graph):
    bad = []
    for module, imports in graph.items():
        src = _unit(module)
        for target, line, lazy in imports:
            dst = _unit(target)
            if dst in ("__init__", src) or LAYERS[dst] <= LAYERS[src]:
                continue
            if (src, dst) in DELEGATES and lazy:
                continue
            bad.append(f"{module}:{line} imports {target} ({src} layer {LAYERS[src]} -> {dst} "
                       f"layer {LAYERS[dst]})")  # fmt: skip
    assert not bad, "imports that go up a layer:\n" + "\n".join(bad)


def test_the_package_surface_imports_only_light_modules(graph):
    # `import stockingsim` loads only the lazy table: every public name comes on first use
    eager = [t for t, _line, lazy in graph["stockingsim"] if not lazy]
    assert set(eager) <= {"stockingsim.errors", "stockingsim._lazy"}


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of a directed graph as a list of nodes, or None (iterative DFS)."""
    state: dict[str, int] = {}
    for root in sorted(edges):
        if state.get(root):
            continue
        stack = [(root, iter(sorted(edges.get(root, ()))))]
        path = [root]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                return path[path.index(child) :] + [child]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(edges.get(child, ())))))
    return None


def test_no_import_cycle_between_modules(graph):
    edges: dict[str, set[str]] = {}
    for module, imports in graph.items():
        for target, _line, _lazy in imports:
            # a package importing its own private modules is its table of contents, not a
            # dependency back; every other edge counts, lazy or not
            if target.startswith(module + "."):
                continue
            if (_unit(module), _unit(target)) in DELEGATES:
                continue
            edges.setdefault(module, set()).add(target)
    cycle = _cycle(edges)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_checks_find_a_cycle_and_an_upward_import():
    # the rules themselves: a cycle is found, and a leg module importing solvers is "up"
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert LAYERS["leg"] < LAYERS["solvers"] < LAYERS["viz"] < LAYERS["batch"]
    modules = {"stockingsim.leg._x": Path("x.py"), "stockingsim.solvers": Path("s.py")}
    assert _resolve("stockingsim.solvers.simulate", modules) == "stockingsim.solvers"
    assert _resolve("numpy.linalg", modules) is None


def test_the_map_in_the_docs_names_every_unit():
    text = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    present = {_unit(_module_name(p)) for p in PACKAGE.rglob("*.py")}
    for unit in sorted(present - {"__init__"}):
        shown = f"`{unit}/`" if (PACKAGE / unit).is_dir() else f"`{unit}.py`"
        assert shown in text, f"docs/architecture.md does not describe {shown}"
