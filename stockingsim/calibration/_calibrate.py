"""Calibrate a fabric's course curve to measured pressures by least squares.

Every reading becomes a working point: the hoop strain of the fabric there and a geometry
factor ``g`` with ``p = g T(strain)``. On a cylinder or at a measured girth ``C`` with a relaxed
girth ``c0`` (Laplace), ``strain = C / c0 - 1`` and ``g = 2 pi / C``. With legs and stockings
the pressure method gives both at the measuring point (``g = p / T`` from a simulation with the
starting fabric; exact for laplace and bridging, whose pressure is proportional to the hoop
tension, and for membrane up to its small axial term). The calibration then fits the course
curve's parameters ``theta`` so that ``g T_theta(strain)`` matches the measured mmHg:

- ``"scale"``: ``T(eps) = a T0(eps)`` (one parameter: a stiffer or softer knit);
- ``"scale_shape"``: ``T(eps) = a T0(b eps)`` (a tension scale and a strain scale: also a
  relaxed girth or a knit that stretches differently), the default;
- ``"full"``: every parameter of the course model refitted (needs many readings over a range of
  strains).

Parameter confidence intervals are the asymptotic ones, ``s^2 (J^T J)^-1`` with Student's t;
the leave-one-out agreement refits without each reading and predicts it, so that a calibration
cannot just memorize its table.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors
from stockingsim._checks import as_fabric
from stockingsim.calibration._agreement import Agreement, agreement
from stockingsim.calibration._measurements import as_measurements
from stockingsim.fabric._params import parameter_names, parameter_vector, with_parameters

__all__ = ["calibrate", "CalibrationReport", "CALIBRATION_METHODS", "working_points"]

CALIBRATION_METHODS = ("scale", "scale_shape", "full")
PA_PER_MMHG = 101325.0 / 760.0


@dataclass(frozen=True, eq=False)
class CalibrationReport:
    """What :func:`calibrate` did and how well the calibrated fabric agrees.

    Attributes
    ----------
    method : str
        ``"scale"``, ``"scale_shape"`` or ``"full"``.
    parameters : pandas.DataFrame
        One row per fitted parameter: ``value``, ``se`` (standard error), ``ci_low``,
        ``ci_high`` (95 %, Student's t).
    covariance : ndarray of shape (k, k)
        Covariance of the fitted parameters.
    before, after, leave_one_out : Agreement
        The starting fabric, the calibrated one, and each reading predicted by a calibration
        made without it.
    strain_range : tuple of float
        Strains the readings reach (the working range the calibration speaks for).
    residual_sd_mmhg : float
        Standard deviation of the residuals after the fit (``sqrt(RSS / (n - k))``).
    """

    method: str
    parameters: pd.DataFrame
    covariance: np.ndarray
    before: Agreement
    after: Agreement
    leave_one_out: Agreement
    strain_range: tuple[float, float]
    residual_sd_mmhg: float
    source: str = ""

    @property
    def summary(self) -> pd.DataFrame:
        """Overall agreement before, after and leave-one-out, one row each."""
        rows = {
            "before": self.before.table.loc["overall"],
            "after": self.after.table.loc["overall"],
            "leave-one-out": self.leave_one_out.table.loc["overall"],
        }
        return pd.DataFrame(rows).T

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record (parameters, covariance, the three agreement summaries)."""
        return {
            "method": self.method,
            "source": self.source,
            "strain_range": list(self.strain_range),
            "residual_sd_mmhg": self.residual_sd_mmhg,
            "parameters": self.parameters.reset_index().to_dict(orient="records"),
            "covariance": self.covariance.tolist(),
            "agreement": self.summary.reset_index(names="fit").to_dict(orient="records"),
        }

    def __repr__(self) -> str:
        lo, hi = self.leave_one_out.limits_mmhg
        return (
            f"CalibrationReport(method={self.method!r}, n={self.after.n}, "
            f"after: bias {self.after.bias_mmhg:+.2f} SD {self.after.sd_mmhg:.2f} mmHg, "
            f"leave-one-out limits {lo:+.1f} to {hi:+.1f} mmHg)"
        )


# ---------------------------------------------------------------------------- working points
def working_points(
    fabric: Any,
    measurements: Any,
    legs: Any = None,
    stockings: Any = None,
    pressure_method: str = "laplace",
) -> tuple[np.ndarray, np.ndarray]:
    """``(strain, factor_mmhg_per_n_per_m)`` of each reading (see the module docstring)."""
    meas = as_measurements(measurements)
    if legs is None:
        return _cylinder_points(meas)
    return _leg_points(fabric, meas, legs, stockings, pressure_method)


def _cylinder_points(meas: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    relaxed = meas["relaxed_girth_cm"].to_numpy(float)
    if np.isnan(relaxed).any():
        i = int(np.flatnonzero(np.isnan(relaxed))[0])
        raise errors.CalibrationError(
            f"row {i + 1} gives the stocking as {meas['stocking'].iloc[i]!r} but no relaxed "
            "girth; give a 'relaxed girth (cm)' column, or pass legs={leg_id: Leg} and "
            "stockings={size: Stocking} so the pressure method gives the strain."
        )
    girth_m = meas["girth_cm"].to_numpy(float) / 100.0
    strain = girth_m / (relaxed / 100.0) - 1.0
    return strain, 2.0 * math.pi / girth_m / PA_PER_MMHG


def _lookup(mapping: Any, key: str, what: str, kind: str) -> Any:
    if not isinstance(mapping, dict):
        return mapping
    if key not in mapping:
        raise errors.CalibrationError(
            f"no {what} for {key!r}: the measurements name {kind} {key!r} but {what} has only "
            f"{sorted(map(str, mapping))}."
        )
    return mapping[key]


def _leg_points(fabric, meas, legs, stockings, pressure_method):
    from stockingsim.solvers import simulate
    from stockingsim.stocking import Stocking

    strain = np.full(len(meas), np.nan)
    factor = np.full(len(meas), np.nan)
    for (leg_id, size), rows in meas.groupby(["leg_id", "stocking"], sort=False):
        leg = _lookup(legs, leg_id, "legs", "leg")
        if stockings is None:
            relaxed = rows["relaxed_girth_cm"].to_numpy(float)
            if np.isnan(relaxed).any() or np.ptp(relaxed) > 0:
                strain_i, factor_i = _cylinder_points(rows)
                strain[rows.index], factor[rows.index] = strain_i, factor_i
                continue
            stocking = Stocking(fabric, relaxed_circumference_m=float(relaxed[0]) / 100.0)
        else:
            stocking = _lookup(stockings, size, "stockings", "stocking")
            stocking = dataclasses.replace(stocking, fabric=fabric)
        result = simulate(leg, stocking, method=pressure_method)
        for i, row in rows.iterrows():
            rec = _profile_row(result, row)
            if not (np.isfinite(rec["strain"]) and rec["tension_n_per_m"] > 0):
                raise errors.CalibrationError(
                    f"row {i + 1}: the stocking does not press at {row['point'] or row['height_cm']}"
                    f" on leg {leg_id!r} (strain {rec['strain']:.3g}); check the stocking size."
                )
            strain[i] = rec["strain"]
            factor[i] = rec["pressure_mmhg"] / rec["tension_n_per_m"]
    return strain, factor


def _profile_row(result: Any, row: pd.Series) -> dict[str, float]:
    cols = ("strain", "tension_n_per_m", "pressure_mmhg")
    if row["point"]:
        if row["point"] not in result.profile.index:
            raise errors.CalibrationError(
                f"leg {row['leg_id']!r} has no landmark {row['point']!r}; give it or a height."
            )
        rec = result.profile.loc[row["point"]]
        return {c: float(rec[c]) for c in cols}
    sec = result.sections
    h = float(row["height_cm"]) / 100.0
    return {c: float(np.interp(h, sec["height_m"], sec[c].fillna(0.0))) for c in cols}


# ---------------------------------------------------------------------------- parametrization
class _Curve:
    """theta -> course model, for one calibration method."""

    def __init__(self, model: Any, method: str):
        self.base, self.method = model, method
        if method == "scale":
            self.names, self.theta0 = ("tension_scale",), np.array([1.0])
        elif method == "scale_shape":
            self.names, self.theta0 = ("tension_scale", "strain_scale"), np.array([1.0, 1.0])
        else:
            p0 = parameter_vector(model)
            self.free = np.flatnonzero(p0 != 0)
            self.p0 = p0
            self.names = tuple(parameter_names(model)[j] for j in self.free)
            self.theta0 = p0[self.free].copy()

    def model(self, theta: np.ndarray) -> Any:
        if self.method == "scale":
            return self.base.scaled(float(theta[0]))
        if self.method == "scale_shape":
            return self.base.strain_scaled(float(theta[1])).scaled(float(theta[0]))
        p = self.p0.copy()
        p[self.free] = theta
        return with_parameters(self.base, p)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        if self.method == "full":
            lo = np.where(self.theta0 > 0, 1e-3 * self.theta0, 1e3 * self.theta0)
            hi = np.where(self.theta0 > 0, 1e3 * self.theta0, 1e-3 * self.theta0)
            return lo, hi
        return np.full(self.theta0.size, 1e-3), np.full(self.theta0.size, 1e3)


def _predict(curve: _Curve, theta, strain, factor) -> np.ndarray:
    model = curve.model(theta)
    return factor * model.tension(np.maximum(strain, 0.0))


def _fit(curve: _Curve, strain, factor, measured, theta0=None):
    from scipy.optimize import least_squares

    def resid(theta):
        try:
            return _predict(curve, theta, strain, factor) - measured
        except errors.FabricError:  # an invalid curve (e.g. not monotone): push back
            return np.full(measured.size, 1e3)

    lo, hi = curve.bounds()
    start = np.clip(curve.theta0 if theta0 is None else theta0, lo * 1.0001, hi * 0.9999)
    return least_squares(resid, start, bounds=(lo, hi), x_scale="jac", max_nfev=2000)


def _check_identifiable(method: str, k: int, strain: np.ndarray) -> None:
    n = strain.size
    levels = np.unique(np.round(strain, 3))
    need_levels = {"scale": 1, "scale_shape": 3, "full": k + 2}[method]
    need_n = {"scale": 2, "scale_shape": 4, "full": max(3 * k, k + 3)}[method]
    if levels.size < need_levels or n < need_n:
        shown = ", ".join(f"{s:.3g}" for s in levels[:6])
        raise errors.CalibrationError(
            f"the measurements cannot identify a {method!r} calibration ({k} parameter(s)): "
            f"{n} reading(s) at {levels.size} strain level(s) ({shown}). It needs at least "
            f"{need_n} readings at {need_levels} different strains (different girths or "
            "stocking sizes; one girth in one size tells only the tension there). Add readings, "
            "or use a method with fewer parameters (method='scale')."
        )


def _parameters_table(names, theta, cov, dof) -> pd.DataFrame:
    from scipy.stats import t as student_t

    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    q = float(student_t.ppf(0.975, max(dof, 1)))
    return pd.DataFrame(
        {"value": theta, "se": se, "ci_low": theta - q * se, "ci_high": theta + q * se},
        index=pd.Index(names, name="parameter"),
    )


def _model_covariance(curve: _Curve, theta: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Covariance of the calibrated model's own parameter vector (J cov J^T)."""
    p = parameter_vector(curve.model(theta))
    jac = np.zeros((p.size, theta.size))
    for j in range(theta.size):
        h = 1e-6 * max(abs(theta[j]), 1e-9)
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        jac[:, j] = (parameter_vector(curve.model(up)) - parameter_vector(curve.model(down))) / (
            2 * h
        )
    return jac @ cov @ jac.T


def _calibrated_fabric(fabric, curve, theta, model_cov, fit_info, source):
    from stockingsim.fabric._fit_report import BranchFit, FitReport
    from stockingsim.fabric._tensile import _params

    unl = curve.model(theta)
    if curve.method == "full":  # keep loading >= unloading: scale the old loading branch
        lo, hi = unl.valid_range
        grid = np.linspace(max(lo, 1e-3), hi, 400)
        ratio = unl.tension(grid) / np.maximum(fabric.course_unloading.tension(grid), 1e-12)
        load = fabric.course_loading.scaled(max(1.0, float(np.max(ratio))))
    else:
        load = _Curve(fabric.course_loading, curve.method).model(theta)
    fit = BranchFit(
        direction="course",
        branch="unloading",
        model=unl.kind,
        params=_params(unl),
        r2=fit_info["r2"],
        rmse_n_per_m=fit_info["rmse_n_per_m"],
        strain_min=fit_info["strain_min"],
        strain_max=fit_info["strain_max"],
        n_points=fit_info["n"],
        covariance=tuple(tuple(float(v) for v in row) for row in model_cov),
    )
    note = (
        f"course curve calibrated ({curve.method}) to {fit_info['n']} measured pressures from "
        f"{source}; wale curves unchanged"
    )
    report = FitReport(
        source=source,
        width_mm=0.0,  # no strip: the curve comes from pressures
        gauge_mm=0.0,
        model=unl.kind,
        cycles="calibration",
        fits=(fit,),
        notes=(note,),
    )
    return dataclasses.replace(
        fabric,
        name=f"{fabric.name} (calibrated)",
        course_loading=load,
        course_unloading=unl,
        description=(fabric.description + " " + note + ".").strip(),
        provenance=(*fabric.provenance, ("calibrated_to", source)),
        fit_report=report,
    )


def _leave_one_out(curve, theta, strain, factor, measured) -> np.ndarray:
    pred = np.empty(measured.size)
    keep = np.ones(measured.size, bool)
    for i in range(measured.size):  # one refit per reading (a few dozen small fits)
        keep[i] = False
        res = _fit(curve, strain[keep], factor[keep], measured[keep], theta0=theta)
        pred[i] = _predict(curve, res.x, strain[i : i + 1], factor[i : i + 1])[0]
        keep[i] = True
    return pred


def calibrate(
    fabric: Any,
    measurements: Any,
    legs: Any = None,
    *,
    stockings: Any = None,
    method: str = "scale_shape",
    pressure_method: str = "laplace",
) -> tuple[Any, CalibrationReport]:
    """Fit a fabric's course (hoop) curve to measured pressures.

    Parameters
    ----------
    fabric : Fabric or str
        The starting fabric (or a preset name); its course unloading curve is fitted.
    measurements
        A :func:`read_measurements` table, a path, or a DataFrame with recognizable columns.
    legs : Leg or dict, optional
        ``{leg_id: Leg}`` (or one Leg): readings are then predicted with ``pressure_method`` on
        the leg, with ``stockings`` giving each reading's stocking. Without legs, each reading is
        a cylinder of the measured girth in a tube of the given relaxed girth (Laplace).
    stockings : Stocking or dict, optional
        ``{size: Stocking}`` for the ``stocking`` column (their fabric is replaced).
    method : {"scale", "scale_shape", "full"}
        See the module docstring.
    pressure_method : str
        Pressure method used with ``legs``.

    Returns
    -------
    (Fabric, CalibrationReport)
        The calibrated fabric (course branches replaced; its ``fit_report`` holds the
        parameter covariance for :func:`pressure_uncertainty`), and the report: parameters with
        95 % intervals, agreement before, after and leave-one-out.

    Raises
    ------
    CalibrationError
        Data that cannot identify the parameters (too few readings or strain levels, e.g. one
        girth in one size), readings without a relaxed girth or stocking, or an unknown method.
    """
    fabric = as_fabric(fabric, "calibrate()")
    if method not in CALIBRATION_METHODS:
        raise errors.CalibrationError(
            f"unknown calibration method {method!r}; use one of {', '.join(CALIBRATION_METHODS)}."
        )
    meas = as_measurements(measurements)
    strain, factor = working_points(fabric, meas, legs, stockings, pressure_method)
    measured = meas["pressure_mmhg"].to_numpy(float)
    curve = _Curve(fabric.course_unloading, method)
    _check_identifiable(method, curve.theta0.size, strain)
    res = _fit(curve, strain, factor, measured)
    theta = res.x
    n, k = measured.size, theta.size
    dof = n - k
    rss = float(np.sum(res.fun**2))
    s2 = rss / dof
    jtj = res.jac.T @ res.jac
    scale = np.maximum(np.abs(theta), 1e-12)  # relative sensitivities: units do not matter
    if np.linalg.cond(jtj * np.outer(scale, scale)) > 1e10:
        raise errors.CalibrationError(
            f"the {method!r} parameters are not identifiable from these readings (their effects "
            "on the pressure cannot be told apart); add readings at other strains or use "
            "method='scale'."
        )
    cov = s2 * np.linalg.inv(jtj)
    source = str(meas.attrs.get("source", "measurements"))
    pred0 = factor * fabric.course_unloading.tension(np.maximum(strain, 0.0))
    pred1 = _predict(curve, theta, strain, factor)
    tension_meas = measured / factor
    ss_tot = float(np.sum((tension_meas - tension_meas.mean()) ** 2))
    rss_t = float(np.sum((tension_meas - pred1 / factor) ** 2))
    fit_info = {
        "n": n,
        "r2": 1.0 - rss_t / ss_tot if ss_tot > 0 else 0.0,
        "rmse_n_per_m": math.sqrt(rss_t / n),
        "strain_min": float(strain.min()),
        "strain_max": float(strain.max()),
    }
    new = _calibrated_fabric(
        fabric, curve, theta, _model_covariance(curve, theta, cov), fit_info, source
    )
    report = CalibrationReport(
        method=method,
        parameters=_parameters_table(curve.names, theta, cov, dof),
        covariance=cov,
        before=agreement(pred0, meas),
        after=agreement(pred1, meas),
        leave_one_out=agreement(_leave_one_out(curve, theta, strain, factor, measured), meas),
        strain_range=(float(strain.min()), float(strain.max())),
        residual_sd_mmhg=math.sqrt(s2),
        source=source,
    )
    _warn_loose(report.parameters, method)
    return new, report


def _warn_loose(table: pd.DataFrame, method: str) -> None:
    """CalibrationWarning for the parameters whose 95 % interval holds 0.

    Every parameter keeps the sign of its start (the bounds), so an interval across 0 reaches
    values the fabric cannot have: the readings do not fix it (two strains in a 'scale_shape'
    fit, say, trade the tension scale against the strain scale).
    """
    loose = table[(table["ci_low"] <= 0) & (table["ci_high"] >= 0)]
    if loose.empty:
        return
    shown = "; ".join(f"{k} {r.ci_low:.3g} to {r.ci_high:.3g}" for k, r in loose.iterrows())
    fewer = " or use method='scale' (one parameter)" if method != "scale" else ""
    warnings.warn(
        f"the readings hardly fix {', '.join(map(str, loose.index))}: the 95 % interval holds "
        f"0 ({shown}). The fit is returned, but do not trust it beyond the readings' strains; "
        f"add readings at more strains (other girths or stocking sizes){fewer}.",
        errors.CalibrationWarning,
        stacklevel=3,
    )
