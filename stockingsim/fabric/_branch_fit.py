"""Least-squares fits of one tension-strain branch (:func:`fit_branch`)."""

from __future__ import annotations

import math

import numpy as np

from stockingsim import errors
from stockingsim.fabric._models import (
    ExponentialModel,
    LinearModel,
    PolynomialModel,
    TwoPhaseModel,
    _Model,
)

__all__ = ["FIT_MODELS", "fit_branch"]

FIT_MODELS = ("polynomial", "exponential", "two_phase", "linear")


def _r2_rmse(t: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    res = t - pred
    ss_res = float(np.sum(res**2))
    ss_tot = float(np.sum((t - t.mean()) ** 2))
    return (1.0 - ss_res / ss_tot if ss_tot > 0 else 0.0), math.sqrt(ss_res / t.size)


def _fit_linear(s, t, top):
    from scipy.optimize import least_squares

    k0 = float(np.sum(s * t) / np.sum(s * s))
    res = least_squares(lambda p: p[0] * s - t, [k0])
    return LinearModel(float(res.x[0]), 0.0, top)


def _fit_polynomial(s, t, top, degree):
    from scipy.optimize import least_squares

    A = np.stack([s ** (i + 1) for i in range(degree)], axis=1)
    c0 = np.linalg.lstsq(A, t, rcond=None)[0]
    grid = np.linspace(0, top, 200)
    D = np.stack([(i + 1) * grid**i for i in range(degree)], axis=1)
    weight = 10.0 * math.sqrt(s.size / grid.size) * top

    def resid(c):
        return np.concatenate([A @ c - t, weight * np.minimum(D @ c, 0.0)])

    res = least_squares(resid, c0, x_scale="jac")
    c = res.x
    if np.any(D @ c < 0):  # last resort: non-negative coefficients are monotone by construction
        res = least_squares(lambda c: A @ c - t, np.maximum(c, 0.0), bounds=(0, np.inf))
        c = res.x
    return PolynomialModel(tuple(float(v) for v in c), 0.0, top)


def _fit_exponential(s, t, top):
    from scipy.optimize import least_squares

    best = None
    for b in np.concatenate([-np.geomspace(0.05, 20, 25) / top, np.geomspace(0.05, 20, 25) / top]):
        g = np.expm1(b * s)
        a = float(np.sum(g * t) / np.sum(g * g))
        if a * b <= 0:
            continue
        cost = float(np.sum((a * g - t) ** 2))
        if best is None or cost < best[0]:
            best = (cost, a, b)
    if best is None:
        raise errors.TensileDataError(
            "exponential model cannot fit this branch (tension does not increase with strain); "
            "check the data or use model='polynomial'."
        )
    _, a0, b0 = best
    sign = 1.0 if b0 > 0 else -1.0
    bmax = 50.0 / max(top, 1e-9)
    bmax = min(bmax, 50.0)
    res = least_squares(
        lambda p: sign * p[0] * np.expm1(sign * p[1] * s) - t,
        [abs(a0), abs(b0)],
        bounds=([1e-12, 1e-9], [np.inf, bmax]),
        x_scale="jac",
    )
    return ExponentialModel(sign * float(res.x[0]), sign * float(res.x[1]), 0.0, top)


def _two_phase_eval(p, s):
    return TwoPhaseModel(
        p[0], p[3], p[4], p[5], p[1], p[2], 0.0, max(float(np.max(s)), 1e-6) + 1.0
    ).tension(s)


def _fit_two_phase(s, t, top):
    from scipy.optimize import least_squares

    scale = max(float(np.max(np.abs(t))), 1e-12)
    ts = t / scale
    lo = [0.0, 0.0, 0.005 * top, 0.0, 0.05 * top, 0.01 * top]
    hi = [np.inf, np.inf, 0.5 * top, np.inf, 1.5 * top, 0.5 * top]
    best = None
    secant = float(ts[np.argmax(s)] / top)
    for ej in (0.5, 0.7, 0.9):
        for et in (0.03, 0.1):
            for toe in (0.0, 0.3):
                x0 = [
                    max(secant * (1 - toe), 1e-3),
                    toe,
                    et * top,
                    2.0 * secant,
                    ej * top,
                    0.08 * top,
                ]
                x0 = np.clip(x0, np.array(lo) + 1e-9, np.array(hi) - 1e-9)
                try:
                    res = least_squares(
                        lambda p: _two_phase_eval(p, s) - ts,
                        x0,
                        bounds=(lo, hi),
                        x_scale="jac",
                        max_nfev=400,
                    )
                except (ValueError, errors.FabricError):
                    continue
                if best is None or res.cost < best.cost:
                    best = res
    p = best.x
    return TwoPhaseModel(
        k_elastic_n_per_m=float(p[0] * scale),
        k_jam_n_per_m=float(p[3] * scale),
        jam_strain=float(p[4]),
        jam_width=float(p[5]),
        toe_tension_n_per_m=float(p[1] * scale),
        toe_strain=float(p[2]),
        min_strain=0.0,
        max_strain=top,
    )


def fit_branch(
    strain: np.ndarray,
    tension: np.ndarray,
    model: str,
    max_strain: float,
    degree: int = 3,
) -> tuple[_Model, float, float]:
    """Fit one branch with ``scipy.optimize.least_squares``.

    Returns
    -------
    (model, r2, rmse_n_per_m)
    """
    if model not in FIT_MODELS:
        raise errors.FabricError(f"model must be one of {FIT_MODELS}, got {model!r}.")
    s = np.asarray(strain, dtype=float)
    t = np.asarray(tension, dtype=float)
    try:
        m = _fit(s, t, model, max_strain, degree)
    except errors.TensileDataError:
        raise
    except errors.FabricError as exc:
        raise errors.TensileDataError(
            f"the {model} fit of this branch is not a valid fabric curve ({exc}); try another "
            "model (e.g. model='two_phase') or check the data."
        ) from None
    r2, rmse = _r2_rmse(t, m.tension(s))
    return m, r2, rmse


def _fit(s, t, model, max_strain, degree):
    if model == "linear":
        m = _fit_linear(s, t, max_strain)
    elif model == "polynomial":
        m = _fit_polynomial(s, t, max_strain, degree)
    elif model == "exponential":
        m = _fit_exponential(s, t, max_strain)
    elif model == "two_phase":
        m = _fit_two_phase(s, t, max_strain)
    else:
        raise errors.FabricError(f"model must be one of {FIT_MODELS}, got {model!r}.")
    return m
