"""The fabric over a bent joint: wale tension over the bend and the fold it bridges.

A posed leg (:meth:`~stockingsim.leg.Leg.posed`) keeps the standing leg's sections, so every
solver gives the hoop part of the pressure on it as on any leg. Bending the knee also changes
the skin's axial curvature, and the fabric's wale tension acts on that change: more pressure
over the outside of the bend, none where the fabric bridges the fold inside it
(:func:`stockingsim.leg._posed.fold_pressure`). :func:`simulate` applies it to the pressure per
vertex of every method, so ``ss.simulate(leg.posed(...), stocking)`` and
:func:`~stockingsim.simulate_motion` show the same fold.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from stockingsim import errors

__all__ = ["bent_joint_pressure"]


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
        ``T_c k_hoop + T_w' k_axial`` with ``T_w'`` the wale tension over the bend. For the
        other methods (no axial term) it is ``p + T_w' dk``, ``dk`` the change of the axial
        curvature by the bend.

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
    eps = (1.0 + float(stocking.axial_prestrain)) * wale_stretch(leg) - 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", errors.ExtrapolationWarning)
        wale = np.asarray(stocking.fabric.tension(np.maximum(eps, 0.0), "wale", "unloading"))
    wale = np.where(eps > 0, np.maximum(wale, 0.0), 0.0)
    return fold_pressure(leg, p, wale, hoop_pa=hoop_pa)
