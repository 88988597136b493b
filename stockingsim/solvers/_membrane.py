"""``membrane``: local Laplace law with the skin's normal curvatures.

``p = T_c k_hoop + T_w k_axial`` at each vertex, with ``T_c`` the hoop (course) tension of the
section at the vertex height, ``T_w`` the axial (wale) tension from the stocking's axial
pre-strain, and ``k_hoop``, ``k_axial`` the normal curvatures of the skin in the hoop and axial
directions (positive where convex). Concave skin would pull the fabric off the leg: the pressure
is clipped at 0 there. This is the membrane equilibrium ``p = T_1 k_1 + T_2 k_2`` of a tensioned
surface in contact (Young-Laplace), evaluated with the fabric following the skin everywhere.

References
----------
Text. Res. J. 2018, doi:10.1177/0040517518779246 (curvature- vs circumference-based Laplace);
Text. Res. J. 2020, doi:10.1177/0040517520913346 (3D membrane Laplace vs FEM).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stockingsim.solvers._setup import Setup, slice_sample, vertex_heights

OPTIONS: dict[str, Any] = {}


def membrane_pressure(
    hoop_tension: np.ndarray,
    axial_tension: float | np.ndarray,
    k_hoop: np.ndarray,
    k_axial: np.ndarray,
) -> np.ndarray:
    """``max(0, T_c k_hoop + T_w k_axial)`` per vertex (Pa); 0 where the hoop tension is 0."""
    p = hoop_tension * k_hoop + axial_tension * k_axial
    return np.where((hoop_tension > 0) & np.isfinite(p), np.maximum(p, 0.0), 0.0)


def hoop_tension(leg: Any, setup: Setup) -> np.ndarray:
    """The hoop (course) tension at each vertex, N/m: its section's; 0 where not covered."""
    h = vertex_heights(leg)
    return np.where(setup.covers(h), np.interp(h, setup.heights_m, setup.tension), 0.0)


def hoop_pressure(leg: Any, setup: Setup) -> np.ndarray:
    """The hoop term ``max(0, T_c k_hoop)`` of the pressure at each vertex, Pa."""
    return membrane_pressure(hoop_tension(leg, setup), 0.0, np.asarray(leg.curvature.hoop), 0.0)


def solve(leg: Any, setup: Setup, **options: Any) -> tuple[np.ndarray, np.ndarray, dict]:
    """Per-vertex pressure (Pa), per-section (mean, min, max) (Pa) and info."""
    tc = hoop_tension(leg, setup)
    # the curvature of the covered skin only (a knee-high needs no thigh)
    curv = leg.curvature_at(tc > 0)
    p_v = membrane_pressure(tc, setup.axial_tension, np.asarray(curv.hoop), np.asarray(curv.axial))
    stats = slice_sample(leg, setup, p_v)
    return p_v, stats, {"axial_tension_n_per_m": setup.axial_tension}
