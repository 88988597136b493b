"""The package surface: light import, lazy public names, error hierarchy."""

import subprocess
import sys

import pytest

import stockingsim as ss
from stockingsim import errors

HEAVY = ("vtk", "pyvista", "matplotlib.pyplot", "dask", "dask.distributed")


def test_import_is_light():
    # a fresh interpreter, so that other tests' imports do not count
    code = f"import sys, stockingsim; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ss.nope  # noqa: B018


def test_every_error_is_a_stockingsim_error():
    for name in errors.__all__:
        cls = getattr(errors, name)
        if name.endswith("Warning"):
            assert issubclass(cls, errors.StockingSimWarning)
        else:
            assert issubclass(cls, errors.StockingSimError)


def test_missing_dependency_hint_names_the_extra():
    err = errors.missing_dependency("3D maps", "pyvista", "viz")
    assert isinstance(err, ImportError)
    assert 'pip install "stockingsim[viz]"' in str(err)
