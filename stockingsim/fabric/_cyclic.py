r"""Inner (minor) hysteresis loops of a knit: a frictional element between the two branches.

A knit stretched and released does not jump from its loading branch ``L(eps)`` to its unloading
branch ``U(eps)`` when the strain reverses: the yarns in the loops first stick by friction, so a
small cycle about a working point runs on a steep inner loop and joins the outer branch only
after a strain reversal of a few per cent. This is why the dynamic stiffness of a worn stocking
(DSI, pressure rise per cm of girth rise while walking) is several times the slope of its
unloading branch (van der Wegen-Franken et al. 2009; Partsch et al. 2008).

The rule (a Dahl friction element; Dahl 1976, AIAA J 14:1675, doi:10.2514/3.61511) writes the
tension as the mid curve plus a friction share of the half loop width,

.. math::

    T = B(\varepsilon) + s\,H(\varepsilon), \qquad B = (L + U)/2, \quad H = (L - U)/2,

with the state ``s`` in [-1, 1] (``-1``: on the unloading branch, ``+1``: on the loading
branch) that moves towards the branch the strain is heading for,

.. math::

    \frac{ds}{d\varepsilon} = \frac{\operatorname{sign}(d\varepsilon) - s}{\varepsilon_c},

integrated exactly over each monotone step: ``s <- g - (g - s) exp(-|d eps| / eps_c)`` with
``g = sign(d eps)``. ``eps_c`` (``Fabric.inner_loop_strain``) is the strain over which the
loops unlock: right after a reversal from the unloading branch the slope is ``U' + 2 H /
eps_c``, steep for a small ``eps_c``; after a reversal of several ``eps_c`` the tension is back
on the outer branch. A fabric without hysteresis (``L = U``) has no inner loops. Fit ``eps_c``
from a strip test with small cycles (:meth:`Fabric.from_tensile_test`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim._numbers import as_number

__all__ = ["DEFAULT_INNER_LOOP_STRAIN", "follow_strain_path", "fit_inner_loop_strain"]

#: Default ``eps_c`` of a fabric built without one (assumption: a strain reversal of about 2 %
#: crosses most of the loop, the order seen in cyclic strip tests with small cycles; presets and
#: fitted fabrics carry their own value).
DEFAULT_INNER_LOOP_STRAIN = 0.02

_STARTS = {"unloading": -1.0, "loading": 1.0}


def check_inner_loop_strain(value: Any, what: str = "inner_loop_strain") -> float:
    """A positive finite ``eps_c`` or :class:`~stockingsim.errors.FabricError`."""
    hint = (
        "It is the strain reversal over which a knit's loops unlock, typically 0.005 to 0.05 "
        "(2 % is 0.02, not 2)."
    )
    v = as_number(value, what, errors.FabricError, positive=True, hint=hint)
    if v > 1.0:
        raise errors.FabricError(f"{what} = {v!r} must be in (0, 1]. {hint}")
    return v


def _initial_state(start: Any, shape: tuple[int, ...]) -> np.ndarray:
    if isinstance(start, str):
        if start not in _STARTS:
            raise errors.FabricError(
                f"start must be 'unloading' (a worn stocking that relaxed onto the leg), "
                f"'loading' or an array of states in [-1, 1], got {start!r}."
            )
        return np.full(shape, _STARTS[start])
    s = np.broadcast_to(np.asarray(start, dtype=float), shape).copy()
    if not np.all(np.isfinite(s)) or np.any(np.abs(s) > 1 + 1e-12):
        raise errors.FabricError("an inner-loop state must be finite and within [-1, 1].")
    return s


def follow_strain_path(
    fabric: Any,
    strain_path: Any,
    direction: str = "course",
    start: Any = "unloading",
    *,
    return_state: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Tension along a strain history with inner loops (see the module docstring).

    Parameters
    ----------
    fabric : Fabric
    strain_path : array_like of shape (n_steps, ...)
        Strain history, time along axis 0; any trailing shape (e.g. one column per vertex or
        section) is followed independently.
    direction : {"course", "wale"}
    start : {"unloading", "loading"} or array_like
        State at the first step: ``"unloading"`` (default, a stocking that relaxed onto the
        leg after donning), ``"loading"`` or states in [-1, 1] of the trailing shape.
    return_state : bool
        Also return the state ``s`` of every step.

    Returns
    -------
    ndarray of the shape of ``strain_path``
        Tension in N/m (and the state array when ``return_state``).
    """
    eps = np.asarray(strain_path, dtype=float)
    if eps.ndim == 0:
        eps = eps[None]
    if eps.shape[0] < 1 or not np.all(np.isfinite(eps)):
        raise errors.FabricError("a strain path needs at least one step and finite strains.")
    d = fabric._check_dir(direction)
    eps_c = fabric.inner_loop_strain[0 if d == "course" else 1]
    tl = fabric._raw_tension(eps, d, "loading")
    tu = fabric._raw_tension(eps, d, "unloading")
    mid, half = 0.5 * (tl + tu), 0.5 * (tl - tu)
    s = _dahl_states(eps, eps_c, _initial_state(start, eps.shape[1:]))
    tension = mid + s * half
    return (tension, s) if return_state else tension


def fit_inner_loop_strain(
    fabric: Any, strain: np.ndarray, tension: np.ndarray, direction: str, mask: Any = None
):
    """Least-squares ``eps_c`` of a measured path given the fitted outer branches.

    The model follows the whole path (so the state entering each small cycle is right); the
    residual counts the samples in ``mask`` (the small cycles; default all). Only the loop
    *width* change after each reversal is fitted: the offset of the fitted outer branches
    against the data over each small cycle is removed first. Returns ``(eps_c,
    rmse_n_per_m)``; the search is on ``log eps_c`` in [1e-4, 0.5].
    """
    from scipy.optimize import minimize_scalar

    strain = np.asarray(strain, dtype=float)
    tension = np.asarray(tension, dtype=float)
    mask = np.ones(strain.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    d = fabric._check_dir(direction)
    tl = fabric._raw_tension(strain, d, "loading")
    tu = fabric._raw_tension(strain, d, "unloading")

    def cost(log_c: float) -> float:
        s = _dahl_states(strain, math.exp(log_c), 1.0)
        resid = (0.5 * (tl + tu) + s * 0.5 * (tl - tu) - tension)[mask]
        return float(np.mean((resid - resid.mean()) ** 2))

    res = minimize_scalar(cost, bounds=(math.log(1e-4), math.log(0.5)), method="bounded")
    return math.exp(res.x), math.sqrt(res.fun)


def _dahl_states(eps: np.ndarray, eps_c: float, s0: Any) -> np.ndarray:
    """State ``s`` of every step of a strain path (time along axis 0), exact per step."""
    s = np.empty_like(eps)
    s[0] = s0
    step = np.diff(eps, axis=0)
    decay = np.exp(-np.abs(step) / eps_c)
    goal = np.sign(step)
    for k in range(1, eps.shape[0]):  # a loop over time steps; vectorized over the rest
        s[k] = goal[k - 1] - (goal[k - 1] - s[k - 1]) * decay[k - 1]  # no step: decay = 1
    return s
