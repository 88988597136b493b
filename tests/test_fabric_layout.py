"""The fabric package depends one way: models <- fit report <- tensile / blend <- Fabric.

Every import between fabric modules (lazy ones too) must go to a lower rank, so no curve source
reaches back into the class, the presets or the comparison table.
"""

import ast
from pathlib import Path

import pytest

FABRIC = Path(__file__).resolve().parents[1] / "stockingsim" / "fabric"

RANK = {
    "_models": 0,  # one tension-strain curve, the directions and branches
    "_fit_report": 1,
    "_params": 1,
    "_cyclic": 1,
    "_blend": 1,
    "_time": 1,
    "_tensile_csv": 1,
    "_branch_fit": 1,
    "_tensile": 2,  # a whole test: cycles, branches, the four curves, the report
    "_json": 2,
    "_constructors": 3,  # functions of the class, bound by it
    "_curves": 4,  # the Fabric
    "_library": 5,
    "_compare_fabrics": 6,  # tables of fabrics, presets by name
}


def _fabric_imports(path: Path) -> list[tuple[str, int]]:
    """(fabric module, line) of every ``stockingsim.fabric._x`` a module imports."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "stockingsim.fabric":
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "stockingsim.fabric._"
        ):
            out.append((node.module.rpartition(".")[2], node.lineno))
    return out


def test_every_fabric_module_has_a_rank():
    present = {p.stem for p in FABRIC.glob("*.py")} - {"__init__"}
    assert present == set(RANK), "give new fabric modules a rank here and in docs/architecture.md"


@pytest.mark.parametrize("module", sorted(RANK))
def test_fabric_imports_go_down(module):
    bad = [
        f"{module}.py:{line} imports {target} (rank {RANK[module]} -> {RANK[target]})"
        for target, line in _fabric_imports(FABRIC / f"{module}.py")
        if target in RANK and RANK[target] >= RANK[module]
    ]
    assert not bad, "\n".join(bad)


def test_the_rank_check_finds_an_import_back(tmp_path):
    # the rule itself: a tensile module importing the class is reported
    src = tmp_path / "x.py"
    src.write_text("def f():\n    from stockingsim.fabric._curves import Fabric\n")
    assert _fabric_imports(src) == [("_curves", 2)]
    assert RANK["_curves"] >= RANK["_tensile"]
