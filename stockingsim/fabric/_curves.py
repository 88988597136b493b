"""The :class:`Fabric`: tension-strain curves of a knit in two directions and two branches."""

from __future__ import annotations

import json
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim._numbers import as_number, unit_mistake
from stockingsim.fabric._blend import blend_curves, check_blend
from stockingsim.fabric._cyclic import (
    DEFAULT_INNER_LOOP_STRAIN,
    check_inner_loop_strain,
    follow_strain_path,
)
from stockingsim.fabric._fit_report import BranchFit, FitReport
from stockingsim.fabric._models import (
    ExponentialModel,
    LinearModel,
    PolynomialModel,
    TwoPhaseModel,
    _Model,
    model_from_dict,
)
from stockingsim.fabric._tensile import fit_inner_loops, fit_tensile_test

__all__ = ["Fabric", "FitReport", "BranchFit", "SCHEMA", "DIRECTIONS", "BRANCHES"]

SCHEMA = "stockingsim.fabric/1"
DIRECTIONS = ("course", "wale")
BRANCHES = ("loading", "unloading")

_TABLE_POINTS = 4097  # dense table for the monotone inverse (then Newton polish)


def _check_direction(direction: str) -> str:
    if direction not in DIRECTIONS:
        raise errors.FabricError(
            f"direction must be 'course' (around the leg, hoop) or 'wale' (along the leg), "
            f"got {direction!r}."
        )
    return direction


def _check_branch(branch: str) -> str:
    if branch not in BRANCHES:
        raise errors.FabricError(
            f"branch must be 'loading' (being stretched) or 'unloading' (recovering, what a worn "
            f"stocking exerts), got {branch!r}."
        )
    return branch


def _as_strain(strain: Any, what: str = "strain") -> np.ndarray:
    try:
        arr = np.asarray(strain, dtype=float)
    except (TypeError, ValueError):
        raise errors.FabricError(
            f"{what} must be a number or an array of numbers, got {type(strain).__name__}."
        ) from None
    return arr


@dataclass(frozen=True)
class Fabric:
    """A knit fabric: tension per width (N/m) versus engineering strain.

    One constitutive model per direction (``"course"``: around the leg; ``"wale"``: along it)
    and per branch (``"loading"``: being stretched; ``"unloading"``: recovering, what a worn
    stocking exerts and the default). Build one with :meth:`linear`, :meth:`polynomial`,
    :meth:`exponential`, :meth:`two_phase`, :meth:`from_blend`, :meth:`from_tensile_test`,
    :meth:`from_json` or take a preset from :func:`~stockingsim.fabric.fabric_library`.

    Frozen and comparable (``==`` compares every curve parameter); :meth:`to_json` /
    :meth:`from_json` round-trip exactly. The unloading branch is never above the loading
    branch: where a fitted unloading model would cross it, the loading value is used.

    Parameters
    ----------
    name
        Short name (used as the index of :func:`compare_fabrics`).
    course_loading, course_unloading, wale_loading, wale_unloading
        Constitutive models (:class:`LinearModel`, :class:`PolynomialModel`,
        :class:`ExponentialModel`, :class:`TwoPhaseModel`).
    description
        Composition, knit, calibration note.
    provenance
        ``((key, value), ...)`` scalar facts about where the curves come from (blend inputs,
        calibration claims). Read it as a dict with :attr:`info`.
    fit_report
        The :class:`FitReport` of a tensile-test fit, else None.
    inner_loop_strain
        ``(course, wale)`` strain ``eps_c`` over which the loops unlock after a strain
        reversal: small cycles about a working point run on inner loops of initial slope
        ``U' + (L - U) / eps_c`` (a Dahl friction element, see :meth:`cyclic_tension`).
        Default 0.02 (assumption); presets and tensile fits with small cycles set their own.

    Examples
    --------
    >>> import stockingsim as ss
    >>> fabric = ss.Fabric.linear(stiffness_n_per_m=250.0)
    >>> float(fabric.tension(0.4))
    100.0
    >>> float(fabric.strain_at_tension(100.0))
    0.4
    """

    name: str
    course_loading: _Model
    course_unloading: _Model
    wale_loading: _Model
    wale_unloading: _Model
    description: str = ""
    provenance: tuple[tuple[str, Any], ...] = ()
    fit_report: FitReport | None = None
    inner_loop_strain: tuple[float, float] = (DEFAULT_INNER_LOOP_STRAIN, DEFAULT_INNER_LOOP_STRAIN)
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    # ------------------------------------------------------------------ construction / checks
    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise errors.FabricError("a fabric needs a non-empty name (str).")
        for d in DIRECTIONS:
            for b in BRANCHES:
                m = getattr(self, f"{d}_{b}")
                if not isinstance(m, _Model):
                    raise errors.FabricError(
                        f"{d}_{b} must be a fabric model (LinearModel, PolynomialModel, "
                        f"ExponentialModel, TwoPhaseModel), got {type(m).__name__}."
                    )
            lo, hi = self.valid_strain_range(d)
            if hi <= lo:
                raise errors.FabricError(
                    f"the {d} loading and unloading models have no common valid strain range; "
                    "give overlapping min_strain/max_strain."
                )
            load, unl = getattr(self, f"{d}_loading"), getattr(self, f"{d}_unloading")
            # min(unloading, loading) is only needed where a (fitted) unloading model crosses
            # above the loading one; skip it otherwise (half the cost)
            self._cache[("clamp", d)] = False
            if load != unl:
                grid = np.linspace(lo, hi, 2001)
                tl, tu = load.tension(grid), unl.tension(grid)
                self._cache[("clamp", d)] = bool(np.any(tu > tl))
                excess = float(np.max(tu - tl))
                if excess > 0.05 * float(np.max(np.abs(tl))) + 1e-9:
                    raise errors.FabricError(
                        f"the {d} unloading curve lies above the loading curve by up to "
                        f"{excess:.3g} N/m; a knit recovers with less tension than it takes to "
                        "stretch it. Check that the branches are not swapped."
                    )
        object.__setattr__(self, "provenance", tuple((str(k), v) for k, v in self.provenance))
        loops = self.inner_loop_strain
        if np.ndim(loops) == 0:
            loops = (loops, loops)
        if len(loops) != 2:
            raise errors.FabricError(
                "inner_loop_strain must be one number or (course, wale), e.g. (0.02, 0.03)."
            )
        object.__setattr__(
            self,
            "inner_loop_strain",
            tuple(
                check_inner_loop_strain(v, f"inner_loop_strain[{d}]")
                for v, d in zip(loops, DIRECTIONS)
            ),
        )

    @staticmethod
    def _check_dir(direction: str) -> str:
        return _check_direction(direction)

    def with_inner_loop_strain(self, eps_c: float, direction: str | None = None) -> Fabric:
        """A copy with another inner-loop strain (both directions, or only ``direction``)."""
        from dataclasses import replace

        c, w = self.inner_loop_strain
        if direction is None:
            c = w = eps_c
        elif _check_direction(direction) == "course":
            c = eps_c
        else:
            w = eps_c
        return replace(self, inner_loop_strain=(c, w))

    def cyclic_tension(
        self, strain_path: Any, direction: str = "course", start: Any = "unloading"
    ) -> np.ndarray:
        """Tension (N/m) along a strain history, with inner hysteresis loops.

        The branch is followed: stretched further, the tension climbs a steep inner loop from
        the unloading branch towards the loading branch; released, it falls back towards the
        unloading branch. Rule: ``T = (L + U)/2 + s (L - U)/2`` with the friction state ``s``
        moving towards +1 (stretching) or -1 (recovering) as ``ds/d eps = (sign(d eps) - s) /
        eps_c`` (Dahl 1976, doi:10.2514/3.61511), ``eps_c`` = :attr:`inner_loop_strain`.

        Parameters
        ----------
        strain_path
            Strains of shape ``(n_steps, ...)``, time along axis 0.
        direction
            ``"course"`` or ``"wale"``.
        start
            ``"unloading"`` (default: a donned stocking has relaxed onto the leg),
            ``"loading"`` or an array of states in [-1, 1].

        Returns
        -------
        ndarray, shape of ``strain_path``
            Tension in N/m; a constant strain gives the start branch's tension.

        Examples
        --------
        >>> import stockingsim as ss
        >>> f = ss.Fabric.linear(200.0, hysteresis=0.3)
        >>> t = f.cyclic_tension([0.4, 0.42, 0.4])
        >>> bool(t[1] - t[0] > 0.02 * 200)  # steeper than either branch
        True
        """
        return follow_strain_path(self, strain_path, direction, start)

    def dynamic_stiffness(self, strain: Any, direction: str = "course") -> np.ndarray:
        """Initial slope (N/m) of an inner loop leaving the unloading branch at ``strain``.

        ``dT/d eps = U'(eps) + (L(eps) - U(eps)) / eps_c``: what a small stretch of a worn
        stocking meets, several times the unloading slope ``U'`` of an elastic knit.
        """
        d = _check_direction(direction)
        eps = _as_strain(strain)
        eps_c = self.inner_loop_strain[0 if d == "course" else 1]
        tu, ku = self._eval(eps, d, "unloading", derivative=True)
        tl = self._raw_tension(eps, d, "loading")
        return ku + (tl - tu) / eps_c

    @property
    def info(self) -> dict[str, Any]:
        """:attr:`provenance` as a dict."""
        return dict(self.provenance)

    def model(self, direction: str = "course", branch: str = "unloading") -> _Model:
        """The constitutive model of one direction and branch."""
        return getattr(self, f"{_check_direction(direction)}_{_check_branch(branch)}")

    def valid_strain_range(self, direction: str = "course") -> tuple[float, float]:
        """``(min_strain, max_strain)`` where both branches of ``direction`` are valid."""
        _check_direction(direction)
        load = getattr(self, f"{direction}_loading")
        unl = getattr(self, f"{direction}_unloading")
        return (max(load.min_strain, unl.min_strain), min(load.max_strain, unl.max_strain))

    def _warn_range(self, eps: np.ndarray, direction: str) -> None:
        lo, hi = self.valid_strain_range(direction)
        with np.errstate(invalid="ignore"):
            # a slack fabric (strain < 0) carries no tension: clipped, not extrapolated
            outside = ((eps < lo - 1e-12) & (eps >= 0)) | (eps > hi + 1e-12)
        if np.any(outside):
            n = int(np.count_nonzero(outside))
            top = float(np.nanmax(eps))
            percent = (
                f" A strain of {top:g} looks like a percentage: strains are fractions "
                f"({top:g} % is {top / 100:g})."
                if unit_mistake(top, "strain")
                else ""
            )
            warnings.warn(
                f"fabric {self.name!r} evaluated at {n} strain(s) outside its valid {direction} "
                f"range [{lo:g}, {hi:g}] (min {np.nanmin(eps):.3g}, max {top:.3g}); "
                "the model value is extrapolated. Keep strains within the range or use a fabric "
                f"measured further.{percent}",
                errors.ExtrapolationWarning,
                stacklevel=3,
            )

    # ------------------------------------------------------------------ evaluation
    def _eval(
        self, eps: np.ndarray, direction: str, branch: str, derivative: bool = False
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Tension (and stiffness if ``derivative``) without checks or warnings."""
        load = getattr(self, f"{direction}_loading")
        model = load if branch == "loading" else getattr(self, f"{direction}_unloading")
        if model is load or not self._cache[("clamp", direction)]:
            t = model.tension(eps)
            return (t, model.stiffness(eps)) if derivative else t
        tu, tl = model.tension(eps), load.tension(eps)
        use_unl = tu <= tl
        t = np.where(use_unl, tu, tl)
        if not derivative:
            return t
        return t, np.where(use_unl, model.stiffness(eps), load.stiffness(eps))

    def _raw_tension(self, eps: np.ndarray, direction: str, branch: str) -> np.ndarray:
        return self._eval(eps, direction, branch)

    def tension(
        self, strain: Any, direction: str = "course", branch: str = "unloading"
    ) -> np.ndarray:
        """Tension per width at ``strain``.

        Parameters
        ----------
        strain
            Engineering strain, any array shape (0.5 = 50 % extension).
        direction
            ``"course"`` (hoop, around the leg) or ``"wale"`` (along the leg).
        branch
            ``"unloading"`` (default: a worn stocking relaxes onto the leg) or ``"loading"``.

        Returns
        -------
        ndarray, same shape as ``strain``
            Tension in N/m. A negative strain (the fabric is slack) gives 0: the strain is
            clipped at 0, no tension is ever negative. Beyond :meth:`valid_strain_range` an
            :class:`~stockingsim.errors.ExtrapolationWarning` is issued and the model value is
            still returned; a strain that looks like a percentage (e.g. 40) says so.

        Examples
        --------
        >>> import stockingsim as ss
        >>> f = ss.Fabric.linear(250.0)
        >>> f.tension([-0.1, 0.0, 0.4]).tolist()
        [0.0, 0.0, 100.0]
        """
        _check_direction(direction)
        _check_branch(branch)
        eps = _as_strain(strain)
        self._warn_range(eps, direction)
        with np.errstate(invalid="ignore"):
            slack = eps < 0
        if not np.any(slack):
            return self._raw_tension(eps, direction, branch)
        t = self._raw_tension(np.where(slack, 0.0, eps), direction, branch)
        return np.where(slack, 0.0, t)

    def stiffness(
        self, strain: Any, direction: str = "course", branch: str = "unloading"
    ) -> np.ndarray:
        """Tangent stiffness ``dT/d strain`` in N/m, same shape as ``strain``.

        See :meth:`tension` for the arguments and the range warning; a slack fabric (strain
        < 0) has no stiffness (0).
        """
        _check_direction(direction)
        _check_branch(branch)
        eps = _as_strain(strain)
        self._warn_range(eps, direction)
        with np.errstate(invalid="ignore"):
            slack = eps < 0
        k = self._eval(np.where(slack, 0.0, eps), direction, branch, derivative=True)[1]
        return np.where(slack, 0.0, k)

    def _table(self, direction: str, branch: str) -> tuple[np.ndarray, ...]:
        key = (direction, branch)
        table = self._cache.get(key)
        if table is None:
            lo, hi = self.valid_strain_range(direction)
            eps = np.linspace(lo, hi, _TABLE_POINTS)
            t, k = self._eval(eps, direction, branch, derivative=True)
            table = (eps, np.maximum.accumulate(t), np.maximum(k, 0.0))
            self._cache[key] = table
        return table

    def strain_at_tension(
        self, tension_n_per_m: Any, direction: str = "course", branch: str = "unloading"
    ) -> np.ndarray:
        """Inverse of :meth:`tension`: the strain at which the fabric carries a tension.

        Vectorized: bracket on a dense monotone table (``np.searchsorted``), cubic Hermite
        interpolation of the inverse (slopes 1/stiffness), then one Newton step kept inside the
        bracket (closed form for a linear fabric).

        Parameters
        ----------
        tension_n_per_m
            Tension in N/m, any array shape.
        direction, branch
            As in :meth:`tension`.

        Returns
        -------
        ndarray, same shape as ``tension_n_per_m``
            Strain; NaN where the tension is NaN or unreachable within
            :meth:`valid_strain_range` (below the tension at its lower end or above the tension
            at its upper end).
        """
        _check_direction(direction)
        _check_branch(branch)
        t = _as_strain(tension_n_per_m, "tension_n_per_m")
        lo, hi = self.valid_strain_range(direction)
        load = getattr(self, f"{direction}_loading")
        unl = getattr(self, f"{direction}_unloading")
        model = load if branch == "loading" else unl
        clamped = branch == "unloading" and self._cache[("clamp", direction)]
        if isinstance(model, LinearModel) and not clamped:
            eps = model.inverse(t)
            tol = 1e-12 * max(1.0, hi)
            with np.errstate(invalid="ignore"):
                bad = ~((eps >= lo - tol) & (eps <= hi + tol))
            eps = np.clip(eps, lo, hi)
            return np.where(bad, np.nan, eps)

        eps_tab, t_tab, k_tab = self._table(direction, branch)
        flat = t.ravel()
        with np.errstate(invalid="ignore"):
            span = max(abs(t_tab[-1]), 1e-300)
            reachable = (flat >= t_tab[0] - 1e-12 * span) & (flat <= t_tab[-1] + 1e-12 * span)
        tc = np.clip(np.where(reachable, flat, t_tab[0]), t_tab[0], t_tab[-1])
        idx = np.clip(np.searchsorted(t_tab, tc, side="left"), 1, len(t_tab) - 1)
        e0, e1 = eps_tab[idx - 1], eps_tab[idx]
        t0, t1 = t_tab[idx - 1], t_tab[idx]
        dt = t1 - t0
        ok = dt > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            u = np.where(ok, (tc - t0) / np.where(ok, dt, 1.0), 0.0)
            # cubic Hermite interpolation of the inverse eps(T): node slopes d eps/dT = 1/k
            k0, k1 = k_tab[idx - 1], k_tab[idx]
            s0 = np.where(k0 > 0, dt / np.where(k0 > 0, k0, 1.0), e1 - e0)
            s1 = np.where(k1 > 0, dt / np.where(k1 > 0, k1, 1.0), e1 - e0)
        h00 = (1 + 2 * u) * (1 - u) ** 2
        h10 = u * (1 - u) ** 2
        h01 = u * u * (3 - 2 * u)
        h11 = u * u * (u - 1)
        eps = h00 * e0 + h10 * s0 + h01 * e1 + h11 * s1
        eps = np.clip(np.where(np.isfinite(eps), eps, e0 + u * (e1 - e0)), e0, e1)
        # one Newton polish step, kept inside the bracket
        f, df = self._eval(eps, direction, branch, derivative=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            step = np.where(df > 0, (f - tc) / np.where(df > 0, df, 1.0), 0.0)
        eps = np.clip(eps - step, e0, e1)
        out = np.where(reachable, eps, np.nan)
        return out.reshape(t.shape)

    def hysteresis_loss(self, direction: str = "course", max_strain: float | None = None) -> float:
        """Hysteresis loss as a fraction: area between the branches / area under loading.

        Parameters
        ----------
        direction
            ``"course"`` or ``"wale"``.
        max_strain
            Upper strain of the cycle (default: the top of :meth:`valid_strain_range`).

        Returns
        -------
        float
            ``int (T_load - T_unload) d eps / int T_load d eps`` over ``[min_strain,
            max_strain]``, in [0, 1).
        """
        _check_direction(direction)
        lo, hi = self.valid_strain_range(direction)
        top = hi if max_strain is None else float(max_strain)
        if not math.isfinite(top) or top <= lo:
            raise errors.FabricError(
                f"max_strain must be a number above the fabric's minimum strain {lo:g}, got "
                f"{max_strain!r}."
            )
        eps = np.linspace(lo, top, 2001)
        self._warn_range(eps, direction)
        tl = self._raw_tension(eps, direction, "loading")
        tu = self._raw_tension(eps, direction, "unloading")
        area_load = np.trapezoid(tl, eps)
        if area_load <= 0:
            return 0.0
        return float(np.trapezoid(tl - tu, eps) / area_load)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_models(
        cls,
        course_loading: _Model,
        course_unloading: _Model | None = None,
        wale_loading: _Model | None = None,
        wale_unloading: _Model | None = None,
        *,
        hysteresis: float = 0.0,
        wale_hysteresis: float | None = None,
        name: str = "fabric",
        description: str = "",
        provenance: Any = (),
        inner_loop_strain: Any = DEFAULT_INNER_LOOP_STRAIN,
    ) -> Fabric:
        """Assemble a fabric from models.

        Missing curves are derived: wale loading = course loading; an unloading branch =
        ``(1 - h) x`` its loading branch, ``h = hysteresis`` (course) or ``wale_hysteresis``
        (default: the course value), so the hysteresis loss equals ``h`` exactly.
        ``inner_loop_strain`` is ``eps_c`` of the inner loops (one value or course, wale).
        """
        h_c = _check_fraction("hysteresis", hysteresis)
        h_w = (
            h_c if wale_hysteresis is None else _check_fraction("wale_hysteresis", wale_hysteresis)
        )
        if wale_loading is None:
            wale_loading = course_loading
        if course_unloading is None:
            course_unloading = course_loading if h_c == 0 else course_loading.scaled(1 - h_c)
        if wale_unloading is None:
            wale_unloading = wale_loading if h_w == 0 else wale_loading.scaled(1 - h_w)
        if isinstance(provenance, dict):
            provenance = tuple(provenance.items())
        return cls(
            name=name,
            course_loading=course_loading,
            course_unloading=course_unloading,
            wale_loading=wale_loading,
            wale_unloading=wale_unloading,
            description=description,
            provenance=tuple(provenance),
            inner_loop_strain=inner_loop_strain,
        )

    @classmethod
    def linear(
        cls,
        stiffness_n_per_m: float,
        max_strain: float = 3.0,
        *,
        name: str | None = None,
        wale_stiffness_n_per_m: float | None = None,
        hysteresis: float = 0.0,
    ) -> Fabric:
        """A linear fabric ``T = k eps``: same in both directions, no hysteresis by default.

        The fabric of the analytic validation cases (tension and its inverse are exact).

        Parameters
        ----------
        stiffness_n_per_m
            ``k`` in N/m (tension per unit strain), > 0.
        max_strain
            Upper end of the valid strain range (default 3.0, i.e. 300 %: an assumption wide
            enough for any worn or donning strain; the lower end is 0).
        name
            Default ``"linear <k> N/m"``.
        wale_stiffness_n_per_m
            Optional different wale stiffness (default: same as course).
        hysteresis
            Optional unloading fraction loss ``h`` (unloading = ``(1 - h) k eps``); default 0.

        Examples
        --------
        >>> import stockingsim as ss
        >>> f = ss.Fabric.linear(stiffness_n_per_m=200.0)
        >>> f.tension([0.1, 0.5], branch="loading").tolist()
        [20.0, 100.0]
        """
        course = LinearModel(stiffness_n_per_m, 0.0, max_strain)
        wale = None
        if wale_stiffness_n_per_m is not None:
            wale = LinearModel(wale_stiffness_n_per_m, 0.0, max_strain)
        return cls.from_models(
            course,
            wale_loading=wale,
            hysteresis=hysteresis,
            name=name or f"linear {course.stiffness_n_per_m:g} N/m",
            description=f"Linear T = k eps, k = {course.stiffness_n_per_m:g} N/m "
            f"(valid 0 to {course.max_strain:g} strain).",
            provenance=(("source", "linear"),),
        )

    @classmethod
    def polynomial(
        cls,
        coefficients: Any,
        max_strain: float = 1.5,
        *,
        wale_coefficients: Any = None,
        hysteresis: float = 0.0,
        wale_hysteresis: float | None = None,
        name: str = "polynomial",
        description: str = "",
    ) -> Fabric:
        """Polynomial fabric ``T = c_1 eps + c_2 eps^2 + ...`` (N/m) per direction.

        Parameters
        ----------
        coefficients
            Course ``(c_1, ..., c_n)`` in N/m; tension must increase over ``[0, max_strain]``.
        max_strain
            Upper end of the valid range (lower end 0).
        wale_coefficients
            Wale coefficients (default: the course ones).
        hysteresis, wale_hysteresis
            Unloading = ``(1 - h) x`` loading per direction.
        """
        course = PolynomialModel(tuple(np.atleast_1d(coefficients).tolist()), 0.0, max_strain)
        wale = None
        if wale_coefficients is not None:
            wale = PolynomialModel(
                tuple(np.atleast_1d(wale_coefficients).tolist()), 0.0, max_strain
            )
        return cls.from_models(
            course,
            wale_loading=wale,
            hysteresis=hysteresis,
            wale_hysteresis=wale_hysteresis,
            name=name,
            description=description or "Polynomial tension-strain model.",
            provenance=(("source", "polynomial"),),
        )

    @classmethod
    def exponential(
        cls,
        a_n_per_m: float,
        b: float,
        max_strain: float = 1.5,
        *,
        wale_a_n_per_m: float | None = None,
        wale_b: float | None = None,
        hysteresis: float = 0.0,
        wale_hysteresis: float | None = None,
        name: str = "exponential",
        description: str = "",
    ) -> Fabric:
        """Exponential fabric ``T = A (exp(B eps) - 1)`` (N/m) per direction.

        Wale parameters default to the course ones; unloading = ``(1 - h) x`` loading.
        """
        course = ExponentialModel(a_n_per_m, b, 0.0, max_strain)
        wale = None
        if wale_a_n_per_m is not None or wale_b is not None:
            wale = ExponentialModel(
                a_n_per_m if wale_a_n_per_m is None else wale_a_n_per_m,
                b if wale_b is None else wale_b,
                0.0,
                max_strain,
            )
        return cls.from_models(
            course,
            wale_loading=wale,
            hysteresis=hysteresis,
            wale_hysteresis=wale_hysteresis,
            name=name,
            description=description or "Exponential tension-strain model.",
            provenance=(("source", "exponential"),),
        )

    @classmethod
    def two_phase(
        cls,
        k_elastic_n_per_m: float,
        k_jam_n_per_m: float,
        jam_strain: float,
        jam_width: float = 0.05,
        *,
        toe_tension_n_per_m: float = 0.0,
        toe_strain: float = 0.05,
        max_strain: float | None = None,
        wale: TwoPhaseModel | None = None,
        hysteresis: float = 0.0,
        wale_hysteresis: float | None = None,
        name: str = "two-phase knit",
        description: str = "",
    ) -> Fabric:
        """Two-phase knit: elastane in parallel with jamming ground loops.

        See :class:`TwoPhaseModel` for the formula.

        ``max_strain`` defaults to ``jam_strain + 0.5``. ``wale`` is a :class:`TwoPhaseModel`
        for the wale direction (default: the course model). Unloading = ``(1 - h) x`` loading.
        """
        top = float(jam_strain) + 0.5 if max_strain is None else max_strain
        course = TwoPhaseModel(
            k_elastic_n_per_m,
            k_jam_n_per_m,
            jam_strain,
            jam_width,
            toe_tension_n_per_m,
            toe_strain,
            0.0,
            top,
        )
        return cls.from_models(
            course,
            wale_loading=wale,
            hysteresis=hysteresis,
            wale_hysteresis=wale_hysteresis,
            name=name,
            description=description or "Two-phase knit model.",
            provenance=(("source", "two_phase"),),
        )

    @classmethod
    def from_blend(
        cls,
        *,
        elastane: float,
        polyamide: float = 0.0,
        cotton: float = 0.0,
        inlay_dtex: float | None = None,
        courses_per_cm: float = 20.0,
        ground_dtex: float = 78.0,
        knit: str = "inlay_jersey",
        machine: str = "circular",
        thickness_mm: float = 0.6,
        inlay_prestrain: float = 0.8,
        name: str | None = None,
        description: str = "",
        provenance: Any = (),
    ) -> Fabric:
        """A knit's curves from its yarn blend and knit parameters (a model, not measured data).

        Parameters
        ----------
        elastane, polyamide, cotton
            Mass fractions of the fabric, each in [0, 1], summing to 1 (+-0.01; renormalized).
        inlay_dtex
            Linear density of the covered elastane inlay yarn, dtex (g per 10 km), for
            ``knit="inlay_jersey"`` (default 280 dtex); must be None for a plain jersey.
        courses_per_cm
            Course density of the relaxed fabric (default 20 /cm).
        ground_dtex
            Linear density of the ground (loop) yarn, dtex (default 78; microfibre/sheer 22-44).
        knit
            ``"inlay_jersey"`` (single jersey with a laid-in elastane yarn, the usual medical
            structure) or ``"plain_jersey"`` (plated single jersey, no inlay).
        machine
            ``"circular"`` (seamless, round-knit) or ``"flat"`` (flat-knit, stiffer and less
            extensible, used for lymphoedema).
        thickness_mm
            Fabric thickness, mm (default 0.6).
        inlay_prestrain
            Strain at which the elastane is fed (its draft), default 0.8 (assumption).
        name, description, provenance
            Optional labels; by default built from the inputs.

        Returns
        -------
        Fabric
            :class:`TwoPhaseModel` curves per direction; unloading = ``(1 - h)`` x loading.

        Notes
        -----
        Every constant below is in ``stockingsim.fabric.BLEND_CONSTANTS``; all are assumptions
        (order-of-magnitude values calibrated so that the presets land in the RAL-GZ 387
        pressure classes at a 22 cm ankle, where 25 mmHg needs 117 N/m) unless a source is
        given. Notation: ``e, pa, co`` the fractions, ``n_c = 100 courses_per_cm`` courses per
        metre, ``E_el = 5e-4 N/dtex`` the secant specific modulus of elastane (0.05 cN/dtex).

        Course direction (around the leg), the two-phase model ``T = k_e eps +
        t0 (1 - exp(-eps/eps_t)) + k_j w [sp((eps - eps_j)/w) - sp(-eps_j/w)]``:

        1. Inlay spring: the covered elastane inlay acts as a linear spring (Text. Res. J. 2012,
           doi:10.1177/0040517512441992, model covered-elastane inlay yarns as springs
           identified from yarn elongation curves). Force per yarn ``F = E_el * 0.75 *
           inlay_dtex * eps`` (0.75 = elastane core share of the covered yarn, assumption);
           one inlay every second course (1+1 inlaid jersey, as knitted by Lozo et al. 2022,
           doi:10.3390/ma15010353), so ``k_inlay = 0.5 n_c * E_el * 0.75 * inlay_dtex``
           (tension per metre = force per yarn x yarns per metre).
        2. Plated elastane in the ground yarn (elastane share of the ground = ``e``, strained
           half as much as the fabric because loops open first; assumption):
           ``k_plated = n_c * E_el * e * ground_dtex * 0.5``; ``k_e = k_inlay + k_plated``.
        3. Pre-tension toe: the elastane is fed at strain ``inlay_prestrain``; in the relaxed
           fabric its tension is balanced by compressed ground loops and the first few per cent
           of strain release it: ``t0 = k_e * inlay_prestrain``, ``eps_t = 0.06`` (assumption).
           This makes the worn range (30-60 %) flat, as graduated stockings need.
        4. Jamming ground loops (polyamide/cotton): ``eps_j = 1.1`` (inlay jersey) or 1.3
           (plain jersey), times 0.7 on a flat machine; ``w = 0.12``; ``k_j = n_c * ground_dtex
           * E_jam * thickness_mm / 0.6``, ``E_jam = (pa 2e-3 + co 4e-3)/(pa + co)``
           N/dtex (~1 % of the yarn modulus; cotton stiffer), times 2 on a flat machine
           (all assumptions). On a flat machine ``k_e`` (and ``t0``) are 1.4 x larger
           (tighter loops grip the inlay; assumption). Valid range: 0 to ``eps_j + 0.4``.

        Wale direction (along the leg): ``n_w = 0.75 n_c`` wales per metre (loop shape factor,
        assumption), two loop legs per wale: ``k_e = 2 n_w E_el e ground_dtex 0.5 + 0.2 k_inlay``
        (the inlay only binds the loops; assumption), no toe, ``eps_j`` 0.55 x the course value,
        ``k_j = 2 n_w ground_dtex E_jam (thickness/0.6)`` (flat: x 2, ``k_e`` x 1.4). Valid range: 0 to
        ``eps_j + 0.3``.

        Hysteresis (unloading = ``(1 - h)`` x loading, so the hysteresis loss is ``h``):
        ``h = 0.10 + 0.10 pa_g + 0.25 co_g`` with ``pa_g, co_g`` the polyamide and cotton
        shares of the ground yarn (+ 0.12 flat-knit; + 0.05 in the wale direction). The
        elastane share does not enter: the hysteresis index of plated PA/EL knits did not
        change with 0-43 % elastane (Jovanovic, Penava and Vrljicak 2022, Materials 15:6512,
        doi:10.3390/ma15196512). Cotton's poorer elastic recovery raises the loss (the
        qualitative finding of cyclic cut-strip tests of compression socks, Siddique et al.
        2023, doi:10.1177/15280837231170305); the magnitudes are assumptions. Residual
        (unrecovered) strain is not modelled.

        Inner loops (:meth:`cyclic_tension`): ``inner_loop_strain = 0.012`` on a circular
        machine, x 0.4 on a flat machine, x 1.5 in the wale direction (assumptions identified
        so that the presets' walking amplitude and SSI on the bundled leg fall in the in-vivo
        ranges of elastic class II stockings, Phlebology 2026, doi:10.1177/02683555261424072,
        and SSI < 10 mmHg for elastic material, Partsch et al. 2008, Dermatol Surg 34:600;
        flat-knit several times stiffer).

        Direction of each parameter's effect (tested): more elastane, a heavier inlay or denser
        courses give a stiffer course curve; more cotton (instead of polyamide) gives more
        hysteresis; a flat machine gives a stiffer, less extensible fabric; a thicker fabric is
        stiffer beyond jamming; course and wale curves differ.

        Raises
        ------
        BlendError
            Fractions negative, NaN or not summing to 1; non-positive or implausible dtex,
            course density or thickness; unknown knit or machine; an inlay jersey without
            elastane; no ground yarn.

        Examples
        --------
        >>> import stockingsim as ss
        >>> f = ss.Fabric.from_blend(elastane=0.24, polyamide=0.76, inlay_dtex=310)
        >>> 100 < float(f.tension(0.4)) < 150  # N/m: class II on a 22 cm ankle
        True
        """
        inputs = check_blend(
            elastane=elastane,
            polyamide=polyamide,
            cotton=cotton,
            inlay_dtex=inlay_dtex,
            courses_per_cm=courses_per_cm,
            ground_dtex=ground_dtex,
            knit=knit,
            machine=machine,
            thickness_mm=thickness_mm,
            inlay_prestrain=inlay_prestrain,
        )
        curves = blend_curves(inputs, name=name, description=description, provenance=provenance)
        return cls.from_models(
            curves.course,
            wale_loading=curves.wale,
            hysteresis=curves.hysteresis,
            wale_hysteresis=curves.wale_hysteresis,
            name=curves.name,
            description=curves.description,
            provenance=curves.provenance,
            inner_loop_strain=curves.inner_loop_strain,
        )

    @classmethod
    def from_tensile_test(
        cls,
        path: str | os.PathLike,
        width_mm: float,
        gauge_mm: float,
        model: str = "polynomial",
        *,
        extension_column: str | None = None,
        force_column: str | None = None,
        cycles: str | int = "all",
        direction: str = "course",
        other_path: str | os.PathLike | None = None,
        wale_strain_ratio: float = 1.5,
        degree: int = 3,
        name: str | None = None,
    ) -> Fabric:
        """Fit a fabric to a strip tensile test (CSV of extension and force).

        The file is read (header spellings such as ``Extension (mm)``, ``extension_mm``,
        ``Elongation [mm]``, ``Dehnung``, ``Force (N)``, ``Kraft``, ``Load [N]``; ``,`` or
        ``;`` or tab separated, decimal commas with ``;``; a units row and metadata lines are
        skipped; units mm/cm/m/% and N/cN/daN/kN), split into loading and unloading segments by
        the sign of d(extension) (zig-zag filter, noise below 1 % of the range ignored) over
        one or many cycles, converted with ``strain = extension / gauge`` and ``tension = force
        / width`` (N/m), and each branch is fitted with ``scipy.optimize.least_squares``.

        Parameters
        ----------
        path
            CSV file. Extension is measured from the unstretched gauge length (0 = relaxed).
        width_mm, gauge_mm
            Specimen width and gauge (clamp) length, mm.
        model
            ``"polynomial"`` (degree ``degree``, through the origin, kept monotone),
            ``"exponential"``, ``"two_phase"`` or ``"linear"``.
        extension_column, force_column
            Exact column names when automatic matching does not apply.
        cycles
            ``"all"`` (every loading segment fitted together, same for unloading), ``"last"``
            or a 1-based cycle number (e.g. 5 after conditioning cycles).
        direction
            Direction the strip was cut in: ``"course"`` (default) or ``"wale"``.
        other_path
            A second test file for the other direction (same width and gauge). Without it the
            other direction is derived as ``T_wale(eps) = T_course(r eps)`` with ``r =
            wale_strain_ratio`` (default 1.5; an assumption: the wale of a weft knit stretches
            about 1.5 x less than the course at equal tension).
        degree
            Polynomial degree (1 to 8).
        name
            Default ``"tensile <file stem> (<model>)"``.

        Returns
        -------
        Fabric
            Valid strain range 0 to the largest loading strain; the fit is in
            ``fabric.fit_report`` (:class:`FitReport`: parameters, R^2, RMSE in N/m, strain
            range and number of points per branch; ``.table()`` gives a DataFrame). Without
            unloading data (a single pull), unloading = loading and a
            :class:`~stockingsim.errors.StockingSimWarning` is issued.

        Raises
        ------
        TensileDataError
            Missing/empty/unparseable file, missing or non-numeric columns, a specimen that
            never stretches or never pulls, non-positive width or gauge.
        FabricError
            Unknown model, direction or cycle number.

        References
        ----------
        Siddique H. F. et al. (2023), cut-strip tensile tests of compression socks at practical
        extension, J. Ind. Text., doi:10.1177/15280837231170305.
        """
        fit = fit_tensile_test(
            path,
            width_mm=width_mm,
            gauge_mm=gauge_mm,
            model=model,
            extension_column=extension_column,
            force_column=force_column,
            cycles=cycles,
            direction=direction,
            other_path=other_path,
            wale_strain_ratio=wale_strain_ratio,
            degree=degree,
            name=name,
        )
        try:
            fabric = cls(
                name=fit.name,
                description=fit.description,
                provenance=fit.provenance,
                fit_report=fit.report,
                **fit.models,
            )
        except errors.FabricError as exc:
            raise errors.TensileDataError(
                f"tensile file {fit.report.source!r}: the fitted curves are not a valid fabric "
                f"({exc})"
            ) from None
        return fit_inner_loops(fabric, fit.paths)

    # ------------------------------------------------------------------ JSON
    # ------------------------------------------------------------------ time (fabric/_time.py)
    def relaxed(self, hours: float) -> Fabric:
        """The fabric after ``hours`` of wear at its working strain (stress relaxation).

        Every curve is multiplied by the normalized relaxation function ``g(hours)`` (a Prony
        series; quasi-linear viscoelasticity). The parameters come from
        :meth:`from_relaxation_test`, the preset's entry in ``data/fabric_time.json``, or an
        illustrative default. See ``docs/life.md``.
        """
        from stockingsim.fabric import _time

        return _time.relaxed(self, hours)

    def aged(self, days: float, washes: float | None = None, hours_per_day: float = 8.0) -> Fabric:
        """The fabric at the start of a day after ``days`` of daily wear and ``washes`` washes.

        Fatigue of the washed stocking (fitted to Veraart et al. 1997 for the class II and III
        presets) times the relaxation set carried over from the days since the last wash
        (``washes`` default: one a day). See ``docs/life.md``.
        """
        from stockingsim.fabric import _time

        return _time.aged(self, days, washes, hours_per_day)

    @classmethod
    def from_relaxation_test(
        cls,
        path: str | os.PathLike,
        strain: float,
        *,
        fabric: Fabric | None = None,
        width_mm: float | None = None,
        n_terms: int = 2,
    ) -> Fabric:
        """Fit a Prony series (generalized Maxwell model, log-spaced start) to a relaxation test.

        Parameters
        ----------
        path
            CSV with ``time_s`` or ``time_h`` and ``tension_n_per_m`` (or ``force_n`` with
            ``width_mm``): the tension of a strip held at ``strain`` over time.
        strain
            The engineering strain the strip was held at.
        fabric
            The fabric whose time behaviour this is (default: a linear fabric through the
            instantaneous tension at ``strain``).
        width_mm
            Strip width when the file gives forces.
        n_terms
            Number of Maxwell elements (1-6).

        Returns
        -------
        Fabric
            ``fabric`` with the fitted time model in its provenance (``info["time_model"]``,
            ``info["relaxation_rmse_n_per_m"]``); :meth:`relaxed` and :meth:`aged` use it.
        """
        from stockingsim.fabric import _time

        return _time.from_relaxation_test(
            path,
            strain,
            fabric=fabric,
            width_mm=width_mm,
            n_terms=n_terms,
            linear=lambda k: cls.linear(k, name="relaxation fit"),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with the schema version."""
        return {
            "schema": SCHEMA,
            "name": self.name,
            "description": self.description,
            "curves": {
                d: {b: getattr(self, f"{d}_{b}").to_dict() for b in BRANCHES} for d in DIRECTIONS
            },
            "provenance": [[k, v] for k, v in self.provenance],
            "fit_report": None if self.fit_report is None else self.fit_report.to_dict(),
            "inner_loop_strain": {
                "course": self.inner_loop_strain[0],
                "wale": self.inner_loop_strain[1],
            },
        }

    def to_json(self, path: str | os.PathLike | None = None) -> str:
        """Serialize to JSON (schema ``stockingsim.fabric/1``); write to ``path`` if given.

        Returns
        -------
        str
            The JSON text.
        """
        text = json.dumps(self.to_dict(), indent=2, allow_nan=False)
        if path is not None:
            try:
                Path(path).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise errors.ExportError(
                    f"cannot write fabric JSON to {str(path)!r}: {exc.strerror}; check the "
                    "directory exists and is writable."
                ) from exc
        return text

    @classmethod
    def from_json(cls, path_or_text: str | os.PathLike) -> Fabric:
        """Load a fabric from a JSON file or JSON text written by :meth:`to_json`.

        Raises
        ------
        FabricFileError
            Unreadable file, invalid JSON, wrong schema, missing keys or invalid parameters.
        """
        if isinstance(path_or_text, str) and path_or_text.lstrip().startswith("{"):
            text, where = path_or_text, "JSON text"
        else:
            where = str(path_or_text)
            try:
                text = Path(path_or_text).read_text(encoding="utf-8")
            except (OSError, TypeError, UnicodeDecodeError) as exc:
                raise errors.FabricFileError(
                    f"cannot read fabric file {where!r} ({exc}); pass the path of a JSON file "
                    "written by Fabric.to_json, or the JSON text itself."
                ) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise errors.FabricFileError(
                f"{where} is not valid JSON ({exc}); write it with Fabric.to_json."
            ) from None
        return cls._from_dict(data, where)

    @classmethod
    def _from_dict(cls, data: Any, where: str = "fabric JSON") -> Fabric:
        if not isinstance(data, dict):
            raise errors.FabricFileError(f"{where}: expected a JSON object at the top level.")
        schema = data.get("schema")
        if schema != SCHEMA:
            raise errors.FabricFileError(
                f"{where}: schema is {schema!r}, expected {SCHEMA!r}; this file was not written "
                "by Fabric.to_json of this stockingsim version."
            )
        missing = [k for k in ("name", "curves") if k not in data]
        if missing:
            raise errors.FabricFileError(f"{where}: missing key(s) {missing}.")
        curves = data["curves"]
        try:
            models = {
                f"{d}_{b}": model_from_dict(curves[d][b]) for d in DIRECTIONS for b in BRANCHES
            }
        except (KeyError, TypeError):
            raise errors.FabricFileError(
                f"{where}: 'curves' must hold course and wale, each with loading and unloading."
            ) from None
        except errors.FabricError as exc:
            raise errors.FabricFileError(f"{where}: invalid curve: {exc}") from None
        try:
            provenance = tuple((str(k), v) for k, v in data.get("provenance", []))
            report = data.get("fit_report")
            report = None if report is None else FitReport.from_dict(report)
            loops = data.get("inner_loop_strain")
            if loops is None:
                loops = (DEFAULT_INNER_LOOP_STRAIN, DEFAULT_INNER_LOOP_STRAIN)
            elif isinstance(loops, dict):
                loops = (loops["course"], loops["wale"])
            return cls(
                inner_loop_strain=tuple(loops),
                name=data["name"],
                description=str(data.get("description", "")),
                provenance=provenance,
                fit_report=report,
                **models,
            )
        except errors.FabricError as exc:
            raise errors.FabricFileError(f"{where}: {exc}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise errors.FabricFileError(
                f"{where}: malformed provenance or fit_report ({exc!r})."
            ) from None


def _check_fraction(name: str, value: Any) -> float:
    value = as_number(value, name, errors.FabricError, hint="Give a fraction in [0, 1).")
    if not (0.0 <= value < 1.0):
        raise errors.FabricError(
            f"{name} must be a fraction in [0, 1) (share of the loading tension lost on "
            f"unloading), got {value}."
        )
    return value
