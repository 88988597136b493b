"""Pictures for a lab report: agreement with measurements, pressure against girth, working points.

- :func:`plot_agreement`: Bland-Altman (difference against mean, bias and 95 % limits) beside
  predicted against measured (identity line);
- :func:`plot_pressure_vs_girth`: the pressure at B, B1 and C of one stocking as the leg girth
  there varies over a size range, with the class band at B: how forgiving a size is;
- :func:`plot_hysteresis`: a fabric's loading and unloading curves with the working points of a
  stocking on a leg marked on the unloading branch.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from stockingsim import errors
from stockingsim.viz._helpers import new_figure, place_legend, require_matplotlib, save_figure

PA_PER_MMHG = 101325.0 / 760.0
_LANDMARK_COLORS = {"B": "C0", "B1": "C1", "C": "C2", "D": "C3", "E": "C4", "F": "C5", "G": "C6"}


def _as_agreement(obj):
    if hasattr(obj, "pairs") and hasattr(obj, "table"):
        return obj
    if hasattr(obj, "after") and hasattr(obj, "leave_one_out"):  # a CalibrationReport
        return obj.after
    raise errors.PlotError(
        f"plot_agreement needs an Agreement (ss.agreement(...)) or a CalibrationReport, got "
        f"{type(obj).__name__}."
    )


def plot_agreement(
    agreement,
    filename: str | Path | None = None,
    by: str = "point",
    reference: tuple[float, float, str] | None = None,
    title: str | None = None,
):
    """Bland-Altman plot and predicted-vs-measured plot of an agreement.

    Parameters
    ----------
    agreement : Agreement or CalibrationReport
        From :func:`stockingsim.agreement` (a report shows its after-calibration agreement).
    filename : str or Path, optional
        Save the figure there.
    by : str
        Column of ``agreement.pairs`` that colours the points (``"point"``, ``"device"``, ...).
    reference : (low, high, label), optional
        Published limits of agreement to shade for comparison, e.g.
        ``(-10.1, 5.8, "Partsch et al. 2006")``.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Left axes: difference (predicted - measured) against the mean, the bias (solid) and
        the 95 % limits (dashed), each labelled with its value. Right axes: predicted against
        measured with the identity line.
    """
    agreement = _as_agreement(agreement)
    pairs = agreement.pairs
    if by not in pairs.columns:
        raise errors.PlotError(f"by must be a column of the pairs, one of {list(pairs.columns)}.")
    figure = require_matplotlib("Agreement plots")
    fig = figure.Figure(figsize=(11.0, 5.0), layout="constrained")
    ax, ax2 = fig.subplots(1, 2)
    groups = pairs[by].astype(str).replace("", "(none)")
    for k, (name, sub) in enumerate(pairs.groupby(groups, sort=True)):
        color = f"C{k % 10}"
        ax.plot(sub["mean_mmhg"], sub["difference_mmhg"], "o", color=color, ms=5, label=name)
        ax2.plot(sub["pressure_mmhg"], sub["predicted_mmhg"], "o", color=color, ms=5, label=name)
    bias = agreement.bias_mmhg
    lo, hi = agreement.limits_mmhg
    if reference is not None:
        ax.axhspan(reference[0], reference[1], color="0.85", zorder=0, label=reference[2])
    for y, style, text in ((bias, "-", "bias"), (lo, "--", "-1.96 SD"), (hi, "--", "+1.96 SD")):
        if np.isfinite(y):
            ax.axhline(y, color="crimson", ls=style, lw=1.5, gid=f"line-{text}")
            ax.annotate(
                f"{text} {y:+.1f}",
                (1.0, y),
                xycoords=("axes fraction", "data"),
                xytext=(-4, 3),
                textcoords="offset points",
                ha="right",
                fontsize=8,
                color="crimson",
            )
    ax.axhline(0.0, color="0.5", lw=0.8)
    ax.set_xlabel("Mean of predicted and measured (mmHg)")
    ax.set_ylabel("Predicted - measured (mmHg)")
    ax.set_title(f"Bland-Altman, n = {agreement.n}", fontsize=10)
    place_legend(ax, fontsize=8, title=by)
    both = np.concatenate([pairs["pressure_mmhg"], pairs["predicted_mmhg"]])
    top = float(np.nanmax(both)) * 1.08 if both.size else 1.0
    ax2.plot([0, top], [0, top], color="0.4", lw=1, ls=":", label="identity", gid="identity")
    ax2.set_xlim(0, top)
    ax2.set_ylim(0, top)
    ax2.set_aspect("equal")
    ax2.set_xlabel("Measured (mmHg)")
    ax2.set_ylabel("Predicted (mmHg)")
    r = agreement.r
    ax2.set_title(
        f"Predicted vs measured (r = {r:.3f}, MAE {agreement.mae_mmhg:.2f} mmHg)", fontsize=10
    )
    if title:
        fig.suptitle(title, fontsize=11)
    if filename is not None:
        save_figure(fig, filename)
    return fig


# ----------------------------------------------------------------------------------------------
def girth_pressure_table(
    leg, stocking, landmarks=("B", "B1", "C"), spread: float = 0.1, n: int = 41
):
    """Laplace pressure at each landmark as the leg girth there varies.

    Returns a DataFrame with ``landmark``, ``girth_cm``, ``pressure_mmhg`` (``n`` girths from
    ``(1 - spread)`` to ``(1 + spread)`` times the leg's girth; vectorized over the girths):
    ``p = T(C / c0 - 1) 2 pi / C`` with the stocking's relaxed girth ``c0`` at the landmark.
    """
    import pandas as pd

    rows = []
    missing = [name for name in landmarks if name not in leg.landmarks]
    if missing:
        raise errors.PlotError(
            f"the leg has no landmark {missing[0]!r} (it has {', '.join(leg.landmarks)})."
        )
    if not 0 < float(spread) < 0.9:
        raise errors.PlotError(f"spread must be a fraction between 0 and 0.9, got {spread!r}.")
    for name in landmarks:  # a loop over landmarks; each is vectorized over the girths
        lm = leg.landmarks[name]
        c0 = float(np.asarray(stocking.relaxed_circumference_at(leg, [lm.height_m]))[0])
        girth = lm.circumference_m * np.linspace(1 - spread, 1 + spread, n)
        eps = girth / c0 - 1.0
        with np.errstate(invalid="ignore"):
            tension = np.where(
                eps > 0, stocking.fabric._eval(np.maximum(eps, 0), "course", "unloading"), 0.0
            )
        pressure = tension * 2 * math.pi / girth / PA_PER_MMHG
        rows.append(
            pd.DataFrame(
                {
                    "landmark": name,
                    "girth_cm": girth * 100,
                    "relaxed_cm": c0 * 100,
                    "strain": eps,
                    "pressure_mmhg": pressure,
                    "leg_girth_cm": lm.circumference_m * 100,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def plot_pressure_vs_girth(
    leg,
    stocking,
    filename: str | Path | None = None,
    landmarks=("B", "B1", "C"),
    spread: float = 0.1,
    standard: str | None = "RAL-GZ 387",
    target_class: str | None = None,
    ax=None,
):
    """Pressure at B, B1 and C against the leg girth there, over a size range.

    Parameters
    ----------
    leg : Leg
        The leg the stocking was made for (its girths are marked).
    stocking : Stocking
    filename : str or Path, optional
    landmarks : sequence of str
    spread : float
        The girths span ``(1 - spread)`` to ``(1 + spread)`` times the leg's (default +/-10 %).
    standard, target_class : str, optional
        Shade the class band at B (default: the class the pressure at the leg's own B girth is
        in). None for no band.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        One line per landmark (Laplace on the girth, the stocking's relaxed girth there), a
        dot at the leg's own girth, and the class band (horizontal, the range of the pressure at
        B). Where the B line stays inside the band is the range of ankle girths the size fits.
    """
    from stockingsim.standards import class_range, classify

    table = girth_pressure_table(leg, stocking, landmarks, spread)
    fig, ax = new_figure((7.0, 5.0), ax)
    for name, sub in table.groupby("landmark", sort=False):
        color = _LANDMARK_COLORS.get(name, "k")
        ax.plot(sub["girth_cm"], sub["pressure_mmhg"], color=color, lw=2, label=name, gid=name)
        own = sub["leg_girth_cm"].iloc[0]
        p_own = float(np.interp(own, sub["girth_cm"], sub["pressure_mmhg"]))
        ax.plot([own], [p_own], "o", color=color, mec="white", ms=7, zorder=5)
    if standard:
        b = table[table["landmark"] == "B"]
        cls = target_class
        if cls is None and len(b):
            own = b["leg_girth_cm"].iloc[0]
            cls = classify(float(np.interp(own, b["girth_cm"], b["pressure_mmhg"])), standard)
        if cls is not None:
            lo, hi = class_range(standard, cls)
            hi = hi if np.isfinite(hi) else lo * 1.25
            ax.axhspan(lo, hi, color="#dcefdc", zorder=0, label=f"{standard} class {cls} at B")
            if len(b):
                inside = b[(b["pressure_mmhg"] >= lo) & (b["pressure_mmhg"] <= hi)]
                if len(inside):
                    ax.axvspan(
                        inside["girth_cm"].min(),
                        inside["girth_cm"].max(),
                        ymax=0.03,
                        color=_LANDMARK_COLORS["B"],
                        gid="B-fits",
                        label=f"B in class: {inside['girth_cm'].min():.1f}-"
                        f"{inside['girth_cm'].max():.1f} cm",
                    )
    ax.set_xlabel("Leg girth at the measuring point (cm)")
    ax.set_ylabel("Pressure (mmHg), Laplace")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.set_title(
        f"{getattr(stocking, 'name', '') or stocking.fabric.name}: pressure vs girth", fontsize=10
    )
    place_legend(ax, fontsize=8)
    if filename is not None:
        save_figure(fig, filename)
    return fig


# ----------------------------------------------------------------------------------------------
def plot_hysteresis(
    fabric,
    result=None,
    filename: str | Path | None = None,
    direction: str = "course",
    ax=None,
):
    """A fabric's loading and unloading curves, with a stocking's working points.

    Parameters
    ----------
    fabric : Fabric
    result : PressureResult, optional
        A stocking on a leg: each covered landmark's hoop strain is marked on the unloading
        branch (the branch a worn stocking follows) with its name.
    filename : str or Path, optional
    direction : {"course", "wale"}
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        The loop (the area between the branches, shaded, is the energy lost per cycle) and
        the working points at ``(strain, T_unloading(strain))``.
    """
    if not hasattr(fabric, "tension"):
        raise errors.PlotError(f"plot_hysteresis needs a Fabric, got {type(fabric).__name__}.")
    lo, hi = fabric.valid_strain_range(direction)
    eps = np.linspace(lo, hi, 300)
    load = fabric.tension(eps, direction, "loading")
    unload = fabric.tension(eps, direction, "unloading")
    fig, ax = new_figure((7.0, 5.0), ax)
    ax.plot(eps * 100, load, color="C3", lw=2, label="loading", gid="loading")
    ax.plot(eps * 100, unload, color="C0", lw=2, label="unloading", gid="unloading")
    ax.fill_between(eps * 100, unload, load, color="0.85", zorder=0, label="hysteresis loss")
    if result is not None:
        from stockingsim.viz._profile import covered_profile

        prof = covered_profile(result)
        strain = np.asarray(prof["strain"], dtype=float)
        tension = fabric.tension(strain, direction, "unloading")
        ax.plot(
            strain * 100,
            tension,
            "o",
            color="k",
            ms=7,
            mfc="gold",
            zorder=5,
            label="working points",
            gid="working-points",
        )
        for name, x, y in zip(prof.index, strain * 100, tension):
            ax.annotate(
                str(name),
                (x, y),
                xytext=(-4, 6),
                textcoords="offset points",
                ha="right",
                fontsize=9,
                fontweight="bold",
            )
    ax.set_xlabel(f"Strain, {direction} (%)")
    ax.set_ylabel("Tension (N/m)")
    ax.set_xlim(lo * 100, hi * 100)
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.set_title(f"{fabric.name}: {direction} hysteresis", fontsize=10)
    place_legend(ax, fontsize=8)
    if filename is not None:
        save_figure(fig, filename)
    return fig
