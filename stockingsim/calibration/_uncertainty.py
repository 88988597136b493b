"""The uncertainty of a predicted pressure profile, by vectorized Monte Carlo.

A separate function rather than an option of :func:`~stockingsim.simulate`: it starts from a
result of any method and reuses its geometry, so thousands of samples cost milliseconds instead
of thousands of solves, and ``simulate`` keeps one signature for every method. Each section (and
landmark) of the result has ``p = g T(eps)`` with ``eps = C / c0 - 1`` (``g`` is the result's
own ``p / T``, which carries the method's geometry). A sample perturbs:

- the leg girth ``C`` by a tape-measure or scan error (normal, ``girth_sd_mm``; independent
  between heights), which changes the strain and the radius (``g`` scales as ``1 / C``);
- the relaxed girth ``c0`` by the knitting tolerance (normal, ``relaxed_sd_mm``);
- the fabric's course parameters by their fit covariance (from
  :meth:`Fabric.from_tensile_test` or :func:`calibrate`, kept in ``fabric.fit_report``), one
  draw per sample shared by every height, propagated linearly:
  ``T(eps; theta + d) ~ T(eps; theta) + J(eps) d``.

The band is the chosen percentiles of the sampled pressures; the ankle class is given as the
share of samples whose B pressure lies in each class.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors
from stockingsim.fabric._params import parameter_vector, tension_jacobian

__all__ = ["pressure_uncertainty", "band_columns"]


def band_columns(percentiles: tuple[float, float] = (5, 95)) -> tuple[str, str]:
    """Column names of a band, e.g. ``("pressure_p05_mmhg", "pressure_p95_mmhg")``."""
    return tuple(f"pressure_p{int(round(q)):02d}_mmhg" for q in percentiles)  # type: ignore[return-value]


def _fabric_covariance(fabric: Any, covariance: Any) -> np.ndarray | None:
    k = parameter_vector(fabric.course_unloading).size
    if covariance is None:
        return None
    if isinstance(covariance, str):
        if covariance != "fit":
            raise errors.CalibrationError(
                f"covariance must be 'fit', None or a ({k}, {k}) array, got {covariance!r}."
            )
        report = getattr(fabric, "fit_report", None)
        fits = [] if report is None else report.fits
        fit = next((f for f in fits if (f.direction, f.branch) == ("course", "unloading")), None)
        if fit is None or fit.covariance is None:
            return None
        covariance = fit.covariance
    cov = np.asarray(covariance, dtype=float)
    if cov.shape != (k, k) or not np.isfinite(cov).all():
        raise errors.CalibrationError(
            f"the fabric covariance must be a finite ({k}, {k}) array for the "
            f"{fabric.course_unloading.kind} course model, got shape {cov.shape}."
        )
    return 0.5 * (cov + cov.T)


def _sample_frame(frame, fabric, cov, girth_sd_m, relaxed_sd_m, n, rng, dtheta):
    c = frame["circumference_m"].to_numpy(float)
    c0 = frame["relaxed_circumference_m"].to_numpy(float)
    t = frame["tension_n_per_m"].to_numpy(float)
    p = frame["pressure_mmhg"].to_numpy(float)
    live = np.isfinite(c0) & (t > 0)
    g = np.where(live, p / np.where(live, t, 1.0), 0.0)
    cs = c + girth_sd_m * rng.standard_normal((n, c.size))
    c0s = np.where(live, c0, 1.0) + relaxed_sd_m * rng.standard_normal((n, c.size))
    eps = np.maximum(cs / c0s - 1.0, 0.0)
    tension = fabric._eval(eps, "course", "unloading")
    if dtheta is not None:
        jac = tension_jacobian(fabric.course_unloading, eps)  # (n, rows, k)
        tension = tension + np.einsum("nrk,nk->nr", jac, dtheta)
    samples = np.maximum(g * (c / cs) * np.where(eps > 0, tension, 0.0), 0.0)
    return np.where(live, samples, 0.0)


def pressure_uncertainty(
    result: Any,
    *,
    girth_sd_mm: float = 3.0,
    relaxed_sd_mm: float = 0.0,
    covariance: Any = "fit",
    n_samples: int = 2000,
    percentiles: tuple[float, float] = (5, 95),
    standard: str = "RAL-GZ 387",
    seed: int | None = 0,
) -> Any:
    """A result with a pressure band from fabric, girth and relaxed-girth uncertainty.

    Parameters
    ----------
    result : PressureResult
        A simulated result (any method).
    girth_sd_mm
        Standard deviation of the leg girth measurement, mm (a tape measure: about 2-5 mm;
        assumption, set it for your measuring practice).
    relaxed_sd_mm
        Standard deviation of the stocking's relaxed girth (knitting tolerance), mm.
    covariance : "fit", None or array
        The course model's parameter covariance: ``"fit"`` takes it from
        ``fabric.fit_report`` (a tensile fit or a calibration; no fabric term if it has none),
        None leaves the fabric out, or an array in the order of the model's parameters.
    n_samples
        Monte Carlo samples.
    percentiles
        The band, default the 5th and 95th percentiles.
    standard
        Standard for the class probabilities at B.
    seed
        Random seed (None: fresh).

    Returns
    -------
    PressureResult
        A copy whose ``profile`` and ``sections`` have the band columns (e.g.
        ``pressure_p05_mmhg``, ``pressure_p95_mmhg``) and ``pressure_sd_mmhg``;
        ``info["uncertainty"]`` holds the inputs, the share of samples in each class at B
        (``class_probability``) and that of the nominal class (``p_in_class``).
    """
    if not all(hasattr(result, a) for a in ("profile", "sections", "stocking")):
        raise errors.CalibrationError(
            f"pressure_uncertainty needs a PressureResult, got {type(result).__name__}."
        )
    sds = {}
    for name, value in (("girth_sd_mm", girth_sd_mm), ("relaxed_sd_mm", relaxed_sd_mm)):
        v = float(value)
        if not np.isfinite(v) or v < 0 or v > 50:
            raise errors.CalibrationError(
                f"{name} must be a standard deviation in mm between 0 and 50, got {value!r} "
                "(a girth is measured to a few mm; is it in cm or m?)."
            )
        sds[name] = v / 1000.0
    lo_q, hi_q = (float(q) for q in percentiles)
    if not 0 <= lo_q < hi_q <= 100:
        raise errors.CalibrationError(
            f"percentiles must be 0 <= low < high <= 100, got {percentiles}."
        )
    n = int(n_samples)
    if n < 10:
        raise errors.CalibrationError(f"n_samples must be at least 10, got {n_samples!r}.")
    fabric = result.stocking.fabric
    cov = _fabric_covariance(fabric, covariance)
    rng = np.random.default_rng(seed)
    dtheta = None
    if cov is not None:
        w, v = np.linalg.eigh(cov)
        dtheta = rng.standard_normal((n, w.size)) @ (v * np.sqrt(np.clip(w, 0, None))).T
    cols = band_columns((lo_q, hi_q))
    out = {}
    samples_b = None
    for key in ("profile", "sections"):
        frame = getattr(result, key).copy()
        s = _sample_frame(
            frame, fabric, cov, sds["girth_sd_mm"], sds["relaxed_sd_mm"], n, rng, dtheta
        )
        frame[cols[0]] = np.percentile(s, lo_q, axis=0)
        frame[cols[1]] = np.percentile(s, hi_q, axis=0)
        frame["pressure_sd_mmhg"] = np.std(s, axis=0, ddof=1)
        out[key] = frame
        if key == "profile" and "B" in frame.index:
            samples_b = s[:, list(frame.index).index("B")]
    info = dict(result.info)
    info["uncertainty"] = _summary(result, samples_b, standard, cov, sds, n, (lo_q, hi_q))
    return dataclasses.replace(result, profile=out["profile"], sections=out["sections"], info=info)


def _summary(result, samples_b, standard, cov, sds, n, percentiles) -> dict[str, Any]:
    from stockingsim.standards import classify

    summary: dict[str, Any] = {
        "n_samples": n,
        "girth_sd_mm": sds["girth_sd_mm"] * 1000,
        "relaxed_sd_mm": sds["relaxed_sd_mm"] * 1000,
        "fabric_covariance": cov is not None,
        "percentiles": percentiles,
        "standard": standard,
    }
    if samples_b is not None:
        classes = pd.Series(classify(samples_b, standard=standard)).fillna("none")
        share = classes.value_counts(normalize=True).sort_index()
        nominal = result.classify(standard)
        summary["class_probability"] = {str(k): float(v) for k, v in share.items()}
        summary["nominal_class"] = nominal
        summary["p_in_class"] = float(share.get(nominal if nominal else "none", 0.0))
    return summary
