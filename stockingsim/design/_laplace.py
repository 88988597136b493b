"""Laplace's law forwards and backwards: the relaxed circumference that gives a pressure.

Public names are re-exported by :mod:`stockingsim.design`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim.vocabulary import PA_PER_MMHG as MMHG_PA

# --------------------------------------------------------------------------------------------
# physics: Laplace inversion
# --------------------------------------------------------------------------------------------


def laplace_tension(pressure_mmhg: Any, circumference_m: Any) -> np.ndarray:
    """Hoop tension (N/m) giving ``pressure_mmhg`` on a section of hull circumference ``C``.

    Laplace's law for a membrane on a convex section, ``T = p r`` with ``r = C / 2 pi``.

    References
    ----------
    Thomas S. (2003) The use of the Laplace equation in the calculation of sub-bandage pressure.
    World Wide Wounds.

    Examples
    --------
    >>> round(float(laplace_tension(25.0, 0.22)), 1)  # DESIGN.md: about 117 N/m
    116.7
    """
    p = np.asarray(pressure_mmhg, dtype=float) * MMHG_PA
    return p * np.asarray(circumference_m, dtype=float) / (2.0 * np.pi)


def laplace_pressure(fabric: Any, relaxed_m: Any, circumference_m: Any) -> np.ndarray:
    """Laplace pressure (mmHg) of a fabric tube of relaxed circumference ``c0`` on a section ``C``.

    ``p = T(C/c0 - 1) 2 pi / C``, 0 where the tube is looser than the section.
    """
    c = np.asarray(circumference_m, dtype=float)
    c0 = np.asarray(relaxed_m, dtype=float)
    eps = c / c0 - 1.0
    t = np.zeros(np.broadcast(c, c0).shape)
    pos = eps > 0
    if np.any(pos):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", errors.ExtrapolationWarning)
            t[pos] = np.asarray(
                fabric.tension(np.broadcast_to(eps, t.shape)[pos], direction="course"), float
            )
    return t * 2.0 * np.pi / np.broadcast_to(c, t.shape) / MMHG_PA


def _strain_needed(fabric: Any, tension: float) -> float:
    """Strain at which the fabric model reaches ``tension``, beyond its valid range if need be."""
    lo, hi = fabric.valid_strain_range("course")
    grid = np.linspace(max(lo, 0.0), max(10.0 * hi, 5.0), 4001)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = np.asarray(fabric.tension(grid, direction="course"), dtype=float)
    above = np.nonzero(np.isfinite(t) & (t >= tension))[0]
    if above.size == 0:
        return math.inf
    i = above[0]
    if i == 0:
        return float(grid[0])
    # linear interpolation inside the bracketing interval
    t0, t1 = t[i - 1], t[i]
    return float(grid[i - 1] + (tension - t0) / (t1 - t0) * (grid[i] - grid[i - 1]))


def _where(height_m: float, landmark_heights: Mapping[str, float]) -> str:
    """Name the landmark at a height, or the landmarks it lies between."""
    items = sorted(landmark_heights.items(), key=lambda kv: kv[1])
    for lm, h in items:
        if abs(h - height_m) < 0.0055:
            return lm
    below = [lm for lm, h in items if h < height_m]
    above = [lm for lm, h in items if h > height_m]
    if below and above:
        return f"between {below[-1]} and {above[0]}"
    if below:
        return f"above {below[-1]}"
    if above:
        return f"below {above[0]}"
    return "the leg"


def invert_laplace(
    fabric: Any,
    pressure_mmhg: Any,
    circumference_m: Any,
    *,
    max_strain: float | None = None,
    heights_m: Any = None,
    landmark_heights: Mapping[str, float] | None = None,
    under_tension_n_per_m: Any = None,
    under_thickness_m: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Relaxed circumference giving a pressure on a section, exactly, by Laplace's law.

    ``T = p C / 2 pi``, ``eps = fabric.strain_at_tension(T)`` (unloading branch, the worn state),
    ``c0 = C / (1 + eps)``. Vectorized over heights.

    Over layers already worn (the outer stocking of a :class:`~stockingsim.Kit`) the layer adds
    what the layers below do not give, on their outer surface: ``T = p C / 2 pi - T_under``,
    ``c0 = (C + 2 pi t_under) / (1 + eps)``, the multi-layer Laplace law of the kit.

    Parameters
    ----------
    fabric : Fabric
    pressure_mmhg, circumference_m : array_like, shape (K,)
        Target pressure (mmHg) and hull circumference (m) per height.
    max_strain : float, optional
        Largest strain the design may use (below the fabric's own limit).
    heights_m, landmark_heights : optional
        Only used to name the place in the error message.
    under_tension_n_per_m : array_like, shape (K,), optional
        Hoop tension of the layers below (N/m); none by default.
    under_thickness_m : float
        Thickness of the layers below (m).

    Returns
    -------
    relaxed_m, strain, tension_n_per_m : ndarray, shape (K,)
        Of this layer.

    Raises
    ------
    stockingsim.errors.UnreachableTargetError
        A target needs a strain beyond the fabric's range or ``max_strain``, or the layers below
        already give the target; the message names the landmark (attribute ``landmark``) and
        the strain it would need (``strain_needed``).
    """
    p = np.atleast_1d(np.asarray(pressure_mmhg, dtype=float))
    c = np.atleast_1d(np.asarray(circumference_m, dtype=float))
    if np.any(~np.isfinite(p)) or np.any(p < 0):
        raise errors.DesignError("target pressures must be finite and >= 0 mmHg")
    if np.any(~np.isfinite(c)) or np.any(c <= 0):
        raise errors.DesignError("leg circumferences must be finite and > 0")
    tension = laplace_tension(p, c)
    place = _Place(heights_m, landmark_heights)
    if under_tension_n_per_m is not None:
        under = np.broadcast_to(np.asarray(under_tension_n_per_m, dtype=float), c.shape)
        _check_layers_below(tension, under, c, place)
        tension = tension - under
    eps = np.asarray(fabric.strain_at_tension(tension, direction="course"), dtype=float)
    eps = np.where(tension == 0, 0.0, eps)
    _check_reachable(fabric, eps, tension, p, c, max_strain, place)
    return (c + 2.0 * np.pi * under_thickness_m) / (1.0 + eps), eps, tension


@dataclass(frozen=True)
class _Place:
    """Names a place of the design grid in the designer's words (for error messages)."""

    heights_m: Any
    landmark_heights: Mapping[str, float] | None

    def worst(self, bad: np.ndarray, badness: np.ndarray) -> int:
        """The worst bad index, a landmark's first when one is bad."""
        idx = np.nonzero(bad)[0]
        if self.heights_m is not None and self.landmark_heights:
            h_all = np.atleast_1d(np.asarray(self.heights_m, dtype=float))
            marks = np.array(list(self.landmark_heights.values()), dtype=float)
            at_lm = np.min(np.abs(marks[None, :] - h_all[idx, None]), axis=1) < 1e-6
            if at_lm.any():
                idx = idx[at_lm]
        return int(idx[np.argmax(badness[idx])])

    def landmark(self, i: int) -> str:
        h = float(np.atleast_1d(self.heights_m)[i]) if self.heights_m is not None else 0.0
        return _where(h, self.landmark_heights or {})

    def describe(self, i: int) -> str:
        if self.heights_m is None:
            return "the section"
        h = float(np.atleast_1d(self.heights_m)[i])
        return self.landmark(i) + f" (height {100 * h:.1f} cm)"


def _check_layers_below(total: np.ndarray, under: np.ndarray, c: np.ndarray, place) -> None:
    """Raise where the layers below alone give the target (nothing is left for this layer)."""
    bad = (total > 0) & (total - under <= 1e-6 * total)
    if not np.any(bad):
        return
    i = place.worst(bad, under / np.maximum(total, 1e-12))
    err = errors.UnreachableTargetError(
        f"the inner layer(s) alone give {under[i] * 2 * np.pi / c[i] / MMHG_PA:.1f} mmHg at "
        f"{place.describe(i)}, at least the kit's target "
        f"{total[i] * 2 * np.pi / c[i] / MMHG_PA:.1f} mmHg; use a lighter liner or a higher "
        "target."
    )
    err.landmark = place.landmark(i)
    err.strain_needed = 0.0
    err.pressure_mmhg = float(total[i] * 2 * np.pi / c[i] / MMHG_PA)
    raise err


def _check_reachable(fabric, eps, tension, p, c, max_strain, place) -> None:
    """Raise where the strain needed is beyond the fabric's range or ``max_strain``."""
    _, hi = fabric.valid_strain_range("course")
    limit = hi if max_strain is None else min(hi, float(max_strain))
    bad = ~np.isfinite(eps) | (eps > limit + 1e-12)
    if not np.any(bad):
        return
    # report the worst place (the largest tension relative to what is reachable)
    worst = place.worst(bad, tension / c)
    needed = eps[worst] if np.isfinite(eps[worst]) else _strain_needed(fabric, tension[worst])
    why = (
        f"the fabric's valid range ends at {hi:.2f}"
        if max_strain is None or hi <= float(max_strain)
        else f"max_strain is {float(max_strain):.2f}"
    )
    err = errors.UnreachableTargetError(
        f"target {p[worst]:.1f} mmHg at {place.describe(worst)} on a {100 * c[worst]:.1f} cm leg "
        f"circumference needs {tension[worst]:.0f} N/m of hoop tension, i.e. a strain of "
        f"{needed:.2f} ({100 * needed:.0f} %), but {why}. Use a stiffer fabric, a lower "
        "target, or allow more strain (max_strain)"
    )
    err.landmark = place.landmark(worst)
    err.strain_needed = float(needed)
    err.pressure_mmhg = float(p[worst])
    raise err


# --------------------------------------------------------------------------------------------
# the designed relaxed profile as a picklable callable
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TabulatedCircumference:
    """Relaxed circumference tabulated against height (m), linearly interpolated.

    Constant beyond the ends. A module-level class, so stockings built from it pickle (process
    pools in :func:`stockingsim.run_batch`).
    """

    heights_m: np.ndarray
    relaxed_m: np.ndarray

    def __call__(self, heights_m: Any) -> np.ndarray:
        return np.interp(np.asarray(heights_m, dtype=float), self.heights_m, self.relaxed_m)

    def __repr__(self) -> str:
        return (
            f"TabulatedCircumference({len(self.heights_m)} heights "
            f"{self.heights_m[0]:.3f}-{self.heights_m[-1]:.3f} m)"
        )
