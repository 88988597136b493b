"""A patient's RAL measuring-sheet measurements: checks, and the leg built from them.

Girths ``c<point>`` and lengths ``l<point>`` (height of the point above the floor) are in cm, as
on the measuring sheet of a made-to-measure order (RAL-GZ 387/1 measuring points K, B, B1, C, D,
E, F, G; cY is the heel-instep girth).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim._checks import row_as_mapping
from stockingsim._numbers import as_number
from stockingsim.standards import LANDMARK_ORDER

GIRTHS = ("cK", "cB", "cB1", "cC", "cD", "cE", "cF", "cG", "cY")
LENGTHS = ("lK", "lB", "lB1", "lC", "lD", "lE", "lF", "lG")
_NAMES = {
    "K": "malleoli",
    "B": "ankle",
    "B1": "Achilles-calf transition",
    "C": "calf",
    "D": "below the knee",
    "E": "knee",
    "F": "mid-thigh",
    "G": "upper thigh",
    "Y": "heel-instep",
}
#: Plausible ranges (cm) of girths and lengths of an adult leg, used only to catch unit
#: mistakes (a value in mm or m); wide on purpose (assumption).
GIRTH_RANGE_CM = (8.0, 120.0)
LENGTH_RANGE_CM = (1.0, 130.0)


def _point(key: str) -> str:
    return key[1:]


def _unit_hint(key: str, value: float, lo: float, hi: float) -> str:
    if value > hi:
        return (
            f"{key}={value:g} is too large for centimetres; it looks like millimetres: give "
            f"{value / 10:g} (cm)."
        )
    return (
        f"{key}={value:g} is too small for centimetres; it looks like metres: give "
        f"{value * 100:g} (cm)."
    )


#: what a measurement may be, for the message when it is none of these
_FORMS = "Give girths and lengths in cm, or with their unit ('22 cm', '220 mm', '8.7 in')."


def check_measurements(measurements: Any, required: tuple[str, ...] = ()) -> dict[str, float]:
    """Validate RAL measuring-sheet measurements (cm) and return them as floats.

    Parameters
    ----------
    measurements : mapping of str to float, or pandas.Series
        Girths ``cK, cB, cB1, cC, cD, cE, cF, cG, cY`` and lengths ``lK ... lG`` in cm. A
        Series is a row of a table of patients: its empty cells (NaN) are points not measured.
    required : tuple of str
        Entries the product's size chart needs (e.g. ``("cB", "cC", "cD", "lD")``).

    Returns
    -------
    dict of str to float

    Raises
    ------
    stockingsim.errors.MeasurementError
        Not a mapping, unknown names, values that are not positive numbers, values in mm or m
        instead of cm, required points missing, a calf (cC) not larger than the ankle (cB), or
        lengths that do not increase up the leg.
    """
    measurements = row_as_mapping(measurements)
    if not isinstance(measurements, Mapping):
        raise errors.MeasurementError(
            "measurements must be a mapping such as {'cB': 22, 'cC': 36, 'cD': 33, 'lD': 42} "
            f"(girths and lengths in cm), got {type(measurements).__name__}."
        )
    out: dict[str, float] = {}
    for key, value in measurements.items():
        key = str(key)
        if key not in GIRTHS + LENGTHS:
            near = [k for k in GIRTHS + LENGTHS if k.lower() == key.lower()]
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise errors.MeasurementError(
                f"unknown measurement {key!r}.{hint} Use girths {', '.join(GIRTHS)} and lengths "
                f"{', '.join(LENGTHS)} (cm, RAL measuring sheet)."
            )
        # "22 cm", "220 mm" or "8.7 in" too, as the tape reads
        x = as_number(value, key, errors.MeasurementError, unit="cm", hint=_FORMS)
        if not np.isfinite(x) or x <= 0:
            raise errors.MeasurementError(f"{key}={value!r} must be a positive length in cm.")
        lo, hi = GIRTH_RANGE_CM if key.startswith("c") else LENGTH_RANGE_CM
        if not lo <= x <= hi:
            raise errors.MeasurementError(_unit_hint(key, x, lo, hi))
        out[key] = x
    missing = [k for k in required if k not in out]
    if missing:
        names = ", ".join(f"{k} ({_NAMES[_point(k)]})" for k in missing)
        raise errors.MeasurementError(
            f"missing measurement(s) {names}: the size chart needs {', '.join(required)}. "
            "Measure them on the RAL measuring sheet (girths and heights from the floor, cm)."
        )
    _check_order(out)
    return out


def _check_order(m: Mapping[str, float]) -> None:
    if "cB" in m and "cC" in m and m["cC"] <= m["cB"]:
        raise errors.MeasurementError(
            f"cC={m['cC']:g} cm (calf) is not larger than cB={m['cB']:g} cm (ankle): the calf is "
            "the largest girth of the lower leg and the ankle the smallest. Are the two swapped?"
        )
    for lower, upper in (("cB", "cB1"), ("cB1", "cC"), ("cD", "cC")):
        if lower in m and upper in m and m[upper] <= m[lower]:
            raise errors.MeasurementError(
                f"{upper}={m[upper]:g} cm must be larger than {lower}={m[lower]:g} cm "
                f"({_NAMES[_point(upper)]} vs {_NAMES[_point(lower)]}); check the measurements."
            )
    heights = [(k, m[k]) for k in LENGTHS if k in m]
    for (k0, h0), (k1, h1) in zip(heights, heights[1:]):
        if h1 <= h0:
            raise errors.MeasurementError(
                f"lengths must increase up the leg: {k1}={h1:g} cm is not above {k0}={h0:g} cm "
                "(each length is the height of the point above the floor)."
            )


def measurements_from_leg(leg: Any, digits: int = 1) -> dict[str, float]:
    """The RAL measurements (cm) of a leg: hull girth and height of every landmark it has.

    A tape measure pulled round the leg follows the convex hull (it bridges the hollows beside
    the Achilles tendon), so the girths are the hull circumferences at the landmarks.

    Parameters
    ----------
    leg : Leg
        A scanned or parametric leg.
    digits : int
        Decimals kept (1: a tape reads to 1 mm).

    Returns
    -------
    dict of str to float
        ``{"cB": ..., "lB": ..., "cC": ..., ...}`` for the landmarks the leg reaches.

    Examples
    --------
    >>> import stockingsim as ss
    >>> m = ss.measurements_from_leg(ss.parametric_leg({"cB": 22, "cC": 36, "cD": 33}))
    >>> m["cB"], m["cC"], m["lB"]
    (22.0, 36.0, 10.0)
    """
    from stockingsim._checks import require_leg

    require_leg(leg, "measurements_from_leg()", errors.MeasurementError)
    out: dict[str, float] = {}
    lms = leg.landmarks
    for lm in LANDMARK_ORDER:
        if lm in lms:
            out["c" + lm] = round(100.0 * float(lms[lm].circumference_m), digits)
            out["l" + lm] = round(100.0 * float(lms[lm].height_m), digits)
    return out


def leg_from_measurements(
    measurements: Mapping[str, float],
    *,
    n_theta: int = 48,
    step_m: float = 0.01,
    name: str | None = None,
) -> Any:
    """A parametric leg through every measured point (girth at its height).

    Girths that are not measured are filled by :func:`stockingsim.leg.complete_chart` (typical
    ratios, an assumption); the landmarks are placed at the measured (or default) heights, so the
    hull girth at each landmark is the measured one. A chart with cG but no cD (a thigh-high
    sheet) gets cD = cG / 1.70, the ratio ``complete_chart`` uses the other way round.

    Returns
    -------
    Leg
    """
    from stockingsim.leg import parametric_leg
    from stockingsim.leg._parametric import _UPPERTHIGH_OVER_D, complete_chart

    chart = {k: v for k, v in measurements.items() if k in GIRTHS + LENGTHS}
    if "cD" not in chart and "cG" in chart:
        chart["cD"] = min(chart["cG"] / _UPPERTHIGH_OVER_D, 0.97 * chart["cC"])
    try:
        completed = complete_chart(chart)
        leg = parametric_leg(completed_dict(completed), n_theta=n_theta, step_m=step_m, name=name)
    except errors.LandmarkError as exc:
        raise errors.MeasurementError(f"these measurements do not make a leg: {exc}") from exc
    heights = {lm: completed.heights_m[lm] for lm in LANDMARK_ORDER}
    return leg.with_landmarks(heights)


def completed_dict(completed: Any) -> dict[str, float]:
    """A completed :class:`~stockingsim.leg.LegChart` back as a cm chart mapping."""
    out = {"c" + k: 100.0 * v for k, v in completed.girths_m.items()}
    out.update({"l" + k: 100.0 * v for k, v in completed.heights_m.items()})
    out["cY"] = 100.0 * completed.heel_instep_m
    return out
