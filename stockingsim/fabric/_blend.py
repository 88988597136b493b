"""From yarn blend and knit parameters to tension-strain curves (:meth:`Fabric.from_blend`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stockingsim import errors
from stockingsim._numbers import as_number
from stockingsim.fabric._models import TwoPhaseModel

__all__ = [
    "blend_curves",
    "check_blend",
    "BlendCurves",
    "BlendInputs",
    "BLEND_CONSTANTS",
    "KNITS",
    "MACHINES",
]

KNITS = ("plain_jersey", "inlay_jersey")
MACHINES = ("circular", "flat")

#: Every constant of the blend mapping, with its status. All are assumptions (order-of-magnitude
#: values chosen so that the presets land in the published pressure classes) unless cited.
BLEND_CONSTANTS: dict[str, float] = {
    # secant specific modulus of elastane up to ~100 % yarn strain, N/dtex per unit strain
    # (0.05 cN/dtex; assumption, order of magnitude of spandex "power" at 100 % elongation)
    "elastane_modulus_n_per_dtex": 5.0e-4,
    # elastane share of a covered inlay yarn's linear density (assumption: single-covered yarn,
    # e.g. a 310 dtex core covered with 2 x 44 dtex polyamide)
    "inlay_core_share": 0.75,
    # inlay courses per course: 1+1 inlaid single jersey (one inlay every second course), the
    # structure of Lozo et al. 2022, doi:10.3390/ma15010353
    "inlay_per_course": 0.5,
    # strain of plated elastane per unit fabric strain (loops open before the yarn extends;
    # assumption)
    "ground_loop_efficiency": 0.5,
    # strain over which the inlay pre-tension is released into fabric tension (assumption)
    "toe_strain": 0.06,
    # course jamming strain of the ground loops by knit (circular machine; assumption)
    "jam_strain_plain_jersey": 1.3,
    "jam_strain_inlay_jersey": 1.1,
    # share of the inlay spring felt in the wale direction (assumption)
    "wale_inlay_share": 0.2,
    # wale jamming strain / course jamming strain (wales are less extensible; assumption)
    "wale_jam_ratio": 0.55,
    # width of the jamming transition (strain; assumption)
    "jam_width": 0.12,
    # effective modulus of jammed ground loops per dtex, N/dtex (~1 % of the yarn's modulus;
    # assumption); cotton is stiffer and less elastic than textured polyamide
    "jam_modulus_polyamide_n_per_dtex": 2.0e-3,
    "jam_modulus_cotton_n_per_dtex": 4.0e-3,
    # wales per cm / courses per cm of relaxed jersey (loop shape factor ~ 1.3; assumption)
    "wale_course_ratio": 0.75,
    # reference thickness for the jam stiffness, mm (assumption)
    "reference_thickness_mm": 0.6,
    # flat-knit (fully fashioned) factors: earlier jamming, stiffer loops, more friction
    # (assumption, reflecting that flat-knit lymphoedema garments are stiffer and less extensible)
    "flat_jam_strain_factor": 0.7,
    "flat_jam_stiffness_factor": 2.0,
    "flat_elastic_factor": 1.4,
    "flat_hysteresis_add": 0.12,
    # hysteresis fraction h = base + polyamide * h_pa + cotton * h_co (+ flat), unloading
    # = (1 - h) x loading (assumption; cotton's poorer recovery raises hysteresis, the
    # qualitative finding of cut-strip cyclic tests, Siddique et al. 2023,
    # doi:10.1177/15280837231170305)
    "hysteresis_base": 0.10,
    "hysteresis_polyamide": 0.10,
    # (0.25: a cotton-rich class I-II stays elastic, SSI < 10 mmHg, Partsch et al. 2008)
    "hysteresis_cotton": 0.25,
    "wale_hysteresis_add": 0.05,
    # inner loops (Fabric.inner_loop_strain, the Dahl friction element of fabric/_cyclic.py):
    # strain reversal over which the loops of a circular knit unlock, and the factor for the
    # tighter loops of a flat knit (assumptions, identified so that the presets' dynamic
    # stiffness on the bundled leg lands in the in-vivo ranges of elastic class II stockings
    # (DSI 3.9-5.8 mmHg/cm at B and C, WPA 6-6.8 mmHg at B1; Phlebology 2026,
    # doi:10.1177/02683555261424072) and flat-knit a few times stiffer (van der
    # Wegen-Franken et al. 2009, Phlebology, flat-knitted stockings of higher DSI)
    "inner_loop_strain_circular": 0.012,
    "inner_loop_flat_factor": 0.4,
    "wale_inner_loop_factor": 1.5,
    # valid range beyond the jamming strain (strain; assumption)
    "course_range_beyond_jam": 0.4,
    "wale_range_beyond_jam": 0.3,
}


def _number(name: str, value: Any) -> float:
    return as_number(value, name, errors.BlendError)


def _positive(name: str, value: Any, lo: float, hi: float, unit: str) -> float:
    value = _number(name, value)
    if value <= 0:
        raise errors.BlendError(
            f"{name} must be > 0 {unit}, got {value:g}; typical values are {lo:g} to {hi:g}."
        )
    if not (lo / 10 <= value <= hi * 10):
        raise errors.BlendError(
            f"{name} = {value:g} {unit} is outside the plausible range ({lo:g} to {hi:g}, "
            "with a factor 10 margin); check the units."
        )
    return value


@dataclass(frozen=True)
class BlendInputs:
    """Checked blend and knit parameters (fractions normalized to sum to 1)."""

    elastane: float
    polyamide: float
    cotton: float
    inlay_dtex: float
    courses_per_cm: float
    ground_dtex: float
    knit: str
    machine: str
    thickness_mm: float
    inlay_prestrain: float

    @property
    def flat(self) -> bool:
        return self.machine == "flat"


@dataclass(frozen=True)
class BlendCurves:
    """What the blend mapping gives: the loading models and hysteresis, names and provenance.

    :meth:`Fabric.from_blend` assembles the fabric from it with :meth:`Fabric.from_models`.
    """

    course: TwoPhaseModel
    wale: TwoPhaseModel
    hysteresis: float
    wale_hysteresis: float
    name: str
    description: str
    provenance: tuple[tuple[str, Any], ...]
    inner_loop_strain: tuple[float, float] = (0.0, 0.0)


def blend_curves(
    inp: BlendInputs, *, name: str | None = None, description: str = "", provenance: Any = ()
) -> BlendCurves:
    """The curves of :meth:`Fabric.from_blend` from checked inputs (:func:`check_blend`).

    See :meth:`Fabric.from_blend` for the mapping, its assumptions and sources.
    """
    course, k_inlay = _course_model(inp)
    wale = _wale_model(inp, course, k_inlay)
    h_course, h_wale = _hysteresis(inp)
    extra = tuple(provenance.items()) if isinstance(provenance, dict) else tuple(provenance)
    return BlendCurves(
        course=course,
        wale=wale,
        hysteresis=h_course,
        wale_hysteresis=h_wale,
        name=name or _label(inp),
        description=description or _description(inp),
        provenance=tuple(_inputs(inp).items()) + extra,
        inner_loop_strain=_inner_loop_strain(inp),
    )


def _check_fractions(elastane: Any, polyamide: Any, cotton: Any) -> tuple[float, float, float]:
    fractions = {
        "elastane": _number("elastane", elastane),
        "polyamide": _number("polyamide", polyamide),
        "cotton": _number("cotton", cotton),
    }
    for key, value in fractions.items():
        if not 0.0 <= value <= 1.0:
            percent = (
                f" Did you give percent? {value:g} % is {value / 100:g}."
                if 2 <= value <= 100
                else ""
            )
            raise errors.BlendError(
                f"the {key} fraction must be between 0 and 1 (mass fraction), got {value:g}."
                + percent
            )
    total = sum(fractions.values())
    if abs(total - 1.0) > 0.01:
        raise errors.BlendError(
            f"blend fractions elastane + polyamide + cotton sum to {total:.3g}, not 1; give mass "
            "fractions that add up to 1 (e.g. elastane=0.22, polyamide=0.78)."
        )
    e, pa, co = (v / total for v in fractions.values())
    return e, pa, co


def _check_inlay(knit: str, inlay_dtex: Any, e: float) -> float:
    if knit == "inlay_jersey":
        inlay = (
            280.0 if inlay_dtex is None else _positive("inlay_dtex", inlay_dtex, 40, 1200, "dtex")
        )
        if e == 0:
            raise errors.BlendError(
                "an inlay jersey needs elastane (the inlay yarn's core); give elastane > 0 or "
                "knit='plain_jersey'."
            )
        return inlay
    if inlay_dtex not in (None, 0, 0.0):
        raise errors.BlendError(
            f"a plain jersey has no inlay yarn but inlay_dtex={inlay_dtex!r} was given; use "
            "knit='inlay_jersey' or drop inlay_dtex."
        )
    return 0.0


def check_blend(
    *,
    elastane: Any,
    polyamide: Any,
    cotton: Any,
    inlay_dtex: Any,
    courses_per_cm: Any,
    ground_dtex: Any,
    knit: str,
    machine: str,
    thickness_mm: Any,
    inlay_prestrain: Any,
) -> BlendInputs:
    """Check the blend and knit parameters; raise :class:`~stockingsim.errors.BlendError`."""
    e, pa, co = _check_fractions(elastane, polyamide, cotton)
    if knit not in KNITS:
        raise errors.BlendError(f"knit must be one of {KNITS}, got {knit!r}.")
    if machine not in MACHINES:
        raise errors.BlendError(f"machine must be one of {MACHINES}, got {machine!r}.")
    inlay = _check_inlay(knit, inlay_dtex, e)
    cpc = _positive("courses_per_cm", courses_per_cm, 8, 40, "courses/cm")
    gd = _positive("ground_dtex", ground_dtex, 11, 300, "dtex")
    thick = _positive("thickness_mm", thickness_mm, 0.2, 3.0, "mm")
    pre = _number("inlay_prestrain", inlay_prestrain)
    if not 0 <= pre <= 3:
        raise errors.BlendError(
            f"inlay_prestrain must be between 0 and 3 (strain of the yarn as fed), got {pre:g}."
        )
    if pa + co == 0:
        raise errors.BlendError(
            "a knit needs a ground yarn (polyamide and/or cotton); 100 % elastane is not a "
            "stocking fabric. Give polyamide or cotton > 0."
        )
    return BlendInputs(e, pa, co, inlay, cpc, gd, knit, machine, thick, pre)


def _jam_modulus(inp: BlendInputs) -> float:
    """Modulus of the jammed ground loops per dtex (N/dtex), by ground-yarn share."""
    BC = BLEND_CONSTANTS
    return (
        inp.polyamide * BC["jam_modulus_polyamide_n_per_dtex"]
        + inp.cotton * BC["jam_modulus_cotton_n_per_dtex"]
    ) / (inp.polyamide + inp.cotton)


def _jam_stiffness(inp: BlendInputs, n_loop_legs: float) -> float:
    """Stiffness (N/m) of the jammed ground loops: loop legs per metre x yarn x thickness."""
    BC = BLEND_CONSTANTS
    thick_factor = inp.thickness_mm / BC["reference_thickness_mm"]
    flat_k = BC["flat_jam_stiffness_factor"] if inp.flat else 1.0
    return n_loop_legs * inp.ground_dtex * _jam_modulus(inp) * thick_factor * flat_k


def _course_model(inp: BlendInputs) -> tuple[TwoPhaseModel, float]:
    """Course direction (around the leg): inlay spring + plated elastane, then jamming loops.

    Returns the model and the inlay spring stiffness (N/m), which the wales share in part.
    """
    BC = BLEND_CONSTANTS
    e_mod = BC["elastane_modulus_n_per_dtex"]
    n_course = 100.0 * inp.courses_per_cm  # courses per metre of fabric length (wale direction)
    k_inlay = BC["inlay_per_course"] * n_course * e_mod * BC["inlay_core_share"] * inp.inlay_dtex
    k_plated = n_course * e_mod * inp.elastane * inp.ground_dtex * BC["ground_loop_efficiency"]
    flat_el = BC["flat_elastic_factor"] if inp.flat else 1.0
    k_e_course = (k_inlay + k_plated) * flat_el
    k_j_course = _jam_stiffness(inp, n_course)
    flat_e = BC["flat_jam_strain_factor"] if inp.flat else 1.0
    eps_j_course = BC[f"jam_strain_{inp.knit}"] * flat_e
    course = TwoPhaseModel(
        k_elastic_n_per_m=k_e_course,
        k_jam_n_per_m=k_j_course,
        jam_strain=eps_j_course,
        jam_width=BC["jam_width"],
        toe_tension_n_per_m=k_e_course * inp.inlay_prestrain,
        toe_strain=BC["toe_strain"],
        min_strain=0.0,
        max_strain=eps_j_course + BC["course_range_beyond_jam"],
    )
    return course, k_inlay


def _wale_model(inp: BlendInputs, course: TwoPhaseModel, k_inlay: float) -> TwoPhaseModel:
    """Wale direction (along the leg): two loop legs per wale.

    The inlay runs coursewise and only binds the loops, so the wales share a small part of its
    spring (assumption).
    """
    BC = BLEND_CONSTANTS
    e_mod = BC["elastane_modulus_n_per_dtex"]
    n_wale = BC["wale_course_ratio"] * (100.0 * inp.courses_per_cm)  # wales per metre of width
    flat_el = BC["flat_elastic_factor"] if inp.flat else 1.0
    k_e_wale = 2 * n_wale * e_mod * inp.elastane * inp.ground_dtex * BC["ground_loop_efficiency"]
    k_e_wale = (k_e_wale + BC["wale_inlay_share"] * k_inlay) * flat_el
    eps_j_wale = course.jam_strain * BC["wale_jam_ratio"]
    k_j_wale = _jam_stiffness(inp, 2 * n_wale)
    return TwoPhaseModel(
        k_elastic_n_per_m=k_e_wale,
        k_jam_n_per_m=k_j_wale,
        jam_strain=eps_j_wale,
        jam_width=BC["jam_width"] * BC["wale_jam_ratio"],
        toe_tension_n_per_m=0.0,
        toe_strain=BC["toe_strain"],
        min_strain=0.0,
        max_strain=eps_j_wale + BC["wale_range_beyond_jam"],
    )


def _hysteresis(inp: BlendInputs) -> tuple[float, float]:
    """Hysteresis fractions (course, wale): base + ground-yarn shares (+ flat machine)."""
    BC = BLEND_CONSTANTS
    # the hysteresis index does not depend on the elastane share (Jovanovic, Penava and
    # Vrljicak 2022, Materials 15:6512, doi:10.3390/ma15196512: plated PA/EL knits with 0 to
    # 43 % elastane under cyclic loading), so it is set by the ground yarn's composition
    pa_g = inp.polyamide / (inp.polyamide + inp.cotton)
    co_g = inp.cotton / (inp.polyamide + inp.cotton)
    h_course = (
        BC["hysteresis_base"] + pa_g * BC["hysteresis_polyamide"] + co_g * BC["hysteresis_cotton"]
    )
    if inp.flat:
        h_course += BC["flat_hysteresis_add"]
    h_course = min(h_course, 0.8)
    return h_course, min(h_course + BC["wale_hysteresis_add"], 0.85)


def _inner_loop_strain(inp: BlendInputs) -> tuple[float, float]:
    """Inner-loop strain (course, wale) of the blend: the machine's (fabric/_cyclic.py)."""
    BC = BLEND_CONSTANTS
    eps_c = BC["inner_loop_strain_circular"]
    if inp.flat:
        eps_c *= BC["inner_loop_flat_factor"]
    return eps_c, min(1.0, eps_c * BC["wale_inner_loop_factor"])


def _inputs(inp: BlendInputs) -> dict[str, Any]:
    return {
        "source": "blend",
        "elastane": inp.elastane,
        "polyamide": inp.polyamide,
        "cotton": inp.cotton,
        "inlay_dtex": inp.inlay_dtex,
        "courses_per_cm": inp.courses_per_cm,
        "ground_dtex": inp.ground_dtex,
        "knit": inp.knit,
        "machine": inp.machine,
        "thickness_mm": inp.thickness_mm,
        "inlay_prestrain": inp.inlay_prestrain,
    }


def _label(inp: BlendInputs) -> str:
    e, pa, co, inlay = inp.elastane, inp.polyamide, inp.cotton, inp.inlay_dtex
    return f"{inp.machine} {inp.knit.replace('_', ' ')} EL{e:.0%}/PA{pa:.0%}/CO{co:.0%}" + (
        f" inlay {inlay:g} dtex" if inlay else ""
    )


def _description(inp: BlendInputs) -> str:
    e, pa, co, inlay = inp.elastane, inp.polyamide, inp.cotton, inp.inlay_dtex
    return (
        f"{e:.0%} elastane, {pa:.0%} polyamide, {co:.0%} cotton; {inp.machine}-knit "
        f"{inp.knit.replace('_', ' ')}, {inp.courses_per_cm:g} courses/cm, ground "
        f"{inp.ground_dtex:g} dtex"
        + (f", covered elastane inlay {inlay:g} dtex" if inlay else "")
        + f", {inp.thickness_mm:g} mm. Curves from the blend mapping of Fabric.from_blend "
        "(model, not measured)."
    )
