"""Side-by-side table of fabrics (:func:`compare_fabrics`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim.fabric._curves import BRANCHES, DIRECTIONS, Fabric

__all__ = ["compare_fabrics"]


def compare_fabrics(
    fabrics: Mapping[str, Fabric] | Iterable[Fabric],
    strains: Iterable[float] = (0.2, 0.4, 0.6, 0.8),
):
    """Tabulate fabrics side by side.

    Parameters
    ----------
    fabrics
        A ``{name: Fabric}`` mapping (e.g. :func:`fabric_library`) or an iterable of fabrics
        (indexed by ``fabric.name``).
    strains
        Engineering strains to tabulate (default 20, 40, 60 and 80 %).

    Returns
    -------
    pandas.DataFrame
        Index: fabric name. For each strain ``s`` (as a percentage ``P``): columns
        ``tension_{direction}_{branch}_{P}pct_n_per_m`` (4 columns: course/wale x
        loading/unloading) and ``stiffness_{direction}_unloading_{P}pct_n_per_m``; then
        ``hysteresis_loss_course``, ``hysteresis_loss_wale`` (fractions over each direction's
        valid range) and ``max_strain_course``, ``max_strain_wale``. Values at a strain beyond a
        fabric's valid range are NaN (not extrapolated).

    Examples
    --------
    >>> import stockingsim as ss
    >>> table = ss.compare_fabrics([ss.Fabric.linear(stiffness_n_per_m=100.0, max_strain=0.5)])
    >>> table.loc["linear 100 N/m", "tension_course_unloading_40pct_n_per_m"]
    np.float64(40.0)
    """
    import pandas as pd

    if isinstance(fabrics, Fabric | str):
        fabrics = [fabrics]
    from stockingsim.fabric._library import preset_named

    if isinstance(fabrics, Mapping):
        items = list(fabrics.items())
    elif isinstance(fabrics, list | tuple):  # a row per fabric, by its name (a preset's own)
        fabrics = [preset_named(f, "compare_fabrics") if isinstance(f, str) else f for f in fabrics]
        items = [(getattr(f, "name", None), f) for f in fabrics]
    else:
        raise errors.FabricError(
            "compare_fabrics needs Fabric objects or preset names (one, a list or a {name: "
            f"Fabric}} dict), got {type(fabrics).__name__}; e.g. "
            "ss.compare_fabrics(ss.fabric_library())."
        )
    if not items:
        raise errors.FabricError("compare_fabrics needs at least one fabric.")
    items = [(k, preset_named(f, "compare_fabrics") if isinstance(f, str) else f) for k, f in items]
    for key, f in items:
        if not isinstance(f, Fabric):
            raise errors.FabricError(
                f"compare_fabrics: {key!r} is a {type(f).__name__}, not a Fabric; pass Fabric "
                "objects (e.g. ss.fabric_library())."
            )
    try:
        strains = np.asarray(list(strains), dtype=float)
    except (TypeError, ValueError):
        raise errors.FabricError(
            "strains must be a sequence of numbers, e.g. (0.2, 0.4)."
        ) from None
    if strains.ndim != 1 or strains.size == 0 or not np.all(np.isfinite(strains)):
        raise errors.FabricError("strains must be a non-empty 1-D sequence of finite numbers.")
    names = [str(k) for k, _ in items]
    if len(set(names)) != len(names):
        raise errors.FabricError(
            "compare_fabrics: fabric names are not unique; pass a {name: fabric} dict."
        )

    rows: list[dict[str, Any]] = []
    for _, f in items:
        row: dict[str, Any] = {}
        for s in strains:
            pct = f"{s * 100:g}pct"
            for d in DIRECTIONS:
                lo, hi = f.valid_strain_range(d)
                inside = lo <= s <= hi
                for b in BRANCHES:
                    row[f"tension_{d}_{b}_{pct}_n_per_m"] = (
                        float(f.tension(s, d, b)) if inside else np.nan
                    )
                row[f"stiffness_{d}_unloading_{pct}_n_per_m"] = (
                    float(f.stiffness(s, d, "unloading")) if inside else np.nan
                )
        for d in DIRECTIONS:
            row[f"hysteresis_loss_{d}"] = f.hysteresis_loss(d)
        for d in DIRECTIONS:
            row[f"max_strain_{d}"] = f.valid_strain_range(d)[1]
        rows.append(row)
    return pd.DataFrame(rows, index=pd.Index(names, name="fabric"))
