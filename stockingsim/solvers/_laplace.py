"""``laplace``: the clinical reference, uniform pressure T / r around each section.

``p = T(eps) / r`` with ``r = C_hull / (2 pi)`` and ``eps = C_hull / c0 - 1``: the Laplace law of a
thin membrane on a circular cylinder with the section's hull girth. Thomas (2003) writes the same
law for bandages as ``P[mmHg] = T[kgf] n 4620 / (C[cm] W[cm])``.

References
----------
Thomas S. (2003), The use of the Laplace equation in the calculation of sub-bandage pressure,
World Wide Wounds. Text. Res. J. 2018, doi:10.1177/0040517518779246.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stockingsim.solvers._setup import TWO_PI, Setup, vertex_heights

OPTIONS: dict[str, Any] = {}


def laplace_section_pressure(tension_n_per_m: np.ndarray, hull_m: np.ndarray) -> np.ndarray:
    """Laplace pressure (Pa) of sections with hoop tension T (N/m) and hull girth C (m)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.asarray(tension_n_per_m, float) * TWO_PI / np.asarray(hull_m, float)
    return np.where(np.isfinite(p), p, 0.0)


def solve(leg: Any, setup: Setup, **options: Any) -> tuple[np.ndarray, np.ndarray, dict]:
    """Per-vertex pressure (Pa), per-section (mean, min, max) (Pa) and info."""
    p_sec = laplace_section_pressure(setup.tension, setup.hull_m)
    p_v = np.interp(vertex_heights(leg), setup.heights_m, p_sec)
    stats = np.column_stack([p_sec, p_sec, p_sec])
    return p_v, stats, {"n_sections": int(len(p_sec))}
