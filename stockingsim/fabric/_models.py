"""Constitutive models of one knit branch: tension per width (N/m) as a function of strain.

Every model is a small frozen dataclass that validates its parameters, knows its valid strain
range, and evaluates tension and stiffness (dT/d strain) over any array shape. Models are pure:
no warnings here (the :class:`~stockingsim.fabric.Fabric` wrapper warns when asked beyond the
range). Two transforms keep the family closed, which the blend and tensile code use:

- ``scaled(f)``: ``T'(eps) = f * T(eps)`` (the unloading branch of a knit, ``f = 1 - h``);
- ``strain_scaled(r)``: ``T'(eps) = T(r * eps)`` (a direction that is ``r`` times less
  extensible; the valid range shrinks by ``r``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar

import numpy as np

from stockingsim import errors
from stockingsim._numbers import as_number

__all__ = [
    "LinearModel",
    "PolynomialModel",
    "ExponentialModel",
    "TwoPhaseModel",
    "MODEL_KINDS",
    "model_from_dict",
    "DIRECTIONS",
    "BRANCHES",
]

#: The two directions of a knit (course: around the leg, hoop; wale: along the leg) and the
#: two branches of its cycle (loading: being stretched; unloading: recovering). A fabric has one
#: model per direction and branch.
DIRECTIONS = ("course", "wale")
BRANCHES = ("loading", "unloading")


def _check_finite(
    name: str,
    value: float,
    *,
    positive: bool = False,
    nonneg: bool = False,
    kind: str | None = None,
) -> float:
    return as_number(
        value, name, errors.FabricError, positive=positive, nonnegative=nonneg, kind=kind
    )


def _check_range(min_strain: float, max_strain: float) -> tuple[float, float]:
    lo = _check_finite("min_strain", min_strain, nonneg=True)
    hi = _check_finite("max_strain", max_strain, positive=True, kind="strain")
    if hi <= lo:
        raise errors.FabricError(
            f"max_strain ({hi}) must exceed min_strain ({lo}); give a valid strain range such "
            "as 0 to 1.5 (engineering strain, 1.5 = 150 % extension)."
        )
    return lo, hi


@dataclass(frozen=True)
class _Model:
    """Common behaviour; subclasses define ``kind``, ``_tension`` and ``_stiffness``."""

    kind: ClassVar[str] = ""

    def tension(self, strain: Any) -> np.ndarray:
        """Tension per width in N/m at ``strain`` (any array shape; no range check)."""
        return self._tension(np.asarray(strain, dtype=float))

    def stiffness(self, strain: Any) -> np.ndarray:
        """Tangent stiffness dT/d strain in N/m at ``strain`` (any array shape)."""
        return self._stiffness(np.asarray(strain, dtype=float))

    @property
    def valid_range(self) -> tuple[float, float]:
        return (self.min_strain, self.max_strain)  # type: ignore[attr-defined]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"model": self.kind}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    def _check_monotone(self) -> None:
        grid = np.linspace(self.min_strain, self.max_strain, 2001)  # type: ignore[attr-defined]
        slope = self._stiffness(grid)
        scale = max(float(np.max(np.abs(slope))), 1e-300)
        if np.any(slope < -1e-9 * scale):
            bad = grid[np.argmax(slope < -1e-9 * scale)]
            raise errors.FabricError(
                f"{self.kind} model tension decreases with strain near strain {bad:.3g} within its "
                f"valid range {self.valid_range}; a knit's tension must increase with strain. "
                "Check the parameters (signs of the coefficients) or shorten max_strain."
            )


@dataclass(frozen=True)
class LinearModel(_Model):
    """``T = k * eps`` (N/m): the fabric of the analytic validation cases.

    Parameters
    ----------
    stiffness_n_per_m
        ``k`` in N/m (tension per unit engineering strain), > 0.
    min_strain, max_strain
        Valid strain range.
    """

    stiffness_n_per_m: float
    min_strain: float = 0.0
    max_strain: float = 3.0
    kind: ClassVar[str] = "linear"

    def __post_init__(self) -> None:
        k = _check_finite("stiffness_n_per_m", self.stiffness_n_per_m, positive=True)
        lo, hi = _check_range(self.min_strain, self.max_strain)
        object.__setattr__(self, "stiffness_n_per_m", k)
        object.__setattr__(self, "min_strain", lo)
        object.__setattr__(self, "max_strain", hi)

    def _tension(self, eps: np.ndarray) -> np.ndarray:
        return self.stiffness_n_per_m * eps

    def _stiffness(self, eps: np.ndarray) -> np.ndarray:
        return np.full(eps.shape, self.stiffness_n_per_m)

    def scaled(self, factor: float) -> LinearModel:
        return replace(self, stiffness_n_per_m=self.stiffness_n_per_m * factor)

    def strain_scaled(self, ratio: float) -> LinearModel:
        return LinearModel(
            self.stiffness_n_per_m * ratio, self.min_strain / ratio, self.max_strain / ratio
        )

    def inverse(self, tension: np.ndarray) -> np.ndarray:
        """Closed-form strain at ``tension`` (no range check)."""
        return tension / self.stiffness_n_per_m


@dataclass(frozen=True)
class PolynomialModel(_Model):
    """``T = sum_i c_i eps^i`` for i = 1..n (N/m): zero tension at zero strain by construction.

    Parameters
    ----------
    coefficients
        ``(c_1, ..., c_n)`` in N/m; the tension must increase over the valid range (checked on a
        2001-point grid, :class:`~stockingsim.errors.FabricError` otherwise).
    min_strain, max_strain
        Valid strain range.
    """

    coefficients: tuple[float, ...]
    min_strain: float = 0.0
    max_strain: float = 1.5
    kind: ClassVar[str] = "polynomial"

    def __post_init__(self) -> None:
        coeffs = self.coefficients
        if np.ndim(coeffs) == 0:
            coeffs = (coeffs,)
        coeffs = tuple(_check_finite(f"coefficients[{i}]", c) for i, c in enumerate(coeffs))
        if not coeffs:
            raise errors.FabricError(
                "a polynomial model needs at least one coefficient (c_1 of T = c_1 eps + ...)."
            )
        lo, hi = _check_range(self.min_strain, self.max_strain)
        object.__setattr__(self, "coefficients", coeffs)
        object.__setattr__(self, "min_strain", lo)
        object.__setattr__(self, "max_strain", hi)
        if not np.any(np.asarray(coeffs) != 0):
            raise errors.FabricError("all polynomial coefficients are zero; give a stiff fabric.")
        self._check_monotone()

    def _tension(self, eps: np.ndarray) -> np.ndarray:
        out = np.zeros_like(eps)
        for c in reversed(self.coefficients):  # Horner on T/eps, then times eps
            out = out * eps + c
        return out * eps

    def _stiffness(self, eps: np.ndarray) -> np.ndarray:
        out = np.zeros_like(eps)
        n = len(self.coefficients)
        for i in range(n, 0, -1):
            out = out * eps + i * self.coefficients[i - 1]
        return out

    def scaled(self, factor: float) -> PolynomialModel:
        return replace(self, coefficients=tuple(c * factor for c in self.coefficients))

    def strain_scaled(self, ratio: float) -> PolynomialModel:
        coeffs = tuple(c * ratio ** (i + 1) for i, c in enumerate(self.coefficients))
        return PolynomialModel(coeffs, self.min_strain / ratio, self.max_strain / ratio)


@dataclass(frozen=True)
class ExponentialModel(_Model):
    """``T = A (exp(B eps) - 1)`` (N/m).

    ``A B > 0`` keeps the tension increasing: ``A, B > 0`` stiffens with strain (the usual knit
    curve), ``A, B < 0`` softens.

    Parameters
    ----------
    a_n_per_m
        ``A`` in N/m.
    b
        ``B`` (dimensionless), same sign as ``A``, ``|B| <= 50``.
    min_strain, max_strain
        Valid strain range.
    """

    a_n_per_m: float
    b: float
    min_strain: float = 0.0
    max_strain: float = 1.5
    kind: ClassVar[str] = "exponential"

    def __post_init__(self) -> None:
        a = _check_finite("a_n_per_m", self.a_n_per_m)
        b = _check_finite("b", self.b)
        if a * b <= 0:
            raise errors.FabricError(
                f"exponential model T = A (exp(B eps) - 1) needs A and B of the same sign and "
                f"non-zero (got A={a}, B={b}) so that tension increases with strain."
            )
        if abs(b) > 50:
            raise errors.FabricError(
                f"exponential exponent B={b} is beyond +-50; rescale the strain (engineering "
                "strain, 0.5 = 50 %) or use the two-phase model."
            )
        lo, hi = _check_range(self.min_strain, self.max_strain)
        object.__setattr__(self, "a_n_per_m", a)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "min_strain", lo)
        object.__setattr__(self, "max_strain", hi)

    def _tension(self, eps: np.ndarray) -> np.ndarray:
        return self.a_n_per_m * np.expm1(self.b * eps)

    def _stiffness(self, eps: np.ndarray) -> np.ndarray:
        return self.a_n_per_m * self.b * np.exp(self.b * eps)

    def scaled(self, factor: float) -> ExponentialModel:
        return replace(self, a_n_per_m=self.a_n_per_m * factor)

    def strain_scaled(self, ratio: float) -> ExponentialModel:
        return ExponentialModel(
            self.a_n_per_m, self.b * ratio, self.min_strain / ratio, self.max_strain / ratio
        )


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


@dataclass(frozen=True)
class TwoPhaseModel(_Model):
    r"""Two-phase knit: elastane in parallel with ground loops that jam beyond a strain.

    .. math::

        T(\varepsilon) = k_e \varepsilon
            + t_0 \left(1 - e^{-\varepsilon/\varepsilon_t}\right)
            + k_j w \left[\mathrm{sp}\left(\frac{\varepsilon-\varepsilon_j}{w}\right)
            - \mathrm{sp}\left(\frac{-\varepsilon_j}{w}\right)\right]

    with ``sp(x) = log(1 + e^x)`` (softplus). The first term is the elastane (inlay and plated
    yarn) acting as a linear spring; the second is the toe of a pre-tensioned inlay: the inlay is
    fed stretched, the relaxed fabric balances its tension against compressed ground loops, and
    the first few per cent of strain release that pre-tension into the fabric tension (``t0`` =
    released pre-tension, ``eps_t`` its strain scale; set ``t0 = 0`` for none). The third term is
    the ground loops (polyamide/cotton) that carry almost nothing until the loops straighten and
    jam near ``eps_j``, then add a stiffness ``k_j`` over a transition of width ``w``. ``T(0) = 0``
    and ``dT/d eps = k_e + (t0/eps_t) e^{-eps/eps_t} + k_j sigmoid((eps - eps_j)/w) > 0``.
    The form is an assumption (smooth version of the bilinear knit curves described for covered
    elastane inlay knits, Text. Res. J. 2012, doi:10.1177/0040517512441992).

    Parameters
    ----------
    k_elastic_n_per_m
        ``k_e`` (N/m), >= 0.
    k_jam_n_per_m
        ``k_j`` (N/m), >= 0.
    jam_strain
        ``eps_j``, >= 0.
    jam_width
        ``w`` > 0, the strain over which jamming sets in.
    toe_tension_n_per_m
        ``t0`` (N/m) >= 0.
    toe_strain
        ``eps_t`` > 0.
    min_strain, max_strain
        Valid strain range.
    """

    k_elastic_n_per_m: float
    k_jam_n_per_m: float
    jam_strain: float
    jam_width: float = 0.05
    toe_tension_n_per_m: float = 0.0
    toe_strain: float = 0.05
    min_strain: float = 0.0
    max_strain: float = 1.5
    kind: ClassVar[str] = "two_phase"

    def __post_init__(self) -> None:
        ke = _check_finite("k_elastic_n_per_m", self.k_elastic_n_per_m, nonneg=True)
        kj = _check_finite("k_jam_n_per_m", self.k_jam_n_per_m, nonneg=True)
        ej = _check_finite("jam_strain", self.jam_strain, nonneg=True)
        w = _check_finite("jam_width", self.jam_width, positive=True)
        t0 = _check_finite("toe_tension_n_per_m", self.toe_tension_n_per_m, nonneg=True)
        et = _check_finite("toe_strain", self.toe_strain, positive=True)
        if ke == 0 and kj == 0 and t0 == 0:
            raise errors.FabricError(
                "two-phase model with k_elastic, k_jam and toe tension all zero carries no load; "
                "give at least a positive k_elastic_n_per_m."
            )
        lo, hi = _check_range(self.min_strain, self.max_strain)
        for name, value in (
            ("k_elastic_n_per_m", ke),
            ("k_jam_n_per_m", kj),
            ("jam_strain", ej),
            ("jam_width", w),
            ("toe_tension_n_per_m", t0),
            ("toe_strain", et),
            ("min_strain", lo),
            ("max_strain", hi),
        ):
            object.__setattr__(self, name, value)

    def _tension(self, eps: np.ndarray) -> np.ndarray:
        w, ej = self.jam_width, self.jam_strain
        jam = w * (_softplus((eps - ej) / w) - _softplus(np.float64(-ej / w)))
        toe = -np.expm1(-eps / self.toe_strain)
        return (
            self.k_elastic_n_per_m * eps + self.toe_tension_n_per_m * toe + self.k_jam_n_per_m * jam
        )

    def _stiffness(self, eps: np.ndarray) -> np.ndarray:
        return (
            self.k_elastic_n_per_m
            + self.toe_tension_n_per_m / self.toe_strain * np.exp(-eps / self.toe_strain)
            + self.k_jam_n_per_m * _sigmoid((eps - self.jam_strain) / self.jam_width)
        )

    def scaled(self, factor: float) -> TwoPhaseModel:
        return replace(
            self,
            k_elastic_n_per_m=self.k_elastic_n_per_m * factor,
            k_jam_n_per_m=self.k_jam_n_per_m * factor,
            toe_tension_n_per_m=self.toe_tension_n_per_m * factor,
        )

    def strain_scaled(self, ratio: float) -> TwoPhaseModel:
        return TwoPhaseModel(
            k_elastic_n_per_m=self.k_elastic_n_per_m * ratio,
            k_jam_n_per_m=self.k_jam_n_per_m * ratio,
            jam_strain=self.jam_strain / ratio,
            jam_width=self.jam_width / ratio,
            toe_tension_n_per_m=self.toe_tension_n_per_m,
            toe_strain=self.toe_strain / ratio,
            min_strain=self.min_strain / ratio,
            max_strain=self.max_strain / ratio,
        )


MODEL_KINDS: dict[str, type[_Model]] = {
    cls.kind: cls for cls in (LinearModel, PolynomialModel, ExponentialModel, TwoPhaseModel)
}


def model_from_dict(data: Any) -> _Model:
    """Build a model from :meth:`to_dict` output; raises FabricError on a bad dict."""
    if not isinstance(data, dict):
        raise errors.FabricError(f"a model must be a JSON object, got {type(data).__name__}.")
    kind = data.get("model")
    cls = MODEL_KINDS.get(kind)  # type: ignore[arg-type]
    if cls is None:
        raise errors.FabricError(
            f"unknown fabric model {kind!r}; expected one of {sorted(MODEL_KINDS)}."
        )
    names = {f.name for f in fields(cls)}
    extra = set(data) - names - {"model"}
    if extra:
        raise errors.FabricError(f"{kind} model has unknown keys {sorted(extra)}.")
    kwargs = {k: v for k, v in data.items() if k != "model"}
    if "coefficients" in kwargs:
        if not isinstance(kwargs["coefficients"], list | tuple):
            raise errors.FabricError("polynomial 'coefficients' must be a list of numbers.")
        kwargs["coefficients"] = tuple(kwargs["coefficients"])
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise errors.FabricError(f"{kind} model: {exc}; check the parameter names.") from None
