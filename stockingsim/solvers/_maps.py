"""Fields on the contact solver's radial map ``R(h, theta)``, as the tube's energy reads them.

- :class:`FabricLaw`: the fabric's unloading tension, piecewise linear in strain, and its exact
  integral (the fibre energy);
- :func:`interp_map`: bilinear ``R(z, theta)`` and its partial derivatives;
- :func:`skin_stiffness` and :class:`SkinStiffness`: the tissue stiffness as a smooth (C1) field
  of the skin that a fabric node feels wherever it slides.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from stockingsim.solvers._setup import TWO_PI, grid_cell, theta_grid


class FabricLaw:
    """The fabric's unloading tension on a strain table (piecewise linear) and its exact integral."""

    def __init__(self, fabric: Any, direction: str, eps_max: float) -> None:
        self.eps = np.linspace(0.0, eps_max, 2001)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = np.asarray(fabric.tension(self.eps, direction, "unloading"), dtype=float)
        t = np.maximum(np.nan_to_num(t), 0.0)
        t[0] = 0.0 if t[0] < 0 else t[0]
        self.t = t
        self.slope = np.diff(t) / np.diff(self.eps)
        self.phi = np.concatenate([[0.0], np.cumsum(0.5 * (t[1:] + t[:-1]) * np.diff(self.eps))])

    def __call__(self, eps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(Phi(eps), T(eps)); zero for eps <= 0, linear extrapolation of T beyond the table."""
        e = np.maximum(eps, 0.0)
        j = np.clip(np.searchsorted(self.eps, e, side="right") - 1, 0, len(self.slope) - 1)
        de = e - self.eps[j]
        tension = self.t[j] + self.slope[j] * de
        phi = self.phi[j] + self.t[j] * de + 0.5 * self.slope[j] * de**2
        return phi, tension


def interp_map(rmap: np.ndarray, zs: np.ndarray, z: np.ndarray, th: np.ndarray):
    """Bilinear R(z, theta) and its partial derivatives on the (K, n) map; clamped in z."""
    n = rmap.shape[1]
    i0, i1, t, j0, j1, s = grid_cell(zs, n, z, th)  # the map has at least two rows
    dz = zs[i1] - zs[i0]
    inside = (z > zs[0]) & (z < zs[-1])
    flat = rmap.ravel()
    a, b = flat[i0 * n + j0], flat[i0 * n + j1]
    c, d = flat[i1 * n + j0], flat[i1 * n + j1]
    low = a + s * (b - a)
    high = c + s * (d - c)
    r = low + t * (high - low)
    dr_dth = ((1 - t) * (b - a) + t * (d - c)) * (n / TWO_PI)
    dr_dz = np.where(inside, (high - low) / dz, 0.0)
    return r, dr_dz, dr_dth


def skin_stiffness(
    k_map: np.ndarray, map_heights: np.ndarray, ring_heights: np.ndarray, n: int
) -> np.ndarray:
    """The tissue stiffness as a field of the skin, smooth on the scale of one node spacing.

    A node stands for the fabric over one node spacing in angle and one ring spacing in
    height, so it rests on the tissue averaged over that patch: ``k_map`` is smoothed with a
    Gaussian of half a node spacing (periodic in angle) and half a ring spacing (clamped in
    height). The contact energy then has a gradient where the tissue changes (the edges of a
    bony strip) that a node can follow (:class:`SkinStiffness`).
    """
    from scipy.ndimage import gaussian_filter1d

    k = gaussian_filter1d(k_map, 0.5 * k_map.shape[1] / n, axis=1, mode="wrap")
    if len(map_heights) > 1 and len(ring_heights) > 1:
        per_row = 0.5 * np.median(np.diff(ring_heights)) / np.median(np.diff(map_heights))
        k = gaussian_filter1d(k, per_row, axis=0, mode="nearest")
    return k


class SkinStiffness:
    """A smoothed stiffness map as a C1 field ``k(z, theta)``: a bicubic spline, periodic in angle.

    Bilinear interpolation would give the contact energy a gradient that jumps at every map
    cell, where L-BFGS stalls; the spline's gradient is continuous. Heights are clamped to the
    map (zero height derivative outside it).
    """

    def __init__(self, k_skin: np.ndarray, map_heights: np.ndarray) -> None:
        from scipy.interpolate import RectBivariateSpline

        n = k_skin.shape[1]
        th = theta_grid(n)
        pad = 3  # columns wrapped round on each side, so the spline is periodic where used
        cols = np.arange(-pad, n + pad)
        self.lo, self.hi = float(map_heights[0]), float(map_heights[-1])
        self.spline = RectBivariateSpline(
            map_heights, th[0] + TWO_PI * cols / n, k_skin[:, cols % n],
            kx=min(3, len(map_heights) - 1), ky=3,
        )  # fmt: skip
        self.th0 = float(th[0])

    def __call__(self, z: np.ndarray, th: np.ndarray):
        """``(k, dk/dz, dk/dtheta)`` at the points (any shape)."""
        zc = np.clip(z, self.lo, self.hi)
        tw = self.th0 + np.mod(th - self.th0, TWO_PI)
        k = self.spline.ev(zc, tw)
        if self.spline.degrees[0] > 1:
            slope = self.spline.ev(zc, tw, dx=1)
        else:  # two rows: linear in height (FITPACK differentiates only below the degree)
            slope = (self.spline.ev(self.hi, tw) - self.spline.ev(self.lo, tw)) / (
                self.hi - self.lo
            )
        dk_dz = np.where((z > self.lo) & (z < self.hi), slope, 0.0)
        return k, dk_dz, self.spline.ev(zc, tw, dy=1)
