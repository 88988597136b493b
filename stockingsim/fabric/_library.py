"""Named preset fabrics (:func:`fabric_library`), read from ``data/fabric_presets.json``."""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources
from typing import Any

from stockingsim import errors
from stockingsim.fabric._curves import Fabric
from stockingsim.vocabulary import PA_PER_MMHG

__all__ = [
    "fabric_library",
    "preset_named",
    "PRESET_ANKLE_CIRCUMFERENCE_M",
    "preset_table",
    "identify_inlay_dtex",
]


@cache
def preset_table() -> dict[str, Any]:
    """The preset data file (blend inputs, calibration claims, published stiffness, sources)."""
    text = resources.files("stockingsim").joinpath("data/fabric_presets.json").read_text("utf-8")
    return json.loads(text)


#: Circumference of the reference ankle (landmark B) the presets were calibrated on, metres.
PRESET_ANKLE_CIRCUMFERENCE_M: float = float(preset_table()["reference_ankle_circumference_m"])


def _description(name: str, entry: dict[str, Any]) -> str:
    blend, cal, st = entry["blend"], entry["calibration"], entry["stiffness"]
    machine = blend.get("machine", "circular")
    comp = ", ".join(
        f"{blend.get(k, 0.0):.0%} {k}" for k in ("elastane", "polyamide", "cotton") if blend.get(k)
    )
    return (
        f"{name}: {entry['use']}. Composition {comp}; {machine}-knit inlay jersey, covered "
        f"elastane inlay {blend['inlay_dtex']:g} dtex, ground {blend.get('ground_dtex', 78.0):g} "
        f"dtex, {blend['courses_per_cm']:g} courses/cm, {blend['thickness_mm']:g} mm. "
        f"Illustrative (not measured data): curves from Fabric.from_blend, calibrated so that "
        f"{cal['strain_min']:.0%}-{cal['strain_max']:.0%} course strain on a "
        f"{PRESET_ANKLE_CIRCUMFERENCE_M * 100:g} cm ankle gives {cal['mmhg_min']:g}-"
        f"{cal['mmhg_max']:g} mmHg on the unloading branch (Laplace, p = T / r). Stiffness of "
        f"its kind ({st['kind']}) from: {'; '.join(st['sources'])}."
    )


def _preset(name: str, entry: dict[str, Any]) -> Fabric:
    cal, st = entry["calibration"], entry["stiffness"]
    provenance = (
        ("preset", name),
        ("calibrated_to", "illustrative: RAL-GZ 387 pressure window at a 22 cm ankle"),
        ("calibration_circumference_m", PRESET_ANKLE_CIRCUMFERENCE_M),
        ("calibration_strain_min", cal["strain_min"]),
        ("calibration_strain_max", cal["strain_max"]),
        ("calibration_mmhg_min", cal["mmhg_min"]),
        ("calibration_mmhg_max", cal["mmhg_max"]),
        ("stiffness_kind", st["kind"]),
        ("stiffness_sources", " | ".join(st["sources"])),
    )
    return Fabric.from_blend(
        **entry["blend"], name=name, description=_description(name, entry), provenance=provenance
    )


@cache
def _build() -> tuple[tuple[str, Fabric], ...]:
    return tuple((name, _preset(name, e)) for name, e in preset_table()["presets"].items())


class FabricLibrary(dict):
    """The preset dict: names are looked up ignoring case and extra spaces.

    An unknown name raises :class:`~stockingsim.errors.FabricError` listing the presets.
    """

    def __missing__(self, name: Any) -> Fabric:
        wanted = _folded(name)
        for key, fabric in self.items():
            if _folded(key) == wanted:
                return fabric
        raise errors.FabricError(
            f"unknown fabric preset {name!r}.{did_you_mean(name, self)} The presets are: "
            f"{', '.join(repr(k) for k in self)}. Or make one with ss.Fabric.from_blend(...), "
            "ss.Fabric.from_tensile_test(...) or ss.Fabric.linear(...)."
        )


def _folded(name: Any) -> str:
    return " ".join(str(name).split()).casefold()


def did_you_mean(name: Any, names: Any) -> str:
    """`` Did you mean 'x'?`` for the presets ``name`` is a part or a near miss of, or ``""``.

    A part: every word of ``name`` is in the preset's name ("microfibre", "flat-knit", "class
    iii"); a near miss: difflib's closest names ("cotton rich", "circular clas II").
    """
    import difflib

    names = list(names)
    folded = {_folded(n): n for n in names}
    words = _folded(name).replace("-", " ").split()
    if not words:
        return ""
    part = [n for f, n in folded.items() if all(w in f.replace("-", " ").split() for w in words)]
    close = difflib.get_close_matches(_folded(name), list(folded), n=2, cutoff=0.6)
    hits = part or [folded[c] for c in close]
    if not hits:
        return ""
    return " Did you mean " + " or ".join(repr(h) for h in hits[:3]) + "?"


def fabric_library() -> dict[str, Fabric]:
    """Named preset fabrics spanning the hosiery classes and blend families.

    Every preset is an illustrative :meth:`Fabric.from_blend` fabric (not measured data) read
    from ``stockingsim/data/fabric_presets.json``; its :attr:`~Fabric.description` states its
    composition, knit, calibration claim, e.g. "30 %-60 % course strain on a 22 cm ankle gives
    23-32 mmHg" (unloading branch, Laplace ``p = T / r``, 1 mmHg = 133.322 Pa), and the
    published stiffness of its kind of knit with the sources. The claim is also in
    ``fabric.info`` (``calibration_strain_min/max``, ``calibration_mmhg_min/max``,
    ``calibration_circumference_m``, ``stiffness_kind``, ``stiffness_sources``).

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


def preset_named(name: str, where: str) -> Fabric:
    """The preset called ``name``, or FabricError from ``where`` naming the presets."""
    library = fabric_library()
    try:
        return library[name]  # ignoring case and extra spaces
    except errors.FabricError:
        raise errors.FabricError(
            f"{where}: unknown fabric {name!r}.{did_you_mean(name, library)} Choose one of "
            f"{', '.join(sorted(library))} (stockingsim.fabric_library()) or pass a Fabric."
        ) from None


def preset_pressure_mmhg(fabric: Fabric, strain: float) -> float:
    """Laplace pressure (mmHg) of ``fabric``'s unloading course curve on the reference ankle."""
    radius = PRESET_ANKLE_CIRCUMFERENCE_M / (2 * math.pi)
    return float(fabric.tension(strain)) / radius / PA_PER_MMHG


def identify_inlay_dtex(name: str) -> float:
    """The inlay dtex that puts preset ``name`` in its claimed window (the identification rule).

    Root find (Brent) of the inlay dtex at which the geometric mean of the unloading course
    pressures at the two ends of the calibration strain window equals the geometric mean of the
    claimed pressure window, rounded to 5 dtex; the data file stores this value.
    """
    from scipy.optimize import brentq

    entry = preset_table()["presets"][name]
    cal = entry["calibration"]
    target = math.sqrt(cal["mmhg_min"] * cal["mmhg_max"])

    def gap(dtex: float) -> float:
        fabric = Fabric.from_blend(**{**entry["blend"], "inlay_dtex": dtex})
        p0 = preset_pressure_mmhg(fabric, cal["strain_min"])
        p1 = preset_pressure_mmhg(fabric, cal["strain_max"])
        return math.sqrt(p0 * p1) - target

    return 5.0 * round(brentq(gap, 40.0, 3000.0, xtol=0.01) / 5.0)
