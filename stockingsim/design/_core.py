"""Inverse design of a stocking, or of the outer layer of a kit, on any pressure method.

:func:`design_stocking` runs in named steps: the layer to design and what it is worn over
(:func:`_layer_to_design`), the design grid on the leg (:func:`_design_grid`), the Laplace
inversion iterated on the chosen method (:func:`_iterate`), and the spec sheet
(:func:`stockingsim.design._spec.build_spec`). A single stocking is a kit with nothing below it:
both go through the same steps.

Public names are re-exported by :mod:`stockingsim.design`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim import vocabulary as vocab
from stockingsim._checks import as_fabric, require_leg
from stockingsim._numbers import as_number
from stockingsim.design._laplace import TabulatedCircumference, invert_laplace
from stockingsim.design._spec import DesignSpec, build_spec, profile_pressures
from stockingsim.design._targets import Target, resolve_target
from stockingsim.vocabulary import LANDMARKS as LANDMARK_ORDER

COURSE_STEP_M = 0.01  # the knitting table gives the relaxed circumference every 1 cm
DEFAULT_TOL_MMHG = {"laplace": 0.1}
DEFAULT_TOL_OTHER_MMHG = 0.5


# --------------------------------------------------------------------------------------------
# the steps' data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    """The layer being designed and what it is worn over (internal).

    ``template`` is a Stocking with the layer's fabric, style, axial pre-strain and bands; the
    design replaces its relaxed circumference. ``below`` are the given inner layers of a kit
    (empty for a single stocking), ``thicknesses_m`` the kit's layer thicknesses.
    """

    template: Any
    below: tuple[Any, ...] = ()
    thicknesses_m: tuple[float, ...] = ()
    kit_name: str | None = None
    kit_friction: float | None = None  # the kit's friction between layers (None: default)

    @property
    def fabric(self) -> Any:
        return self.template.fabric

    @property
    def under_thickness_m(self) -> float:
        """Thickness of the layers below: the layer lies on their outer surface."""
        return float(sum(self.thicknesses_m[: len(self.below)]))

    def under_tension(self, leg: Any, heights_m: np.ndarray, girth_m: np.ndarray) -> np.ndarray:
        """Hoop tension (N/m) of the layers below at each height (what a kit's solve adds)."""
        if not self.below:
            return np.zeros(len(heights_m))
        inner = self.below[0]
        eps = girth_m / inner.relaxed_circumference_at(leg, heights_m) - 1.0
        taut = np.isfinite(eps) & (eps > 0)
        t = np.asarray(
            inner.fabric.tension(np.where(taut, eps, 0.0), "course", "unloading"), dtype=float
        )
        t = np.where(taut, np.maximum(t, 0.0), 0.0)
        if len(self.below) > 1:
            from stockingsim._kit import Kit

            kit = Kit(list(self.below), thicknesses_m=self.thicknesses_m[: len(self.below)])
            return t + kit.band_tension(leg, heights_m, girth_m)
        if inner.bands:
            return t + inner.band_tension(leg, heights_m, girth_m)
        return t

    def worn(self, relaxed: Any, name: str) -> Any:
        """What is simulated: the designed layer alone, or the kit with it outermost."""
        layer = replace(self.template, relaxed_circumference_m=relaxed, name=name)
        if not self.below:
            return layer, layer
        from stockingsim._kit import Kit

        kit = Kit(
            [*self.below, layer],
            thicknesses_m=self.thicknesses_m,
            name=self.kit_name,
            friction=self.kit_friction,
        )
        return kit, layer


@dataclass(frozen=True)
class Grid:
    """Where the design is evaluated on the leg (internal).

    The design grid is the 1 cm course grid from the bottom edge (plus the top edge) and the
    exact landmark heights; girths come from the same sections the solvers cut.
    """

    bottom_m: float
    landmark_heights: dict[str, float]
    covered: list[str]
    heights_m: np.ndarray
    girth_m: np.ndarray
    course_heights_m: np.ndarray
    course_girth_m: np.ndarray
    target_mmhg: np.ndarray
    target_landmarks_mmhg: np.ndarray

    @property
    def covered_heights_m(self) -> np.ndarray:
        return np.array([self.landmark_heights[lm] for lm in self.covered])

    @property
    def covered_girth_m(self) -> np.ndarray:
        return np.interp(self.covered_heights_m, self.heights_m, self.girth_m)


@dataclass(frozen=True)
class Outcome:
    """The best iterate of the design (internal)."""

    max_error_mmhg: float
    stocking: Any  # what was simulated: the layer, or the kit with the layer outermost
    layer: Any  # the designed layer
    result: Any
    iterations: int


# --------------------------------------------------------------------------------------------
# design_stocking
# --------------------------------------------------------------------------------------------


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
    """Design the stocking (or a kit's outer layer) that gives a target pressure profile on a leg.

    The relaxed circumference is found by inverting Laplace's law per height on a 1 cm grid
    (plus the landmark heights), vectorized: ``T = p C/2 pi``, ``eps = fabric.strain_at_tension(T)``,
    ``c0 = C/(1+eps)`` with ``C`` the convex-hull girth. For ``method="laplace"`` this is exact.
    For the curvature-aware methods (``membrane``, ``bridging``, ``contact``) the pressure at a
    landmark is not ``T/r``, so the design is iterated: simulate, then scale the Laplace-equivalent
    target at each landmark by ``target / simulated`` (a fixed point on the hoop tension, since
    those methods give ``p`` proportional to ``T`` for a given shape) and invert again, until every
    covered landmark is within ``tol_mmhg`` of its target. Between landmarks the correction is
    interpolated linearly in height.

    Given a :class:`~stockingsim.Kit`, its outermost layer is designed over the others, which
    are kept as they are: the layer adds ``T = p C/2 pi - T_under`` on the outer surface of the
    layers below, ``c0 = (C + 2 pi t_under)/(1 + eps)`` (the kit's multi-layer Laplace law), and
    the whole kit is simulated in the iteration.

    Parameters
    ----------
    leg : Leg
    fabric : Fabric, str or Kit
        The knit, or the name of a preset in :func:`stockingsim.fabric_library`; or a
        :class:`~stockingsim.Kit` whose outermost layer is to be designed (its fabric, style,
        axial pre-strain and bands are kept; its relaxed circumference is replaced).
    target : str, mapping or callable
        ``"STANDARD:CLASS"`` (mid-class at B, default gradient inside the standard's ranges, see
        :func:`stockingsim.standards.default_fractions`), a use-case name (:data:`TARGETS`),
        ``{landmark: mmHg}`` (linear in height between the given landmarks, constant beyond), or
        a vectorized function ``f(height_m) -> mmHg``. For a kit: the pressure of the kit.
    method : str
        Pressure method the design must satisfy (``laplace``, ``membrane``, ``bridging``,
        ``contact``).
    style : str, optional
        ``AD``, ``AF``, ``AG``, ``AT``. Default: the kit's outer layer's style; else the use
        case's style, else ``AD``.
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
        Passed to :class:`Stocking` (its default, or the kit's outer layer's, otherwise).
    name : str, optional
        Stocking name (for a kit: the designed layer's; the kit keeps its own name).
    **simulate_options
        Passed to :func:`stockingsim.simulate`.

    Returns
    -------
    stocking : Stocking or Kit
        The designed stocking; for a kit, the kit with its designed outer layer.
    spec : DesignSpec
        Per-landmark spec sheet (``spec.landmarks``, which ``spec`` also behaves as) and the
        1 cm knitting table ``spec.courses``; for a kit, of its outer layer, with the kit's
        target and predicted pressures.

    Raises
    ------
    stockingsim.errors.UnreachableTargetError
        The target needs a strain beyond the fabric's range or ``max_strain`` (names the landmark
        and the strain needed), or the inner layers of a kit alone give the target.
    stockingsim.errors.DesignError
        Invalid target or options; ``leg`` is not a Leg; a kit's outer layer reaches beyond
        its inner layer.
    stockingsim.errors.FabricError
        ``fabric`` is neither a Fabric, a Kit nor the name of a preset.

    Warns
    -----
    stockingsim.errors.ConvergenceWarning
        The iteration stopped at ``max_iter`` with an error above ``tol_mmhg``.
    """
    require_leg(leg, "design_stocking()", errors.DesignError)
    tgt = resolve_target(target)
    layer = _layer_to_design(fabric, tgt, style, axial_prestrain)
    tol = _check_options(method, profile, max_iter, max_strain, tol_mmhg)
    grid = _design_grid(leg, layer, tgt)
    stock_name = name or f"{tgt.label} on {getattr(leg, 'name', 'leg')}"
    options = {"max_strain": max_strain, "max_iter": max_iter, "profile": profile, "tol": tol}
    best = _iterate(leg, layer, grid, method, stock_name, options, simulate_options)
    if best.max_error_mmhg > tol:
        warnings.warn(
            f"design with method '{method}' stopped after {best.iterations} simulations with a "
            f"largest landmark error of {best.max_error_mmhg:.2f} mmHg (tolerance {tol:g}); "
            "raise max_iter or loosen tol_mmhg",
            errors.ConvergenceWarning,
            stacklevel=2,
        )
    spec = build_spec(leg, tgt, grid, layer, best, method=method, tol=tol)
    return best.stocking, spec


def _layer_to_design(fabric: Any, tgt: Target, style: str | None, axial_prestrain) -> Layer:
    """The template of the layer to design (a fabric's stocking, or a kit's outer layer)."""
    if getattr(fabric, "has_layers", False) and hasattr(fabric, "layers"):
        outer = fabric.layers[-1]
        changes: dict[str, Any] = {"style": style or outer.style}
        if axial_prestrain is not None:
            changes["axial_prestrain"] = axial_prestrain
        return Layer(
            template=replace(outer, **changes),
            below=tuple(fabric.layers[:-1]),
            thicknesses_m=tuple(fabric.thicknesses_m),
            kit_name=fabric.name,
            kit_friction=getattr(fabric, "friction", None),
        )
    from stockingsim.stocking import Stocking

    fabric = as_fabric(fabric, "design_stocking()")
    kwargs: dict[str, Any] = {"style": style or tgt.style or vocab.DEFAULT_STYLE}
    if axial_prestrain is not None:
        kwargs["axial_prestrain"] = axial_prestrain
    # a placeholder relaxed circumference: the design replaces it
    return Layer(template=Stocking(fabric, relaxed_circumference_m=0.2, **kwargs))


def _check_options(method, profile, max_iter, max_strain, tol_mmhg) -> float:
    """Check the design options; return the iteration tolerance (mmHg)."""
    if profile not in ("height", "landmarks"):
        raise errors.DesignError(f"profile must be 'height' or 'landmarks', got {profile!r}")
    if max_iter < 1:
        raise errors.DesignError("max_iter must be >= 1")
    if max_strain is not None and not (np.isfinite(max_strain) and max_strain > 0):
        raise errors.DesignError(f"max_strain must be a positive number, got {max_strain!r}")
    if tol_mmhg is None:
        return DEFAULT_TOL_MMHG.get(method, DEFAULT_TOL_OTHER_MMHG)
    return as_number(tol_mmhg, "tol_mmhg", errors.DesignError, nonnegative=True, unit="mmHg")


def _coverage(leg: Any, layer: Layer) -> tuple[float, float]:
    """The heights the designed layer covers; inside its kit's inner layer."""
    bottom, top = (float(x) for x in layer.template.coverage_m(leg))
    if layer.below:
        lo, hi = layer.below[0].coverage_m(leg)
        if bottom < lo - 1e-6 or top > hi + 1e-6:
            raise errors.DesignError(
                f"the kit's outer layer ({layer.template.style}, {100 * bottom:.1f}-"
                f"{100 * top:.1f} cm) reaches beyond its inner layer ({layer.below[0].style}, "
                f"{100 * lo:.1f}-{100 * hi:.1f} cm), and a kit is simulated over its inner "
                "layer; give the outer layer the inner's style or a shorter one (style=...)."
            )
    return bottom, top


def _design_grid(leg: Any, layer: Layer, tgt: Target) -> Grid:
    """Course grid, landmark heights, girths and target pressures of the design."""
    lm_h = {lm: float(leg.landmarks[lm].height_m) for lm in LANDMARK_ORDER if lm in leg.landmarks}
    if "B" not in lm_h:
        raise errors.LandmarkError(
            f"leg '{getattr(leg, 'name', '?')}' has no landmark B (ankle), which a stocking "
            "design needs; set it with leg.with_landmarks({'B': height_m})"
        )
    bottom, top = _coverage(leg, layer)
    covered = [
        lm for lm in LANDMARK_ORDER if lm in lm_h and bottom - 1e-6 <= lm_h[lm] <= top + 1e-6
    ]
    n = int(np.floor((top - bottom) / COURSE_STEP_M + 1e-9)) + 1
    course_h = bottom + COURSE_STEP_M * np.arange(n)
    if top - course_h[-1] > 1e-6:
        course_h = np.append(course_h, top)
    grid_h = np.unique(np.concatenate([course_h, [lm_h[lm] for lm in covered]]))
    grid_h = grid_h[np.concatenate([[True], np.diff(grid_h) > 1e-9])]
    grid_c = leg.girth_profile(heights_m=grid_h)["circumference_m"].to_numpy(float)
    if np.any(~np.isfinite(grid_c)) or np.any(grid_c <= 0):
        raise errors.DesignError(
            "the leg has no usable section at some heights inside the stocking "
            f"({100 * bottom:.1f}-{100 * top:.1f} cm); check the mesh or the style"
        )
    p_grid = tgt.at_heights(grid_h, lm_h)
    if np.any(~np.isfinite(p_grid)) or np.any(p_grid <= 0):
        raise errors.DesignError("the target pressure must be positive at every covered height")
    return Grid(
        bottom_m=bottom,
        landmark_heights=lm_h,
        covered=covered,
        heights_m=grid_h,
        girth_m=grid_c,
        course_heights_m=course_h,
        course_girth_m=np.interp(course_h, grid_h, grid_c),
        target_mmhg=p_grid,
        target_landmarks_mmhg=tgt.at_heights(np.array([lm_h[lm] for lm in covered]), lm_h),
    )


def _iterate(leg, layer, grid, method, stock_name, options, simulate_options) -> Outcome:
    """Invert, simulate, correct the target at the landmarks; keep the best iterate."""
    under = layer.under_tension(leg, grid.heights_m, grid.girth_m)
    scale = np.ones(len(grid.covered))  # correction of the Laplace-equivalent target
    best: Outcome | None = None
    for iteration in range(1, options["max_iter"] + 1):
        factor = (
            np.interp(grid.heights_m, grid.covered_heights_m, scale)
            if grid.covered
            else np.ones_like(grid.heights_m)
        )
        c0, _, _ = invert_laplace(
            layer.fabric,
            grid.target_mmhg * factor,
            grid.girth_m,
            max_strain=options["max_strain"],
            heights_m=grid.heights_m,
            landmark_heights=grid.landmark_heights,
            under_tension_n_per_m=under if layer.below else None,
            under_thickness_m=layer.under_thickness_m,
        )
        stocking, designed = layer.worn(_relaxed_profile(grid, c0, options["profile"]), stock_name)
        result = _simulate(leg, stocking, method, simulate_options)
        p_sim = profile_pressures(result, grid.covered)
        err = p_sim - grid.target_landmarks_mmhg
        max_err = float(np.nanmax(np.abs(err))) if len(err) else 0.0
        if best is None or max_err < best.max_error_mmhg:
            best = Outcome(max_err, stocking, designed, result, iteration)
        if max_err <= options["tol"]:
            break
        ratio = np.where(
            np.isfinite(p_sim) & (p_sim > 0),
            grid.target_landmarks_mmhg / np.maximum(p_sim, 1e-9),
            2.0,
        )
        scale = scale * np.clip(ratio, 0.25, 4.0)
    return replace(best, iterations=iteration)


def _relaxed_profile(grid: Grid, c0: np.ndarray, profile: str) -> Any:
    """The relaxed circumference as a height table (made to measure) or per landmark."""
    if profile == "height":
        return TabulatedCircumference(grid.heights_m.copy(), c0.copy())
    return {
        lm: float(np.interp(grid.landmark_heights[lm], grid.heights_m, c0)) for lm in grid.covered
    }


def _simulate(leg, stocking, method, options):
    from stockingsim.solvers import simulate

    return simulate(leg, stocking, method=method, **options)


__all__ = ["design_stocking", "COURSE_STEP_M"]
