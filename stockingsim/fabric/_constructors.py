"""The constructors of :class:`~stockingsim.fabric.Fabric`.

Curves from models, from a formula (linear, polynomial, exponential, two-phase), from a yarn
blend or from a tensile test.

Each is a function of the class (``cls``) that the class binds as a classmethod
(``Fabric.linear = classmethod(linear)``), so this module sits between the curve sources
(models, blend, tensile fit) and the class: it imports them and never the class itself.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim._numbers import as_number
from stockingsim.fabric._blend import blend_curves, check_blend
from stockingsim.fabric._cyclic import DEFAULT_INNER_LOOP_STRAIN
from stockingsim.fabric._models import (
    ExponentialModel,
    LinearModel,
    PolynomialModel,
    TwoPhaseModel,
    _Model,
)
from stockingsim.fabric._tensile import WALE_STRAIN_RATIO, fit_inner_loops, fit_tensile_test

__all__ = [
    "from_models",
    "linear",
    "polynomial",
    "exponential",
    "two_phase",
    "from_blend",
    "from_tensile_test",
]


def from_models(
    cls: type,
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
) -> Any:
    """Assemble a fabric from models.

    Missing curves are derived: wale loading = course loading; an unloading branch =
    ``(1 - h) x`` its loading branch, ``h = hysteresis`` (course) or ``wale_hysteresis``
    (default: the course value), so the hysteresis loss equals ``h`` exactly.
    ``inner_loop_strain`` is ``eps_c`` of the inner loops (one value or course, wale).
    """
    h_c = _check_fraction("hysteresis", hysteresis)
    h_w = h_c if wale_hysteresis is None else _check_fraction("wale_hysteresis", wale_hysteresis)
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


def linear(
    cls: type,
    stiffness_n_per_m: float,
    max_strain: float = 3.0,
    *,
    name: str | None = None,
    wale_stiffness_n_per_m: float | None = None,
    hysteresis: float = 0.0,
) -> Any:
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
    k, top = course.stiffness_n_per_m, course.max_strain
    label = name or f"linear {k:g} N/m"
    text = f"Linear T = k eps, k = {k:g} N/m (valid 0 to {top:g} strain)."
    return _from_formula(cls, "linear", course, wale, (hysteresis, None), label, text)


def polynomial(
    cls: type,
    coefficients: Any,
    max_strain: float = 1.5,
    *,
    wale_coefficients: Any = None,
    hysteresis: float = 0.0,
    wale_hysteresis: float | None = None,
    name: str = "polynomial",
    description: str = "",
) -> Any:
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
        wale = PolynomialModel(tuple(np.atleast_1d(wale_coefficients).tolist()), 0.0, max_strain)
    text = description or "Polynomial tension-strain model."
    return _from_formula(cls, "polynomial", course, wale, (hysteresis, wale_hysteresis), name, text)


def exponential(
    cls: type,
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
) -> Any:
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
    text = description or "Exponential tension-strain model."
    return _from_formula(
        cls, "exponential", course, wale, (hysteresis, wale_hysteresis), name, text
    )


def two_phase(
    cls: type,
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
) -> Any:
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
    text = description or "Two-phase knit model."
    return _from_formula(cls, "two_phase", course, wale, (hysteresis, wale_hysteresis), name, text)


def _from_formula(
    cls: type,
    source: str,
    course: _Model,
    wale: _Model | None,
    hystereses: tuple[float, float | None],
    name: str,
    description: str,
) -> Any:
    """A fabric of one formula: course and wale loading (``wale`` None: the course one).

    ``hystereses`` is ``(course, wale)`` (wale None: the course value); ``source`` goes into
    the provenance.
    """
    h_course, h_wale = hystereses
    return cls.from_models(
        course,
        wale_loading=wale,
        hysteresis=h_course,
        wale_hysteresis=h_wale,
        name=name,
        description=description,
        provenance=(("source", source),),
    )


def from_blend(
    cls: type,
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
) -> Any:
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
    (the inlay only binds the loops; assumption), no toe, ``eps_j`` and ``w`` 0.55 x the course
    values, ``k_j = 2 n_w ground_dtex E_jam (thickness/0.6)`` (flat: x 2, ``k_e`` x 1.4). Valid
    range: 0 to ``eps_j + 0.3``.

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


def from_tensile_test(
    cls: type,
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
    wale_strain_ratio: float = WALE_STRAIN_RATIO,
    degree: int = 3,
    name: str | None = None,
) -> Any:
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
            f"tensile file {fit.report.source!r}: the fitted curves are not a valid fabric ({exc})"
        ) from None
    return fit_inner_loops(fabric, fit.paths)


def _check_fraction(name: str, value: Any) -> float:
    value = as_number(value, name, errors.FabricError, hint="Give a fraction in [0, 1).")
    if not (0.0 <= value < 1.0):
        raise errors.FabricError(
            f"{name} must be a fraction in [0, 1) (share of the loading tension lost on "
            f"unloading), got {value}."
        )
    return value
