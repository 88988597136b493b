"""The class tables of the hosiery standards: names, ranges, classification and targets.

The tables are data (``stockingsim/data/standards.json``, with the source of every number); see
:mod:`stockingsim.standards` for the tables themselves and their references.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors
from stockingsim.standards._profile import pressure_at_b
from stockingsim.vocabulary import DEFAULT_STANDARD, LANDMARKS

#: Measuring points from the ankle upward (:data:`stockingsim.vocabulary.LANDMARKS`).
LANDMARK_ORDER: tuple[str, ...] = LANDMARKS
_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "0": "A"}


def _freeze(obj: Any) -> Any:
    if isinstance(obj, dict):
        return MappingProxyType({k: _freeze(v) for k, v in obj.items()})
    if isinstance(obj, list):
        return tuple(_freeze(v) for v in obj)
    return obj


@cache
def _data() -> Mapping[str, Any]:
    text = resources.files("stockingsim").joinpath("data/standards.json").read_text("utf-8")
    return _freeze(json.loads(text))


#: Ankle class tables, keyed by canonical standard name (read-only mappings loaded from
#: ``stockingsim/data/standards.json``): ``title``, ``aliases``, ``source``, ``classes``
#: (``{class: {"lo", "hi", "lo_open", "hi_open"}}``, ``hi`` None when open-ended), ``gradient``.
STANDARDS: Mapping[str, Any] = _data()["standards"]
#: Gradient rule sets (``monotone``, ``rules`` with ``confirmed`` and ``source``, ``default_profile``).
GRADIENTS: Mapping[str, Any] = _data()["gradients"]


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", str(name).strip().upper().replace("_", " "))


@cache
def _alias_map() -> dict[str, str]:
    out: dict[str, str] = {}
    for key, table in STANDARDS.items():
        out[_norm(key)] = key
        for alias in table["aliases"]:
            out[_norm(alias)] = key
    return out


def canonical_standard(standard: str) -> str:
    """Canonical name of a standard given by any of its aliases.

    Parameters
    ----------
    standard : str
        ``"RAL"``, ``"RAL-GZ 387"``, ``"RAL-GZ 387/1"``, ``"ENV 12718"``, ``"AFNOR"``, ``"UK"``,
        ``"BS 6612"``, ``"US"``, ... (case-insensitive).

    Returns
    -------
    str
        The key in :data:`STANDARDS`.

    Raises
    ------
    stockingsim.errors.StandardError
        Unknown standard.

    Examples
    --------
    >>> canonical_standard("ral")
    'RAL-GZ 387/1'
    >>> canonical_standard("UK")
    'BS 6612'
    """
    if not isinstance(standard, str):
        raise errors.StandardError(
            f"standard must be a string such as 'RAL-GZ 387', got {type(standard).__name__}"
        )
    key = _alias_map().get(_norm(standard))
    if key is None:
        known = ", ".join(sorted({a for t in STANDARDS.values() for a in t["aliases"][:2]}))
        raise errors.StandardError(
            f"unknown standard {standard!r}. Use one of: {known} "
            f"(see stockingsim.standards.STANDARDS)"
        )
    return key


def class_names(standard: str = DEFAULT_STANDARD) -> tuple[str, ...]:
    """Class names of a standard, lowest pressure first (e.g. ``('I', 'II', 'III', 'IV')``)."""
    return tuple(STANDARDS[canonical_standard(standard)]["classes"])


def _canonical_class(standard_key: str, cls: Any) -> str:
    raw = _norm(str(cls))
    raw = re.sub(r"^(COMPRESSION )?(CLASS|CCL|KKL|KL|K)\.? ?", "", raw).strip()
    raw = _ROMAN.get(raw, raw)
    classes = STANDARDS[standard_key]["classes"]
    if raw in classes:
        return raw
    # a US-style range label such as "15-20" or "15-20 mmHg"
    m = re.fullmatch(r"(\d+(?:\.\d+)?) ?- ?(\d+(?:\.\d+)?)( ?MMHG)?", raw)
    if m:
        lo, hi = float(m.group(1)), float(m.group(2))
        for name, c in classes.items():
            if c["lo"] == lo and c["hi"] == hi:
                return name
    raise errors.StandardError(
        f"unknown class {cls!r} for {standard_key}; its classes are {', '.join(classes)} "
        f"(write a target as 'STANDARD:CLASS', e.g. '{standard_key}:{next(iter(classes))}')"
    )


def class_range(standard: str, cls: str) -> tuple[float, float]:
    """Pressure range of a class at B in mmHg.

    Parameters
    ----------
    standard : str
        Standard name or alias.
    cls : str
        Class name (``"II"``, ``"2"``, ``"class II"``, ``"CCL2"``; ``"15-20"`` for US ranges).

    Returns
    -------
    (lo, hi) : tuple of float
        mmHg; ``hi`` is ``inf`` for an open-ended class. Whether an end point belongs to the class
        is given by ``STANDARDS[standard]["classes"][cls]`` (``lo_open``/``hi_open``).

    Examples
    --------
    >>> class_range("RAL", "II")
    (23.0, 32.0)
    >>> class_range("RAL-GZ 387", "IV")
    (49.0, inf)
    """
    key = canonical_standard(standard)
    c = STANDARDS[key]["classes"][_canonical_class(key, cls)]
    return float(c["lo"]), (math.inf if c["hi"] is None else float(c["hi"]))


def design_pressure(standard: str, cls: str) -> float:
    """Design pressure at B for a class: mid-range, or lower bound + margin when open-ended.

    The margin for open-ended classes (5 mmHg) is an assumption stored in the data file.

    Examples
    --------
    >>> design_pressure("RAL", "II")
    27.5
    >>> design_pressure("RAL", "IV")
    54.0
    """
    lo, hi = class_range(standard, cls)
    if math.isinf(hi):
        return lo + float(_data()["open_class_design_margin_mmhg"]["value"])
    return 0.5 * (lo + hi)


def _in_class(p: float, c: Mapping[str, Any]) -> bool:
    lo, hi = float(c["lo"]), c["hi"]
    ok_lo = p > lo if c.get("lo_open", False) else p >= lo
    if hi is None:
        return ok_lo
    ok_hi = p < hi if c.get("hi_open", False) else p <= hi
    return ok_lo and ok_hi


def classify(pressure_mmhg: Any, standard: str = DEFAULT_STANDARD) -> Any:
    """Compression class of an ankle (B) pressure.

    Parameters
    ----------
    pressure_mmhg : float, array_like, PressureResult or profile DataFrame
        Pressure at B in mmHg; for a result or a profile, its value at B is used.
    standard : str
        Standard name or alias (see :func:`canonical_standard`).

    Returns
    -------
    str or None
        ``"A"``, ``"I"``, ``"II"``, ``"III"`` or ``"IV"``; ``None`` outside every class (between
        two classes, below the lowest, above a closed top class, or NaN). For an array, an object
        array of the same shape.

    Examples
    --------
    >>> classify(25.0)
    'II'
    >>> classify(22.0, "RAL") is None
    True
    >>> classify(60.0, "RAL")
    'IV'
    >>> classify(17.5, "US")
    'I'
    """
    key = canonical_standard(standard)
    classes = STANDARDS[key]["classes"]
    value = pressure_at_b(pressure_mmhg)

    def one(p: float) -> str | None:
        if p is None or not np.isfinite(p):
            return None
        for name, c in classes.items():
            if _in_class(float(p), c):
                return name
        return None

    try:
        if np.ndim(value) == 0:
            return one(float(value))
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise errors.StandardError(
            f"pressure must be a number (or numbers) in mmHg, got {value!r}; convert text to "
            "numbers first (for example pandas.to_numeric)"
        ) from exc
    out = np.empty(arr.shape, dtype=object)
    flat = out.reshape(-1)
    for i, p in enumerate(arr.reshape(-1)):
        flat[i] = one(p)
    return out


def split_target(target: Any, default_standard: str = DEFAULT_STANDARD) -> tuple[str, str | None]:
    """The standard and the class of a design target, as written (not checked).

    The one place where ``"STANDARD:CLASS"`` is taken apart; :func:`parse_target` checks and
    canonicalizes the parts.

    Parameters
    ----------
    target : str or object
        ``"STANDARD:CLASS"`` (``"RAL-GZ 387:II"``), a standard followed by its class
        (``"RAL-GZ 387 class II"``, ``"UK class 2"``), a class alone (``"II"``, the
        default standard), or anything else (explicit pressures, a mapping): no class.
    default_standard : str
        The standard of a target that names none.

    Returns
    -------
    (standard, class) : tuple of str and str or None
        Stripped text; ``class`` is None for a target that is not a string.

    Examples
    --------
    >>> split_target("RAL-GZ 387:II")
    ('RAL-GZ 387', 'II')
    >>> split_target({"B": 30.0})
    ('RAL-GZ 387', None)
    """
    if not isinstance(target, str):
        return default_standard, None
    if ":" in target:
        std, cls = target.rsplit(":", 1)
        return std.strip(), cls.strip()
    named = _named_standard(target)
    if named is not None:
        return named
    return default_standard, target.strip()


def _named_standard(target: str) -> tuple[str, str] | None:
    """``"RAL-GZ 387 class II"`` -> ``("RAL-GZ 387", "CLASS II")``: the longest alias in front."""
    norm = _norm(target)
    for alias in sorted(_alias_map(), key=len, reverse=True):
        if norm.startswith(alias + " "):
            return alias, norm[len(alias) :].strip()
    return None


def parse_target(target: str, default_standard: str = DEFAULT_STANDARD) -> tuple[str, str]:
    """Split a ``"STANDARD:CLASS"`` target into canonical standard and class names.

    Examples
    --------
    >>> parse_target("RAL-GZ 387:II")
    ('RAL-GZ 387/1', 'II')
    >>> parse_target("US:15-20")
    ('US', 'I')
    >>> parse_target("class 3")
    ('RAL-GZ 387/1', 'III')
    """
    if not isinstance(target, str) or not target.strip():
        raise errors.StandardError(
            f"a class target is a string 'STANDARD:CLASS' such as 'RAL-GZ 387:II', got {target!r}"
        )
    std, cls = split_target(target, default_standard)
    key = canonical_standard(std)
    return key, _canonical_class(key, cls)


def standards_table() -> pd.DataFrame:
    """All class tables side by side (text ranges, as printed in the standards) with sources.

    Examples
    --------
    >>> standards_table().loc["RAL-GZ 387/1", "II"]
    '23-32'
    """
    rows = {}
    for key, table in STANDARDS.items():
        row = {}
        for cls in ("A", "I", "II", "III", "IV"):
            c = table["classes"].get(cls)
            if c is None:
                row[cls] = "-"
            elif c.get("label"):
                row[cls] = c["label"]  # as printed in the standard
            elif c["hi"] is None:
                row[cls] = f"{'>' if c.get('lo_open') else '>='} {c['lo']:g}"
            else:
                row[cls] = f"{c['lo']:g}-{c['hi']:g}"
        row["source"] = table["source"]
        rows[key] = row
    df = pd.DataFrame.from_dict(rows, orient="index")
    df.index.name = "standard"
    return df
