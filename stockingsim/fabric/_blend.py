"""From yarn blend and knit parameters to tension-strain curves (:meth:`Fabric.from_blend`)."""

from __future__ import annotations

from typing import Any

from stockingsim import errors
from stockingsim._checks import as_number
from stockingsim.fabric._models import TwoPhaseModel

__all__ = ["fabric_from_blend", "BLEND_CONSTANTS", "KNITS", "MACHINES"]

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
    "flat_elastic_factor": 1.15,
    "flat_hysteresis_add": 0.05,
    # hysteresis fraction h = base + polyamide * h_pa + cotton * h_co (+ flat), unloading
    # = (1 - h) x loading (assumption; cotton's poorer recovery raises hysteresis, the
    # qualitative finding of cut-strip cyclic tests, Siddique et al. 2023,
    # doi:10.1177/15280837231170305)
    "hysteresis_base": 0.10,
    "hysteresis_polyamide": 0.10,
    "hysteresis_cotton": 0.40,
    "wale_hysteresis_add": 0.05,
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


def fabric_from_blend(
    cls: Any,
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
    BC = BLEND_CONSTANTS
    fractions = {
        "elastane": _number("elastane", elastane),
        "polyamide": _number("polyamide", polyamide),
        "cotton": _number("cotton", cotton),
    }
    for key, value in fractions.items():
        if not 0.0 <= value <= 1.0:
            raise errors.BlendError(
                f"the {key} fraction must be between 0 and 1 (mass fraction), got {value:g}."
            )
    total = sum(fractions.values())
    if abs(total - 1.0) > 0.01:
        raise errors.BlendError(
            f"blend fractions elastane + polyamide + cotton sum to {total:.3g}, not 1; give mass "
            "fractions that add up to 1 (e.g. elastane=0.22, polyamide=0.78)."
        )
    e, pa, co = (v / total for v in fractions.values())
    if knit not in KNITS:
        raise errors.BlendError(f"knit must be one of {KNITS}, got {knit!r}.")
    if machine not in MACHINES:
        raise errors.BlendError(f"machine must be one of {MACHINES}, got {machine!r}.")
    if knit == "inlay_jersey":
        inlay = (
            280.0 if inlay_dtex is None else _positive("inlay_dtex", inlay_dtex, 40, 1200, "dtex")
        )
        if e == 0:
            raise errors.BlendError(
                "an inlay jersey needs elastane (the inlay yarn's core); give elastane > 0 or "
                "knit='plain_jersey'."
            )
    else:
        if inlay_dtex not in (None, 0, 0.0):
            raise errors.BlendError(
                f"a plain jersey has no inlay yarn but inlay_dtex={inlay_dtex!r} was given; use "
                "knit='inlay_jersey' or drop inlay_dtex."
            )
        inlay = 0.0
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

    flat = machine == "flat"
    e_mod = BC["elastane_modulus_n_per_dtex"]
    n_course = 100.0 * cpc  # courses per metre of fabric length (wale direction)
    n_wale = BC["wale_course_ratio"] * n_course  # wales per metre of width
    # --- course direction (around the leg) ---------------------------------------------------
    k_inlay = BC["inlay_per_course"] * n_course * e_mod * BC["inlay_core_share"] * inlay
    k_plated = n_course * e_mod * e * gd * BC["ground_loop_efficiency"]
    flat_el = BC["flat_elastic_factor"] if flat else 1.0
    k_e_course = (k_inlay + k_plated) * flat_el
    toe = k_e_course * pre
    jam_mod = (
        pa * BC["jam_modulus_polyamide_n_per_dtex"] + co * BC["jam_modulus_cotton_n_per_dtex"]
    ) / (pa + co)
    thick_factor = thick / BC["reference_thickness_mm"]
    flat_k = BC["flat_jam_stiffness_factor"] if flat else 1.0
    flat_e = BC["flat_jam_strain_factor"] if flat else 1.0
    k_j_course = n_course * gd * jam_mod * thick_factor * flat_k
    eps_j_course = BC[f"jam_strain_{knit}"] * flat_e
    w = BC["jam_width"]
    course = TwoPhaseModel(
        k_elastic_n_per_m=k_e_course,
        k_jam_n_per_m=k_j_course,
        jam_strain=eps_j_course,
        jam_width=w,
        toe_tension_n_per_m=toe,
        toe_strain=BC["toe_strain"],
        min_strain=0.0,
        max_strain=eps_j_course + BC["course_range_beyond_jam"],
    )
    # --- wale direction (along the leg): two loop legs per wale; the inlay runs coursewise and
    # only binds the loops, so the wales share a small part of its spring (assumption) ----------
    k_e_wale = 2 * n_wale * e_mod * e * gd * BC["ground_loop_efficiency"]
    k_e_wale = (k_e_wale + BC["wale_inlay_share"] * k_inlay) * flat_el
    eps_j_wale = eps_j_course * BC["wale_jam_ratio"]
    k_j_wale = 2 * n_wale * gd * jam_mod * thick_factor * flat_k
    wale = TwoPhaseModel(
        k_elastic_n_per_m=k_e_wale,
        k_jam_n_per_m=k_j_wale,
        jam_strain=eps_j_wale,
        jam_width=w * BC["wale_jam_ratio"],
        toe_tension_n_per_m=0.0,
        toe_strain=BC["toe_strain"],
        min_strain=0.0,
        max_strain=eps_j_wale + BC["wale_range_beyond_jam"],
    )
    h_course = (
        BC["hysteresis_base"] + pa * BC["hysteresis_polyamide"] + co * BC["hysteresis_cotton"]
    )
    if flat:
        h_course += BC["flat_hysteresis_add"]
    h_course = min(h_course, 0.8)
    h_wale = min(h_course + BC["wale_hysteresis_add"], 0.85)

    inputs = {
        "source": "blend",
        "elastane": e,
        "polyamide": pa,
        "cotton": co,
        "inlay_dtex": inlay,
        "courses_per_cm": cpc,
        "ground_dtex": gd,
        "knit": knit,
        "machine": machine,
        "thickness_mm": thick,
        "inlay_prestrain": pre,
    }
    extra = tuple(provenance.items()) if isinstance(provenance, dict) else tuple(provenance)
    label = name or (
        f"{machine} {knit.replace('_', ' ')} EL{e:.0%}/PA{pa:.0%}/CO{co:.0%}"
        + (f" inlay {inlay:g} dtex" if inlay else "")
    )
    desc = description or (
        f"{e:.0%} elastane, {pa:.0%} polyamide, {co:.0%} cotton; {machine}-knit "
        f"{knit.replace('_', ' ')}, {cpc:g} courses/cm, ground {gd:g} dtex"
        + (f", covered elastane inlay {inlay:g} dtex" if inlay else "")
        + f", {thick:g} mm. Curves from the blend mapping of Fabric.from_blend (model, "
        "not measured)."
    )
    return cls.from_models(
        course,
        wale_loading=wale,
        hysteresis=h_course,
        wale_hysteresis=h_wale,
        name=label,
        description=desc,
        provenance=tuple(inputs.items()) + extra,
    )
