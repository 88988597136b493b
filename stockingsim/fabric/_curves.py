"""The :class:`Fabric`: tension-strain curves of a knit in two directions and two branches."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim._numbers import as_number, unit_mistake
from stockingsim.fabric import _constructors, _json
from stockingsim.fabric._cyclic import (
    DEFAULT_INNER_LOOP_STRAIN,
    check_inner_loop_strain,
    follow_strain_path,
)
from stockingsim.fabric._fit_report import BranchFit, FitReport
from stockingsim.fabric._json import SCHEMA
from stockingsim.fabric._models import BRANCHES, DIRECTIONS, LinearModel, _Model

__all__ = ["Fabric", "FitReport", "BranchFit", "SCHEMA", "DIRECTIONS", "BRANCHES"]

_TABLE_POINTS = 4097  # dense table for the monotone inverse (then Newton polish)


#: the words a direction and a branch may be, and what each means (for the error message)
_CHOICES = {
    "direction": (DIRECTIONS, "'course' (around the leg, hoop) or 'wale' (along the leg)"),
    "branch": (
        BRANCHES,
        "'loading' (being stretched) or 'unloading' (recovering, what a worn stocking exerts)",
    ),
}


def _check_choice(what: str, value: str) -> str:
    allowed, meaning = _CHOICES[what]
    if value not in allowed:
        raise errors.FabricError(f"{what} must be {meaning}, got {value!r}.")
    return value


def _check_direction(direction: str) -> str:
    return _check_choice("direction", direction)


def _check_branch(branch: str) -> str:
    return _check_choice("branch", branch)


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

    def _checked_strain(
        self, strain: Any, direction: str, branch: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(strain, slack)`` after the checks and the range warning; ``slack``: strain < 0."""
        _check_direction(direction)
        _check_branch(branch)
        eps = _as_strain(strain)
        self._warn_range(eps, direction, stacklevel=4)  # the caller of tension / stiffness
        with np.errstate(invalid="ignore"):
            slack = eps < 0
        return eps, slack

    def _warn_range(self, eps: np.ndarray, direction: str, stacklevel: int = 3) -> None:
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
                stacklevel=stacklevel,
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
        eps, slack = self._checked_strain(strain, direction, branch)
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
        eps, slack = self._checked_strain(strain, direction, branch)
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
        hint = f"Give a strain above the fabric's minimum strain {lo:g} (0.5 is 50 %)."
        top = hi
        if max_strain is not None:
            top = as_number(max_strain, "max_strain", errors.FabricError, kind="strain", hint=hint)
        if top <= lo:
            raise errors.FabricError(f"max_strain must be above {lo:g}, got {top:g}. {hint}")
        eps = np.linspace(lo, top, 2001)
        self._warn_range(eps, direction)
        tl = self._raw_tension(eps, direction, "loading")
        tu = self._raw_tension(eps, direction, "unloading")
        area_load = np.trapezoid(tl, eps)
        if area_load <= 0:
            return 0.0
        return float(np.trapezoid(tl - tu, eps) / area_load)

    # ------------------------------------------------------------------ constructors
    # written in fabric/_constructors.py (functions of the class, bound here)
    from_models = classmethod(_constructors.from_models)
    linear = classmethod(_constructors.linear)
    polynomial = classmethod(_constructors.polynomial)
    exponential = classmethod(_constructors.exponential)
    two_phase = classmethod(_constructors.two_phase)
    from_blend = classmethod(_constructors.from_blend)
    from_tensile_test = classmethod(_constructors.from_tensile_test)

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

    # ------------------------------------------------------------------ JSON (fabric/_json.py)
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with the schema version."""
        return _json.fabric_to_dict(self)

    def to_json(self, path: str | os.PathLike | None = None) -> str:
        """Serialize to JSON (schema ``stockingsim.fabric/1``); write to ``path`` if given.

        Returns
        -------
        str
            The JSON text.
        """
        return _json.write_json(self.to_dict(), path)

    @classmethod
    def from_json(cls, path_or_text: str | os.PathLike) -> Fabric:
        """Load a fabric from a JSON file or JSON text written by :meth:`to_json`.

        Raises
        ------
        FabricFileError
            Unreadable file, invalid JSON, wrong schema, missing keys or invalid parameters.
        """
        data, where = _json.read_json(path_or_text)
        return cls._from_dict(data, where)

    @classmethod
    def _from_dict(cls, data: Any, where: str = "fabric JSON") -> Fabric:
        fields = _json.fields_from_dict(data, where)
        try:
            return cls(**fields)
        except errors.FabricError as exc:
            raise errors.FabricFileError(f"{where}: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise errors.FabricFileError(
                f"{where}: malformed provenance or fit_report ({exc!r})."
            ) from None
