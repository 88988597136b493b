"""The comparison sheet: several stockings, fabrics or methods on one leg, on one page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from stockingsim import errors
from stockingsim.viz._helpers import (
    as_labelled,
    covered_pressure,
    require_matplotlib,
    resolve_clim,
    save_figure,
)


def comparison_table(results, labels=None, standard: str = "RAL-GZ 387") -> pd.DataFrame:
    """Pressure, class and gradient verdict per landmark for several results.

    Returns a DataFrame indexed by (label, landmark) with ``pressure_mmhg``, ``percent_of_B``,
    ``class_at_B`` and ``gradient_ok`` (the standard's verdict for that landmark; NaN where the
    stocking does not cover it).
    """
    from stockingsim.standards import check_gradient, classify

    frames = []
    for label, result in as_labelled(results, labels):
        prof = result.profile
        covered = np.isfinite(np.asarray(prof["strain"], dtype=float))
        p = prof["pressure_mmhg"].where(covered)
        p_b = float(p.get("B", np.nan))
        try:
            verdict = check_gradient(result, standard=standard)["passed"]
        except errors.StockingSimError:
            verdict = pd.Series(dtype=object)
        frame = pd.DataFrame(
            {
                "pressure_mmhg": p,
                "percent_of_B": 100 * p / p_b if np.isfinite(p_b) and p_b > 0 else np.nan,
                "class_at_B": classify(p_b, standard) if np.isfinite(p_b) else None,
                "gradient_ok": verdict.reindex(prof.index),
            }
        )
        frame.index.name = "landmark"
        frames.append(frame.assign(label=label).set_index("label", append=True))
    out = pd.concat(frames).reorder_levels(["label", "landmark"])
    return out


def _cell(value, fmt="{:.1f}") -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "-"
    if isinstance(value, bool | np.bool_):
        return "ok" if value else "FAIL"
    return fmt.format(value) if isinstance(value, float | np.floating) else str(value)


def compare_sheet(
    results,
    filename: str | Path | None = None,
    labels=None,
    standard: str = "RAL-GZ 387",
    target=None,
    title: str | None = None,
):
    """One page comparing stockings, fabrics or methods on a leg.

    Parameters
    ----------
    results : sequence or {label: PressureResult}
        Two to six results (the same leg, or comparable legs).
    filename : str or Path, optional
        ``.png`` or ``.pdf`` (one page).
    labels : sequence of str, optional
    standard : str
        Standard for the class bands, the class at B and the gradient verdict.
    target : optional
        Design target for the profile (see :func:`plot_profile`).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Top left: the profiles overlaid. Top right: the unrolled maps, one colour scale for
        all (a single colour bar). Bottom: the table of pressure (mmHg), % of B and gradient
        verdict per landmark, and the class at B, one column per result.
    """
    from stockingsim.viz._profile import plot_profile
    from stockingsim.viz._unrolled import plot_unrolled

    items = as_labelled(results, labels)
    if not 1 <= len(items) <= 6:
        raise errors.PlotError(f"compare_sheet takes 1 to 6 results, got {len(items)}.")
    figure = require_matplotlib("Comparison sheets")
    fig = figure.Figure(figsize=(11.7, 8.3), layout="constrained")  # A4 landscape
    grid = fig.add_gridspec(2, 2, height_ratios=[2.2, 1.0], width_ratios=[1.0, 1.6])
    ax_profile = fig.add_subplot(grid[0, 0])
    plot_profile(
        [r for _, r in items],
        ax=ax_profile,
        labels=[lab for lab, _ in items],
        standard=standard,
        target=target,
        show_range=False,
    )
    maps = grid[0, 1].subgridspec(1, len(items))
    # one colour scale for every map (robust: a few spikes do not darken them all)
    clim = resolve_clim("robust", np.concatenate([covered_pressure(r) for _, r in items]))
    axes = []
    for k, (label, result) in enumerate(items):
        ax = fig.add_subplot(maps[0, k])
        plot_unrolled(result, clim=clim, ax=ax, title=label, colorbar=False)  # one shared bar
        ax.tick_params(labelsize=7)
        ax.set_xticks([-180, 0, 180], ["back", "front", "back"])
        ax.set_xlabel("")
        if k:
            ax.set_ylabel("")
        axes.append(ax)
    mesh = axes[0].collections[0]
    colorbar = fig.colorbar(mesh, ax=axes, shrink=0.8, extend="max")
    colorbar.set_label("Pressure (mmHg), one scale for all maps")
    table = comparison_table([r for _, r in items], [lab for lab, _ in items], standard)
    ax_table = fig.add_subplot(grid[1, :])
    ax_table.axis("off")
    landmarks = list(dict.fromkeys(table.index.get_level_values("landmark")))
    rows, row_labels = [], []
    for lm in landmarks:
        for what, key, fmt in (
            ("mmHg", "pressure_mmhg", "{:.1f}"),
            ("% of B", "percent_of_B", "{:.0f}"),
            ("gradient", "gradient_ok", None),
        ):
            row_labels.append(f"{lm} {what}")
            rows.append(
                [
                    _cell(
                        table.loc[(lab, lm), key] if (lab, lm) in table.index else None, fmt or "{}"
                    )
                    for lab, _ in items
                ]
            )
    row_labels.append("class at B")
    rows.append([_cell(table.loc[lab, "class_at_B"].iloc[0]) for lab, _ in items])
    shown = [i for i, r in enumerate(rows) if any(c != "-" for c in r)]
    cell_table = ax_table.table(
        cellText=[rows[i] for i in shown],
        rowLabels=[row_labels[i] for i in shown],
        colLabels=[lab for lab, _ in items],
        loc="upper center",
        cellLoc="center",
    )
    cell_table.auto_set_font_size(False)
    cell_table.set_fontsize(7)
    cell_table.set_gid("comparison-table")
    fig.suptitle(
        title or f"Comparison on {getattr(items[0][1].leg, 'name', 'the leg')}", fontsize=12
    )
    fig.comparison_table = table  # the numbers behind the page, for tests and reports
    if filename is not None:
        save_figure(fig, filename)
    return fig
