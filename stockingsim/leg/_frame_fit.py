"""Fit the leg frame to a clean surface: axis, foot end, outward winding, centreline, anterior.

:func:`fit_frame` runs the steps in order and returns a :class:`FittedFrame`; the :class:`Leg`
keeps its fields. Each step is a small function of arrays, so each can be read (and tested)
on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim.leg._blocks import BLOCK, row_blocks
from stockingsim.leg._frame import (
    FOOT_ANISOTROPY,
    Centreline,
    LegFrame,
    end_anisotropy,
    principal_axes,
    smooth_offsets,
    unit,
)
from stockingsim.leg._sections import grid_index, slice_mesh

__all__ = [
    "FittedFrame",
    "face_geometry",
    "fit_frame",
    "FRAME_STEP_M",
    "FRAME_AXIS_TOL_DEG",
    "MIN_ELONGATION",
]

#: spacing of the sections used to build the frame and centreline, metres (assumption)
FRAME_STEP_M = 0.01
#: the frame axis is re-fitted to the section centroids until it turns by less than this,
#: degrees (assumption: a 0.25 degree tilt changes a section's girth by 1e-5 and its height
#: by under 0.5 mm; the shared legs need one re-fit, 6-7 degrees, then move by under 0.1)
FRAME_AXIS_TOL_DEG = 0.25
#: a mesh whose longest principal spread is less than this times the second is not elongated
#: enough to have a leg axis (a leg: 4-5; a 5 cm x 40 cm tube: 3.3; a ball or cube: 1.0)
MIN_ELONGATION = 1.15


@dataclass(frozen=True, eq=False)
class FittedFrame:
    """What :func:`fit_frame` finds on a surface.

    Attributes
    ----------
    faces : ndarray of shape (M, 3)
        The faces, wound so that the normals point out of the leg.
    face_areas : ndarray of shape (M,)
        Face areas, m^2.
    frame : LegFrame
        Origin at the sole level, axis up the leg, anterior and lateral directions.
    centreline : Centreline
        Smoothed line through the section centroids.
    heights_m : ndarray of shape (N,)
        Height of every vertex along the axis, 0 at the lowest point.
    length_m : float
        Height of the highest vertex.
    grid_m : ndarray
        Heights of the sections the centreline was fitted to.
    """

    faces: np.ndarray
    face_areas: np.ndarray
    frame: LegFrame
    centreline: Centreline
    heights_m: np.ndarray
    length_m: float
    grid_m: np.ndarray


def fit_frame(vertices: np.ndarray, faces: np.ndarray, name: str, geometry=None) -> FittedFrame:
    """Fit the leg frame of a clean surface (see the module docstring for the steps).

    ``geometry``, when given, is :func:`face_geometry` of these vertices and faces followed by
    their :func:`~stockingsim.leg._frame.principal_axes` (or None), which the caller computed
    already; they are then not computed again.

    Raises
    ------
    stockingsim.errors.NotLegLikeError
        The surface is not elongated, or flat.
    """
    v, f = vertices, faces
    moments, area, centres, axes = (*face_geometry(v, f), None) if geometry is None else geometry
    mean, vecs, axis, has_foot = _principal_axis(centres, area, name, axes)
    f = _outward(f, moments, mean, axis)
    second = unit(vecs[:, 1] - (vecs[:, 1] @ axis) * axis)
    origin, axis, second, heights, length, grid, cen, ok = _refine_axis(
        v, f, mean, axis, second, has_foot
    )
    g, smooth, slope, bend = _smoothed_centreline(grid, cen, ok, origin, axis)
    centreline = Centreline(
        LegFrame(origin, axis, second, np.cross(axis, second), has_foot), g, smooth, slope, bend
    )
    anterior = _anterior(centres, area, origin, axis, centreline, g, length, has_foot)
    frame = LegFrame(origin, axis, anterior, np.cross(axis, anterior), has_foot)
    area.setflags(write=False)
    heights.setflags(write=False)
    return FittedFrame(
        faces=f,
        face_areas=area,
        frame=frame,
        centreline=Centreline(frame, g, smooth, slope, bend),
        heights_m=heights,
        length_m=length,
        grid_m=g,
    )


def face_geometry(
    v: np.ndarray, f: np.ndarray, block: int = BLOCK
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Winding moments, areas and centres of the faces.

    Each corner is gathered once (whole rows: one cache line per vertex) and the edge cross
    product ``x`` is written out component by component (faster than ``np.cross`` on millions
    of rows). The faces go ``block`` at a time, so the column passes of the cross product read
    rows that are still in the cache; every face's area and centre are the same whatever the
    block size. The cross products themselves are not kept: the winding check needs only
    their moments, ``moments[:3] = sum of x c^T`` (``moments[i, j]``: cross component i times
    centre component j) and ``moments[3] = sum of x`` (see :func:`_outward`).

    Returns
    -------
    moments : ndarray of shape (4, 3)
    area : ndarray of shape (M,)
    centres : ndarray of shape (M, 3)
    """
    m = len(f)
    area, centres = np.empty(m), np.empty((m, 3))
    moments = np.zeros((4, 3))
    scratch = np.empty((min(block, m), 3))
    for rows in row_blocks(m, block):
        p0, p1, p2 = (v[f[rows, j]] for j in range(3))
        c = centres[rows]
        np.add(p0, p1, out=c)
        c += p2
        c /= 3.0
        p1 -= p0  # edge 1
        p2 -= p0  # edge 2
        x = scratch[: len(c)]
        _cross_rows(p1, p2, out=x)
        np.sqrt(np.einsum("ij,ij->i", x, x), out=area[rows])
        moments[:3] += x.T @ c
        moments[3] += x.sum(axis=0)
    area *= 0.5
    return moments, area, centres


def along(x: np.ndarray, point: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """``(x - point) @ axis`` for (M, 3) rows, a block at a time, without an (M, 3) temporary.

    The same bits as the one-line form (see :mod:`~stockingsim.leg._blocks`).
    """
    out = np.empty(len(x))
    for rows in row_blocks(len(x)):
        np.matmul(x[rows] - point, axis, out=out[rows])
    return out


def _cross_rows(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Row-wise cross products of two (M, 3) arrays."""
    out = np.empty_like(a) if out is None else out
    for k in range(3):
        i, j = (k + 1) % 3, (k + 2) % 3
        np.multiply(a[:, i], b[:, j], out=out[:, k])
        out[:, k] -= a[:, j] * b[:, i]
    return out


def _principal_axis(
    centres: np.ndarray, area: np.ndarray, name: str, axes=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Area-weighted PCA axis, pointing from the foot (or the narrower end) up the leg.

    ``axes``: :func:`principal_axes` of these centres and areas when already known.
    """
    mean, vals, vecs = principal_axes(centres, area) if axes is None else axes
    spread = np.sqrt(np.clip(vals, 0, None))
    if not spread[2] > 0 or spread[2] < MIN_ELONGATION * spread[1]:
        raise errors.NotLegLikeError(
            f"{name}: the mesh is not elongated (principal spreads "
            f"{spread[2]:.3g}, {spread[1]:.3g}, {spread[0]:.3g} m), so it has no leg axis. "
            "Pass a leg (a tube-like surface, longer than it is wide)."
        )
    if spread[0] < 1e-3 * spread[2]:
        raise errors.NotLegLikeError(
            f"{name}: the mesh is flat (thickness {spread[0]:.2g} m against a length "
            f"spread of {spread[2]:.2g} m). Pass a closed-around leg surface, not a sheet."
        )
    axis = vecs[:, 2]
    h = along(centres, mean, axis)
    r_low, r_high, s_low, s_high = end_anisotropy(centres, area, h, axis)
    has_foot = max(r_low, r_high) > FOOT_ANISOTROPY and max(r_low, r_high) > 1.4 * min(
        r_low, r_high
    )
    foot_high = has_foot and r_high > r_low
    narrow_high = (not has_foot) and s_high < s_low
    if foot_high or narrow_high:
        axis = -axis
    return mean, vecs, axis, bool(has_foot)


def _outward(f, moments, mean, axis) -> np.ndarray:
    """The faces, re-wound if their normals point into the leg on average.

    The sign of the sum over the faces of ``radial . x``, with ``radial = P (c - mean)``, ``P =
    I - axis axis^T`` and ``x`` the edge cross product: that sum is ``trace(P S) - mean . P X``
    with the moments ``S = sum of x c^T`` and ``X = sum of x`` of :func:`face_geometry`.
    """
    proj = np.eye(3) - np.outer(axis, axis)
    total = np.trace(proj @ moments[:3]) - mean @ proj @ moments[3]
    if total < 0:
        f = f[:, ::-1].copy()
    return f


def _refine_axis(v, f, mean, axis, second, has_foot) -> tuple[Any, ...]:
    """Re-fit the axis to the section centroids until it stops turning (at most 3 passes).

    Pass 1 cuts global planes on the PCA axis; later passes use the line through the
    centroids. Returns the origin, axis, second direction, vertex heights, length, the section
    grid, the centroids of the usable sections and which grid heights they are.
    """
    for it in range(3):
        hv = along(v, mean, axis)
        origin = mean + hv.min() * axis
        heights = hv - hv.min()
        length = float(heights.max())
        frame = LegFrame(origin, axis, second, np.cross(axis, second), has_foot)
        straight = Centreline(frame, np.zeros(1), np.zeros((1, 3)), np.zeros((1, 3)), 0.0)
        grid, secs = _frame_sections(v, f, heights, straight, length)
        _lo, _hi, ok = _centreline_range(grid, secs, has_foot, length)
        cen = secs["centroid"][ok]
        if ok.sum() >= 5:
            centred = cen - cen.mean(axis=0)
            direction = np.linalg.svd(centred, full_matrices=False)[2][0]
            direction = direction if direction @ axis > 0 else -direction
        else:
            direction = axis
        turn = np.degrees(np.arccos(np.clip(direction @ axis, -1, 1)))
        if it == 2 or turn < FRAME_AXIS_TOL_DEG:
            break  # `heights`, `grid` and `cen` belong to the current `axis`
        axis = unit(direction)
        second = unit(second - (second @ axis) * axis)
    return origin, axis, second, heights, length, grid, cen, ok


def _smoothed_centreline(grid, cen, ok, origin, axis) -> tuple[Any, ...]:
    """Smoothed centroid offsets from the axis over the fitted range, their slope and bend."""
    g = grid[ok]
    if not len(g):
        return np.zeros(1), np.zeros((1, 3)), np.zeros((1, 3)), 0.0
    rel = cen - origin
    offsets = rel - np.outer(rel @ axis, axis)
    smooth, slope = smooth_offsets(g, offsets)
    slope = slope - np.outer(slope @ axis, axis)
    bend = float(np.degrees(np.arctan(np.linalg.norm(slope, axis=1).max())))
    return g, smooth, slope, bend


def _anterior(centres, area, origin, axis, centreline, g, length, has_foot) -> np.ndarray:
    """The anterior direction: towards the toes, or by the third moment of the section shape."""
    if has_foot:
        h_ankle = g[0] if len(g) else 0.3 * length
        hf = along(centres, origin, axis)
        foot = hf < 0.6 * h_ankle
        if foot.sum() >= 3:
            d = centres[foot] - centreline.points(hf[foot])
            mean_off = (area[foot] / area[foot].sum()) @ d
            mean_off -= (mean_off @ axis) * axis
            if np.linalg.norm(mean_off) > 0.01:
                return unit(mean_off)
    hf = along(centres, origin, axis)
    d = centres - centreline.points(hf)
    d -= np.outer(d @ axis, axis)
    w = area / area.sum()
    cov = (d * w[:, None]).T @ d
    _evals, evecs = np.linalg.eigh(cov)
    anterior = unit(evecs[:, 2] - (evecs[:, 2] @ axis) * axis)
    if w @ (d @ anterior) ** 3 < 0:
        anterior = -anterior
    return anterior


def _frame_sections(v, f, heights, centreline, length):
    step = min(FRAME_STEP_M, length / 20)
    n = int(np.floor(length / step - 0.5))
    grid = step * np.arange(1, n + 1)
    index = grid_index(heights, f, step)
    origins = centreline.points(grid)
    normals = np.repeat(centreline.frame.axis[None], len(grid), axis=0)
    us = np.repeat(centreline.frame.anterior[None], len(grid), axis=0)
    secs = slice_mesh(v, f, index, grid, origins, normals, us, summary=True)
    return grid, secs


def _centreline_range(grid, secs, has_foot, length):
    """Heights whose section centroids define the centreline.

    Above the foot, below the top cut, closed loops only.
    """
    girth = secs["hull_perimeter_m"]
    closed = secs["closed"] & (girth > 0)
    lo = grid[0] if len(grid) else 0.0
    if has_foot and len(grid) > 3:
        low = grid < 0.35 * length
        if low.any():
            peak = int(np.argmax(np.where(low, girth, -np.inf)))
            window = (grid >= grid[peak]) & (grid <= grid[peak] + 0.4 * length) & closed
            if window.any():
                lo = grid[window][np.argmin(girth[window])]
    # the longest run of consecutive closed sections above lo (open stretches at the
    # ends come from oblique cuts and from the open top)
    run = closed & (grid >= lo)
    hi = lo
    if run.any():
        edges = np.flatnonzero(np.diff(np.r_[0, run.astype(np.int8), 0]))
        starts, stops = edges[::2], edges[1::2]
        k = int(np.argmax(stops - starts))
        lo = max(lo, grid[starts[k]])
        hi = grid[stops[k] - 1] - 0.02
    ok = (grid >= lo) & (grid <= hi) & closed
    return lo, hi, ok
