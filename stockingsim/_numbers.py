"""Numbers a person types: one check for type, sign, range and the likely unit mistake.

The bottom layer (it imports only :mod:`stockingsim.errors`), so that legs, fabrics and every
other package can check their numbers with it.
"""

from __future__ import annotations

import math
import re
from typing import Any

# --- numbers a person types -------------------------------------------------------------------
#: Plausible ranges of the quantities people type, in the unit each is asked in, and what a
#: value outside them most likely is. (low, high, [(test, likely mistake), ...]); the tests are
#: applied in order to a value outside [low, high]. Ranges are assumptions: wide enough for any
#: adult or child leg and any knit (ankle 12 cm .. thigh 100 cm; strain up to 400 %; pressures up
#: to 100 mmHg).
PLAUSIBLE: dict[str, tuple[float, float, tuple[tuple[Any, str], ...]]] = {
    "girth_m": (
        0.03,
        1.5,
        (
            (lambda x: x > 150, "millimetres (220 mm is 0.22 m)"),
            (lambda x: x > 1.5, "centimetres (22 cm is 0.22 m)"),
        ),
    ),
    "girth_cm": (
        3.0,
        150.0,
        (
            (lambda x: x > 150, "millimetres (220 mm is 22 cm)"),
            (lambda x: x < 3.0, "metres (0.22 m is 22 cm)"),
        ),
    ),
    "length_cm": (
        0.5,
        150.0,
        (
            (lambda x: x > 150, "millimetres (100 mm is 10 cm)"),
            (lambda x: x < 0.5, "metres (0.1 m is 10 cm)"),
        ),
    ),
    "strain": (0.0, 4.0, ((lambda x: x > 4.0, "percent (40 % is a strain of 0.4)"),)),
    "pressure_mmhg": (
        0.0,
        100.0,
        ((lambda x: x > 100, "pascals (3300 Pa is 24.8 mmHg)"),),
    ),
}
#: pressures (mmHg) below this look like kPa (class I starts at 15-18 mmHg = 2.0-2.4 kPa)
KPA_LOOKALIKE_MMHG = 8.0
#: heights within this of a band's or a layer's end are on it (1 nm: far below any mesh
#: spacing, far above rounding; a leg's frame from another BLAS kernel moves a section at
#: 0.3 m to 0.29999999999999993 m)
HEIGHT_TOL_M = 1e-9


#: lengths: metres per unit. The first name of each scale is its short name; the others are
#: other spellings of it. Numbers written with a unit, mesh units and girth changes all read
#: this one table
LENGTH_UNITS_M: dict[str, float] = {
    "m": 1.0,
    "metres": 1.0,
    "meters": 1.0,
    "cm": 0.01,
    "mm": 0.001,
    # a tape in inches (exactly 25.4 mm)
    "in": 0.0254,
    "inch": 0.0254,
    "inches": 0.0254,
}
#: units a number may be written with, as text ("22 cm", "3.2 kPa"): each family in its SI unit
_UNITS: tuple[dict[str, float], ...] = (
    LENGTH_UNITS_M,
    {"mmhg": 101325.0 / 760.0, "kpa": 1000.0, "hpa": 100.0, "pa": 1.0},
)


def length_unit(name: object) -> str | None:
    """The short name of a length unit ("inches" -> "in", "CM" -> "cm"), None if unknown."""
    if not isinstance(name, str):
        return None
    scale = LENGTH_UNITS_M.get(name.strip().lower())
    return None if scale is None else next(u for u, s in LENGTH_UNITS_M.items() if s == scale)


_NUMBER_WITH_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]+)\s*$")


def _text_in_unit(text: str, unit: str) -> tuple[float | None, str]:
    """``text`` such as "22 cm" or "3.2 kPa" in ``unit``, or None if it has no known unit.

    The second item says what went wrong when the text's unit is of another kind.
    """
    match = _NUMBER_WITH_UNIT.match(text)
    if match is None:
        return None, ""
    number, given = float(match.group(1)), match.group(2).lower()
    for family in _UNITS:
        if given in family:
            if unit.lower() not in family:
                return None, f" ({match.group(2)} is not a unit of {unit or 'this number'})"
            return number * family[given] / family[unit.lower()], ""
    return None, ""


def unit_mistake(value: float, kind: str) -> str | None:
    """The likely unit mistake behind ``value`` asked as ``kind`` (see :data:`PLAUSIBLE`)."""
    low, high, tests = PLAUSIBLE[kind]
    if low <= value <= high:
        return None
    for test, mistake in tests:
        if test(value):
            return mistake
    return None


def as_number(
    value: Any,
    name: str,
    error: type[Exception],
    *,
    positive: bool = False,
    nonnegative: bool = False,
    low: float | None = None,
    high: float | None = None,
    unit: str = "",
    kind: str | None = None,
    hint: str = "",
) -> float:
    """``value`` as a finite float, or ``error`` with a message that says what to give.

    Parameters
    ----------
    value : Any
        What the person passed.
    name : str
        How the message names it, e.g. ``"relaxed_circumference_m"`` or ``"--relaxed"``.
    error : type
        The :mod:`stockingsim.errors` class to raise.
    positive, nonnegative : bool
        Require ``> 0`` or ``>= 0``.
    low, high : float, optional
        Inclusive bounds.
    unit : str
        The unit the value is asked in, for the message ("m", "cm", "mmHg").
    kind : str, optional
        A quantity of :data:`PLAUSIBLE` ("girth_m", "girth_cm", "length_cm", "strain",
        "pressure_mmhg"): a value outside its plausible range raises, naming the likely unit
        mistake (mm, cm, m, %, Pa).
    hint : str
        What to do, appended to every message (e.g. an example).

    Returns
    -------
    float

    Examples
    --------
    >>> from stockingsim import errors
    >>> as_number("0.2", "girth", errors.StockingError, positive=True, unit="m", kind="girth_m")
    0.2
    >>> as_number(220, "girth", errors.StockingError, unit="m", kind="girth_m")
    Traceback (most recent call last):
    ...
    stockingsim.errors.StockingError: girth = 220 m is not plausible; did you give millimetres (220 mm is 0.22 m)?
    """
    tail = f" {hint}" if hint else ""
    in_unit = f" in {unit}" if unit else ""
    if isinstance(value, bool):
        raise error(f"{name} must be a number{in_unit}, got {value!r}.{tail}")
    try:
        x = float(value)
    except (TypeError, ValueError):
        x, why = _text_in_unit(value, unit) if isinstance(value, str) else (None, "")
        if x is None:  # not "22 cm" (or "3.2 kPa" for mmHg) either
            raise error(f"{name} must be a number{in_unit}, got {value!r}{why}.{tail}") from None
    if not math.isfinite(x):
        what = "a positive, finite" if positive else "a finite"
        raise error(f"{name} must be {what} number{in_unit}, got {value!r}.{tail}")
    sym = f" {unit}" if unit else ""
    if positive and x <= 0:
        raise error(f"{name} must be positive (> 0{sym}), got {x:g}.{tail}")
    if nonnegative and x < 0:
        raise error(f"{name} must not be negative (>= 0{sym}), got {x:g}.{tail}")
    if (low is not None and x < low) or (high is not None and x > high):
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise error(f"{name} must be in [{lo}, {hi}]{sym}, got {x:g}.{tail}")
    if kind is not None:
        mistake = unit_mistake(x, kind)
        if mistake is not None:
            raise error(f"{name} = {x:g}{sym} is not plausible; did you give {mistake}?{tail}")
    return x


def friction_coefficient(
    value: Any,
    default: float,
    error: type[Exception],
    what: str,
    example: str,
    *,
    high: float = 3.0,
    allow_inf: bool = False,
) -> float:
    """A Coulomb friction coefficient: None -> ``default``; else a number in [0, ``high``].

    ``allow_inf`` accepts ``math.inf`` (bonded surfaces). ``what`` names the argument in the
    message (e.g. ``"friction"``), ``example`` says what typical values are.
    """
    if value is None:
        return default
    try:
        mu = float(value)
    except (TypeError, ValueError) as exc:
        raise error(
            f"{what}={value!r} must be a Coulomb coefficient (a number; {example})."
        ) from exc
    if allow_inf and mu == math.inf:
        return mu
    if not math.isfinite(mu) or not 0.0 <= mu <= high:
        raise error(
            f"{what}={value!r} is not a plausible Coulomb coefficient; give a number in "
            f"[0, {high:g}] ({example})."
        )
    return mu
