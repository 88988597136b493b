"""The fabric over a bent joint: wale tension over the bend and the fold it bridges.

A posed leg (:meth:`~stockingsim.leg.Leg.posed`) keeps the standing leg's sections, so every
solver gives the hoop part of the pressure on it as on any leg. Bending the knee also changes
the skin's axial curvature, and the fabric's wale tension acts on that change: more pressure
over the outside of the bend, none where the fabric bridges the fold inside it
(:func:`stockingsim.leg._posed.fold_pressure`). The fabric slides over the bend and keeps its
courses, so the hoop pressure is scaled by the courses per length of skin: fewer over the
stretched front of the knee, more where the fabric is gathered behind it. :func:`simulate`
applies it to the pressure per vertex of every method, so ``ss.simulate(leg.posed(...),
stocking)`` and :func:`~stockingsim.simulate_motion` show the same fold, and to the section
and landmark tables (:func:`folded_section_stats`), so that the profile, ``check_gradient``
and the motion's table see it too.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from stockingsim import errors

__all__ = ["bent_joint_pressure", "folded_section_stats"]


def bent_joint_pressure(leg: Any, stocking: Any, pressure_pa: np.ndarray, hoop_pa=None):
    """Per-vertex pressure (Pa) with the fabric over a posed leg's bent joints.

    Returns the pressure unchanged (and no bridged vertex) on a leg that is not posed.

    Parameters
    ----------
    leg, stocking
    pressure_pa : ndarray of shape (N,)
        The solver's pressure per vertex, 0 where the stocking does not cover the leg.
    hoop_pa : ndarray of shape (N,), optional
        The membrane's hoop term ``T_c k_hoop`` (its pressure has the axial term ``T_w
        k_axial`` with the posed leg's curvature already): over the bend the pressure is then
        ``n T_c k_hoop + T_w' k_axial`` with ``T_w'`` the wale tension over the bend and ``n =
        1 / stretch`` the courses per length of skin (:func:`~stockingsim.leg._posed.wale_stretch`).
        For the other methods (no axial term) it is ``n p + T_w' dk``, ``dk`` the change of the
        axial curvature by the bend.

    Returns
    -------
    (pressure_pa, bridged) : tuple of ndarray
        As :func:`stockingsim.leg._posed.fold_pressure`: the pressure per vertex (Pa) and the
        vertices where the fabric bridges the fold.
    """
    p = np.asarray(pressure_pa, dtype=float)
    if getattr(leg, "standing", None) is None:
        return p, np.zeros(p.shape, dtype=bool)
    from stockingsim.leg._posed import fold_pressure, wale_stretch

    # the fabric's wale strain across the bend: stretched over the outside, gathered inside
    stretch = wale_stretch(leg)
    eps = (1.0 + float(stocking.axial_prestrain)) * stretch - 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", errors.ExtrapolationWarning)
        wale = np.asarray(stocking.fabric.tension(np.maximum(eps, 0.0), "wale", "unloading"))
    wale = np.where(eps > 0, np.maximum(wale, 0.0), 0.0)
    # the fabric's courses keep their number over each meridian strip: 1 / stretch of them
    # per length of skin (the gathered layers behind the knee, thinned over the front)
    return fold_pressure(leg, p, wale, hoop_pa=hoop_pa, course_density=1.0 / stretch)


def folded_section_stats(
    leg: Any, setup: Any, stats_pa: np.ndarray, before_pa: np.ndarray, after_pa: np.ndarray
) -> np.ndarray:
    """Section (mean, min, max) pressure (Pa) with the fabric over the bent joints.

    The solvers' section values are those of the standing leg's sections (a posed leg keeps
    them). On the sections whose vertices the fold changed (``after_pa != before_pa``, each
    vertex on the section height nearest the height of its own section) the mean is scaled by the band's
    area-weighted mean pressure after the fold over the one before it, and the minimum and
    maximum take the band's extremes after it: 0 where the fabric bridges the fold, the
    outside of the bend and the fold's edges. Other sections are unchanged.

    Parameters
    ----------
    leg : Leg
        The posed leg (its standing leg gives the vertex areas).
    setup : Setup
        The solve's set-up (section heights and coverage).
    stats_pa : ndarray of shape (K, 3)
        The solver's section (mean, min, max).
    before_pa, after_pa : ndarray of shape (N,)
        Pressure per vertex before and after :func:`bent_joint_pressure`.

    Returns
    -------
    ndarray of shape (K, 3)
    """
    from stockingsim.solvers._setup import vertex_heights

    stats = np.array(stats_pa, dtype=float, copy=True)
    before = np.asarray(before_pa, dtype=float)
    after = np.asarray(after_pa, dtype=float)
    hs = np.unique(setup.heights_m)  # a landmark's section may repeat a grid height
    h = vertex_heights(leg)
    keep = setup.covers(h)
    if len(hs) < 2 or not np.any(keep & (after != before)):
        return stats
    h, before, after = h[keep], before[keep], after[keep]
    near = _nearest(hs, h)
    area = np.asarray(getattr(leg.standing, "vertex_areas", np.ones(keep.size)))[keep]
    k = len(hs)
    sum_before = np.bincount(near, area * before, k)
    sum_after = np.bincount(near, area * after, k)
    touched = np.bincount(near, after != before, k) > 0
    band_mean = sum_after / np.maximum(np.bincount(near, area, k), 1e-300)
    low, high = np.full(k, np.inf), np.full(k, -np.inf)
    np.minimum.at(low, near, after)
    np.maximum.at(high, near, after)
    band = _nearest(hs, setup.heights_m)  # each section's band of vertices
    hit = touched[band]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = sum_after[band] / sum_before[band]
    mean = np.where(sum_before[band] > 0, stats[:, 0] * ratio, band_mean[band])
    stats[hit, 0] = mean[hit]
    stats[hit, 1] = np.minimum(stats[hit, 1], low[band][hit])
    stats[hit, 2] = np.maximum(stats[hit, 2], high[band][hit])
    return stats


def _nearest(grid: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Index of the nearest value of the increasing ``grid`` (at least 2) to each ``x``."""
    j = np.clip(np.searchsorted(grid, x), 1, len(grid) - 1)
    return np.where(x - grid[j - 1] <= grid[j] - x, j - 1, j)
