"""Named preset fabrics (:func:`fabric_library`)."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from stockingsim import errors
from stockingsim.fabric._fabric import Fabric

__all__ = ["fabric_library", "PRESET_ANKLE_CIRCUMFERENCE_M"]

#: Circumference of the reference ankle (landmark B) the presets were calibrated on, metres.
PRESET_ANKLE_CIRCUMFERENCE_M = 0.22

# name: (blend inputs, calibration strain window, claimed pressure window mmHg, use)
# The inlay dtex of each preset was chosen (by a root find on the geometric mean of the window
# ends, then rounded to 10 dtex) so that the unloading course curve, wrapped round a 22 cm
# circle (p = T / r), stays within the claimed pressure window over the strain window.
# RAL-GZ 387 classes: I 18-21, II 23-32, III 34-46, IV >= 49 mmHg at the ankle.
_PRESETS = {
    "sheer PA/EL class I": (
        dict(
            elastane=0.18,
            polyamide=0.82,
            inlay_dtex=180,
            ground_dtex=22,
            courses_per_cm=26,
            thickness_mm=0.35,
        ),
        (0.35, 0.50),
        (18.0, 21.0),
        "sheer support/class I stocking: fine 22 dtex polyamide ground plated with elastane",
    ),
    "cotton-rich class I-II": (
        dict(
            elastane=0.25,
            polyamide=0.30,
            cotton=0.45,
            inlay_dtex=360,
            ground_dtex=100,
            courses_per_cm=18,
            thickness_mm=0.9,
        ),
        (0.30, 0.50),
        (20.0, 28.0),
        "cotton-rich ground for skin comfort (more hysteresis)",
    ),
    "microfibre class II": (
        dict(
            elastane=0.28,
            polyamide=0.72,
            inlay_dtex=260,
            ground_dtex=44,
            courses_per_cm=24,
            thickness_mm=0.5,
        ),
        (0.30, 0.60),
        (23.0, 32.0),
        "polyamide microfibre ground (44 dtex), soft class II",
    ),
    "circular class I": (
        dict(elastane=0.20, polyamide=0.80, inlay_dtex=220, courses_per_cm=20, thickness_mm=0.55),
        (0.35, 0.50),
        (18.0, 21.0),
        "round-knit medical class I",
    ),
    "circular class II": (
        dict(elastane=0.24, polyamide=0.76, inlay_dtex=310, courses_per_cm=20, thickness_mm=0.65),
        (0.30, 0.60),
        (23.0, 32.0),
        "round-knit medical class II, the common prescription",
    ),
    "circular class III": (
        dict(elastane=0.30, polyamide=0.70, inlay_dtex=400, courses_per_cm=22, thickness_mm=0.8),
        (0.30, 0.60),
        (34.0, 46.0),
        "round-knit medical class III",
    ),
    "flat-knit class III": (
        dict(
            elastane=0.30,
            polyamide=0.55,
            cotton=0.15,
            inlay_dtex=620,
            ground_dtex=110,
            courses_per_cm=16,
            machine="flat",
            thickness_mm=1.2,
        ),
        (0.20, 0.40),
        (34.0, 46.0),
        "flat-knit (seamed) lymphoedema garment, stiff, worn at low strain",
    ),
    "flat-knit class IV": (
        dict(
            elastane=0.35,
            polyamide=0.50,
            cotton=0.15,
            inlay_dtex=890,
            ground_dtex=110,
            courses_per_cm=16,
            machine="flat",
            thickness_mm=1.5,
        ),
        (0.20, 0.40),
        (49.0, 65.0),
        "flat-knit lymphoedema class IV, very stiff, worn at low strain",
    ),
}


@lru_cache(maxsize=1)
def _build() -> tuple[tuple[str, Fabric], ...]:
    out = []
    for name, (blend, (e0, e1), (p0, p1), use) in _PRESETS.items():
        knit = "inlay jersey"
        machine = blend.get("machine", "circular")
        comp = ", ".join(
            f"{blend.get(k, 0.0):.0%} {k}"
            for k in ("elastane", "polyamide", "cotton")
            if blend.get(k, 0.0)
        )
        description = (
            f"{name}: {use}. Composition {comp}; {machine}-knit {knit}, covered elastane inlay "
            f"{blend['inlay_dtex']:g} dtex, ground {blend.get('ground_dtex', 78.0):g} dtex, "
            f"{blend['courses_per_cm']:g} courses/cm, {blend['thickness_mm']:g} mm. "
            f"Illustrative (not measured data): curves from Fabric.from_blend, calibrated so "
            f"that {e0:.0%}-{e1:.0%} course strain on a "
            f"{PRESET_ANKLE_CIRCUMFERENCE_M * 100:g} cm ankle gives {p0:g}-{p1:g} mmHg on "
            "the unloading branch (Laplace, p = T / r)."
        )
        provenance = (
            ("preset", name),
            ("calibrated_to", "illustrative: RAL-GZ 387 pressure window at a 22 cm ankle"),
            ("calibration_circumference_m", PRESET_ANKLE_CIRCUMFERENCE_M),
            ("calibration_strain_min", e0),
            ("calibration_strain_max", e1),
            ("calibration_mmhg_min", p0),
            ("calibration_mmhg_max", p1),
        )
        fabric = Fabric.from_blend(
            **blend, name=name, description=description, provenance=provenance
        )
        out.append((name, fabric))
    return tuple(out)


class FabricLibrary(dict):
    """The preset dict: names are looked up ignoring case and extra spaces; an unknown name
    raises :class:`~stockingsim.errors.FabricError` listing the presets."""

    def __missing__(self, name: Any) -> Fabric:
        wanted = " ".join(str(name).split()).casefold()
        for key, fabric in self.items():
            if " ".join(key.split()).casefold() == wanted:
                return fabric
        raise errors.FabricError(
            f"unknown fabric preset {name!r}; the presets are: "
            f"{', '.join(repr(k) for k in self)}. Or make one with ss.Fabric.from_blend(...), "
            "ss.Fabric.from_tensile_test(...) or ss.Fabric.linear(...)."
        )


def fabric_library() -> dict[str, Fabric]:
    """Named preset fabrics spanning the hosiery classes and blend families.

    Every preset is an illustrative :meth:`Fabric.from_blend` fabric (not measured data) whose
    :attr:`~Fabric.description` states its composition, knit and calibration claim, e.g.
    "30 %-60 % course strain on a 22 cm ankle gives 23-32 mmHg" (unloading branch, Laplace
    ``p = T / r``, 1 mmHg = 133.322 Pa). The claim is also in ``fabric.info``
    (``calibration_strain_min/max``, ``calibration_mmhg_min/max``,
    ``calibration_circumference_m``).

    Returns
    -------
    dict[str, Fabric]
        A new dict (the fabrics are frozen and shared) keyed by preset name: sheer PA/EL
        class I, cotton-rich class I-II, microfibre class II, circular class I/II/III,
        flat-knit class III/IV.

    Examples
    --------
    >>> import stockingsim as ss
    >>> lib = ss.fabric_library()
    >>> fabric = lib["circular class II"]
    >>> radius_m = 0.22 / (2 * 3.141592653589793)
    >>> 23 < float(fabric.tension(0.4)) / radius_m / 133.322 < 32
    True
    >>> lib["Circular Class II"] is fabric  # case and spacing do not matter
    True
    """
    return FabricLibrary(_build())


def preset_pressure_mmhg(fabric: Fabric, strain: float) -> float:
    """Laplace pressure (mmHg) of ``fabric``'s unloading course curve on the reference ankle."""
    radius = PRESET_ANKLE_CIRCUMFERENCE_M / (2 * math.pi)
    return float(fabric.tension(strain)) / radius / 133.322
