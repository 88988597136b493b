"""Rings of the contact solve: a section's radius around the axis and its convex-hull ring.

Shared by :mod:`stockingsim.solvers._contact` and the tube solve (:mod:`._tube`), so that neither
imports the other.
"""

from __future__ import annotations

import math

import numpy as np

from stockingsim.solvers._setup import TWO_PI

__all__ = ["radial_map", "hull_ring"]


def radial_map(poly: np.ndarray, thetas: np.ndarray) -> np.ndarray:
    """Outermost distance from (0, 0) to the polygon along each ray, shape (n,).

    Parameters
    ----------
    poly : ndarray of shape (k, 2)
        Closed loop (not repeated), metres.
    thetas : ndarray of shape (n,)
        Ray angles, radians.
    """
    a = poly
    e = np.roll(poly, -1, axis=0) - poly
    d = np.column_stack([np.cos(thetas), np.sin(thetas)])
    den = d[None, :, 0] * e[:, None, 1] - d[None, :, 1] * e[:, None, 0]  # cross(d, e) (k, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = (a[:, None, 0] * e[:, None, 1] - a[:, None, 1] * e[:, None, 0]) / den
        t = (a[:, None, 0] * d[None, :, 1] - a[:, None, 1] * d[None, :, 0]) / den
    ok = (np.abs(den) > 1e-18) & (t >= -1e-9) & (t <= 1 + 1e-9) & (rho > 0)
    r = np.where(ok, rho, -np.inf).max(axis=0)
    bad = ~np.isfinite(r)
    if bad.any():  # the centre lies outside the loop: fall back to the polar interpolation
        th = np.arctan2(poly[:, 1], poly[:, 0])
        o = np.argsort(th)
        r[bad] = np.interp(thetas[bad], th[o], np.hypot(*poly.T)[o], period=TWO_PI)
    return r


def hull_ring(radius: np.ndarray, thetas: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Place ``n`` points evenly in arc length on the convex hull of r(theta); (theta, r)."""
    from scipy.spatial import ConvexHull

    pts = np.column_stack([radius * np.cos(thetas), radius * np.sin(thetas)])
    hv = np.sort(ConvexHull(pts).vertices)
    hull = pts[hv]
    # start the arc at the ray theta = -pi, so that the rings are not twisted against each other
    start_r = radial_map(hull, np.array([-math.pi]))[0]
    p0 = np.array([-start_r, 0.0])
    ang = np.arctan2(hull[:, 1], hull[:, 0])
    first = int(np.argmin(ang))  # first corner counter-clockwise from -pi
    hull = np.vstack([p0, np.roll(hull, -first, axis=0)])
    seg = np.roll(hull, -1, axis=0) - hull
    slen = np.linalg.norm(seg, axis=1)
    cum = np.concatenate([[0.0], np.cumsum(slen)])
    s = np.arange(n) * cum[-1] / n
    e = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, len(slen) - 1)
    t = (s - cum[e]) / np.maximum(slen[e], 1e-15)
    xy = hull[e] + t[:, None] * seg[e]
    th = np.arctan2(xy[:, 1], xy[:, 0])
    return np.unwrap(th), np.hypot(xy[:, 0], xy[:, 1])
