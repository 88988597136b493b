"""Small multiples of pressure maps with one shared colour scale."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from stockingsim import errors
from stockingsim.viz._helpers import (
    DEFAULT_CMAP,
    clipped,
    covered_pressure,
    resolve_clim,
    result_label,
)
from stockingsim.viz._map import VIEWS, add_colour_bar, add_pressure_scene, render, require_pyvista


def _grid(results, ncols: int | None, titles) -> tuple[list[list[tuple[str, object] | None]], int]:
    """Arrange results in rows of ``ncols`` panels: [[(title, result) or None, ...], ...]."""
    if isinstance(results, Mapping):
        flat = [(str(k), v) for k, v in results.items()]
        rows = None
    elif hasattr(results, "pressure_mmhg"):
        flat, rows = [(result_label(results), results)], None
    elif results and all(
        isinstance(r, Sequence) and not hasattr(r, "pressure_mmhg") for r in results
    ):
        rows = [[(result_label(r), r) for r in row] for row in results]  # e.g. fabrics x legs
        flat = [item for row in rows for item in row]
    else:
        flat, rows = [(result_label(r), r) for r in results], None
    if not flat:
        raise errors.PlotError(
            "No results to compare; pass a list, a list of rows or a {title: result} dict."
        )
    if titles is not None:
        titles = list(titles)
        if len(titles) != len(flat):
            raise errors.PlotError(
                f"Got {len(titles)} titles for {len(flat)} results; give one per result."
            )
        it = iter(titles)
        flat = [(str(next(it)), r) for _, r in flat]
        if rows is not None:
            it = iter(flat)
            rows = [[next(it) for _ in row] for row in rows]
    if rows is not None and ncols is None:
        ncols = max(len(row) for row in rows)
        return [row + [None] * (ncols - len(row)) for row in rows], ncols
    ncols = ncols or min(len(flat), max(1, math.ceil(math.sqrt(len(flat) * 1.5))))
    if ncols < 1:
        raise errors.PlotError(f"ncols must be at least 1, got {ncols}.")
    padded = flat + [None] * (-len(flat) % ncols)
    return [padded[i : i + ncols] for i in range(0, len(padded), ncols)], ncols


def compare_plotter(
    results,
    ncols: int | None = None,
    clim=None,
    view: str = "front",
    landmarks: bool = True,
    titles=None,
    cmap: str = DEFAULT_CMAP,
    panel_size: tuple[int, int] = (420, 640),
    off_screen: bool | None = None,
):
    """Build the small-multiples scene as an unrendered :class:`pyvista.Plotter`.

    Parameters
    ----------
    results : sequence of PressureResult, list of rows, or {title: PressureResult}
        A flat sequence is wrapped into rows of ``ncols``; a list of rows (e.g. one row per
        fabric, one column per leg) keeps its layout.
    ncols : int, optional
        Panels per row (default: about square; the row length for a list of rows).
    clim : (float, float) or "robust", optional
        The shared colour range in mmHg; default: the range over all results ("robust": up to
        their 98th percentile).
    view : {"front", "side", "back"}
    landmarks : bool
        Draw landmark rings.
    titles : sequence of str, optional
        One per result (default: leg, stocking/fabric, method).
    cmap : str
    panel_size : (int, int)
        Pixels per panel (width, height).
    off_screen : bool, optional

    Returns
    -------
    pyvista.Plotter
        The shared scalar bar is in the bottom row, ``plotter.scalar_bars["Pressure (mmHg)"]``.
    """
    pv = require_pyvista("Map comparisons")
    if view not in VIEWS or view == "both":
        raise errors.PlotError(
            f"view must be 'front', 'side' or 'back' in a comparison, got {view!r}."
        )
    rows, ncols = _grid(results, ncols, titles)
    panels = [item for row in rows for item in row if item is not None]
    pressures = [covered_pressure(r) for _, r in panels]
    clim = resolve_clim(clim, pressures)
    # one scene style for every panel: the shared range, its clipped ends, no bar of its own
    scene = {"view": view, "clim": clim, "cmap": cmap, "landmarks": landmarks}
    scene.update(clip=clipped(pressures, clim), scalar_bar=False, label_font_size=11)
    nrows = len(rows)
    bar_weight = 0.18  # the colour bar row is about a sixth of one panel row high
    plotter = pv.Plotter(
        off_screen=off_screen,
        shape=(nrows + 1, ncols),
        row_weights=[1.0] * nrows + [bar_weight],
        groups=[(nrows, np.s_[:])],
        window_size=[panel_size[0] * ncols, int(panel_size[1] * (nrows + bar_weight))],
        border=False,
    )
    plotter.set_background("white")
    for i, row in enumerate(rows):
        for j, item in enumerate(row):
            if item is not None:
                plotter.subplot(i, j)
                add_pressure_scene(plotter, item[1], title=item[0], **scene)
    plotter.subplot(nrows, 0)
    add_colour_bar(plotter, clim, cmap, scene["clip"], vertical=False)
    return plotter


def compare_maps(
    results, filename: str | Path | None = None, *, off_screen: bool | None = None, **layout
):
    """Small multiples of pressure maps (e.g. fabrics x legs) with ONE colour scale.

    Parameters
    ----------
    results : sequence of PressureResult, list of rows, or {title: PressureResult}
        A flat sequence is wrapped into rows of ``ncols``; a list of rows (e.g. one row per
        fabric, one column per leg) keeps its layout.
    filename : str or Path, optional
        Write the picture there (PNG, off-screen) and return the path.
    off_screen : bool, optional
    **layout
        ``ncols``, ``clim``, ``view``, ``landmarks``, ``titles``, ``cmap``, ``panel_size``: see
        :func:`compare_plotter`.

    Returns
    -------
    Path or ndarray or None
        Like :func:`plot_pressure_map`.
    """
    return render(
        lambda off: compare_plotter(results, off_screen=off, **layout), filename, off_screen
    )
