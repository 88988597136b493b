"""The unrolled pressure map: the stocking cut open along the back of the leg."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from stockingsim import errors
from stockingsim.viz._helpers import (
    DEFAULT_CMAP,
    PRESSURE_TITLE,
    UNCOVERED_COLOR,
    clipped,
    covered_pressure,
    landmark_heights,
    new_figure,
    pressure_colormap,
    resolve_clim,
    result_label,
    save_figure,
)


def unrolled_grid(
    result,
    n_theta: int = 144,
    step_m: float = 0.005,
    heights: str = "covered",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pressure resampled on a regular (height, angle) grid.

    Parameters
    ----------
    result : PressureResult
    n_theta : int
        Number of angle columns over the full turn.
    step_m : float
        Row spacing along the leg axis, metres.
    heights : {"covered", "all"}
        Rows over the covered part of the leg (with a 2 cm margin) or over the whole leg.

    Returns
    -------
    theta_deg : ndarray of shape (n_theta,)
        Column centres, degrees from the anterior direction (0 = front, +/-180 = back seam).
    height_m : ndarray of shape (K,)
        Row centres, metres along the leg axis.
    pressure : ndarray of shape (K, n_theta)
        Pressure in mmHg, linearly interpolated from the vertices in (angle, height); NaN where
        the stocking does not cover the leg or no vertex is near.
    """
    from scipy.spatial import cKDTree

    from stockingsim.viz._helpers import require_matplotlib

    require_matplotlib("Unrolled maps")
    # matplotlib's triangle finder (a trapezoid map): scipy's LinearNDInterpolator builds
    # per-simplex LAPACK transforms that took seconds on a busy 2-core machine
    from matplotlib.tri import LinearTriInterpolator, Triangulation

    _, theta, _ = result.leg.cylindrical
    # rows are section heights: the stocking's hems and the landmarks are sections
    h = np.asarray(result.leg.section_heights_m, dtype=float)
    theta = np.asarray(theta, dtype=float)
    pressure = covered_pressure(result)
    if heights not in ("covered", "all"):
        raise errors.PlotError(f"heights must be 'covered' or 'all', got {heights!r}.")
    covered = np.isfinite(pressure)
    if heights == "covered" and covered.any():
        lo, hi = h[covered].min() - 0.02, h[covered].max() + 0.02
    else:
        lo, hi = h.min(), h.max()
    rows = np.arange(max(lo, h.min()), min(hi, h.max()) + step_m / 2, step_m)
    cols = np.linspace(-np.pi, np.pi, n_theta, endpoint=False) + np.pi / n_theta
    near = (h >= rows[0] - 2 * step_m) & (h <= rows[-1] + 2 * step_m)
    # the leg is closed around: copy the vertices near the seam to both sides before interpolating
    t, hh, p = theta[near], h[near], pressure[near]
    left, right = t > np.pi / 2, t < -np.pi / 2
    t = np.concatenate([t, t[left] - 2 * np.pi, t[right] + 2 * np.pi])
    hh = np.concatenate([hh, hh[left], hh[right]])
    p = np.concatenate([p, p[left], p[right]])
    # angles in radians times the mean radius would be arc length; scale angle to the height unit
    # so the interpolation triangles are not needle-thin (assumption: 8 cm mean radius)
    scale = 0.08
    points = np.column_stack([t * scale, hh])
    grid_t, grid_h = np.meshgrid(cols, rows)
    query = np.column_stack([grid_t.ravel() * scale, grid_h.ravel()])
    finite = np.isfinite(p)
    values = np.full(grid_t.shape, np.nan)
    spacing = np.median(cKDTree(points).query(points, k=2)[0][:, 1])
    if finite.sum() >= 3:
        # uncovered vertices are dropped, so no triangle reaches across the stocking's edge
        triangulation = Triangulation(points[finite, 0], points[finite, 1])
        # Delaunay closes the ragged hem with long slivers between a few vertices far apart:
        # drop triangles with an edge much longer than the mesh spacing (they would paint one
        # vertex's value along the whole edge)
        tri_xy = np.stack([triangulation.x, triangulation.y], axis=1)[triangulation.triangles]
        edges = np.linalg.norm(tri_xy - np.roll(tri_xy, 1, axis=1), axis=2).max(axis=1)
        triangulation.set_mask(edges > 4 * spacing)
        interpolated = LinearTriInterpolator(triangulation, p[finite])(query[:, 0], query[:, 1])
        values = np.ma.filled(interpolated.astype(float), np.nan).reshape(grid_t.shape)
        # a cell shows the skin in it: rows whose centre lies beyond the hem or the welt are
        # uncovered, whatever a triangle would extrapolate
        inside = (rows >= hh[finite].min() - 1e-9) & (rows <= hh[finite].max() + 1e-9)
        values[~inside, :] = np.nan
    # blank out cells far from every vertex (holes, the foot's overhang, above the mesh)
    distance, _ = cKDTree(points).query(query)
    values[(distance > 4 * spacing).reshape(values.shape)] = np.nan
    return np.degrees(cols), rows, values


def plot_unrolled(
    result,
    filename: str | Path | None = None,
    clim=None,
    landmarks: bool = True,
    cmap: str = DEFAULT_CMAP,
    n_theta: int = 144,
    step_m: float = 0.005,
    heights: str = "covered",
    ax=None,
    title: str | None = None,
    colorbar: bool = True,
):
    """Heatmap of the pressure over angle around the leg and height: the stocking cut open.

    The cut runs down the back of the leg (+/-180 degrees); 0 degrees is the front (anterior),
    positive angles turn toward the leg frame's lateral direction.

    Parameters
    ----------
    result : PressureResult
    filename : str or Path, optional
        Save the figure there (format from the suffix, e.g. ``.png``, ``.svg``).
    clim : (float, float) or "robust", optional
        Colour range in mmHg; default: the range of the covered pressure ("robust": up to
        the 98th percentile; pressures above it in magenta).
    landmarks : bool
        Mark the landmark heights with a labelled line.
    cmap : str
        Matplotlib colour map name.
    n_theta, step_m, heights
        Resolution and extent of the grid, see :func:`unrolled_grid`.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes instead of a new figure.
    title : str, optional
        Axes title; default: leg, stocking/fabric and method.
    colorbar : bool
        Draw the map's own colour bar (a sheet of several maps draws one shared bar instead).

    Returns
    -------
    matplotlib.figure.Figure
        The figure (shown by Jupyter when it is the cell's value).
    """
    theta_deg, rows, values = unrolled_grid(result, n_theta=n_theta, step_m=step_m, heights=heights)
    pressure = covered_pressure(result)
    clim = resolve_clim(clim, pressure)
    below, above = clipped(pressure, clim)
    colormap = pressure_colormap(cmap)
    fig, ax = new_figure((7.0, 7.0), ax)
    ax.set_facecolor(UNCOVERED_COLOR)
    dt = theta_deg[1] - theta_deg[0]
    edges_t = np.append(theta_deg - dt / 2, theta_deg[-1] + dt / 2)
    edges_h = (
        np.append(
            rows - (rows[1] - rows[0]) / 2 if len(rows) > 1 else rows - 0.0025, rows[-1] + 0.0025
        )
        * 100
    )
    mesh = ax.pcolormesh(
        edges_t, edges_h, values, cmap=colormap, vmin=clim[0], vmax=clim[1], shading="flat"
    )
    if colorbar:
        bar = fig.colorbar(
            mesh,
            ax=ax,
            shrink=0.85,
            extend={(0, 0): "neither", (1, 0): "min", (0, 1): "max", (1, 1): "both"}[
                (below, above)
            ],
        )
        bar.set_label(PRESSURE_TITLE)
    if landmarks:
        for name, height in landmark_heights(result).items():
            y = height * 100
            if edges_h[0] <= y <= edges_h[-1]:
                ax.axhline(y, color="white", lw=1.0, ls="--")
                ax.text(
                    edges_t[-1],
                    y,
                    f" {name}",
                    va="center",
                    ha="left",
                    fontsize=9,
                    fontweight="bold",
                    clip_on=False,
                )
    ax.set_xlim(edges_t[0], edges_t[-1])
    ax.set_ylim(edges_h[0], edges_h[-1])
    ax.set_xticks(
        [-180, -90, 0, 90, 180], ["back\n-180", "-90", "front\n0", "90\n(lateral)", "back\n180"]
    )
    ax.set_xlabel("Angle around the leg (degrees)")
    ax.set_ylabel("Height above the sole (cm)")
    ax.set_title(result_label(result) if title is None else title, fontsize=10)
    if filename is not None:
        save_figure(fig, filename)
    return fig
