"""Argument checks shared by the public entry points (private).

They turn the commonest mix-ups (a file path where a Leg is expected, arguments swapped, a
preset name where a Fabric is expected) into :mod:`stockingsim.errors` exceptions that say what to
pass, instead of an ``AttributeError`` from deep inside.
"""

from __future__ import annotations

import os
from typing import Any

from stockingsim import errors


def require_leg(obj: Any, where: str, error: type[errors.StockingSimError]) -> None:
    """Raise ``error`` unless ``obj`` behaves as a :class:`stockingsim.Leg`."""
    if all(hasattr(obj, name) for name in ("vertices", "faces", "landmarks", "sections")):
        return
    if isinstance(obj, str | os.PathLike):
        hint = f" Load the mesh first: leg = ss.load_leg({os.fspath(obj)!r})."
    elif hasattr(obj, "fabric") and hasattr(obj, "coverage_m"):
        hint = " A Stocking was given where the leg goes: the leg comes first."
    else:
        hint = " Load one with ss.load_leg(path) or make one with ss.parametric_leg(chart)."
    raise error(f"{where} needs a stockingsim.Leg, got {type(obj).__name__}.{hint}")


def require_stocking(obj: Any, where: str, error: type[errors.StockingSimError]) -> None:
    """Raise ``error`` unless ``obj`` behaves as a :class:`stockingsim.Stocking`."""
    if hasattr(obj, "coverage_m") and getattr(obj, "fabric", None) is not None:
        return
    raise error(
        f"{where} needs a stockingsim.Stocking with a fabric, got {type(obj).__name__}, e.g. "
        "ss.Stocking(ss.Fabric.linear(250.0), relaxed_circumference_m=0.18)."
    )


def as_fabric(obj: Any, where: str) -> Any:
    """A :class:`stockingsim.Fabric`, or the preset of that name in the fabric library."""
    if isinstance(obj, str):
        from stockingsim.fabric._library import preset_named

        return preset_named(obj, where)
    if all(hasattr(obj, name) for name in ("tension", "strain_at_tension", "valid_strain_range")):
        return obj
    raise errors.FabricError(
        f"{where} needs a stockingsim.Fabric (or a preset name), got {type(obj).__name__}, e.g. "
        "ss.fabric_library()['circular class II'] or ss.Fabric.linear(250.0)."
    )


def row_as_mapping(row: Any) -> Any:
    """A pandas Series (a row of a table: a patient, a chart) as a dict, empty cells left out.

    In a table a point not measured is an empty cell (NaN); in a mapping a NaN is an error.
    Anything that is not a Series is returned as it is.
    """
    import pandas as pd

    if not isinstance(row, pd.Series):
        return row
    return {k: v for k, v in row.items() if not pd.isna(v)}
