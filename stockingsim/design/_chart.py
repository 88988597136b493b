"""N-size charts: the relaxed sizes that cover the most legs of a population.

Public names are re-exported by :mod:`stockingsim.design`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors, standards
from stockingsim import vocabulary as vocab
from stockingsim._checks import as_fabric
from stockingsim.design._laplace import invert_laplace, laplace_pressure
from stockingsim.design._sizes import (
    _STYLE_TOP,
    EXPLICIT_TARGET_TOL_MMHG,
    _as_legs,
    _class_compliance,
    _covered_mask,
    _sizing_only,
    _strain_ok,
    _target_compliance,
    _targets_at_landmarks,
    leg_table,
    size_coverage,
)
from stockingsim.design._targets import resolve_target
from stockingsim.vocabulary import LANDMARKS as LANDMARK_ORDER

# --------------------------------------------------------------------------------------------
# size_chart
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class SizeChart:
    """An N-size chart and how many legs of a population it fits.

    Attributes
    ----------
    chart : pandas.DataFrame
        One row per size (``S1`` smallest): the cB and cC ranges (cm) of the legs assigned to the
        size (``cG`` too for AG/AT), ``n_legs`` assigned, the design girths of the size's
        representative leg, the relaxed circumference and flat width at B, C (and G), and, for a
        class target, ``cB_class_min_cm``/``cB_class_max_cm``: the ankle girths over which the
        size gives the class at B (Laplace, closed form).
    coverage_percent : float
        Percentage of the legs that get a compliant profile from at least one size.
    assignment : pandas.DataFrame
        Per leg: girths, ``size`` (the compliant size whose design cB is nearest; None if none
        fits) and one boolean column per size (compliant or not).
    stockings : dict of str to Stocking
        The sizes, relaxed circumference per landmark (placed on any leg by its landmarks).
    target, method, style : str
    """

    chart: pd.DataFrame
    coverage_percent: float
    assignment: pd.DataFrame
    stockings: dict
    target: str
    method: str
    style: str

    def __repr__(self) -> str:
        with pd.option_context("display.width", 160, "display.max_columns", 30):
            return (
                f"SizeChart: {len(self.chart)} sizes, target {self.target}, style {self.style}, "
                f"method {self.method}: coverage {self.coverage_percent:.1f} % of "
                f"{len(self.assignment)} legs\n" + self.chart.round(1).to_string()
            )

    def _repr_html_(self) -> str:
        return f"<p>{repr(self).splitlines()[0]}</p>" + self.chart.round(1).to_html()

    def to_size_chart(self, length_cm: tuple[float, float] | None = None) -> Any:
        """The chart as a product chart for fitting patients (:class:`stockingsim.SizeChart`).

        See :meth:`stockingsim.fitting.SizeChart.from_design`.
        """
        from stockingsim.fitting import SizeChart as ProductChart

        return ProductChart.from_design(self, length_cm=length_cm)


def _kmeans_1d_order(x: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """Cluster labels of standardized features by k-means (scipy), deterministic."""
    from scipy.cluster.vq import kmeans2

    z = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    # initialise on quantiles of the first feature (cB), the way size charts are laid out
    order = np.argsort(z[:, 0])
    init = np.array([z[order[int((i + 0.5) * len(z) / k)]] for i in range(k)])
    _, labels = kmeans2(z, init, minit="matrix", rng=seed)
    return labels


def size_chart(
    legs: Any,
    fabric: Any,
    n_sizes: int = 3,
    target: Any = vocab.DEFAULT_TARGET,
    style: str = vocab.DEFAULT_STYLE,
    *,
    method: str = "laplace",
    max_strain: float | None = None,
    tol_mmhg: float = EXPLICIT_TARGET_TOL_MMHG,
    gradient: Mapping[str, Any] | None = None,
    strain_window: tuple[float, float] | None = None,
    axial_prestrain: float | None = None,
    **simulate_options: Any,
) -> SizeChart:
    """Choose ``n_sizes`` stockings that give a compliant profile to as many legs as possible.

    Candidates: one stocking designed (Laplace, exact at the landmarks) on every leg of the
    population taken as the representative of a size (for a class target at 0.9, 1 and 1.1 times
    the mid-class profile), plus one per k-means cluster of the legs' (cB, cC) designed on the
    cluster's median girths. Sizes are ready-to-wear: the relaxed
    circumference is given per landmark and placed on each leg by its landmarks. The compliance
    of every candidate on every leg is computed in closed form (Laplace at the landmarks); N
    sizes are chosen greedily for the largest union coverage (maximum coverage, (1 - 1/e)
    optimal) and then improved by single swaps until no swap helps. With ``method`` other than
    ``laplace`` the chosen sizes are re-evaluated with :func:`stockingsim.simulate` and the
    coverage reported is that method's.

    Parameters
    ----------
    legs : list of Leg / mesh paths, or int
        The population (an int samples that many legs with :func:`sample_population`).
    fabric : Fabric or str
        The knit (or a preset name). Not a :class:`~stockingsim.Kit`: a chart is of single
        stockings.
    n_sizes : int
    target : str, mapping or callable
        As in :func:`design_stocking` (default class II RAL).
    style : str
        ``AD`` (chart by cB, cC), ``AF``, ``AG`` (cG as well), ``AT``.
    method : str
        Method for the final coverage (selection always uses Laplace).
    max_strain : float, optional
        Largest strain a design may use.
    tol_mmhg, gradient, strain_window
        As in :func:`size_coverage`. With a very elastic knit (a flat unloading plateau) the
        pressure hardly depends on the girth and one size may fit everyone; a working
        ``strain_window`` is then what separates the sizes.
    axial_prestrain : float, optional
        Passed to :class:`Stocking`.
    **simulate_options
        Passed to :func:`stockingsim.simulate` when ``method`` is not ``laplace``.

    Returns
    -------
    SizeChart
    """
    if getattr(fabric, "has_layers", False):
        raise errors.DesignError(
            "size_chart designs single ready-to-wear stockings (in closed form on every leg of "
            "the population); a Kit has no size chart of its own. Chart the outer layer's "
            "fabric, or design each leg's outer layer with design_stocking(leg, kit, target)."
        )
    fabric = as_fabric(fabric, "size_chart()")
    if int(n_sizes) < 1:
        raise errors.DesignError(f"n_sizes must be >= 1, got {n_sizes}")
    if style not in _STYLE_TOP:
        raise errors.StyleError(f"unknown style {style!r}; use AD, AF, AG or AT")
    legs = _as_legs(legs)
    tgt = resolve_target(target)
    table = leg_table(legs)
    c_m, covered, usable = _usable_legs(table, style)
    t_lm = _targets_at_landmarks(tgt, table)  # (n_legs, L)
    c0, reps, rep_c = _candidates(fabric, tgt, table, c_m, t_lm, usable, style, n_sizes, max_strain)
    fits = _candidate_fits(
        fabric, c0, c_m, covered, tgt, t_lm, style, tol_mmhg, gradient, strain_window
    )
    chosen = _max_coverage(fits, int(n_sizes))
    # sizes ordered by relaxed circumference at B
    chosen = sorted(chosen, key=lambda c: c0[c, 0])
    names = [f"S{i + 1}" for i in range(len(chosen))]
    stockings = _size_stockings(fabric, c0, chosen, names, tgt, style, axial_prestrain)
    if method == "laplace":
        fit_sel = fits[chosen]
    else:
        fit_sel = np.array(
            [
                size_coverage(
                    stockings[name],
                    legs,
                    tgt,
                    method,
                    tol_mmhg=tol_mmhg,
                    gradient=gradient,
                    strain_window=strain_window,
                    **simulate_options,
                )["compliant"].to_numpy(bool)
                for name in names
            ]
        )
    any_fit = fit_sel.any(axis=0)
    # assign each leg to the compliant size whose representative cB is nearest
    rep_cb = np.array([rep_c[c][0] for c in chosen])
    dist = np.abs(c_m[:, 0][None, :] - rep_cb[:, None])
    dist = np.where(fit_sel, dist, np.inf)
    assigned = np.where(any_fit, np.argmin(dist, axis=0), -1)

    assignment = table[["leg", "cB_cm", "cC_cm", "cG_cm"]].copy()
    assignment["size"] = [names[a] if a >= 0 else None for a in assigned]
    for s, name in enumerate(names):
        assignment[name] = fit_sel[s]
    rows = [
        _chart_row(fabric, table, tgt, style, name, c, c0, reps, rep_c, assigned == s, fit_sel[s])
        for s, (name, c) in enumerate(zip(names, chosen))
    ]
    return SizeChart(
        chart=pd.DataFrame(rows).set_index("size"),
        coverage_percent=100.0 * float(any_fit.mean()),
        assignment=assignment,
        stockings=stockings,
        target=tgt.label,
        method=method,
        style=style,
    )


def _usable_legs(table: pd.DataFrame, style: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Landmark girths (m), which landmarks the style covers, and the legs reaching B and top."""
    h_cm = table[[f"h{lm}_cm" for lm in LANDMARK_ORDER]].to_numpy(float)
    c_m = table[[f"c{lm}_cm" for lm in LANDMARK_ORDER]].to_numpy(float) / 100
    covered = _covered_mask(style, h_cm)
    top_j = LANDMARK_ORDER.index(_STYLE_TOP[style])
    usable = covered[:, 0] & covered[:, top_j]
    if not usable.any():
        raise errors.DesignError(
            f"no leg reaches both B and {_STYLE_TOP[style]} (style {style}); check the legs' "
            "landmarks or use a shorter style"
        )
    return c_m, covered, usable


def _candidates(fabric, tgt, table, c_m, t_lm, usable, style, n_sizes, max_strain):
    """Candidate relaxed circumferences at the landmarks, ``(n_cand, L)``.

    Also their labels and the girths of the leg (or cluster median) each was designed on.
    """
    cands: list[np.ndarray] = []
    reps: list[str] = []
    rep_c: list[np.ndarray] = []
    template = np.zeros(len(LANDMARK_ORDER), bool)
    template[: LANDMARK_ORDER.index(_STYLE_TOP[style]) + 1] = True

    def add(p_row, c_row, label):
        ok = np.isfinite(p_row) & np.isfinite(c_row) & template
        if not ok[0]:
            return
        try:
            c0, _, _ = invert_laplace(fabric, p_row[ok], c_row[ok], max_strain=max_strain)
        except errors.UnreachableTargetError:
            return
        row = np.full(len(LANDMARK_ORDER), np.nan)
        row[ok] = c0
        cands.append(row)
        reps.append(label)
        rep_c.append(c_row.copy())

    # class targets: also design at 0.9 and 1.1 x the mid-class profile (still inside the class
    # for every table here), which lets a size sit lower or higher in the class
    scales = (1.0, 0.9, 1.1) if tgt.standard is not None else (1.0,)
    for scale in scales:
        for i in np.nonzero(usable)[0]:
            label = table.loc[i, "leg"] + ("" if scale == 1.0 else f" x{scale:g}")
            add(scale * t_lm[i], c_m[i], label)
    k = min(int(n_sizes), int(usable.sum()))
    feats = c_m[usable][:, [0, LANDMARK_ORDER.index("C")]]
    if _STYLE_TOP[style] == "G":
        feats = np.column_stack([feats, c_m[usable][:, LANDMARK_ORDER.index("G")]])
    if np.all(np.isfinite(feats)) and k >= 1:
        labels = _kmeans_1d_order(feats, k)
        for j in range(k):
            members = np.nonzero(usable)[0][labels == j]
            if members.size == 0:
                continue
            add(
                np.nanmedian(t_lm[members], axis=0),
                np.nanmedian(c_m[members], axis=0),
                f"median of cluster {j + 1}",
            )
    if not cands:
        raise errors.UnreachableTargetError(
            f"no leg of the population can reach the target {tgt.label} with fabric "
            f"'{getattr(fabric, 'name', fabric)}' (strain beyond its range or max_strain); "
            "use a stiffer fabric or a lower target"
        )
    return np.array(cands), reps, rep_c


def _candidate_fits(
    fabric, c0, c_m, covered, tgt, t_lm, style, tol_mmhg, gradient, strain_window
) -> np.ndarray:
    """Which candidate fits which leg ``(n_cand, n_legs)``, in closed form (Laplace)."""
    # pressure of every candidate on every leg at its landmarks: (n_cand, n_legs, L)
    p = laplace_pressure(fabric, c0[:, None, :], c_m[None, :, :])
    p = np.where(covered[None, :, :] & np.isfinite(c0[:, None, :]), p, np.nan)
    fits = _fits(p, tgt, t_lm, tol_mmhg, gradient)  # (n_cand, n_legs)
    strain = np.where(
        covered[None, :, :] & np.isfinite(c0[:, None, :]),
        c_m[None, :, :] / c0[:, None, :] - 1,
        np.nan,
    )
    return fits & _strain_ok(_sizing_only(strain, style), strain_window)


def _size_stockings(fabric, c0, chosen, names, tgt, style, axial_prestrain) -> dict[str, Any]:
    """One ready-to-wear Stocking per chosen size (relaxed circumference per landmark)."""
    from stockingsim.stocking import Stocking

    stockings = {}
    for name, c in zip(names, chosen):
        mapping = {
            lm: float(c0[c, j]) for j, lm in enumerate(LANDMARK_ORDER) if np.isfinite(c0[c, j])
        }
        kw = {} if axial_prestrain is None else {"axial_prestrain": axial_prestrain}
        stockings[name] = Stocking(
            fabric, mapping, style=style, name=f"{tgt.label} size {name}", **kw
        )
    return stockings


def _chart_row(fabric, table, tgt, style, name, c, c0, reps, rep_c, members, fit_row) -> dict:
    """One row of the size chart: legs assigned, girth ranges, design girths, flat widths."""

    def span(column: str, reduce) -> float:
        return reduce(table[column][members]) if members.any() else np.nan

    row = {
        "size": name,
        "n_legs": int(members.sum()),
        "n_compliant": int(fit_row.sum()),
        "cB_min_cm": span("cB_cm", np.nanmin),
        "cB_max_cm": span("cB_cm", np.nanmax),
        "cC_min_cm": span("cC_cm", np.nanmin),
        "cC_max_cm": span("cC_cm", np.nanmax),
    }
    if _STYLE_TOP[style] == "G":
        row["cG_min_cm"] = span("cG_cm", np.nanmin)
        row["cG_max_cm"] = span("cG_cm", np.nanmax)
    row["representative"] = reps[c]
    row["design_cB_cm"] = 100 * rep_c[c][0]
    row["design_cC_cm"] = 100 * rep_c[c][LANDMARK_ORDER.index("C")]
    for lm in ("B", "C") + (("G",) if _STYLE_TOP[style] == "G" else ()):
        j = LANDMARK_ORDER.index(lm)
        row[f"relaxed_{lm}_cm"] = 100 * c0[c, j]
        row[f"flat_width_{lm}_cm"] = 50 * c0[c, j]
    if tgt.standard is not None:
        lo, hi = _class_cb_interval(fabric, c0[c, 0], tgt.standard, tgt.cls)
        row["cB_class_min_cm"] = 100 * lo
        row["cB_class_max_cm"] = 100 * hi
    return row


def _fits(p, tgt, t_lm, tol_mmhg, gradient) -> np.ndarray:
    if tgt.standard is not None:
        class_ok, grad_ok = _class_compliance(p, tgt.standard, tgt.cls, gradient or {})
        return class_ok & grad_ok
    return _target_compliance(p, t_lm[None, :, :], tol_mmhg)


def _max_coverage(fits: np.ndarray, n: int) -> list[int]:
    """Greedy maximum coverage, then single-swap improvement (fits: (n_cand, n_legs) bool)."""
    n = min(n, fits.shape[0])
    chosen: list[int] = []
    covered = np.zeros(fits.shape[1], dtype=bool)
    for _ in range(n):
        gain = (fits & ~covered).sum(axis=1)
        gain[chosen] = -1
        c = int(np.argmax(gain))
        chosen.append(c)
        covered |= fits[c]
    best = int(covered.sum())
    for _ in range(10):  # swap passes
        improved = False
        for slot in range(len(chosen)):
            others = np.zeros(fits.shape[1], dtype=bool)
            for s, c in enumerate(chosen):
                if s != slot:
                    others |= fits[c]
            totals = (fits | others).sum(axis=1)
            totals[chosen] = -1
            c = int(np.argmax(totals))
            if totals[c] > best:
                chosen[slot] = c
                best = int(totals[c])
                improved = True
        if not improved:
            break
    return chosen


def _class_cb_interval(fabric, c0_b: float, std: str, cls: str) -> tuple[float, float]:
    """Ankle girths (m) over which a relaxed ankle circumference gives the class (Laplace)."""
    _, hi = fabric.valid_strain_range("course")
    circ = c0_b * np.linspace(1.0, 1.0 + hi, 6001)
    p = laplace_pressure(fabric, c0_b, circ)
    names = standards.classify(p, std)
    ok = np.array([n == cls for n in names])
    if not ok.any():
        return np.nan, np.nan
    return float(circ[ok].min()), float(circ[ok].max())
