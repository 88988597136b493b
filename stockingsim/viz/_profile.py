"""Pressure profile: pressure against height with class bands and design targets."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from stockingsim import errors
from stockingsim import vocabulary as vocab
from stockingsim.viz._helpers import as_labelled, new_figure, save_figure

_BAND_COLORS = ("#e8eef7", "#d6e6f5", "#dcefdc", "#fbe9d0", "#f6d5d5")


def class_bands(standard: str) -> dict[str, tuple[float, float | None]]:
    """Ankle (B) class ranges ``{class: (lo, hi)}`` in mmHg of a standard; ``hi`` None = open.

    Read from :mod:`stockingsim.standards` (``class_names`` and ``class_range``).
    """
    from stockingsim.standards import class_names, class_range

    bands: dict[str, tuple[float, float | None]] = {}
    for name in class_names(standard):
        lo, hi = class_range(standard, name)
        bands[name] = (float(lo), None if hi is None or not np.isfinite(hi) else float(hi))
    return bands


def _target_points(target, standard: str | None) -> tuple[dict[str, float], tuple | None]:
    """Normalise a design target to ``({landmark: mmHg}, (class, lo, hi) or None)``."""
    if target is None:
        return {}, None
    if isinstance(target, str):
        from stockingsim.standards import DEFAULT_STANDARD, parse_target

        std, cls = parse_target(target, default_standard=standard or DEFAULT_STANDARD)
        return {}, (cls, *class_bands(std)[cls])
    if isinstance(target, int | float):
        return {"B": float(target)}, None
    if isinstance(target, Mapping):
        return {str(k): float(v) for k, v in target.items()}, None
    landmarks = getattr(target, "landmarks", None)
    if isinstance(landmarks, pd.DataFrame):  # a DesignSpec: its per-landmark table
        target = landmarks
    columns = getattr(target, "columns", None)
    if columns is not None:  # a spec sheet from design_stocking
        candidates = [c for c in columns if "target" in str(c).lower() and "mmhg" in str(c).lower()]
        candidates = candidates or [c for c in columns if "target" in str(c).lower()]
        if not candidates:
            raise errors.PlotError(
                "The target table has no target column; pass the spec sheet of design_stocking "
                "or a {landmark: mmHg} mapping."
            )
        series = target[candidates[0]]
        return {str(k): float(v) for k, v in series.items() if np.isfinite(v)}, None
    raise errors.PlotError(
        f"Cannot read a target from {type(target).__name__}; use 'RAL-GZ 387:II', a number "
        "(mmHg at B), a {landmark: mmHg} mapping or a design spec sheet."
    )


def plot_profile(
    result_or_results,
    filename: str | Path | None = None,
    standard: str | None = vocab.DEFAULT_STANDARD,
    target=None,
    ax=None,
    labels=None,
    show_range: bool | None = None,
    title: str | None = None,
):
    """Pressure against height along the leg, with the standard's class bands and the target.

    Parameters
    ----------
    result_or_results : PressureResult, sequence of them, or {label: PressureResult}
        Several results are overlaid (one colour each).
    filename : str or Path, optional
        Save the figure there (format from the suffix).
    standard : str or None
        Shade the ankle (B) pressure classes of this standard (e.g. "RAL-GZ 387", "AFNOR",
        "BS 6612"); None for no bands. The bands are ranges for the pressure at B.
    target : str, float, mapping or DataFrame, optional
        Design target: a class ("RAL-GZ 387:II", drawn as a bar at B), mmHg at B, a
        ``{landmark: mmHg}`` mapping or the spec sheet of :func:`stockingsim.design_stocking`.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes instead of a new figure.
    labels : sequence of str, optional
        Legend labels, one per result (default: leg, stocking/fabric, method).
    show_range : bool, optional
        Default: only with a single result. Shade the minimum-maximum pressure around each section beside the mean line (cut off
        at 1.3 times the highest mean or target pressure, where the axis ends).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    items = as_labelled(result_or_results, labels)
    if show_range is None:
        show_range = len(items) == 1
    fig, ax = new_figure((6.5, 7.0), ax)
    colors = [f"C{k % 10}" for k in range(len(items))]
    pmax = 0.0
    hmin, hmax = np.inf, -np.inf
    for k, ((label, result), color) in enumerate(zip(items, colors)):
        sections = result.sections
        h = np.asarray(sections["height_m"], dtype=float) * 100
        p = np.asarray(sections["pressure_mmhg"], dtype=float)
        # overlapping curves (laplace and bridging share their mean) stay visible by line style
        ax.plot(p, h, color=color, lw=2, ls=("-", "--", ":", "-.")[k % 4], label=label)
        if show_range and {"pressure_min_mmhg", "pressure_max_mmhg"} <= set(sections.columns):
            lo = np.asarray(sections["pressure_min_mmhg"], dtype=float)
            hi = np.asarray(sections["pressure_max_mmhg"], dtype=float)
            ax.fill_betweenx(
                h, lo, hi, color=color, alpha=0.15, lw=0, label="min-max around the leg"
            )
        pmax = max(pmax, np.nanmax(p, initial=0.0))
        if len(h):
            hmin, hmax = min(hmin, np.nanmin(h)), max(hmax, np.nanmax(h))
        profile = result.profile
        ph = np.asarray(profile["height_m"], dtype=float) * 100
        pp = np.asarray(profile["pressure_mmhg"], dtype=float)
        ax.plot(pp, ph, "o", color=color, ms=6, mec="white", zorder=5)
        if k == 0:
            for name, x, y in zip(profile.index, pp, ph):
                if np.isfinite(x) and np.isfinite(y):
                    ax.annotate(
                        str(name),
                        (x, y),
                        xytext=(6, 3),
                        textcoords="offset points",
                        fontsize=9,
                        fontweight="bold",
                    )
    points, target_class = _target_points(target, standard)
    heights = {}
    for _, result in items:
        for name, h in result.profile["height_m"].items():
            heights.setdefault(str(name), float(h) * 100)
    if points:
        xs = [v for n, v in points.items() if n in heights]
        ys = [heights[n] for n in points if n in heights]
        ax.plot(xs, ys, "x", color="crimson", ms=9, mew=2, label="target", zorder=6)
        pmax = max(pmax, max(xs, default=0.0))
    if target_class is not None and "B" in heights:
        cls, lo, hi = target_class
        hi_draw = hi if hi is not None else lo * 1.25
        ax.plot(
            [lo, hi_draw],
            [heights["B"]] * 2,
            color="crimson",
            lw=5,
            alpha=0.8,
            solid_capstyle="butt",
            label=f"target: class {cls} at B",
            zorder=4,
        )
        pmax = max(pmax, hi_draw)
    # the axis follows the mean pressures and targets; a min-max band beyond it is cut off
    xmax = max(pmax * 1.3, 10.0)
    if standard:
        bands = class_bands(standard)
        # the classes are ranges of the pressure at B: shade them in a strip around B's height
        y_b = heights.get("B")
        y0, y1 = (y_b - 2.5, y_b + 2.5) if y_b is not None else (hmin, hmax)
        for (cls, (lo, hi)), color in zip(bands.items(), _BAND_COLORS[-len(bands) :]):
            if lo >= xmax:
                continue
            right = xmax if hi is None else min(hi, xmax)
            ax.fill_between([lo, right], y0, y1, color=color, zorder=0, lw=0.5, ec="0.7")
            ax.text((lo + right) / 2, y1, cls, ha="center", va="bottom", fontsize=8, color="0.3")
        ax.fill_between([], [], color=_BAND_COLORS[2], ec="0.7", label=f"{standard} classes at B")
    ax.set_xlim(0, xmax)
    if np.isfinite(hmin):
        pad = 0.03 * (hmax - hmin + 1)
        ax.set_ylim(hmin - pad, hmax + pad)
    ax.set_xlabel("Pressure (mmHg)")
    ax.set_ylabel("Height above the sole (cm)")
    ax.grid(True, color="white", lw=0.8, alpha=0.7)
    ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
    if title:
        ax.set_title(title, fontsize=10, pad=14)
    if filename is not None:
        save_figure(fig, filename)
    return fig
