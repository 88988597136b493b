"""The leg frame: axis, orientation (foot low), anterior direction and a smoothed centreline.

Everything here is computed from the surface itself (area-weighted moments, sections), so it
is equivariant under rotation, translation and scaling of the input: a leg given y-up, z-up,
leaning or in other units gets the same heights and sections.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stockingsim.leg._blocks import row_blocks

__all__ = ["LegFrame", "Centreline", "principal_axes", "end_anisotropy", "unit"]

#: a section-centroid line bending more than this (degrees) is followed by tilted sections
#: (assumption: below ~3 degrees the girth error of a global plane is < 0.15 %, 1 - cos 3deg)
BEND_THRESHOLD_DEG = 3.0
#: centreline smoothing window, metres (assumption: longer than the patella and the calf bulge
#: asymmetry, shorter than the shank)
CENTRELINE_WINDOW_M = 0.12
#: ratio of the two in-plane spreads of the lowest/highest 12 % of the mesh above which that end
#: is a foot (measured: 2.6-2.8 at the foot of the 4 shared legs, 1.1-1.3 at their thigh cut)
FOOT_ANISOTROPY = 1.8


def unit(x: np.ndarray) -> np.ndarray:
    """Normalize vectors along the last axis (zero vectors stay zero)."""
    x = np.asarray(x, dtype=float)
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.divide(x, n, out=np.zeros_like(x), where=n > 0)


@dataclass(frozen=True, eq=False)
class LegFrame:
    """Global leg frame.

    Attributes
    ----------
    origin : ndarray of shape (3,)
        Point of the leg axis at height 0 (the level of the lowest point, the sole), metres.
    axis : ndarray of shape (3,)
        Unit leg axis, pointing up the leg (from the foot to the thigh).
    anterior : ndarray of shape (3,)
        Unit direction the foot points to, perpendicular to ``axis``. Without a foot: the
        direction of largest perpendicular spread of the leg, signed by its skewness (stable
        under rotation, but not anatomically anterior).
    lateral : ndarray of shape (3,)
        ``axis x anterior``: the outer side of a left leg (the inner side of a right leg).
    has_foot : bool
        True when a foot was recognised at the low end.
    """

    origin: np.ndarray
    axis: np.ndarray
    anterior: np.ndarray
    lateral: np.ndarray
    has_foot: bool = False

    def heights(self, points: np.ndarray) -> np.ndarray:
        """Height of world points along the axis, metres from the sole level."""
        return (np.asarray(points, dtype=float) - self.origin) @ self.axis


@dataclass(frozen=True, eq=False)
class Centreline:
    """Smoothed curve through the section centroids, parametrised by the global height.

    ``point(h) = origin + h * axis + offset(h)``, with ``offset`` perpendicular to ``axis``.
    Outside the fitted range [grid[0], grid[-1]] it continues as a straight line.
    """

    frame: LegFrame
    grid: np.ndarray  # (G,) heights, metres
    offset: np.ndarray  # (G, 3) smoothed perpendicular offsets of the centroids
    slope: np.ndarray  # (G, 3) d offset / d h
    bend_deg: float  # largest angle between the local tangent and the global axis

    @property
    def bent(self) -> bool:
        return self.bend_deg > BEND_THRESHOLD_DEG

    def _interp(self, table: np.ndarray, h: np.ndarray, extrapolate: bool) -> np.ndarray:
        """The table (G, 3) interpolated at heights h, (N, 3); a block of rows at a time.

        Every row is computed on its own, so the blocks keep each row's bits; they keep the
        column passes on rows that are still in the cache.
        """
        h = np.asarray(h, dtype=float).reshape(-1)
        out = np.empty((h.size, table.shape[1]))
        for rows in row_blocks(h.size):
            self._interp_rows(table, h[rows], extrapolate, out[rows])
        return out

    def _interp_rows(self, table, h, extrapolate: bool, out) -> None:
        g = self.grid
        if len(g) == 1:
            out[:] = table[:1]
        else:
            # the grid is regular: index arithmetic instead of a binary search per point, and
            # one 1-D gather per column from the small table (faster than (N, 3) row gathers)
            step = (g[-1] - g[0]) / (len(g) - 1)
            x = np.clip((h - g[0]) / step, 0.0, len(g) - 1.0)
            i0 = np.minimum(x.astype(np.int64), len(g) - 2)
            x -= i0  # the fraction within the cell
            for k in range(table.shape[1]):
                col = np.ascontiguousarray(table[:, k])
                np.multiply(x, np.diff(col).take(i0), out=out[:, k])
                out[:, k] += col.take(i0)
        if extrapolate and len(g) > 0:
            # straight continuation below and above the fitted range
            for k in range(table.shape[1]):
                lo, hi = self.slope[0, k], self.slope[-1, k]
                if lo != 0.0:
                    out[:, k] += np.minimum(h - g[0], 0.0) * lo
                if hi != 0.0:
                    out[:, k] += np.maximum(h - g[-1], 0.0) * hi

    def section_coordinate(
        self, vertices: np.ndarray, heights_m: np.ndarray
    ) -> tuple[np.ndarray, float]:
        """The height of the section plane through each vertex, and its error margin.

        Section coordinate s: the height whose (tilted) plane passes through the vertex, by
        fixed-point iteration s <- s + (x - c(s)).t(s) / (c'(s).t(s)); it converges because
        the centreline's radius of curvature is far larger than the leg's radius. Returns
        ``(s, margin)``: s (N,) metres, and twice the largest last step (plus 0.1 um), the
        margin a face height index needs. On a straight leg s is ``heights_m`` and the margin 0.
        """
        if not self.bent:
            return heights_m, 0.0
        # Component by component on contiguous columns, with the grid cell of each point
        # found once per pass for both tables (offset and slope): one pass costs 12 small
        # gathers and no (N, 3) temporaries. The dot products are summed in the order of
        # numpy's 3-term einsum, (0 + 2) + 1, so s is the same to the bit as the row form.
        x = [np.ascontiguousarray(vertices[:, k]) - self.frame.origin[k] for k in range(3)]
        s = np.array(heights_m, dtype=float)
        last_step = np.zeros_like(s)
        active = None  # all vertices; then the ones still moving (straight parts stop at once)
        for _ in range(12):
            sa = s if active is None else s[active]
            xa = x if active is None else [c.take(active) for c in x]
            off, d = self._offset_and_derivative(sa)
            num = den = None
            for k in (0, 2, 1):
                np.subtract(xa[k], off[k], out=off[k])  # x - c(s)
                off[k] *= d[k]
                d[k] *= d[k]
                if num is None:
                    num, den = off[k], d[k]
                else:
                    num += off[k]
                    den += d[k]
            step = num / den  # (x - c(s)).t(s) / (c'(s).t(s)) with t = c'/|c'|
            if active is None:
                s += step
                last_step = step
                active = np.flatnonzero(np.abs(step) >= 1e-6)
            else:
                s[active] = sa + step
                last_step[active] = step
                # linear convergence (ratio ~0.1 on the shared legs): the error is below the step
                active = active[np.abs(step) >= 1e-6]
            if not len(active):
                break
        return s, 2.0 * float(np.abs(last_step).max()) + 1e-7

    def _offset_and_derivative(self, h: np.ndarray) -> tuple[list, list]:
        """Centreline points relative to the origin, c(h) - origin, and derivatives c'(h).

        Three columns each, at heights h; the cell of each height is looked up once for the
        two tables. ``derivative`` gives the same c'(h) to the bit.
        """
        g, axis = self.grid, self.frame.axis
        if len(g) > 1:
            step = (g[-1] - g[0]) / (len(g) - 1)
            t = np.clip((h - g[0]) / step, 0.0, len(g) - 1.0)
            i0 = np.minimum(t.astype(np.int64), len(g) - 2)
            t -= i0
        below = np.minimum(h - g[0], 0.0)
        above = np.maximum(h - g[-1], 0.0)
        off, d = [], []
        for k in range(3):
            if len(g) > 1:
                col = np.ascontiguousarray(self.offset[:, k])
                o = t * np.diff(col).take(i0)
                o += col.take(i0)
                col = np.ascontiguousarray(self.slope[:, k])
                dk = t * np.diff(col).take(i0)
                dk += col.take(i0)
            else:
                o = np.full(h.shape, self.offset[0, k])
                dk = np.full(h.shape, self.slope[0, k])
            lo, hi = self.slope[0, k], self.slope[-1, k]
            if lo != 0.0:
                o += below * lo
            if hi != 0.0:
                o += above * hi
            o += h * axis[k]
            dk = axis[k] + dk
            off.append(o)
            d.append(dk)
        return off, d

    def points(self, heights_m: np.ndarray) -> np.ndarray:
        """Centreline points at the given heights, (K, 3) world metres."""
        h = np.atleast_1d(np.asarray(heights_m, dtype=float)).reshape(-1)
        out = np.empty((h.size, 3))
        for rows in row_blocks(h.size):  # (see _interp)
            hb, ob = h[rows], out[rows]
            self._interp_rows(self.offset, hb, True, ob)
            ob[:] = self.frame.origin + hb[:, None] * self.frame.axis + ob
        return out

    def derivative(self, heights_m: np.ndarray) -> np.ndarray:
        """Derivative d point / d height (not normalized), (K, 3)."""
        h = np.atleast_1d(np.asarray(heights_m, dtype=float))
        if not self.bent:
            return np.repeat(self.frame.axis[None, :], h.size, axis=0)
        return self.frame.axis + self._interp(self.slope, h, extrapolate=False)

    def tangents(self, heights_m: np.ndarray) -> np.ndarray:
        """Unit tangents (local axis, pointing up the leg) at the given heights, (K, 3)."""
        h = np.atleast_1d(np.asarray(heights_m, dtype=float))
        if not self.bent:
            return np.repeat(self.frame.axis[None, :], h.size, axis=0)
        return unit(self.frame.axis + self._interp(self.slope, h, extrapolate=False))

    def in_plane_u(self, tangents: np.ndarray) -> np.ndarray:
        """The anterior direction made perpendicular to each tangent, (K, 3) unit."""
        a = self.frame.anterior
        u = a - (tangents @ a)[:, None] * tangents
        bad = np.linalg.norm(u, axis=1) < 1e-9
        if bad.any():  # tangent along anterior: fall back to lateral
            lat = self.frame.lateral
            u[bad] = lat - (tangents[bad] @ lat)[:, None] * tangents[bad]
        return unit(u)


def principal_axes(
    points: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted principal axes.

    Returns
    -------
    mean : ndarray of shape (3,)
    eigenvalues : ndarray of shape (3,)
        Ascending weighted variances.
    eigenvectors : ndarray of shape (3, 3)
        Columns, matching ``eigenvalues``.
    """
    w = weights / weights.sum()
    mean = w @ points
    xw = points - mean
    xw *= np.sqrt(w)[:, None]  # in place: one (N, 3) temporary
    cov = xw.T @ xw
    vals, vecs = np.linalg.eigh(cov)
    return mean, vals, vecs


def end_anisotropy(
    points: np.ndarray,
    weights: np.ndarray,
    heights: np.ndarray,
    axis: np.ndarray,
    fraction=0.12,
) -> tuple[float, float, float, float]:
    """In-plane spread of the two ends of the leg.

    The points within ``fraction`` of the length of each end (by ``heights``) are weighted;
    their in-plane covariance is ``P C P``, with ``C`` their 3 x 3 covariance and ``P = I -
    axis axis^T``, so only the two ends' points are gathered, centred and summed.

    Returns
    -------
    low_ratio, high_ratio : float
        Ratio of the larger to the smaller in-plane standard deviation at the low and high end
        (a foot sticks out to one side: ratio ~2.7; a thigh or shin cut: ~1.2).
    low_spread, high_spread : float
        Mean in-plane standard deviation at each end, metres.
    """
    lo, hi = heights.min(), heights.max()
    length = hi - lo
    proj = np.eye(3) - np.outer(axis, axis)
    out = []
    for sel in (heights <= lo + fraction * length, heights >= hi - fraction * length):
        w = weights[sel]
        if w.sum() <= 0 or sel.sum() < 3:
            out.append((1.0, 0.0))
            continue
        w /= w.sum()
        p = points[sel]  # a fresh gather: centred and weighted in place
        p -= w @ p
        p *= np.sqrt(w)[:, None]
        cov = proj @ (p.T @ p) @ proj
        ev = np.sqrt(np.clip(np.linalg.eigvalsh(cov), 0, None))
        ratio = ev[2] / ev[1] if ev[1] > 0 else np.inf
        out.append((float(ratio), float(0.5 * (ev[2] + ev[1]))))
    return out[0][0], out[1][0], out[0][1], out[1][1]


def smooth_offsets(grid: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Savitzky-Golay style smoothing (local quadratic least squares) of centroid offsets.

    Each point gets the value and slope of a quadratic fitted to the ``CENTRELINE_WINDOW_M``
    window around it (shifted inside the grid at the ends, like savgol ``mode="interp"``).

    Parameters
    ----------
    grid : ndarray of shape (G,)
        Increasing heights, metres.
    offsets : ndarray of shape (G, 3)

    Returns
    -------
    smooth, slope : ndarray of shape (G, 3)
        Smoothed offsets and d offset / d h.
    """
    n = len(grid)
    if n < 5:
        if n >= 2:
            coef = np.polyfit(grid, offsets, 1)
            return np.outer(grid, coef[0]) + coef[1], np.repeat(coef[:1], n, axis=0)
        return offsets.copy(), np.zeros_like(offsets)
    step = float(np.median(np.diff(grid)))
    window = int(round(CENTRELINE_WINDOW_M / step)) | 1
    window = max(5, min(window, n if n % 2 else n - 1))
    half = window // 2
    start = np.clip(np.arange(n) - half, 0, n - window)
    idx = start[:, None] + np.arange(window)[None, :]  # (G, W)
    dx = grid[idx] - grid[:, None]
    design = np.stack([np.ones_like(dx), dx, dx**2], axis=-1)  # (G, W, 3)
    coef = np.linalg.pinv(design) @ offsets[idx]  # (G, 3 coef, 3 coords)
    return coef[:, 0, :], coef[:, 1, :]
