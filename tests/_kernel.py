"""Run one notebook cell in a fresh Jupyter kernel (skips without nbformat/nbclient/ipykernel)."""

from __future__ import annotations

import pytest


def run_cell(code: str, path, *, timeout: int = 120, needs: tuple[str, ...] = ()) -> list:
    """Execute ``code`` as the one cell of a notebook run in ``path``; return the cell's outputs.

    ``needs`` names further modules the cell imports (the test is skipped without them).
    """
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    for module in ("ipykernel", *needs):
        pytest.importorskip(module)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nbclient.NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path)}}
    ).execute()
    return nb.cells[0].outputs
