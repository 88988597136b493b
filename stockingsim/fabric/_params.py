"""A fabric model's parameters as one vector: covariance of a fit and linearized tension spread.

Every constitutive model is a frozen dataclass whose numeric fields (all but the valid strain
range) are its parameters; a polynomial's ``coefficients`` count as one parameter each. The
helpers here read and replace that vector, take the Jacobian of tension with respect to it by
central differences (vectorized over any strain array), and turn a least-squares fit into a
parameter covariance ``s^2 (J^T J)^+`` (the usual asymptotic estimate, s^2 = RSS / (n - k)).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim.fabric._models import _Model, model_from_dict

__all__ = ["parameter_names", "parameter_vector", "with_parameters", "tension_jacobian"]

_RANGE = ("min_strain", "max_strain")


def parameter_names(model: _Model) -> tuple[str, ...]:
    """Names of the model's parameters, in vector order (``coefficients[0]``, ...)."""
    names: list[str] = []
    for f in fields(model):
        if f.name in _RANGE:
            continue
        value = getattr(model, f.name)
        if isinstance(value, tuple):
            names += [f"{f.name}[{i}]" for i in range(len(value))]
        else:
            names.append(f.name)
    return tuple(names)


def parameter_vector(model: _Model) -> np.ndarray:
    """The model's parameters as a float vector (order of :func:`parameter_names`)."""
    out: list[float] = []
    for f in fields(model):
        if f.name in _RANGE:
            continue
        value = getattr(model, f.name)
        out += [float(v) for v in value] if isinstance(value, tuple) else [float(value)]
    return np.asarray(out, dtype=float)


def with_parameters(model: _Model, values: Any) -> _Model:
    """A copy of ``model`` with the parameter vector ``values`` (validated by the model)."""
    values = np.asarray(values, dtype=float).ravel()
    n = len(parameter_names(model))
    if n != values.size:
        raise errors.FabricError(
            f"{model.kind} model has {n} parameters, got a vector of {values.size}."
        )
    data = model.to_dict()
    i = 0
    for f in fields(model):
        if f.name in _RANGE:
            continue
        current = getattr(model, f.name)
        if isinstance(current, tuple):
            data[f.name] = [float(v) for v in values[i : i + len(current)]]
            i += len(current)
        else:
            data[f.name] = float(values[i])
            i += 1
    return model_from_dict(data)


def _steps(theta: np.ndarray) -> np.ndarray:
    return 1e-6 * np.maximum(np.abs(theta), 1e-3 * max(float(np.max(np.abs(theta))), 1e-12))


def tension_jacobian(model: _Model, strain: Any, free: Any = None) -> np.ndarray:
    """``dT/d theta`` (N/m per unit parameter) at ``strain``; shape ``strain.shape + (k,)``.

    Parameters
    ----------
    model
        A constitutive model.
    strain
        Strains (any shape).
    free
        Boolean mask of the parameters to differentiate (default all); the others get 0.
    """
    eps = np.asarray(strain, dtype=float)
    theta = parameter_vector(model)
    free = np.ones(theta.size, bool) if free is None else np.asarray(free, bool)
    h = _steps(theta)
    jac = np.zeros(eps.shape + (theta.size,))
    for j in np.flatnonzero(free):  # loop over parameters (a handful), vectorized over strains
        up, down = theta.copy(), theta.copy()
        up[j] += h[j]
        down[j] -= h[j]
        try:
            t_up = with_parameters(model, up).tension(eps)
        except errors.FabricError:  # a bound (e.g. k >= 0): one-sided difference
            t_up, up[j] = model.tension(eps), theta[j]
        try:
            t_down = with_parameters(model, down).tension(eps)
        except errors.FabricError:
            t_down, down[j] = model.tension(eps), theta[j]
        jac[..., j] = (t_up - t_down) / max(up[j] - down[j], 1e-300)
    return jac


def fit_covariance(model: _Model, strain: Any, tension: Any) -> np.ndarray:
    """Asymptotic covariance of the model's parameters fitted to ``(strain, tension)``.

    ``s^2 (J^T J)^+`` with ``J = dT/d theta`` at the data and ``s^2 = RSS / (n - k)``; the
    pseudo-inverse gives zero variance to directions the data do not reach (those whose
    singular value of ``J`` is below 1e-6 of the largest: eigenvalues of ``J^T J`` below
    1e-12 of the largest count as zero).
    """
    s = np.asarray(strain, dtype=float).ravel()
    t = np.asarray(tension, dtype=float).ravel()
    jac = tension_jacobian(model, s)
    free = np.any(jac != 0, axis=0)
    k = int(np.count_nonzero(free))
    dof = max(s.size - k, 1)
    s2 = float(np.sum((t - model.tension(s)) ** 2)) / dof
    return s2 * np.linalg.pinv(jac.T @ jac, rcond=1e-12, hermitian=True)
