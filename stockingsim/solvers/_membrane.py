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

import warnings
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim.solvers._setup import TWO_PI, Setup, slice_sample, vertex_heights

OPTIONS: dict[str, Any] = {}

#: Largest excess of the mean of the hoop term ``T_c k_hoop`` around a landmark's section over
#: Laplace's ``2 pi T_c / C`` before the result warns. Around a closed loop the hoop tension
#: presses on the skin with ``2 pi T`` in all (its turning), so the mean over the hull girth
#: ``C`` is at most ``2 pi T / C`` wherever the fabric touches; the membrane law, clipped at 0
#: on concave skin, exceeds it by what its clipped concave points would have taken off.
#: Measured on the four shared legs (knee-high, class II), the membrane's pressure at B over
#: Laplace's: clean 0.990-0.995; with normal noise of SD 0.2 / 0.3 / 0.5 mm on every vertex up
#: to 1.008 / 1.068 / 1.251 (docs/methods.md). The 5 % is an assumption: about the agreement
#: the methods keep with each other on the shared legs.
HOOP_BALANCE_TOL = 0.05
#: :func:`curvature_roughness` above which the curvature counts as noisy (assumption: between
#: the smooth legs' 0.01-0.03 and the 0.14 of 0.2 mm noise)
ROUGH_CURVATURE = 0.1


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
    info: dict[str, Any] = {"axial_tension_n_per_m": setup.axial_tension}
    if getattr(leg, "standing", None) is None:  # a posed leg keeps its standing sections
        hoop = membrane_pressure(tc, 0.0, np.asarray(curv.hoop), 0.0)
        info["hoop_balance"] = hoop_balance(leg, setup, hoop)
        _warn_if_noisy(leg, info["hoop_balance"], np.asarray(curv.hoop), tc > 0)
    return p_v, stats, info


def hoop_balance(leg: Any, setup: Setup, hoop_pa: np.ndarray) -> dict[str, float]:
    """Per covered landmark, the mean of the hoop term around its section over ``2 pi T / C``.

    ``hoop_pa`` is the hoop term ``max(0, T_c k_hoop)`` per vertex and ``C`` the hull girth.
    1 on a smooth convex section (there the membrane's hoop term and Laplace agree); above 1
    where the curvature is noisy or the skin concave (see :data:`HOOP_BALANCE_TOL`); NaN where
    the fabric does not touch. The wale term ``T_w k_axial`` is not part of it: it is pressure
    the hoop tension does not give.
    """
    rows = list(setup.landmark_index.values())
    mean = slice_sample(leg, setup, hoop_pa, rows)[:, 0]
    out = {}
    for name, i in setup.landmark_index.items():
        laplace = setup.tension[i] * TWO_PI / setup.hull_m[i]
        out[name] = float(mean[i] / laplace) if laplace > 0 else float("nan")
    return out


def curvature_roughness(faces: np.ndarray, k: np.ndarray, where: np.ndarray) -> float:
    """Median ``|k - mean of k over the 1-ring|`` over median ``|k|``, at the ``where`` vertices.

    About 0.01-0.03 on a smooth surface (the shared legs, the parametric legs), 0.14-0.22 with
    normal noise of SD 0.2 mm on every vertex of the shared legs and 0.35-0.52 with 0.5 mm: the
    scan's noise, seen in the curvature field the membrane uses.
    """
    from scipy.sparse import coo_matrix

    n = len(k)
    a, b = faces.ravel(), faces[:, [1, 2, 0]].ravel()
    ring = coo_matrix((np.ones(2 * len(a)), (np.r_[a, b], np.r_[b, a])), shape=(n, n)).tocsr()
    ring.data[:] = 1.0  # an edge of two faces counts once
    mean = (ring @ k) / np.maximum(np.diff(ring.indptr), 1)
    scale = np.median(np.abs(k[where]))
    return float(np.median(np.abs(k - mean)[where]) / scale) if scale > 0 else 0.0


def _warn_if_noisy(leg: Any, balance: dict[str, float], k_hoop: np.ndarray, covered) -> None:
    """MeshWarning when the hoop balance fails at a landmark and the curvature is rough.

    Smooth concave skin also breaks the balance (the membrane clips it at 0, a known limit of
    the method, docs/methods.md) and a midpoint-subdivided mesh is rough without breaking it:
    the warning is for the two together, a noisy scan.
    """
    over = {k: v for k, v in balance.items() if v > 1.0 + HOOP_BALANCE_TOL}
    if not over or curvature_roughness(leg.faces, k_hoop, covered) < ROUGH_CURVATURE:
        return
    worst = max(over, key=over.get)
    warnings.warn(
        f"{leg.name}: the skin's curvature is noisy (a rough scan), and the membrane follows "
        f"every bump: around the leg at {', '.join(over)} its hoop term presses with more than "
        f"Laplace's 2 pi T / C allows (at {worst} {100 * (over[worst] - 1):.0f} % more). Use "
        "method='bridging' (the fabric spans the roughness) or 'laplace', or smooth the scan; "
        "result.info['hoop_balance'] gives the ratio per landmark.",
        errors.MeshWarning,
        stacklevel=4,
    )
