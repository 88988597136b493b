"""Every notebook runs headless, top to bottom; each asserts numbers it produces.

The notebooks are committed without outputs; executing them here keeps them from rotting.
"""

import ast
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 5


REPO = Path(__file__).resolve().parents[1]


def _outside_the_repository(tmp_path: Path) -> Path:
    """A fresh working folder that is not inside the repository (a user's own folder)."""
    work = tmp_path / "work"
    work.mkdir()
    assert REPO not in work.resolve().parents, "the temporary folder is inside the repository"
    return work


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.setenv("PYVISTA_OFF_SCREEN", "true")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("STOCKINGSIM_NOTEBOOK_OUT", str(tmp_path))
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        assert not cell.get("outputs"), f"{path.name} is committed with outputs; clear them"
    # run from a folder outside the repository: the notebooks use the package's sample data
    # (ss.sample_leg, ss.sample_path), never ../meshes or ../tests/data
    work = _outside_the_repository(tmp_path)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    )
    client.execute()
    # the notebook's own assert statements would have raised CellExecutionError on failure;
    # check that there are some (real statements, not the word in a comment or a string)
    assert _n_asserts(nb) >= 1, f"{path.name} asserts nothing"


def _n_asserts(nb) -> int:
    n = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        lines = [ln for ln in cell.source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
        tree = ast.parse("\n".join(lines))
        n += sum(isinstance(node, ast.Assert) for node in ast.walk(tree))
    return n


def test_figures_show_inline_without_a_magic(tmp_path, monkeypatch):
    # before: a returned matplotlib Figure showed as "<Figure size ...>" text unless
    # "%matplotlib inline" ran first (the figures are made without pyplot)
    monkeypatch.delenv("MPLBACKEND", raising=False)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import stockingsim as ss\nss.viz.plot_fabric(ss.fabric_library()['circular class II'])"
        )
    ]
    work = _outside_the_repository(tmp_path)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    ).execute()
    outputs = nb.cells[0].outputs
    results = [o for o in outputs if o.output_type == "execute_result"]
    assert results and "image/png" in results[0].data, outputs
    assert results[0].data["image/png"]  # a non-empty base64 PNG


def test_the_validation_notebook_is_among_them():
    # docs/validation.md's numbers are recomputed and asserted there
    assert "08_validation_against_measurements" in [p.stem for p in NOTEBOOKS]


def test_fitting_notebook_is_collected():
    assert "07_fitting_a_patient" in [p.stem for p in NOTEBOOKS]
