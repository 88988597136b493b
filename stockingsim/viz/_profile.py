"""Pressure profile: pressure against height with class bands and design targets."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from stockingsim import errors
from stockingsim import vocabulary as vocab
from stockingsim.viz._helpers import as_labelled, new_figure, place_legend, save_figure

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
    band: str = "percentile",
    percentiles: tuple[float, float] = (10, 90),
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
        Shade the spread of the pressure around each section beside the mean line (default:
        only with a single result). The band is cut off at 1.3 times the highest mean or
        target pressure, where the axis ends.
    title : str, optional
    band : {"percentile", "minmax"}
        What the shaded spread is: the ``percentiles`` of the skin pressure around each
        section (default 10-90 %, so that the hollows and the tibial crest do not fill the
        plot), or the minimum-maximum. Labelled in the legend.
    percentiles : (float, float)
        The percentile range of ``band="percentile"``.

    Notes
    -----
    The mean line is drawn on top, widest. Landmarks the stocking does not cover are not
    drawn. A result from :func:`stockingsim.pressure_uncertainty` also gets its uncertainty band
    (hatched, e.g. 5-95 %). The legend goes to the corner where it covers no landmark label.

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
    labelled: set[str] = set()
    for k, ((label, result), color) in enumerate(zip(items, colors)):
        sections = result.sections
        h = np.asarray(sections["height_m"], dtype=float) * 100
        p = np.asarray(sections["pressure_mmhg"], dtype=float)
        # overlapping curves (laplace and bridging share their mean) stay visible by line style;
        # the mean is the one number a designer reads: widest and on top
        ax.plot(p, h, color=color, lw=2.5, ls=("-", "--", ":", "-.")[k % 4], label=label, zorder=4)
        if show_range:
            _spread_band(ax, result, h, color, band, percentiles)
        _uncertainty_band(ax, sections, h, color)
        pmax = max(pmax, np.nanmax(p, initial=0.0))
        if len(h):
            hmin, hmax = min(hmin, np.nanmin(h)), max(hmax, np.nanmax(h))
        profile = covered_profile(result)
        ph = np.asarray(profile["height_m"], dtype=float) * 100
        pp = np.asarray(profile["pressure_mmhg"], dtype=float)
        ax.plot(pp, ph, "o", color=color, ms=6, mec="white", zorder=5)
        for name, x, y in zip(profile.index, pp, ph):
            if np.isfinite(x) and np.isfinite(y) and str(name) not in labelled:
                labelled.add(str(name))
                ax.annotate(
                    str(name),
                    (x, y),
                    xytext=(6, 3),
                    textcoords="offset points",
                    fontsize=9,
                    fontweight="bold",
                    gid="landmark-label",
                )
    points, target_class = _target_points(target, standard)
    heights = {}
    for _, result in items:
        for name, h in covered_profile(result)["height_m"].items():
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
    place_legend(ax, fontsize=8, framealpha=0.9)
    if title:
        ax.set_title(title, fontsize=10, pad=14)
    if filename is not None:
        save_figure(fig, filename)
    return fig


def covered_profile(result) -> pd.DataFrame:
    """The landmark rows of a result that its stocking covers (strain known)."""
    profile = result.profile
    if "strain" not in profile.columns:
        return profile
    return profile[np.isfinite(np.asarray(profile["strain"], dtype=float))]


def section_percentiles(result, percentiles=(10, 90)) -> tuple[np.ndarray, np.ndarray]:
    """Percentiles of the covered vertex pressure in each row of ``result.sections``.

    The vertices within half a section step of each section height are pooled (a loop over
    sections); rows without vertices get NaN.
    """
    sections = result.sections
    hs = np.asarray(sections["height_m"], dtype=float)
    out = np.full((2, hs.size), np.nan)
    if hs.size == 0:
        return out[0], out[1]
    step = float(np.median(np.diff(hs))) if hs.size > 1 else 0.005
    h = np.asarray(result.leg.section_heights_m, dtype=float)
    covered = np.asarray(result.covered, dtype=bool)
    p = np.asarray(result.pressure_mmhg, dtype=float)
    order = np.argsort(h[covered])
    hc, pc = h[covered][order], p[covered][order]
    starts = np.searchsorted(hc, hs - step / 2)
    ends = np.searchsorted(hc, hs + step / 2)
    for i, (a, b) in enumerate(zip(starts, ends)):
        if b > a:
            out[:, i] = np.percentile(pc[a:b], percentiles)
    return out[0], out[1]


def _spread_band(ax, result, h, color, band, percentiles) -> None:
    if band == "minmax":
        sections = result.sections
        lo = np.asarray(sections["pressure_min_mmhg"], dtype=float)
        hi = np.asarray(sections["pressure_max_mmhg"], dtype=float)
        label = "min-max around the leg"
    elif band == "percentile":
        q = tuple(float(v) for v in percentiles)
        if len(q) != 2 or not 0 <= q[0] < q[1] <= 100:
            raise errors.PlotError(
                f"percentiles must be (low, high) with 0 <= low < high <= 100, got {percentiles}."
            )
        lo, hi = section_percentiles(result, q)
        label = f"{q[0]:g}-{q[1]:g} % of the skin around the leg"
    else:
        raise errors.PlotError(f"band must be 'percentile' or 'minmax', got {band!r}.")
    ax.fill_betweenx(h, lo, hi, color=color, alpha=0.18, lw=0, label=label, zorder=2, gid="spread")


def _uncertainty_band(ax, sections, h, color) -> None:
    cols = sorted(
        c for c in sections.columns if str(c).startswith("pressure_p") and c.endswith("_mmhg")
    )
    if len(cols) != 2:
        return
    lo, hi = (np.asarray(sections[c], dtype=float) for c in cols)
    q = [c[len("pressure_p") : -len("_mmhg")].lstrip("0") or "0" for c in cols]
    ax.fill_betweenx(
        h,
        lo,
        hi,
        facecolor=(0.0, 0.0, 0.0, 0.12),
        edgecolor=color,
        hatch="///",
        lw=0.0,
        zorder=3,
        gid="uncertainty",
        label=f"{q[0]}-{q[1]} % uncertainty of the mean",
    )
