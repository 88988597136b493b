"""Fabric curves: tension against strain, loading and unloading, fit against measurement."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from stockingsim import errors
from stockingsim.viz._helpers import require_matplotlib, save_figure

DIRECTIONS = {"course": "course (around the leg)", "wale": "wale (along the leg)"}


def _as_fabric_items(fabrics) -> list[tuple[str, object]]:
    if isinstance(fabrics, Mapping):
        return [(str(k), v) for k, v in fabrics.items()]
    if hasattr(fabrics, "tension"):
        return [(str(getattr(fabrics, "name", "fabric")), fabrics)]
    items = [(str(getattr(f, "name", f"fabric {k + 1}")), f) for k, f in enumerate(fabrics)]
    if not items:
        raise errors.PlotError("No fabrics given; pass a Fabric, a list or a {label: Fabric} dict.")
    return items


def measured_points(table, direction: str) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Measured ``(branch, strain, tension_n_per_m)`` series of one direction from a table.

    The table needs a ``strain`` column (engineering strain) and a ``tension_n_per_m`` column
    (or another column starting with "tension", in N/m); optional ``direction`` and ``branch``
    columns split it. Without a ``direction`` column the points count as course data.
    """
    columns = [str(c) for c in getattr(table, "columns", ())]
    strain_col = next((c for c in columns if c.lower().startswith("strain")), None)
    tension_col = next((c for c in columns if c.lower().startswith("tension")), None)
    if strain_col is None or tension_col is None:
        raise errors.PlotError(
            "Measured data need a 'strain' column and a 'tension_n_per_m' column (N/m), "
            f"got columns {columns}."
        )
    if "direction" in columns:
        table = table[table["direction"].astype(str) == direction]
    elif direction != "course":
        return []
    if "branch" in columns:
        groups = [(str(b), sub) for b, sub in table.groupby(table["branch"].astype(str))]
    else:
        groups = [("measured", table)]
    return [
        (branch, np.asarray(sub[strain_col], float), np.asarray(sub[tension_col], float))
        for branch, sub in groups
    ]


def measured_from_fit_report(fabric):
    """Measured points of a fabric fitted with ``Fabric.from_tensile_test``, read again.

    The fit report keeps the file name(s), specimen width and gauge length, so the test is
    read with the same reader and split into loading/unloading branches like the fit. Returns
    a table (``strain``, ``tension_n_per_m``, ``branch``, ``direction``) or None when the
    fabric has no report or its files are no longer where they were.
    """
    report = getattr(fabric, "fit_report", None)
    if report is None or not getattr(report, "fits", ()):
        return None
    try:
        from stockingsim.fabric._tensile import read_tensile_csv, split_cycles
    except ImportError:  # pragma: no cover - the reader moved
        return None
    first = report.fits[0].direction
    directions = [first, "wale" if first == "course" else "course"]
    frames = []
    for direction, source in zip(directions, str(report.source).split(" + ")):
        try:
            data = read_tensile_csv(source)
        except Exception:  # file gone or unreadable: draw the curves without points
            continue
        extension = np.asarray(data.extension_mm, dtype=float)
        strain = (
            extension / 100.0
            if data.extension_column.endswith(" [%]")
            else extension / report.gauge_mm
        )
        tension = np.asarray(data.force_n, dtype=float) / (report.width_mm / 1000.0)
        branch = np.full(strain.shape, "", dtype=object)
        for start, stop, sign in split_cycles(strain):
            branch[start : stop + 1] = "loading" if sign > 0 else "unloading"
        keep = branch != ""
        frames.append(
            pd.DataFrame(
                {
                    "strain": strain[keep],
                    "tension_n_per_m": tension[keep],
                    "branch": branch[keep].astype(str),
                    "direction": direction,
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else None


def _fit_note(fabric, direction: str) -> str:
    """'fit R2 0.998, RMSE 1.2 N/m' of a tensile-test fit (empty when the fabric has none)."""
    report = getattr(fabric, "fit_report", None)
    fits = [f for f in getattr(report, "fits", ()) if f.direction == direction]
    if not fits:
        return ""
    worst = min(fits, key=lambda f: f.r2)
    return f" (fit R² {worst.r2:.3f}, RMSE {worst.rmse_n_per_m:.2g} N/m)"


def plot_fabric(
    fabrics,
    filename: str | Path | None = None,
    directions=("course", "wale"),
    max_strain: float | None = None,
    measured=None,
    n_points: int = 200,
    title: str | None = None,
):
    """Tension-strain curves of one or several fabrics, one panel per knit direction.

    Loading (solid) and unloading (dashed) branches of each fabric with the hysteresis loop
    between them shaded; measured tensile points the fabric keeps (``from_tensile_test``)
    are drawn as dots over the fitted curves.

    Parameters
    ----------
    fabrics : Fabric, sequence of Fabric or {label: Fabric}
    filename : str or Path, optional
        Save the figure there (format from the suffix).
    directions : sequence of {"course", "wale"}
        One panel per direction (course = around the leg).
    max_strain : float, optional
        Right end of the strain axis (engineering strain, 0.5 = 50 %); default: the largest
        valid strain of the fabrics. Curves are drawn only inside each fabric's valid range.
    measured : DataFrame, {label: DataFrame} or False, optional
        Measured tensile points to draw over the fitted curves (columns ``strain``,
        ``tension_n_per_m``, optional ``direction`` and ``branch``); a single table belongs to
        the first fabric. Default: the test files of fabrics fitted with
        ``Fabric.from_tensile_test`` are read again (see :func:`measured_from_fit_report`);
        False: no points. The fit quality a fabric from ``from_tensile_test`` keeps in
        ``fit_report`` (R², RMSE) is shown in the legend, and its fitted strain range is marked.
    n_points : int
        Samples per curve.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import stockingsim as ss
    >>> from stockingsim.viz import plot_fabric
    >>> fig = plot_fabric([ss.Fabric.linear(250.0, name="linear 250 N/m")])
    >>> [ax.get_title() for ax in fig.axes]
    ['course (around the leg)', 'wale (along the leg)']
    """
    items = _as_fabric_items(fabrics)
    directions = list(directions)
    for d in directions:
        if d not in DIRECTIONS:
            raise errors.PlotError(f"Unknown direction {d!r}; use 'course' and/or 'wale'.")
    figure = require_matplotlib("Fabric curves")
    fig = figure.Figure(figsize=(5.0 * len(directions), 4.5), layout="constrained")
    axes = fig.subplots(1, len(directions), squeeze=False)[0]
    for ax, direction in zip(axes, directions):
        for k, (label, fabric) in enumerate(items):
            color = f"C{k % 10}"
            lo, hi = fabric.valid_strain_range(direction)
            hi = min(hi, max_strain) if max_strain is not None else hi
            strain = np.linspace(max(lo, 0.0), hi, n_points)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                loading = np.asarray(fabric.tension(strain, direction, "loading"), dtype=float)
                unloading = np.asarray(fabric.tension(strain, direction, "unloading"), dtype=float)
            ax.plot(
                strain * 100, loading, color=color, lw=2, label=label + _fit_note(fabric, direction)
            )
            if not np.allclose(loading, unloading):
                ax.plot(strain * 100, unloading, color=color, lw=2, ls="--")
                ax.fill_between(strain * 100, unloading, loading, color=color, alpha=0.12, lw=0)
            report = getattr(fabric, "fit_report", None)
            for fit in getattr(report, "fits", ()):
                if fit.direction == direction and fit.branch == "loading":
                    ax.axvspan(
                        fit.strain_min * 100, fit.strain_max * 100, color=color, alpha=0.05, lw=0
                    )
            if isinstance(measured, Mapping):
                table = measured.get(label)
            elif measured is None:
                table = measured_from_fit_report(fabric)
            elif measured is False:
                table = None
            else:
                table = measured if k == 0 else None
            if table is not None:
                for branch, s, t in measured_points(table, direction):
                    marker = "v" if branch.startswith("unload") else "o"
                    ax.plot(
                        s * 100,
                        t,
                        marker,
                        ms=3.5,
                        color=color,
                        alpha=0.6,
                        mec="none",
                        label=f"{label}: measured" + ("" if branch == "measured" else f" {branch}"),
                    )
        ax.plot([], [], color="0.3", lw=2, label="loading")
        ax.plot([], [], color="0.3", lw=2, ls="--", label="unloading")
        ax.set_xlabel("Strain (%)")
        ax.set_ylabel("Tension (N/m)")
        ax.set_title(DIRECTIONS[direction], fontsize=10)
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    if title:
        fig.suptitle(title, fontsize=11)
    if filename is not None:
        save_figure(fig, filename)
    return fig
