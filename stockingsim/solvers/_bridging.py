"""``bridging``: the fabric follows the convex hull of each section.

A tensioned fabric cannot follow concave skin: around a section it takes the shortest path, the
convex hull. Where the hull touches the skin the pressure is ``p = T k_hull`` (Laplace with the
local hull curvature); on the straight spans that bridge a hollow it is 0. The hull of a
discrete section is a polygon: at each hull corner the fabric turns by the exterior angle
``phi_i`` and presses the skin with a line load ``T phi_i`` (N/m). Those loads are spread over a
window of ``spread_m`` of *touching* arc around the corner (the fabric's bending stiffness and
the tissue spread a real line load over several mm; 10 mm is an assumption), so that

    integral of p ds over the section = T * sum(phi_i) = 2 pi T

exactly (the equilibrium of a closed loop; checked in the tests). On a smooth convex section the
spread loads are a moving average of ``T kappa`` and converge to it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from stockingsim.solvers._setup import (
    TWO_PI,
    Setup,
    grid_to_points,
    section_main_polygon,
    theta_grid,
)

OPTIONS: dict[str, Any] = {
    "spread_m": 0.01,  # width over which a corner line load spreads (assumption)
    "touch_tol_m": 0.0005,  # skin closer than this to the hull touches the fabric (assumption)
    "n_theta": 360,  # angular resolution of the map to vertices
    "n_samples": 720,  # arc-length samples per section
}


def convex_hull_indices(poly: np.ndarray) -> np.ndarray:
    """Indices of the convex-hull vertices of a CCW simple polygon, in polygon (CCW) order."""
    from scipy.spatial import ConvexHull

    return np.sort(ConvexHull(poly).vertices)


def bridging_section(
    poly: np.ndarray,
    tension_n_per_m: float,
    spread_m: float = 0.01,
    touch_tol_m: float = 0.0005,
    n_samples: int = 720,
) -> dict[str, Any]:
    """Pressure of a fabric of uniform tension on the convex hull of one skin polygon.

    Parameters
    ----------
    poly : ndarray of shape (k, 2)
        Skin loop, CCW, metres, in the section plane about the centreline point.
    tension_n_per_m : float
        Hoop tension T.
    spread_m, touch_tol_m, n_samples
        See the module docstring.

    Returns
    -------
    dict
        ``theta`` (M,) angle of each arc sample about (0, 0); ``s`` (M,) arc position;
        ``xy`` (M, 2) sample points on the hull; ``pressure_pa`` (M,); ``touching`` (M,) bool;
        ``ds`` sample length (m); ``hull_perimeter_m``; ``skin_perimeter_m``;
        ``mean_pa`` (skin arc-length weighted), ``min_pa``, ``max_pa``.
    """
    poly = np.asarray(poly, dtype=float)
    k = len(poly)
    hv = convex_hull_indices(poly)
    hull = poly[hv]
    nh = len(hv)
    edges = np.roll(hull, -1, axis=0) - hull
    elen = np.linalg.norm(edges, axis=1)
    # how far the skin between two hull corners lies from the hull edge: touching or bridged
    idx = np.arange(k)
    e_of = (np.searchsorted(hv, idx, side="right") - 1) % nh
    rel = poly - hull[e_of]
    dev = np.abs(edges[e_of, 0] * rel[:, 1] - edges[e_of, 1] * rel[:, 0]) / np.maximum(
        elen[e_of], 1e-15
    )
    maxdev = np.zeros(nh)
    np.maximum.at(maxdev, e_of, dev)
    touching_edge = maxdev <= touch_tol_m
    # exterior (turning) angle at each hull corner: sums to 2 pi on a closed convex loop
    e_in = np.roll(edges, 1, axis=0)
    phi = np.arctan2(
        e_in[:, 0] * edges[:, 1] - e_in[:, 1] * edges[:, 0],
        np.einsum("ij,ij->i", e_in, edges),
    )
    phi = np.maximum(phi, 0.0)
    phi *= TWO_PI / max(phi.sum(), 1e-15)
    cum = np.concatenate([[0.0], np.cumsum(elen)])
    length = float(cum[-1])
    ds = length / n_samples
    s = (np.arange(n_samples) + 0.5) * ds
    e_s = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, nh - 1)
    t = (s - cum[e_s]) / np.maximum(elen[e_s], 1e-15)
    xy = hull[e_s] + t[:, None] * edges[e_s]
    touching = touching_edge[e_s]
    # spread each corner load T phi_i over the touching arc within +-half of the window
    half = max(0.5 * spread_m, 0.51 * ds, 2.0 * float(np.median(elen)))
    d = np.abs(s[None, :] - cum[:-1, None])
    d = np.minimum(d, length - d)
    # a hat kernel: a box would alias the discrete corners into +-(spacing / window) noise
    near = np.maximum(0.0, 1.0 - d / half)
    w = near * touching[None, :]
    lonely = ~(w > 0).any(axis=1)  # a corner touching only at a point: spread on its window
    w[lonely] = near[lonely]
    w /= w.sum(axis=1, keepdims=True) * ds
    p = float(tension_n_per_m) * (phi @ w)
    skin = float(np.sum(np.linalg.norm(np.roll(poly, -1, axis=0) - poly, axis=1)))
    theta = np.arctan2(xy[:, 1], xy[:, 0])
    return {
        "theta": theta,
        "s": s,
        "xy": xy,
        "pressure_pa": p,
        "touching": touching,
        "ds": ds,
        "hull_perimeter_m": length,
        "skin_perimeter_m": skin,
        "mean_pa": float(np.sum(p) * ds / skin),
        "min_pa": float(p.min()) if touching.all() else 0.0,
        "max_pa": float(p.max()),
    }


def resample_theta(theta: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Periodic linear resampling of values(theta) on the regular grid of :func:`theta_grid`."""
    order = np.argsort(theta)
    return np.interp(theta_grid(n), theta[order], values[order], period=TWO_PI)


def solve(leg: Any, setup: Setup, **options: Any) -> tuple[np.ndarray, np.ndarray, dict]:
    """Per-vertex pressure (Pa), per-section (mean, min, max) (Pa) and info."""
    from stockingsim.solvers._setup import vertex_heights_angles

    n_theta = int(options.get("n_theta", OPTIONS["n_theta"]))
    k = len(setup.sections)
    grid = np.zeros((k, n_theta))
    stats = np.zeros((k, 3))
    integral_ratio = np.full(k, np.nan)
    for i, sec in enumerate(setup.sections):
        t = setup.tension[i]
        poly = section_main_polygon(sec)
        if poly is None or not t > 0:
            continue
        res = bridging_section(
            poly,
            t,
            spread_m=options.get("spread_m", OPTIONS["spread_m"]),
            touch_tol_m=options.get("touch_tol_m", OPTIONS["touch_tol_m"]),
            n_samples=int(options.get("n_samples", OPTIONS["n_samples"])),
        )
        grid[i] = resample_theta(res["theta"], res["pressure_pa"], n_theta)
        stats[i] = res["mean_pa"], res["min_pa"], res["max_pa"]
        integral_ratio[i] = np.sum(res["pressure_pa"]) * res["ds"] / (TWO_PI * t)
    h, theta = vertex_heights_angles(leg, setup)
    p_v = grid_to_points(setup.heights_m, grid, h, theta)
    info = {
        "n_theta": n_theta,
        "conservation_max_error": float(np.nanmax(np.abs(integral_ratio - 1.0)))
        if np.isfinite(integral_ratio).any()
        else math.nan,
    }
    return p_v, stats, info
