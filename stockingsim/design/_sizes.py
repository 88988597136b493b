"""Size ranges: which legs a stocking fits, and populations of legs.

Public names are re-exported by :mod:`stockingsim.design`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors, standards
from stockingsim import vocabulary as vocab
from stockingsim.design._laplace import laplace_pressure
from stockingsim.design._targets import Target, resolve_target
from stockingsim.vocabulary import LANDMARKS as LANDMARK_ORDER

#: Tolerance (mmHg) within which a leg "meets" an explicit {landmark: mmHg} target (no class to
#: check). Assumption: about the repeatability of interface pressure measurements.
EXPLICIT_TARGET_TOL_MMHG = 3.0

_STYLE_TOP = vocab.STYLES

#: Illustrative chart distribution for :func:`sample_population` (cm). Means and spreads are
#: assumptions chosen to span typical ready-to-wear size charts (cB about 18-28 cm, cC about
#: 28-45 cm); they are NOT survey statistics. Girths are built as cB times ratios so that legs stay
#: plausible; heights scale with the leg length.
POPULATION_DISTRIBUTION: Mapping[str, tuple[float, float]] = {
    "cB": (22.0, 1.8),  # ankle girth: mean, sd (cm)
    "cC/cB": (1.62, 0.10),  # calf / ankle
    "cD/cC": (0.90, 0.03),  # below knee / calf
    "cE/cC": (1.00, 0.04),  # knee / calf
    "cF/cC": (1.42, 0.08),  # mid-thigh / calf
    "cG/cF": (1.10, 0.04),  # upper thigh / mid-thigh
    "lG": (74.0, 4.0),  # height of G above the sole (cm)
}
#: Landmark heights as fractions of lG (assumption, typical proportions).
_HEIGHT_FRACTIONS = {"B": 0.15, "B1": 0.27, "C": 0.42, "D": 0.55, "E": 0.65, "F": 0.84, "G": 1.0}


# --------------------------------------------------------------------------------------------
# populations
# --------------------------------------------------------------------------------------------


def sample_charts(
    n: int, seed: int = 0, distribution: Mapping[str, tuple[float, float]] | None = None
) -> pd.DataFrame:
    """Random measurement charts (cm) from an illustrative distribution.

    Parameters
    ----------
    n : int
        Number of charts.
    seed : int
        Seed of ``numpy.random.default_rng``.
    distribution : mapping, optional
        Overrides of :data:`POPULATION_DISTRIBUTION` (``name: (mean, sd)``), normal, clipped at
        +-2.5 sd.

    Returns
    -------
    pandas.DataFrame
        One row per chart: ``cB, cB1, cC, cD, cE, cF, cG`` and ``lB ... lG`` in cm.
    """
    if int(n) < 1:
        raise errors.DesignError(f"n must be >= 1, got {n}")
    dist = dict(POPULATION_DISTRIBUTION)
    dist.update(distribution or {})
    rng = np.random.default_rng(seed)

    def draw(key):
        mu, sd = dist[key]
        return mu + sd * np.clip(rng.standard_normal(int(n)), -2.5, 2.5)

    c_b = draw("cB")
    c_c = c_b * draw("cC/cB")
    c_d = c_c * draw("cD/cC")
    c_e = c_c * draw("cE/cC")
    c_f = c_c * draw("cF/cC")
    c_g = c_f * draw("cG/cF")
    c_b1 = c_b + 0.35 * (c_c - c_b)  # B1 about a third of the way from B to C (DESIGN.md 4)
    l_g = draw("lG")
    df = pd.DataFrame(
        {"cB": c_b, "cB1": c_b1, "cC": c_c, "cD": c_d, "cE": c_e, "cF": c_f, "cG": c_g}
    )
    for lm, frac in _HEIGHT_FRACTIONS.items():
        df["l" + lm] = frac * l_g
    return df


def sample_population(
    n: int,
    seed: int = 0,
    *,
    distribution: Mapping[str, tuple[float, float]] | None = None,
    n_theta: int = 48,
    step_m: float = 0.01,
) -> list[Any]:
    """Parametric legs sampled over an illustrative measurement-chart distribution.

    Parameters
    ----------
    n : int
        Number of legs.
    seed : int
        Random seed (same seed, same legs).
    distribution : mapping, optional
        Overrides of :data:`POPULATION_DISTRIBUTION`.
    n_theta, step_m : int, float
        Resolution of the parametric meshes (coarse by default: size charts need girths, not
        fine curvature).

    Returns
    -------
    list of Leg
        Legs named ``pop<seed>-<i>``, landmarks at the chart heights (so their girths there are
        the chart's, see :func:`sample_charts`).
    """
    from stockingsim.leg import parametric_leg

    charts = sample_charts(n, seed, distribution)
    legs = []
    for i, row in charts.iterrows():
        leg = parametric_leg(
            {k: float(v) for k, v in row.items()},
            n_theta=n_theta,
            step_m=step_m,
            name=f"pop{seed}-{i}",
        )
        # the measuring points where the chart puts them (girths there = the chart's)
        legs.append(leg.with_landmarks({lm: row["l" + lm] / 100 for lm in LANDMARK_ORDER}))
    return legs


def _as_legs(legs: Any) -> list[Any]:
    if isinstance(legs, int | np.integer):
        return sample_population(int(legs))
    if hasattr(legs, "landmarks"):
        return [legs]
    out = []
    for leg in legs:
        if isinstance(leg, str) or hasattr(leg, "__fspath__"):
            from stockingsim.leg import load_leg

            leg = load_leg(leg)
        out.append(leg)
    if not out:
        raise errors.DesignError("no legs given; pass a list of Leg objects, mesh paths or a count")
    return out


def leg_table(legs: Sequence[Any]) -> pd.DataFrame:
    """Landmark heights and hull circumferences (cm) of legs, NaN where a leg lacks a landmark.

    Columns ``leg``, ``c<lm>_cm`` and ``h<lm>_cm`` for ``lm`` in B, B1, C, D, E, F, G.
    """
    rows = []
    for leg in legs:
        lms = leg.landmarks
        row: dict[str, Any] = {"leg": str(getattr(leg, "name", ""))}
        for lm in LANDMARK_ORDER:
            row[f"c{lm}_cm"] = 100 * lms[lm].circumference_m if lm in lms else np.nan
            row[f"h{lm}_cm"] = 100 * lms[lm].height_m if lm in lms else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# compliance, vectorized over (..., landmark)
# --------------------------------------------------------------------------------------------


def _class_compliance(
    p: np.ndarray, std: str, cls: str, gradient_kw: Mapping[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    """(class_ok, gradient_ok) for pressures p[..., L] (NaN = not covered / missing)."""
    c = standards.STANDARDS[std]["classes"][cls]
    p_b = p[..., 0]
    lo, hi = float(c["lo"]), c["hi"]
    ok = (p_b > lo) if c.get("lo_open") else (p_b >= lo)
    if hi is not None:
        ok &= (p_b < hi) if c.get("hi_open") else (p_b <= hi)
    rules = standards.gradient_rules(
        std,
        include_unconfirmed=gradient_kw.get("include_unconfirmed", True),
        ranges=gradient_kw.get("ranges"),
    )
    tol = float(gradient_kw.get("tol_mmhg", 0.0))
    grad = np.isfinite(p_b) & (p_b > 0)
    prev = p_b.copy()
    for j, lm in enumerate(LANDMARK_ORDER):
        pj = p[..., j]
        has = np.isfinite(pj)
        lo_f, hi_f = rules.loc[lm, ["min_fraction", "max_fraction"]].astype(float)
        if np.isfinite(lo_f):
            grad &= ~has | (pj >= lo_f * p_b - tol)
        if np.isfinite(hi_f):
            grad &= ~has | (pj <= hi_f * p_b + tol)
        if j > 0 and gradient_kw.get("monotone", True):
            grad &= ~has | (pj <= prev + tol)
        prev = np.where(has, pj, prev)
    return ok & np.isfinite(p_b), grad


def _target_compliance(p: np.ndarray, t: np.ndarray, tol: float) -> np.ndarray:
    has = np.isfinite(p) & np.isfinite(t)
    return np.all(~has | (np.abs(p - t) <= tol), axis=-1) & np.any(has, axis=-1)


def _covered_mask(style: str, lm_heights_cm: np.ndarray) -> np.ndarray:
    """(n_legs, L) True where the style covers the landmark (B up to the style's top)."""
    top = _STYLE_TOP[style]
    upto = LANDMARK_ORDER.index(top)
    mask = np.zeros(lm_heights_cm.shape, dtype=bool)
    mask[:, : upto + 1] = True
    return mask & np.isfinite(lm_heights_cm)


def _targets_at_landmarks(tgt: Target, table: pd.DataFrame) -> np.ndarray:
    """Target pressure (mmHg) per leg and landmark, (n_legs, L)."""
    out = np.full((len(table), len(LANDMARK_ORDER)), np.nan)
    for i, row in table.iterrows():
        lm_h = {
            lm: row[f"h{lm}_cm"] / 100 for lm in LANDMARK_ORDER if np.isfinite(row[f"h{lm}_cm"])
        }
        hs = np.array([lm_h.get(lm, np.nan) for lm in LANDMARK_ORDER])
        ok = np.isfinite(hs)
        if ok.any():
            out[i, ok] = tgt.at_heights(hs[ok], lm_h)
    return out


# --------------------------------------------------------------------------------------------
# size_coverage
# --------------------------------------------------------------------------------------------


def size_coverage(
    stocking: Any,
    legs: Any,
    target: Any = vocab.DEFAULT_TARGET,
    method: str = "laplace",
    *,
    tol_mmhg: float = EXPLICIT_TARGET_TOL_MMHG,
    gradient: Mapping[str, Any] | None = None,
    strain_window: tuple[float, float] | None = None,
    **simulate_options: Any,
) -> pd.DataFrame:
    """Which legs get a compliant pressure profile from one stocking.

    For a class target (``"STANDARD:CLASS"``) a leg is compliant when the pressure at B is in the
    class and the profile passes :func:`stockingsim.standards.check_gradient`; for an explicit
    target (mapping, function) when every covered landmark is within ``tol_mmhg`` of it.

    Parameters
    ----------
    stocking : Stocking or Kit
    legs : Leg, list of Leg / mesh paths, or int
        An int samples that many legs with :func:`sample_population`.
    target : str, mapping or callable
        As in :func:`design_stocking`.
    method : str
        Pressure method. ``laplace`` is evaluated in closed form at the landmarks
        (``p = T(C/c0 - 1) 2 pi / C``, the same law :func:`stockingsim.simulate` applies);
        other methods run :func:`stockingsim.simulate` per leg.
    tol_mmhg : float
        Tolerance for explicit targets (assumption, default 3 mmHg).
    gradient : mapping, optional
        Options of the gradient check (``ranges``, ``include_unconfirmed``, ``monotone``,
        ``tol_mmhg``).
    strain_window : (float, float), optional
        The designer's working range of hoop strain (e.g. ``(0.3, 0.7)``): a leg also needs the
        strain at the sizing points (B and C; G too for AG/AT) inside it (comfort, durability,
        staying off the steep start of the curve). None (default): no strain condition.
    **simulate_options
        Passed to :func:`stockingsim.simulate`.

    Returns
    -------
    pandas.DataFrame
        One row per leg: ``leg``, ``cB_cm``, ``cC_cm``, ``cG_cm``, ``<lm>_mmhg`` for each
        landmark (NaN where not covered), ``class``, ``class_ok``, ``gradient_ok``,
        ``strain_min``, ``strain_max``, ``strain_ok``, ``compliant`` and ``note`` (why a leg could not be evaluated). ``df.attrs`` holds
        ``coverage_percent`` and ``target``.
    """
    legs = _as_legs(legs)
    tgt = resolve_target(target)
    table = leg_table(legs)
    n_lm = len(LANDMARK_ORDER)
    p = np.full((len(legs), n_lm), np.nan)
    strain = np.full((len(legs), n_lm), np.nan)
    notes = [""] * len(legs)
    for i, leg in enumerate(legs):
        try:
            bottom, top = stocking.coverage_m(leg)
            lms = leg.landmarks
            names = [
                lm
                for lm in LANDMARK_ORDER
                if lm in lms and bottom - 1e-6 <= lms[lm].height_m <= top + 1e-6
            ]
            idx = [LANDMARK_ORDER.index(lm) for lm in names]
            hs = np.array([lms[lm].height_m for lm in names])
            cs = np.array([lms[lm].circumference_m for lm in names])
            c0 = stocking.relaxed_circumference_at(leg, hs)
            strain[i, idx] = cs / c0 - 1.0
            if method == "laplace":
                p[i, idx] = _landmark_laplace(stocking, leg, hs, cs, c0)
            else:
                from stockingsim.solvers import simulate

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", errors.NoContactWarning)
                    res = simulate(leg, stocking, method=method, **simulate_options)
                p[i, idx] = res.profile.loc[names, "pressure_mmhg"].to_numpy(float)
        except errors.StockingSimError as exc:
            notes[i] = f"{type(exc).__name__}: {exc}"
    out = pd.DataFrame(
        {
            "leg": table["leg"],
            "cB_cm": table["cB_cm"],
            "cC_cm": table["cC_cm"],
            "cG_cm": table["cG_cm"],
        }
    )
    for j, lm in enumerate(LANDMARK_ORDER):
        out[f"{lm}_mmhg"] = p[:, j]
    if tgt.standard is not None:
        class_ok, grad_ok = _class_compliance(p, tgt.standard, tgt.cls, gradient or {})
        out["class"] = list(standards.classify(p[:, 0], tgt.standard))
        out["class_ok"] = class_ok
        out["gradient_ok"] = grad_ok
        out["compliant"] = class_ok & grad_ok
    else:
        t = _targets_at_landmarks(tgt, table)
        out["class"] = None
        out["class_ok"] = np.nan
        out["gradient_ok"] = np.nan
        out["compliant"] = _target_compliance(p, t, tol_mmhg)
    s_ok = _strain_ok(_sizing_only(strain, stocking.style), strain_window)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out["strain_min"] = np.nanmin(strain, axis=1)
        out["strain_max"] = np.nanmax(strain, axis=1)
    out["strain_ok"] = s_ok
    out["compliant"] = out["compliant"].to_numpy(bool) & s_ok
    out["note"] = notes
    out.attrs["coverage_percent"] = 100.0 * float(out["compliant"].mean())
    out.attrs["target"] = tgt.label
    return out


def _sizing_only(strain: np.ndarray, style: str) -> np.ndarray:
    """Keep the strains at the sizing points (B, C; G for AG/AT), NaN elsewhere."""
    points = ("B", "C", "G") if _STYLE_TOP[style] == "G" else ("B", "C")
    mask = np.array([lm in points for lm in LANDMARK_ORDER])
    return np.where(mask, strain, np.nan)


def _strain_ok(strain: np.ndarray, window: tuple[float, float] | None) -> np.ndarray:
    """True where every finite strain along the last axis is inside the window."""
    if window is None:
        return np.ones(strain.shape[:-1], dtype=bool)
    lo, hi = (float(x) for x in window)
    if not lo < hi:
        raise errors.DesignError(f"strain_window must be (low, high) with low < high, got {window}")
    has = np.isfinite(strain)
    return np.all(~has | ((strain >= lo) & (strain <= hi)), axis=-1)


def _landmark_laplace(stocking: Any, leg: Any, hs: np.ndarray, cs: np.ndarray, c0) -> np.ndarray:
    """Laplace pressure (mmHg) at the landmarks, with the extra layers of a kit, fold or band.

    The same law the ``laplace`` method applies: ``p = (T + T_extra) 2 pi / C``.
    """
    p = laplace_pressure(stocking.fabric, c0, cs)
    if getattr(stocking, "bands", ()) or getattr(stocking, "has_layers", False):
        extra = np.asarray(stocking.band_tension(leg, hs, cs), dtype=float)
        p = p + extra * 2.0 * np.pi / cs / vocab.PA_PER_MMHG
    return p
