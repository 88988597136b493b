"""Inverse design of a stocking: targets, Laplace inversion per height, iteration on any method.

Public names are re-exported by :mod:`stockingsim.design`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors, standards
from stockingsim import vocabulary as vocab
from stockingsim._checks import KPA_LOOKALIKE_MMHG, as_fabric, as_number, require_leg
from stockingsim.vocabulary import LANDMARKS as LANDMARK_ORDER
from stockingsim.vocabulary import PA_PER_MMHG as MMHG_PA

COURSE_STEP_M = 0.01  # the knitting table gives the relaxed circumference every 1 cm
DEFAULT_TOL_MMHG = {"laplace": 0.1}
DEFAULT_TOL_OTHER_MMHG = 0.5

# --------------------------------------------------------------------------------------------
# use cases
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UseCase:
    """A named design situation: a target, the usual stocking style and where it comes from.

    Attributes
    ----------
    name : str
    target : str or mapping
        Anything :func:`design_stocking` accepts as ``target``.
    style : str
        Usual stocking length (AD knee-high, AG thigh-high, ...).
    description : str
        Who it is for and the knit usually used.
    source : str
        Where the numbers come from.
    """

    name: str
    target: Any
    style: str
    description: str
    source: str


#: Sigel's optimal anti-embolism profile (mmHg at ankle, calf, knee, lower thigh, upper thigh),
#: mapped onto the RAL measuring points: ankle -> B, calf -> C, knee -> E, lower thigh -> F
#: (mid-thigh, the measuring point nearest to Sigel's lower thigh: a mapping choice),
#: upper thigh -> G. B1 and D are interpolated in height.
SIGEL_PROFILE_MMHG: Mapping[str, float] = {"B": 18.0, "C": 14.0, "E": 8.0, "F": 10.0, "G": 8.0}

TARGETS: Mapping[str, UseCase] = {
    uc.name: uc
    for uc in (
        UseCase(
            "travel",
            "US:I",
            "AD",
            "Occupational / travel (long standing or sitting, flights): class I, 15-20 mmHg at "
            "the ankle (US market class), knee-high, circular knit.",
            "US market classes (no standard), see stockingsim.standards.STANDARDS['US']",
        ),
        UseCase(
            "varicose",
            "RAL-GZ 387:II",
            "AD",
            "Varicose veins, chronic venous disease C2-C4: class II (23-32 mmHg at B), "
            "knee-high or thigh-high, circular knit.",
            "RAL-GZ 387/1:2008; Rabe E. et al. (2018) Int Angiol 37(3):181-254 (indications)",
        ),
        UseCase(
            "anti-embolism",
            dict(SIGEL_PROFILE_MMHG),
            "AG",
            "Post-surgery thrombosis prophylaxis in bed-bound patients: Sigel's profile "
            "18/14/8/10/8 mmHg at ankle/calf/knee/lower thigh/upper thigh, thigh-high. Mapped "
            "to B/C/E/F/G (lower thigh -> F is a mapping choice). Not a RAL medical stocking: "
            "the profile is not monotone (knee 8 < lower thigh 10), so the RAL gradient check "
            "fails by design.",
            "Sigel B., Edelstein A.L., Savitch L., Hasty J.H., Felix W.R. (1975) Type of "
            "compression for reducing venous stasis. Arch Surg 110(2):171-175, "
            "doi:10.1001/archsurg.1975.01360080037005",
        ),
        UseCase(
            "lymphoedema",
            "RAL-GZ 387:III",
            "AG",
            "Lymphoedema: class III-IV (34-46 or >= 49 mmHg at B), flat knit (stiffer, with a "
            "seam, made to measure): use a flat-knit / stiff fabric; target 'RAL-GZ 387:IV' for "
            "class IV.",
            "RAL-GZ 387/1:2008; International Lymphoedema Framework (2006) Best practice for "
            "the management of lymphoedema",
        ),
    )
}
# aliases
_USE_CASE_ALIASES = {
    "occupational": "travel",
    "varicose veins": "varicose",
    "anti embolism": "anti-embolism",
    "antiembolism": "anti-embolism",
    "sigel": "anti-embolism",
    "lymphedema": "lymphoedema",
}


def use_case(name: str) -> UseCase:
    """The :class:`UseCase` called ``name``.

    ``travel``, ``varicose``, ``anti-embolism``, ``lymphoedema``; also ``occupational``,
    ``lymphedema``, ``sigel``.

    Examples
    --------
    >>> use_case("anti-embolism").target["B"]
    18.0
    """
    key = str(name).strip().lower().replace("_", "-")
    key = _USE_CASE_ALIASES.get(key, _USE_CASE_ALIASES.get(key.replace("-", " "), key))
    if key not in TARGETS:
        raise errors.DesignError(
            f"unknown use case {name!r}; use one of {', '.join(TARGETS)} "
            "(or give a target 'STANDARD:CLASS' or {landmark: mmHg})"
        )
    return TARGETS[key]


def use_case_target(name: str) -> Any:
    """The design target of a named use case (a ``"STANDARD:CLASS"`` string or a mapping).

    Examples
    --------
    >>> use_case_target("varicose")
    'RAL-GZ 387:II'
    """
    target = use_case(name).target
    return dict(target) if isinstance(target, Mapping) else target


# --------------------------------------------------------------------------------------------
# targets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A resolved design target.

    Exactly one of ``pressures_mmhg`` (landmark -> mmHg) and ``function`` (height in m ->
    mmHg) is set. ``standard``/``cls`` are set for class targets (used for compliance checks).
    """

    label: str
    pressures_mmhg: Mapping[str, float] | None = None
    function: Callable[[np.ndarray], np.ndarray] | None = field(default=None, compare=False)
    standard: str | None = None
    cls: str | None = None
    style: str | None = None

    def at_heights(
        self, heights_m: np.ndarray, landmark_heights: Mapping[str, float]
    ) -> np.ndarray:
        """Target pressure (mmHg) at the given heights of a leg whose landmarks are given."""
        h = np.asarray(heights_m, dtype=float)
        if self.function is not None:
            try:
                p = np.asarray(self.function(h), dtype=float)
            except Exception as exc:
                raise errors.DesignError(
                    f"the target function failed on heights {h[:3]}... m: {exc}. It must map "
                    "an array of heights in metres to pressures in mmHg"
                ) from exc
            if p.shape == ():
                p = np.full(h.shape, float(p))
            if p.shape != h.shape:
                raise errors.DesignError(
                    f"the target function returned shape {p.shape} for {h.shape} heights; "
                    "it must be vectorized (one mmHg value per height)"
                )
            return p
        pts = [
            (landmark_heights[lm], self.pressures_mmhg[lm])
            for lm in LANDMARK_ORDER
            if lm in self.pressures_mmhg and lm in landmark_heights
        ]
        if not pts:
            raise errors.DesignError(
                f"none of the target landmarks {list(self.pressures_mmhg)} is on this leg "
                f"(it has {list(landmark_heights)}); give targets at landmarks the leg reaches"
            )
        hs, ps = np.array(pts).T
        order = np.argsort(hs)
        return np.interp(h, hs[order], ps[order])


def resolve_target(target: Any) -> Target:
    """Turn what users pass as ``target`` into a :class:`Target`.

    Parameters
    ----------
    target : str, mapping or callable
        ``"STANDARD:CLASS"`` (e.g. ``"RAL-GZ 387:II"``: the mid-class pressure at B and the
        standard's default gradient, :func:`stockingsim.standards.default_fractions`), a use-case
        name (``"varicose"``, see :data:`TARGETS`), ``{landmark: mmHg}``, or a function of height
        (m, array) returning mmHg.
    """
    if isinstance(target, Target):
        return target
    if isinstance(target, str):
        name = target.strip().lower()
        if name in TARGETS or name in _USE_CASE_ALIASES:
            uc = use_case(name)
            with warnings.catch_warnings():
                # a published profile may rise (Sigel's thigh point): no warning for it
                warnings.simplefilter("ignore", errors.TargetWarning)
                inner = resolve_target(uc.target)
            return Target(
                label=f"{uc.name} ({inner.label})",
                pressures_mmhg=inner.pressures_mmhg,
                function=inner.function,
                standard=inner.standard,
                cls=inner.cls,
                style=uc.style,
            )
        std, cls = standards.parse_target(target)
        p_b = standards.design_pressure(std, cls)
        fractions = standards.default_fractions(std)
        return Target(
            label=f"{std}:{cls}",
            pressures_mmhg={lm: p_b * f for lm, f in fractions.items()},
            standard=std,
            cls=cls,
        )
    if isinstance(target, Mapping):
        out = {}
        for lm, p in target.items():
            if lm not in LANDMARK_ORDER:
                raise errors.DesignError(
                    f"unknown landmark {lm!r} in the target; use {', '.join(LANDMARK_ORDER)}"
                )
            out[lm] = as_number(
                p,
                f"target pressure at {lm}",
                errors.DesignError,
                positive=True,
                unit="mmHg",
                kind="pressure_mmhg",
                hint="Give {landmark: mmHg}, e.g. {'B': 28, 'C': 20}.",
            )
        if not out:
            raise errors.DesignError("the target mapping is empty; give {landmark: mmHg}")
        _warn_implausible_target(out)
        label = "/".join(f"{lm}={out[lm]:g}" for lm in LANDMARK_ORDER if lm in out) + " mmHg"
        return Target(label=label, pressures_mmhg=out)
    if callable(target):
        return Target(label=getattr(target, "__name__", "function of height"), function=target)
    raise errors.DesignError(
        f"target must be 'STANDARD:CLASS', a use-case name, {{landmark: mmHg}} or a function of "
        f"height, got {type(target).__name__}"
    )


def _warn_implausible_target(pressures_mmhg: Mapping[str, float]) -> None:
    """Warn about a {landmark: mmHg} target that looks like kPa or rises up the leg."""
    ordered = [(lm, pressures_mmhg[lm]) for lm in LANDMARK_ORDER if lm in pressures_mmhg]
    small = [f"{lm}={p:g}" for lm, p in ordered if p < KPA_LOOKALIKE_MMHG]
    if small:
        warnings.warn(
            f"target pressures {', '.join(small)} mmHg are below every compression class; did "
            f"you give kPa? 1 kPa = 7.5 mmHg (3.3 kPa is {3.3 * 1000 / MMHG_PA:.1f} mmHg).",
            errors.TargetWarning,
            stacklevel=4,
        )
    rises = [
        f"{a} {pa:g} -> {b} {pb:g}" for (a, pa), (b, pb) in zip(ordered, ordered[1:]) if pb > pa
    ]
    if rises:
        warnings.warn(
            f"the target pressure rises up the leg ({'; '.join(rises)} mmHg); a medical "
            "compression stocking is graduated, its pressure falls from the ankle (B) upwards. "
            "Check the order of the landmarks.",
            errors.TargetWarning,
            stacklevel=4,
        )


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
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Relaxed circumference giving a pressure on a section, exactly, by Laplace's law.

    ``T = p C / 2 pi``, ``eps = fabric.strain_at_tension(T)`` (unloading branch, the worn state),
    ``c0 = C / (1 + eps)``. Vectorized over heights.

    Parameters
    ----------
    fabric : Fabric
    pressure_mmhg, circumference_m : array_like, shape (K,)
        Target pressure (mmHg) and hull circumference (m) per height.
    max_strain : float, optional
        Largest strain the design may use (below the fabric's own limit).
    heights_m, landmark_heights : optional
        Only used to name the place in the error message.

    Returns
    -------
    relaxed_m, strain, tension_n_per_m : ndarray, shape (K,)

    Raises
    ------
    stockingsim.errors.UnreachableTargetError
        A target needs a strain beyond the fabric's range or ``max_strain``; the message names
        the landmark (attribute ``landmark``) and the strain it would need (``strain_needed``).
    """
    p = np.atleast_1d(np.asarray(pressure_mmhg, dtype=float))
    c = np.atleast_1d(np.asarray(circumference_m, dtype=float))
    if np.any(~np.isfinite(p)) or np.any(p < 0):
        raise errors.DesignError("target pressures must be finite and >= 0 mmHg")
    if np.any(~np.isfinite(c)) or np.any(c <= 0):
        raise errors.DesignError("leg circumferences must be finite and > 0")
    tension = laplace_tension(p, c)
    eps = np.asarray(fabric.strain_at_tension(tension, direction="course"), dtype=float)
    eps = np.where(tension == 0, 0.0, eps)
    lo, hi = fabric.valid_strain_range("course")
    limit = hi if max_strain is None else min(hi, float(max_strain))
    bad = ~np.isfinite(eps) | (eps > limit + 1e-12)
    if np.any(bad):
        # report the worst place (the largest tension relative to what is reachable)
        idx = np.nonzero(bad)[0]
        if heights_m is not None and landmark_heights:
            # name a landmark when one fails (the designer's vocabulary), else the worst height
            h_all = np.atleast_1d(np.asarray(heights_m, dtype=float))
            at_lm = np.array(
                [
                    np.min(np.abs(np.array(list(landmark_heights.values())) - h_all[i])) < 1e-6
                    for i in idx
                ]
            )
            if at_lm.any():
                idx = idx[at_lm]
        worst = idx[np.argmax(tension[idx] / c[idx])]
        needed = eps[worst] if np.isfinite(eps[worst]) else _strain_needed(fabric, tension[worst])
        place = "the section"
        if heights_m is not None:
            h = float(np.atleast_1d(heights_m)[worst])
            place = _where(h, landmark_heights or {}) + f" (height {100 * h:.1f} cm)"
        why = (
            f"the fabric's valid range ends at {hi:.2f}"
            if max_strain is None or hi <= float(max_strain)
            else f"max_strain is {float(max_strain):.2f}"
        )
        err = errors.UnreachableTargetError(
            f"target {p[worst]:.1f} mmHg at {place} on a {100 * c[worst]:.1f} cm leg "
            f"circumference needs {tension[worst]:.0f} N/m of hoop tension, i.e. a strain of "
            f"{needed:.2f} ({100 * needed:.0f} %), but {why}. Use a stiffer fabric, a lower "
            "target, or allow more strain (max_strain)"
        )
        err.landmark = _where(
            float(np.atleast_1d(heights_m)[worst]) if heights_m is not None else 0.0,
            landmark_heights or {},
        )
        err.strain_needed = float(needed)
        err.pressure_mmhg = float(p[worst])
        raise err
    return c / (1.0 + eps), eps, tension


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


# --------------------------------------------------------------------------------------------
# spec sheet
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class DesignSpec:
    """Spec sheet of a designed stocking.

    Behaves like its per-landmark table (``spec["flat_width_cm"]``, ``spec.loc["B"]``,
    ``print(spec)``) and also carries the knitting table.

    Attributes
    ----------
    landmarks : pandas.DataFrame
        Index = covered landmarks from B up; columns ``height_cm``, ``leg_circumference_cm``
        (convex-hull girth), ``relaxed_circumference_cm``, ``flat_width_cm`` (half the relaxed
        circumference), ``strain``, ``tension_n_per_m``, ``target_mmhg``, ``predicted_mmhg``
        (simulated with ``method``), ``error_mmhg`` (predicted - target), ``percent_of_B``.
    courses : pandas.DataFrame
        The knitting program: one row per 1 cm of leg height from the bottom to the top of the
        stocking: ``height_cm`` (on the leg), ``relaxed_length_cm`` (position along the relaxed
        stocking from its bottom edge = leg distance / (1 + axial pre-strain)),
        ``leg_circumference_cm``, ``relaxed_circumference_cm``, ``flat_width_cm``, ``strain``,
        ``tension_n_per_m``, ``target_mmhg``, ``predicted_mmhg`` and ``landmark`` (name of the
        landmark in that row, else "").
    target, method, fabric, style, leg : str
        What was designed, with which method, fabric, style, on which leg.
    tol_mmhg : float
        Stated tolerance of the iteration on the landmark pressures.
    iterations : int
        Number of simulations used.
    max_error_mmhg : float
        Largest |predicted - target| over the covered landmarks.
    """

    landmarks: pd.DataFrame
    courses: pd.DataFrame
    target: str
    method: str
    fabric: str
    style: str
    leg: str
    tol_mmhg: float
    iterations: int
    max_error_mmhg: float

    # --- behave like the landmark table -------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or "landmarks" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__["landmarks"], name)

    def __getitem__(self, key: Any) -> Any:
        return self.landmarks[key]

    def __len__(self) -> int:
        return len(self.landmarks)

    def __iter__(self):
        return iter(self.landmarks)

    def __repr__(self) -> str:
        head = (
            f"DesignSpec: {self.target} on leg '{self.leg}', fabric '{self.fabric}', style "
            f"{self.style}, method {self.method} (max error {self.max_error_mmhg:.2f} mmHg, "
            f"tolerance {self.tol_mmhg:g} mmHg, {self.iterations} simulation(s); "
            f"{len(self.courses)} course rows in .courses)\n"
        )
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            return head + self.landmarks.round(2).to_string()

    def _repr_html_(self) -> str:
        return f"<p>{repr(self).splitlines()[0]}</p>" + self.landmarks.round(2).to_html()

    def to_frame(self) -> pd.DataFrame:
        """The per-landmark table (a copy)."""
        return self.landmarks.copy()

    def to_csv(self, path: str | Path, courses_path: str | Path | None = None) -> list[Path]:
        """Write the landmark table to ``path`` and the knitting table beside it.

        Parameters
        ----------
        path : str or Path
            CSV file for the landmark table.
        courses_path : str or Path, optional
            CSV file for the course table; default ``<path stem>_courses.csv``.

        Returns
        -------
        list of Path
            The files written.
        """
        path = Path(path)
        courses_path = (
            path.with_name(path.stem + "_courses.csv")
            if courses_path is None
            else Path(courses_path)
        )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.landmarks.to_csv(path)
            self.courses.to_csv(courses_path, index=False)
        except OSError as exc:
            raise errors.ExportError(
                f"cannot write the spec sheet to {path}: {exc}; choose a writable folder"
            ) from exc
        return [path, courses_path]


# --------------------------------------------------------------------------------------------
# design_stocking
# --------------------------------------------------------------------------------------------


def _landmark_heights(leg: Any) -> dict[str, float]:
    return {lm: float(leg.landmarks[lm].height_m) for lm in LANDMARK_ORDER if lm in leg.landmarks}


def _landmark_circumferences(leg: Any) -> dict[str, float]:
    return {
        lm: float(leg.landmarks[lm].circumference_m) for lm in LANDMARK_ORDER if lm in leg.landmarks
    }


def _make_stocking(fabric, relaxed, style, name, axial_prestrain):
    from stockingsim.stocking import Stocking

    kwargs = {"style": style, "name": name}
    if axial_prestrain is not None:
        kwargs["axial_prestrain"] = axial_prestrain
    return Stocking(fabric, relaxed_circumference_m=relaxed, **kwargs)


def _coverage(leg, fabric, style, axial_prestrain) -> tuple[float, float]:
    lm_c = _landmark_circumferences(leg)
    probe = _make_stocking(
        fabric, 0.8 * min(lm_c.values(), default=0.2), style, None, axial_prestrain
    )
    bottom, top = probe.coverage_m(leg)
    return float(bottom), float(top)


def _simulate(leg, stocking, method, options):
    from stockingsim.solvers import simulate

    return simulate(leg, stocking, method=method, **options)


def _profile_pressures(result, names) -> np.ndarray:
    prof = result.profile
    return np.array(
        [float(prof.loc[lm, "pressure_mmhg"]) if lm in prof.index else np.nan for lm in names]
    )


def design_stocking(
    leg: Any,
    fabric: Any,
    target: Any = vocab.DEFAULT_TARGET,
    method: str = "laplace",
    style: str | None = None,
    *,
    max_strain: float | None = None,
    tol_mmhg: float | None = None,
    max_iter: int = 8,
    profile: str = "height",
    axial_prestrain: float | None = None,
    name: str | None = None,
    **simulate_options: Any,
) -> tuple[Any, DesignSpec]:
    """Design the stocking that gives a target pressure profile on a leg.

    The relaxed circumference is found by inverting Laplace's law per height on a 1 cm grid
    (plus the landmark heights), vectorized: ``T = p C/2 pi``, ``eps = fabric.strain_at_tension(T)``,
    ``c0 = C/(1+eps)`` with ``C`` the convex-hull girth. For ``method="laplace"`` this is exact.
    For the curvature-aware methods (``membrane``, ``bridging``, ``contact``) the pressure at a
    landmark is not ``T/r``, so the design is iterated: simulate, then scale the Laplace-equivalent
    target at each landmark by ``target / simulated`` (a fixed point on the hoop tension, since
    those methods give ``p`` proportional to ``T`` for a given shape) and invert again, until every
    covered landmark is within ``tol_mmhg`` of its target. Between landmarks the correction is
    interpolated linearly in height.

    Parameters
    ----------
    leg : Leg
    fabric : Fabric or str
        The knit, or the name of a preset in :func:`stockingsim.fabric_library`.
    target : str, mapping or callable
        ``"STANDARD:CLASS"`` (mid-class at B, default gradient inside the standard's ranges, see
        :func:`stockingsim.standards.default_fractions`), a use-case name (:data:`TARGETS`),
        ``{landmark: mmHg}`` (linear in height between the given landmarks, constant beyond), or
        a vectorized function ``f(height_m) -> mmHg``.
    method : str
        Pressure method the design must satisfy (``laplace``, ``membrane``, ``bridging``,
        ``contact``).
    style : str, optional
        ``AD``, ``AF``, ``AG``, ``AT``. Default: the use case's style, else ``AD``.
    max_strain : float, optional
        Largest hoop strain the design may use (default: the fabric's valid range).
    tol_mmhg : float, optional
        Iteration tolerance at the landmarks (default 0.1 mmHg for laplace, 0.5 mmHg otherwise).
    max_iter : int
        Maximum number of simulations.
    profile : {"height", "landmarks"}
        ``"height"`` (default): the relaxed circumference is a table against height on this leg,
        every 1 cm (made to measure). ``"landmarks"``: a ``{landmark: c0}`` mapping that the
        :class:`Stocking` places on any leg by its landmarks (ready-to-wear sizes).
    axial_prestrain : float, optional
        Passed to :class:`Stocking` (its default otherwise).
    name : str, optional
        Stocking name.
    **simulate_options
        Passed to :func:`stockingsim.simulate`.

    Returns
    -------
    stocking : Stocking
    spec : DesignSpec
        Per-landmark spec sheet (``spec.landmarks``, which ``spec`` also behaves as) and the
        1 cm knitting table ``spec.courses``.

    Raises
    ------
    stockingsim.errors.UnreachableTargetError
        The target needs a strain beyond the fabric's range or ``max_strain`` (names the landmark
        and the strain needed).
    stockingsim.errors.DesignError
        Invalid target or options; ``leg`` is not a Leg.
    stockingsim.errors.FabricError
        ``fabric`` is neither a Fabric nor the name of a preset.

    Warns
    -----
    stockingsim.errors.ConvergenceWarning
        The iteration stopped at ``max_iter`` with an error above ``tol_mmhg``.
    """
    require_leg(leg, "design_stocking()", errors.DesignError)
    fabric = as_fabric(fabric, "design_stocking()")
    tgt = resolve_target(target)
    style = style or tgt.style or "AD"
    if profile not in ("height", "landmarks"):
        raise errors.DesignError(f"profile must be 'height' or 'landmarks', got {profile!r}")
    if max_iter < 1:
        raise errors.DesignError("max_iter must be >= 1")
    if max_strain is not None and not (np.isfinite(max_strain) and max_strain > 0):
        raise errors.DesignError(f"max_strain must be a positive number, got {max_strain!r}")
    tol = (
        float(tol_mmhg)
        if tol_mmhg is not None
        else DEFAULT_TOL_MMHG.get(method, DEFAULT_TOL_OTHER_MMHG)
    )
    lm_h = _landmark_heights(leg)
    if "B" not in lm_h:
        raise errors.LandmarkError(
            f"leg '{getattr(leg, 'name', '?')}' has no landmark B (ankle), which a stocking "
            "design needs; set it with leg.with_landmarks({'B': height_m})"
        )
    bottom, top = _coverage(leg, fabric, style, axial_prestrain)
    covered = [
        lm for lm in LANDMARK_ORDER if lm in lm_h and bottom - 1e-6 <= lm_h[lm] <= top + 1e-6
    ]

    # the 1 cm course grid from the bottom edge, plus the top edge
    n = int(np.floor((top - bottom) / COURSE_STEP_M + 1e-9)) + 1
    course_h = bottom + COURSE_STEP_M * np.arange(n)
    if top - course_h[-1] > 1e-6:
        course_h = np.append(course_h, top)
    # design grid = the 1 cm course grid + the exact landmark heights; girths from the same
    # sections the solvers cut (hull perimeter perpendicular to the local axis)
    grid_h = np.unique(np.concatenate([course_h, [lm_h[lm] for lm in covered]]))
    grid_h = grid_h[np.concatenate([[True], np.diff(grid_h) > 1e-9])]
    girth = leg.girth_profile(heights_m=grid_h)
    grid_c = girth["circumference_m"].to_numpy(float)
    if np.any(~np.isfinite(grid_c)) or np.any(grid_c <= 0):
        raise errors.DesignError(
            "the leg has no usable section at some heights inside the stocking "
            f"({100 * bottom:.1f}-{100 * top:.1f} cm); check the mesh or the style"
        )
    course_c = np.interp(course_h, grid_h, grid_c)
    circ_at = {lm: float(np.interp(lm_h[lm], grid_h, grid_c)) for lm in covered}

    p_target_grid = tgt.at_heights(grid_h, lm_h)
    p_target_lm = tgt.at_heights(np.array([lm_h[lm] for lm in covered]), lm_h)
    if np.any(~np.isfinite(p_target_grid)) or np.any(p_target_grid <= 0):
        raise errors.DesignError("the target pressure must be positive at every covered height")

    scale = np.ones(len(covered))  # correction of the Laplace-equivalent target per landmark
    cov_h = np.array([lm_h[lm] for lm in covered])
    stock_name = name or f"{tgt.label} on {getattr(leg, 'name', 'leg')}"
    result = None
    iterations = 0
    best = None
    for _ in range(max_iter):
        factor = np.interp(grid_h, cov_h, scale) if len(covered) else np.ones_like(grid_h)
        c0, eps, tension = invert_laplace(
            fabric,
            p_target_grid * factor,
            grid_c,
            max_strain=max_strain,
            heights_m=grid_h,
            landmark_heights=lm_h,
        )
        if profile == "height":
            relaxed: Any = TabulatedCircumference(grid_h.copy(), c0.copy())
        else:
            relaxed = {lm: float(np.interp(lm_h[lm], grid_h, c0)) for lm in covered}
        stocking = _make_stocking(fabric, relaxed, style, stock_name, axial_prestrain)
        result = _simulate(leg, stocking, method, simulate_options)
        iterations += 1
        p_sim = _profile_pressures(result, covered)
        err = p_sim - p_target_lm
        max_err = float(np.nanmax(np.abs(err))) if len(err) else 0.0
        if best is None or max_err < best[0]:
            best = (max_err, stocking, result, c0, eps, tension)
        if max_err <= tol:
            break
        ratio = np.where(
            np.isfinite(p_sim) & (p_sim > 0), p_target_lm / np.maximum(p_sim, 1e-9), 2.0
        )
        scale = scale * np.clip(ratio, 0.25, 4.0)
    max_err, stocking, result, c0, eps, tension = best
    if max_err > tol:
        warnings.warn(
            f"design with method '{method}' stopped after {iterations} simulations with a "
            f"largest landmark error of {max_err:.2f} mmHg (tolerance {tol:g}); raise max_iter "
            "or loosen tol_mmhg",
            errors.ConvergenceWarning,
            stacklevel=2,
        )

    spec = _build_spec(
        leg,
        fabric,
        tgt,
        stocking,
        result,
        covered,
        lm_h,
        circ_at,
        p_target_lm,
        grid_h,
        c0,
        course_h,
        course_c,
        bottom,
        method=method,
        style=style,
        tol=tol,
        iterations=iterations,
        max_err=max_err,
    )
    return stocking, spec


def _build_spec(
    leg,
    fabric,
    tgt,
    stocking,
    result,
    covered,
    lm_h,
    lm_c,
    p_target_lm,
    grid_h,
    grid_c0,
    course_h,
    course_c,
    bottom,
    *,
    method,
    style,
    tol,
    iterations,
    max_err,
) -> DesignSpec:
    relaxed_lm = np.asarray(
        stocking.relaxed_circumference_at(leg, np.array([lm_h[lm] for lm in covered])), float
    )
    circ_lm = np.array([lm_c[lm] for lm in covered])
    strain_lm = circ_lm / relaxed_lm - 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", errors.ExtrapolationWarning)
        tension_lm = np.asarray(fabric.tension(strain_lm, direction="course"), float)
    predicted = _profile_pressures(result, covered)
    p_b = predicted[0] if covered and covered[0] == "B" else np.nan
    landmarks = pd.DataFrame(
        {
            "height_cm": 100 * np.array([lm_h[lm] for lm in covered]),
            "leg_circumference_cm": 100 * circ_lm,
            "relaxed_circumference_cm": 100 * relaxed_lm,
            "flat_width_cm": 50 * relaxed_lm,
            "strain": strain_lm,
            "tension_n_per_m": tension_lm,
            "target_mmhg": p_target_lm,
            "predicted_mmhg": predicted,
            "error_mmhg": predicted - p_target_lm,
            "percent_of_B": 100 * predicted / p_b,
        },
        index=pd.Index(covered, name="landmark"),
    )
    relaxed_c = np.asarray(stocking.relaxed_circumference_at(leg, course_h), float)
    strain_c = course_c / relaxed_c - 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", errors.ExtrapolationWarning)
        tension_c = np.where(
            strain_c > 0,
            np.asarray(fabric.tension(np.maximum(strain_c, 0), direction="course"), float),
            0.0,
        )
    prestrain = float(getattr(stocking, "axial_prestrain", 0.0) or 0.0)
    lm_row = np.full(len(course_h), "", dtype=object)
    for lm in covered:
        i = int(np.argmin(np.abs(course_h - lm_h[lm])))
        lm_row[i] = (lm_row[i] + "," + lm).strip(",")
    courses = pd.DataFrame(
        {
            "height_cm": 100 * course_h,
            "relaxed_length_cm": 100 * (course_h - bottom) / (1.0 + prestrain),
            "leg_circumference_cm": 100 * course_c,
            "relaxed_circumference_cm": 100 * relaxed_c,
            "flat_width_cm": 50 * relaxed_c,
            "strain": strain_c,
            "tension_n_per_m": tension_c,
            "target_mmhg": tgt.at_heights(course_h, lm_h),
            "predicted_mmhg": _section_pressures(result, course_h),
            "landmark": lm_row,
        }
    )
    return DesignSpec(
        landmarks=landmarks,
        courses=courses,
        target=tgt.label,
        method=method,
        fabric=str(getattr(fabric, "name", fabric)),
        style=style,
        leg=str(getattr(leg, "name", "leg")),
        tol_mmhg=tol,
        iterations=iterations,
        max_error_mmhg=max_err,
    )


def _section_pressures(result, heights_m) -> np.ndarray:
    sec = getattr(result, "sections", None)
    if sec is None or len(sec) == 0 or "height_m" not in sec or "pressure_mmhg" not in sec:
        return np.full(len(heights_m), np.nan)
    s = sec.sort_values("height_m")
    return np.interp(
        heights_m,
        s["height_m"].to_numpy(float),
        s["pressure_mmhg"].to_numpy(float),
        left=np.nan,
        right=np.nan,
    )
