"""Sphinx configuration of the stockingsim documentation site.

Build (warnings are errors)::

    pip install -e ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

The pages are the Markdown files of ``docs/`` (MyST), the API reference is generated from the
numpydoc docstrings (autodoc + autosummary + numpydoc), and the notebooks of ``notebooks/`` are
executed during the build (myst-nb, cached in ``docs/_build/.jupyter_cache``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# the notebook kernels and pictures: this checkout's package, files only, never windows
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("PYVISTA_OFF_SCREEN", "true")

import stockingsim  # noqa: E402

project = "stockingsim"
author = "stockingsim developers"
copyright = "stockingsim developers, BSD-3-Clause"
version = release = stockingsim.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = [
    "_build",
    "**.ipynb_checkpoints",
    "notebooks/notebook_out",
    "images/*.md",
]

# ---- API reference -------------------------------------------------------------------------
autosummary_generate = True
templates_path = ["_templates"]
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc docstrings state the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()  # style is checked by ruff (pydocstyle, numpy)

# ---- pages and notebooks -------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
nb_execution_mode = "cache"
nb_execution_cache_path = str(Path(__file__).parent / "_build" / ".jupyter_cache")
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True

# ---- HTML ----------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"stockingsim {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path: list[str] = []


def _check_api_page(app) -> None:
    """Fail the build when a public name of ``stockingsim.__all__`` is not in the API page."""
    text = (Path(app.srcdir) / "api.rst").read_text(encoding="utf-8")
    listed = {line.strip() for line in text.splitlines()}
    missing = [n for n in stockingsim.__all__ if n not in listed and n != "__version__"]
    if missing:
        raise RuntimeError(f"docs/api.rst does not list the public names {missing}")


def setup(app) -> None:
    app.connect("builder-inited", _check_api_page)
