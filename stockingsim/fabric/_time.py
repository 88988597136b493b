"""The fabric over time: stress relaxation over hours of wear, fatigue over months (private).

Model (quasi-linear viscoelasticity, Fung Y.C. 1993, Biomechanics: Mechanical Properties of
Living Tissues, 2nd ed., Springer, ch. 7): held at a strain, the tension of the knit is its
elastic curve times a normalized relaxation function, ``T(eps, t) = g(t) T_e(eps)``, with
``g`` a Prony series (generalized Maxwell model: springs and dashpots in parallel)

    g(t) = g_inf + sum_i g_i exp(-t / tau_i),   g_inf + sum_i g_i = 1,

fitted in log time to a relaxation test (tension at constant strain over time). A worn stocking
sits at an almost constant strain (the leg's girth), which is the case the model is exact for.

Over weeks the knit also tires: the washed (recovered) stocking keeps a fraction

    f(d) = 1 - b ln(1 + d / d0)

of its tension after ``d`` days of daily wear, fitted per preset to published durability
figures (Veraart J.C.J.M., Daamen E., de Vet H.C.W., Neumann H.A.M. 1997, Elastic compression
stockings: durability of pressure in daily practice, Vasa 26:164-168: class II flat-knit,
ankle pressure 29.3 -> 27.6 -> 26.5 mmHg at 0, 1 and 3 months, round-knit class II comparable;
class III flat-knit 47.5 -> 44.2 -> 41.3 mmHg). Washing restores the day's relaxation (the set
of the loops); an overnight rest without washing restores only part of it (``rest_recovery``,
illustrative), so an unwashed stocking starts each day with a set carried over.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from stockingsim import errors

__all__ = ["TimeModel", "time_model", "relaxed", "aged", "from_relaxation_test", "retention"]


@dataclass(frozen=True)
class TimeModel:
    """Time parameters of a fabric.

    Parameters
    ----------
    weights : tuple of float
        Prony weights ``g_i`` (>= 0, sum < 1); ``g_inf = 1 - sum``.
    times_h : tuple of float
        Relaxation times ``tau_i`` in hours (> 0).
    fatigue_b, fatigue_d0_days : float
        The fatigue law ``f(d) = 1 - b ln(1 + d / d0)`` of the washed stocking.
    rest_recovery : float
        Fraction of the day's relaxation recovered by a night off the leg without a wash.
    floor : float
        The fatigue law never goes below this retained fraction (extrapolation guard).
    source : str
        Where the numbers come from.
    """

    weights: tuple[float, ...] = (0.04, 0.03)
    times_h: tuple[float, ...] = (0.5, 5.0)
    fatigue_b: float = 0.0406
    fatigue_d0_days: float = 9.45
    rest_recovery: float = 0.5
    floor: float = 0.5
    source: str = "illustrative"

    def __post_init__(self) -> None:
        w = tuple(float(x) for x in np.atleast_1d(self.weights))
        t = tuple(float(x) for x in np.atleast_1d(self.times_h))
        if len(w) != len(t) or any(x < 0 or not math.isfinite(x) for x in w) or sum(w) >= 1:
            raise errors.FabricError(
                f"Prony weights {w} must be >= 0, one per relaxation time, and sum below 1."
            )
        if any(x <= 0 or not math.isfinite(x) for x in t):
            raise errors.FabricError(f"relaxation times {t} must be positive hours.")
        if not (0 <= self.fatigue_b < 1 and self.fatigue_d0_days > 0):
            raise errors.FabricError("fatigue_b must be in [0, 1) and fatigue_d0_days > 0.")
        if not (0 <= self.rest_recovery <= 1 and 0 < self.floor <= 1):
            raise errors.FabricError("rest_recovery must be in [0, 1] and floor in (0, 1].")
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "times_h", t)

    def g(self, hours: Any) -> np.ndarray:
        """Normalized relaxation function ``g(t)`` (1 at t = 0)."""
        t = np.asarray(hours, dtype=float)
        w, tau = np.array(self.weights), np.array(self.times_h)
        return (1 - w.sum()) + np.sum(w * np.exp(-t[..., None] / tau), axis=-1)

    def fatigue(self, days: Any) -> np.ndarray:
        """Retained fraction of the washed stocking after ``days`` days of wear."""
        d = np.maximum(np.asarray(days, dtype=float), 0.0)
        return np.maximum(1 - self.fatigue_b * np.log1p(d / self.fatigue_d0_days), self.floor)

    def to_json(self) -> str:
        return json.dumps({k: getattr(self, k) for k in self.__dataclass_fields__})

    @classmethod
    def from_json(cls, text: str) -> TimeModel:
        d = json.loads(text)
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


def _preset_table() -> dict[str, dict]:
    text = resources.files("stockingsim").joinpath("data/fabric_time.json").read_text("utf-8")
    return json.loads(text)["presets"]


def time_model(fabric: Any) -> TimeModel:
    """The fabric's time parameters: fitted, its preset's, or the illustrative default."""
    info = getattr(fabric, "info", {}) or {}
    if "time_model" in info:
        return TimeModel.from_json(info["time_model"])
    table = _preset_table()
    if getattr(fabric, "name", None) in table:
        return TimeModel(**{k: v for k, v in table[fabric.name].items() if k != "notes"})
    return TimeModel()


def _scaled(fabric: Any, factor: float, label: str, model: TimeModel) -> Any:
    prov = dict(fabric.provenance)
    prov["time_model"] = model.to_json()
    prov["retained_fraction"] = float(prov.get("retained_fraction", 1.0)) * factor
    return replace(
        fabric,
        name=f"{fabric.name} ({label})",
        course_loading=fabric.course_loading.scaled(factor),
        course_unloading=fabric.course_unloading.scaled(factor),
        wale_loading=fabric.wale_loading.scaled(factor),
        wale_unloading=fabric.wale_unloading.scaled(factor),
        provenance=tuple(prov.items()),
    )


def _nonneg(value: Any, what: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError) as exc:
        raise errors.FabricError(f"{what} must be a number, got {value!r}.") from exc
    if not math.isfinite(x) or x < 0:
        raise errors.FabricError(f"{what} must be a finite number >= 0, got {value!r}.")
    return x


def relaxed(fabric: Any, hours: float) -> Any:
    """The fabric after ``hours`` at its working strain: every curve times ``g(hours)``."""
    h = _nonneg(hours, "hours")
    if h > 24 * 7:
        raise errors.FabricError(
            f"hours={h:g} is more than a week; relaxed() is for hours of wear, use "
            "aged(days=...) for weeks and months."
        )
    model = time_model(fabric)
    return _scaled(fabric, float(model.g(h)), f"relaxed {h:g} h", model)


def retention(
    model: TimeModel,
    days: float,
    washes: float | None = None,
    hours_per_day: float = 8.0,
    at_hours: float = 0.0,
    days_since_wash: float | None = None,
) -> float:
    """Retained tension fraction after ``days`` of daily wear and ``washes`` washes.

    The washes are spread evenly; the stocking is taken ``at_hours`` into a day that starts
    ``m`` days after its last wash (``m = round(days / washes) - 1``; all days when never
    washed), carrying the unrecovered set ``(1 - g(hours_per_day)) (1 - rest_recovery)`` of each
    of those days, times the fatigue of the washed stocking ``f(days)`` and ``g(at_hours)``.
    ``days_since_wash`` gives ``m`` directly.
    """
    d = _nonneg(days, "days")
    n_w = d if washes is None else _nonneg(washes, "washes")
    if n_w > d + 1e-9:
        raise errors.FabricError(f"washes={n_w:g} is more than the days of wear ({d:g}).")
    since = d if n_w == 0 else max(0.0, round(d / n_w) - 1.0)
    if days_since_wash is not None:
        since = min(_nonneg(days_since_wash, "days_since_wash"), d)
    day_loss = 1.0 - float(model.g(_nonneg(hours_per_day, "hours_per_day")))
    carried = (1.0 - day_loss * (1.0 - model.rest_recovery)) ** since
    return float(model.fatigue(d)) * carried * float(model.g(_nonneg(at_hours, "at_hours")))


def aged(fabric: Any, days: float, washes: float | None = None, hours_per_day: float = 8.0) -> Any:
    """The fabric at the start of a day after ``days`` of daily wear and ``washes`` washes."""
    model = time_model(fabric)
    f = retention(model, days, washes, hours_per_day)
    label = f"aged {float(days):g} d" + ("" if washes is None else f", {float(washes):g} washes")
    return _scaled(fabric, f, label, model)


# --------------------------------------------------------------------------------------------
def _numeric(df: Any, col: str, name: str) -> np.ndarray:
    try:
        return df[col].to_numpy(float)
    except (TypeError, ValueError) as exc:
        raise errors.TensileDataError(
            f"{name}: column {col!r} has values that are not numbers ({exc}); remove units or "
            "text from the data rows."
        ) from exc


def _read_relaxation_csv(path: Any, width_mm: float | None) -> tuple[np.ndarray, np.ndarray]:
    import pandas as pd

    p = Path(os.fspath(path))
    if not p.is_file():
        raise errors.FabricFileError(f"relaxation test file {str(p)!r} not found.")
    try:
        df = pd.read_csv(p)
    except Exception as exc:
        raise errors.FabricFileError(f"cannot read {str(p)!r} as CSV: {exc}.") from exc
    cols = {c.strip().lower(): c for c in df.columns}
    if "time_h" in cols:
        t = _numeric(df, cols["time_h"], p.name)
    elif "time_s" in cols:
        t = _numeric(df, cols["time_s"], p.name) / 3600.0
    else:
        raise errors.TensileDataError(
            f"{p.name}: need a time column 'time_s' or 'time_h', got {list(df.columns)}."
        )
    if "tension_n_per_m" in cols:
        y = _numeric(df, cols["tension_n_per_m"], p.name)
    elif "force_n" in cols:
        if width_mm is None or not width_mm > 0:
            raise errors.TensileDataError(
                f"{p.name} gives force_n: pass width_mm (the strip width) to turn it into N/m."
            )
        y = _numeric(df, cols["force_n"], p.name) / (float(width_mm) / 1000.0)
    else:
        raise errors.TensileDataError(
            f"{p.name}: need 'tension_n_per_m' or 'force_n' (with width_mm), got "
            f"{list(df.columns)}."
        )
    ok = np.isfinite(t) & np.isfinite(y)
    t, y = t[ok], y[ok]
    if len(t) < 4 or np.any(np.diff(t) <= 0) or np.any(y <= 0):
        raise errors.TensileDataError(
            f"{p.name}: a relaxation test needs at least 4 rows of increasing time and positive "
            "tension (held at one strain)."
        )
    return t, y


def fit_prony(t_h: np.ndarray, y: np.ndarray, n_terms: int) -> tuple[float, TimeModel, float]:
    """Least squares fit of ``y = T0 (g_inf + sum g_i exp(-t/tau_i))`` with log ``tau``."""
    from scipy.optimize import least_squares

    lo = math.log(max(t_h[t_h > 0].min(), 1e-6)) if np.any(t_h > 0) else -3.0
    hi = math.log(t_h.max())
    log_tau0 = np.linspace(lo, hi, n_terms + 2)[1:-1]

    def model(p):
        a_inf, a, ltau = p[0], p[1 : n_terms + 1], p[n_terms + 1 :]
        return a_inf + np.sum(a * np.exp(-t_h[:, None] / np.exp(ltau)), axis=1)

    p0 = np.concatenate([[y[-1]], np.full(n_terms, (y[0] - y[-1]) / n_terms + 1e-9), log_tau0])
    lb = np.concatenate([[0.0], np.zeros(n_terms), np.full(n_terms, lo - 5)])
    ub = np.concatenate([[np.inf], np.full(n_terms, np.inf), np.full(n_terms, hi + 5)])
    fit = least_squares(lambda p: model(p) - y, np.clip(p0, lb, ub), bounds=(lb, ub))
    p = fit.x
    t0 = float(p[0] + p[1 : n_terms + 1].sum())
    w = tuple(float(x) for x in p[1 : n_terms + 1] / t0)
    rmse = float(np.sqrt(np.mean(fit.fun**2)))
    return t0, TimeModel(weights=w, times_h=tuple(np.exp(p[n_terms + 1 :]).tolist())), rmse


def from_relaxation_test(
    path: Any,
    strain: float,
    *,
    fabric: Any = None,
    width_mm: float | None = None,
    n_terms: int = 2,
    linear: Any = None,
) -> Any:
    """Fit a Prony series to a relaxation test and attach it to a fabric (see the module).

    ``linear(stiffness_n_per_m)`` makes the fabric to attach it to when ``fabric`` is None
    (``Fabric.linear``: this module does not import the fabric class).
    """
    eps = _nonneg(strain, "strain")
    if not 0 < eps < 3:
        raise errors.FabricError(
            f"strain={strain!r} is the engineering strain the strip was held at (0.4 = 40 %)."
        )
    if int(n_terms) < 1 or int(n_terms) > 6:
        raise errors.FabricError(f"n_terms={n_terms!r}: use 1 to 6 Prony terms.")
    t, y = _read_relaxation_csv(path, width_mm)
    t0, fitted, rmse = fit_prony(t, y, int(n_terms))
    base = fabric if fabric is not None else linear(t0 / eps)
    prior = time_model(base)
    model = replace(fitted, fatigue_b=prior.fatigue_b, fatigue_d0_days=prior.fatigue_d0_days,
                    rest_recovery=prior.rest_recovery, source=f"fitted to {Path(path).name}")  # fmt: skip
    prov = dict(base.provenance)
    prov.update(time_model=model.to_json(), relaxation_rmse_n_per_m=rmse,
                relaxation_t0_n_per_m=t0, relaxation_strain=eps)  # fmt: skip
    return replace(base, provenance=tuple(prov.items()))
