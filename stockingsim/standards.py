"""Compression classes and pressure-gradient rules of the hosiery standards.

The tables are data, not code: they live in ``stockingsim/data/standards.json`` with the source of
every number, and are exposed read-only as :data:`STANDARDS` (ankle classes) and
:data:`GRADIENTS` (gradient rules). Five tables are known:

========================  =====  =====  =========  =========  =====
standard                  A      I      II         III        IV
========================  =====  =====  =========  =========  =====
RAL-GZ 387/1 (Germany)    -      18-21  23-32      34-46      >= 49
ENV 12718 (Europe)        10-14  15-21  23-32      34-46      >= 49
AFNOR NF G30-102          -      10-15  15.1-20    20.1-36    > 36
BS 6612 / UK Drug Tariff  -      14-17  18-24      25-35      -
US market (no standard)   8-15   15-20  20-30      30-40      40-50
========================  =====  =====  =========  =========  =====

Pressures between two classes (22 mmHg under RAL) belong to no class: :func:`classify` returns
``None`` and never rounds.

Gradient rules (:func:`gradient_rules`) come in two kinds, labelled in every table:

* *confirmed* RAL-GZ 387/1 rules: pressure falls continuously upward, at most 70 % of B below the
  knee (C, D), at most 40 % of B at the thigh (F, G);
* *unconfirmed* per-point ranges that are often quoted but could not be checked against the
  standard's text: B1 70-100 %, C 50-80 %, G 20-40 % of B.

Every range is a parameter: pass ``ranges={"C": (0.5, 0.7)}`` to :func:`check_gradient` to use
your own. The other standards use the RAL gradient rules by default (an assumption, stated in the
data file).

References
----------
RAL-GZ 387/1:2008 Medical compression hosiery, quality assurance. RAL, Germany.
ENV 12718:2001 Medical compression hosiery (withdrawn); CEN/TR 15831:2009 test method.
AFNOR NF G30-102 Articles de bonneterie, determination de la pression de contention.
BS 6612:1985 Specification for graduated compression hosiery; UK Drug Tariff Part IXA.
Lim C.S., Davies A.H. (2014) Graduated compression stockings. CMAJ 186(10):E391-E398,
doi:10.1503/cmaj.131281 (table of national classes).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors
from stockingsim.vocabulary import DEFAULT_STANDARD, LANDMARKS

__all__ = [
    "STANDARDS",
    "GRADIENTS",
    "LANDMARK_ORDER",
    "canonical_standard",
    "class_names",
    "class_range",
    "classify",
    "design_pressure",
    "parse_target",
    "split_target",
    "GradientVerdict",
    "gradient_verdict",
    "gradient_rules",
    "default_fractions",
    "check_gradient",
    "find_reversals",
    "gradient_reversals",
    "standards_table",
]

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
        f"unknown class {cls!r} for {standard_key}; its classes are {', '.join(classes)}"
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


def _pressure_at_b(obj: Any) -> Any:
    profile = (
        _profile_frame(obj) if hasattr(obj, "profile") or isinstance(obj, pd.DataFrame) else None
    )
    if profile is None:
        return obj
    if "B" not in profile.index:
        raise errors.StandardError(
            "classification needs the pressure at landmark B (the ankle), which this profile "
            "does not have; give the leg a B landmark (Leg.with_landmarks) or pass the pressure"
        )
    return float(profile.loc["B", "pressure_mmhg"])


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
    value = _pressure_at_b(pressure_mmhg)

    def one(p: float) -> str | None:
        if p is None or not np.isfinite(p):
            return None
        for name, c in classes.items():
            if _in_class(float(p), c):
                return name
        return None

    if np.ndim(value) == 0:
        try:
            return one(float(value))
        except (TypeError, ValueError) as exc:
            raise errors.StandardError(f"pressure must be a number in mmHg, got {value!r}") from exc
    arr = np.asarray(value, dtype=float)
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
        ``"STANDARD:CLASS"`` (``"RAL-GZ 387:II"``), a class alone (``"II"``, the default
        standard), or anything else (explicit pressures, a mapping): no class.
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
    return default_standard, target.strip()


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


def _gradient_set(standard: str) -> Mapping[str, Any]:
    return GRADIENTS[STANDARDS[canonical_standard(standard)]["gradient"]]


def gradient_rules(
    standard: str = DEFAULT_STANDARD,
    include_unconfirmed: bool = True,
    ranges: Mapping[str, tuple[float | None, float | None]] | None = None,
) -> pd.DataFrame:
    """Allowed pressure at each landmark as a fraction of the pressure at B.

    Parameters
    ----------
    standard : str
        Standard name or alias.
    include_unconfirmed : bool
        Also apply the often-quoted per-point ranges that could not be confirmed from the
        standard's text (B1 70-100 %, C 50-80 %, G 20-40 % under RAL). Rules at one landmark are
        intersected.
    ranges : mapping, optional
        ``{landmark: (min_fraction, max_fraction)}`` replacing the rules at those landmarks
        (``None`` = no bound), e.g. ``{"C": (0.5, 0.7)}``.

    Returns
    -------
    pandas.DataFrame
        Index ``B, B1, C, D, E, F, G``; columns ``min_fraction``, ``max_fraction`` (NaN = no
        bound), ``confirmed`` (bool, False when an unconfirmed or user range applies), ``rule``
        and ``source`` (text).
    """
    gset = _gradient_set(standard)
    rows = {
        lm: {
            "min_fraction": np.nan,
            "max_fraction": np.nan,
            "confirmed": True,
            "rule": "",
            "source": "",
        }
        for lm in LANDMARK_ORDER
    }
    rows["B"].update(rule="reference (100 %)", max_fraction=1.0, min_fraction=1.0)
    for rule in gset["rules"]:
        if not rule["confirmed"] and not include_unconfirmed:
            continue
        for lm in rule["landmarks"]:
            row = rows[lm]
            if rule["min_fraction"] is not None:
                row["min_fraction"] = np.nanmax([row["min_fraction"], rule["min_fraction"]])
            if rule["max_fraction"] is not None:
                row["max_fraction"] = np.nanmin([row["max_fraction"], rule["max_fraction"]])
            row["confirmed"] = bool(row["confirmed"] and rule["confirmed"])
            tag = "" if rule["confirmed"] else " [unconfirmed]"
            row["rule"] = "; ".join(filter(None, [row["rule"], rule["rule"] + tag]))
            row["source"] = " | ".join(filter(None, [row["source"], rule["source"]]))
    for lm, (lo, hi) in (ranges or {}).items():
        if lm not in rows:
            raise errors.StandardError(
                f"unknown landmark {lm!r} in ranges; use one of {', '.join(LANDMARK_ORDER)}"
            )
        lo_f = np.nan if lo is None else float(lo)
        hi_f = np.nan if hi is None else float(hi)
        if np.isfinite(lo_f) and np.isfinite(hi_f) and lo_f > hi_f:
            raise errors.StandardError(f"range for {lm} has min {lo_f} > max {hi_f}")
        rows[lm].update(
            min_fraction=lo_f,
            max_fraction=hi_f,
            confirmed=False,
            rule=f"user range {lo_f:g}-{hi_f:g} of B",
            source="given by the user",
        )
    df = pd.DataFrame.from_dict(rows, orient="index")
    df.index.name = "landmark"
    return df


def default_fractions(standard: str = DEFAULT_STANDARD) -> dict[str, float]:
    """Default design gradient (fraction of the B pressure per landmark) for class targets.

    Inside every range of :func:`gradient_rules` (confirmed and unconfirmed) and strictly falling;
    a design choice (assumption), not a value of the standard.

    Examples
    --------
    >>> default_fractions()["C"]
    0.65
    """
    return dict(_gradient_set(standard)["default_profile"]["fractions"])


def _profile_frame(result: Any) -> pd.DataFrame:
    """Landmark profile of a PressureResult or a DataFrame, restricted to covered landmarks."""
    if isinstance(result, pd.DataFrame):
        profile = result
        covered = None
    elif hasattr(result, "profile"):
        profile = result.profile
        covered = None
        covered_range = getattr(result, "covered_range_m", None)
        if covered_range is not None and "height_m" in profile.columns:
            bottom, top = covered_range
            h = profile["height_m"].to_numpy(float)
            covered = (h >= bottom - 1e-6) & (h <= top + 1e-6)
    else:
        raise errors.StandardError(
            "expected a PressureResult or a profile DataFrame (index = landmark, column "
            f"'pressure_mmhg'), got {type(result).__name__}"
        )
    if "pressure_mmhg" not in profile.columns:
        raise errors.StandardError(
            "the profile has no 'pressure_mmhg' column; pass PressureResult.profile or a "
            "DataFrame indexed by landmark with a 'pressure_mmhg' column"
        )
    keep = profile["pressure_mmhg"].notna().to_numpy()
    if covered is not None:
        keep = keep & covered
    out = profile.loc[keep]
    order = [lm for lm in LANDMARK_ORDER if lm in out.index]
    return out.loc[order]


def gradient_reversals(
    heights_m: Any, pressure_mmhg: Any, *, tol_mmhg: float = 0.5, labels: Any = None
) -> pd.DataFrame:
    """Where a pressure profile rises going up the leg (a reversed gradient).

    A reversal is a run of consecutive rises (from one height to the next one up) whose total
    rise exceeds ``tol_mmhg``: a tourniquet above a fold, a tight band, a rolled top.
    Heights are sorted first; NaN pressures (outside the stocking) are skipped.

    Parameters
    ----------
    heights_m, pressure_mmhg : array_like of shape (K,)
        A profile (landmarks or a section grid).
    tol_mmhg : float
        Smallest total rise reported, mmHg (default 0.5).
    labels : array_like of shape (K,), optional
        Names of the points (e.g. landmarks), used in the ``from``/``to`` columns.

    Returns
    -------
    pandas.DataFrame
        One row per reversal: ``from_height_m``, ``to_height_m``, ``from``, ``to`` (labels or
        heights as text), ``pressure_low_mmhg``, ``pressure_high_mmhg``, ``rise_mmhg``. Empty
        when the pressure never rises by more than ``tol_mmhg`` going up.
    """
    h = np.asarray(heights_m, dtype=float).ravel()
    p = np.asarray(pressure_mmhg, dtype=float).ravel()
    if h.shape != p.shape:
        raise errors.StandardError(
            f"heights ({h.size}) and pressures ({p.size}) must have the same length."
        )
    names = np.asarray(labels if labels is not None else [f"{x:.3f} m" for x in h], dtype=object)
    keep = np.isfinite(h) & np.isfinite(p)
    order = np.argsort(h[keep], kind="stable")
    h, p, names = h[keep][order], p[keep][order], names[keep][order]
    rows = []
    rising = np.diff(p) > 0
    i = 0
    while i < rising.size:
        if not rising[i]:
            i += 1
            continue
        j = i
        while j + 1 < rising.size and rising[j + 1]:
            j += 1
        rise = p[j + 1] - p[i]
        if rise > tol_mmhg:
            rows.append((h[i], h[j + 1], names[i], names[j + 1], p[i], p[j + 1], rise))
        i = j + 1
    cols = ["from_height_m", "to_height_m", "from", "to", "pressure_low_mmhg"]
    return pd.DataFrame(rows, columns=[*cols, "pressure_high_mmhg", "rise_mmhg"])


def check_gradient(
    result: Any,
    standard: str = DEFAULT_STANDARD,
    *,
    ranges: Mapping[str, tuple[float | None, float | None]] | None = None,
    include_unconfirmed: bool = True,
    monotone: bool = True,
    tol_mmhg: float = 0.0,
) -> pd.DataFrame:
    """Check a pressure profile against a standard's gradient rules.

    Parameters
    ----------
    result : PressureResult or pandas.DataFrame
        A result (its ``profile`` is used; landmarks outside its ``covered_range_m`` are
        skipped) or a
        profile table indexed by landmark with a ``pressure_mmhg`` column (rows with NaN pressure
        are skipped).
    standard : str
        Standard name or alias.
    ranges, include_unconfirmed
        See :func:`gradient_rules`.
    monotone : bool
        Require the pressure to fall (not rise) from each landmark to the next one up (the
        confirmed RAL rule "falling continuously upward").
    tol_mmhg : float
        Slack allowed on the monotone rule and on every range bound, in mmHg (0 = strict).

    Returns
    -------
    pandas.DataFrame
        Index = covered landmarks from B upward; columns ``height_m``, ``pressure_mmhg``,
        ``percent_of_B``, ``min_percent``, ``max_percent`` (NaN = no bound), ``confirmed``,
        ``rule``, ``range_ok``, ``monotone_ok``, ``passed``. ``df.attrs`` holds ``"standard"``,
        ``"class_at_B"``, ``"passed"`` (all rows passed and, for a result, no reversal),
        ``"reversed_at"`` (landmarks whose pressure is above the one below) and
        ``"reversals"``: where along the leg the gradient is reversed (a tourniquet: a fold, a
        rolled top, a tight band). For a result it is :func:`find_reversals` on its section
        table (rises of more than ``REVERSAL_RISE_MMHG`` above the lowest pressure below); for a
        landmark table alone, :func:`gradient_reversals` on the landmark profile.

    Raises
    ------
    stockingsim.errors.StandardError
        Unknown standard, or no pressure at B.
    """
    key = canonical_standard(standard)
    prof = _profile_frame(result)
    if "B" not in prof.index or not np.isfinite(prof.loc["B", "pressure_mmhg"]):
        raise errors.StandardError(
            "check_gradient needs the pressure at B (the ankle) inside the stocking; the profile "
            f"has {list(prof.index)}. Check the leg's landmarks and the stocking style"
        )
    rules = gradient_rules(key, include_unconfirmed=include_unconfirmed, ranges=ranges)
    p = prof["pressure_mmhg"].to_numpy(float)
    p_b = float(prof.loc["B", "pressure_mmhg"])
    lo = rules.loc[prof.index, "min_fraction"].to_numpy(float)
    hi = rules.loc[prof.index, "max_fraction"].to_numpy(float)
    lo_p = lo * p_b
    hi_p = hi * p_b
    range_ok = (np.isnan(lo_p) | (p >= lo_p - tol_mmhg)) & (np.isnan(hi_p) | (p <= hi_p + tol_mmhg))
    mono_ok = np.ones(len(p), dtype=bool)
    if monotone and len(p) > 1:
        mono_ok[1:] = p[1:] <= p[:-1] + tol_mmhg
    percent = 100.0 * p / p_b if p_b > 0 else np.full(len(p), np.nan)
    heights = prof["height_m"].to_numpy(float) if "height_m" in prof else np.full(len(p), np.nan)
    df = pd.DataFrame(
        {
            "height_m": heights,
            "pressure_mmhg": p,
            "percent_of_B": percent,
            "min_percent": 100.0 * lo,
            "max_percent": 100.0 * hi,
            "confirmed": rules.loc[prof.index, "confirmed"].to_numpy(bool),
            "rule": rules.loc[prof.index, "rule"].to_numpy(object),
            "range_ok": range_ok,
            "monotone_ok": mono_ok,
        },
        index=pd.Index(prof.index, name="landmark"),
    )
    df["passed"] = df["range_ok"] & df["monotone_ok"] & (p_b > 0)
    df.attrs["reversed_at"] = [str(n) for n in df.index[~df["monotone_ok"]]]
    df.attrs["standard"] = key
    df.attrs["class_at_B"] = classify(p_b, key)
    df.attrs["passed"] = bool(df["passed"].all())
    sections = getattr(result, "sections", None)
    if isinstance(sections, pd.DataFrame) and {"height_m", "pressure_mmhg"} <= set(sections):
        rev = find_reversals(sections)
        df.attrs["passed"] = df.attrs["passed"] and rev.empty
    else:
        h = prof["height_m"] if "height_m" in prof else np.arange(len(prof), dtype=float)
        tol = max(float(tol_mmhg), 0.5)
        rev = gradient_reversals(h, prof["pressure_mmhg"], tol_mmhg=tol, labels=list(prof.index))
    df.attrs["reversals"] = rev
    return df


#: A rise of the section pressure with height larger than this is a reversal (mmHg). Assumption:
#: above the scatter of a smooth profile (membrane on scanned legs) and well below the rise under
#: a fold (tens of mmHg).
REVERSAL_RISE_MMHG = 3.0
#: The bottom hem's edge zone, metres: the sections there are only partly covered (membrane, contact),
#: so their pressure ramps up from zero; a rise inside it is the edge, not a tourniquet. Assumption:
#: two 5 mm grid rows.
HEM_EDGE_M = 0.01


def find_reversals(
    sections: pd.DataFrame, min_rise_mmhg: float = REVERSAL_RISE_MMHG
) -> pd.DataFrame:
    """Bands where the pressure rises going up the leg: a fold or a rolled top (a tourniquet).

    Parameters
    ----------
    sections : pandas.DataFrame
        A section table (``PressureResult.sections``: ``height_m``, ``pressure_mmhg``).
    min_rise_mmhg : float
        Smallest rise above the lowest pressure below (from the bottom of the table) that
        counts.

    Returns
    -------
    pandas.DataFrame
        One row per reversal: ``height_m`` (of its peak), ``bottom_m``, ``top_m`` (where the
        pressure is above the level below it), ``peak_mmhg``, ``rise_mmhg``.
    """
    h = sections["height_m"].to_numpy(float)
    p = np.nan_to_num(sections["pressure_mmhg"].to_numpy(float))
    covered = p > 0
    if covered.any():  # the hem's own ramp (sections the edge cuts) is not a reversal
        covered &= h >= h[covered].min() + HEM_EDGE_M
    rows = []
    if covered.sum() >= 3:
        h, p = h[covered], p[covered]
        floor = np.minimum.accumulate(p)  # lowest pressure at or below each height
        above = p - floor > min_rise_mmhg
        edges = np.diff(np.concatenate([[0], above.astype(int), [0]]))
        for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
            j = a + int(np.argmax(p[a:b]))
            rows.append(
                {"height_m": h[j], "bottom_m": h[a], "top_m": h[b - 1], "peak_mmhg": p[j],
                 "rise_mmhg": p[j] - floor[j]}
            )  # fmt: skip
    cols = ["height_m", "bottom_m", "top_m", "peak_mmhg", "rise_mmhg"]
    return pd.DataFrame(rows, columns=cols)


@dataclass(frozen=True)
class GradientVerdict:
    """Whether a profile passes the gradient rules, and where it fails.

    Attributes
    ----------
    passed : bool
        Every covered landmark passes (its range and the monotone rule).
    failed : tuple of str
        The landmarks that fail, from B upward.
    table : pandas.DataFrame
        The table of :func:`check_gradient` the verdict was read from.
    """

    passed: bool
    failed: tuple[str, ...]
    table: pd.DataFrame = field(repr=False, compare=False)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return "passes" if self.passed else f"fails at {', '.join(self.failed)}"


def gradient_verdict(
    result: Any, standard: str = DEFAULT_STANDARD, **options: Any
) -> GradientVerdict:
    """The pass/fail verdict of the gradient rules, worked out in one place.

    Parameters
    ----------
    result : PressureResult, profile DataFrame or the table of :func:`check_gradient`
        What to judge; a table that :func:`check_gradient` returned is read, not re-checked.
    standard : str
        Standard name or alias (ignored for a check table, which knows its standard).
    **options
        Passed to :func:`check_gradient` (``ranges``, ``include_unconfirmed``, ``monotone``,
        ``tol_mmhg``).

    Returns
    -------
    GradientVerdict
        ``passed``, the ``failed`` landmarks and the check ``table``.

    Examples
    --------
    >>> import pandas as pd
    >>> profile = pd.DataFrame({"pressure_mmhg": [30.0, 24.0, 20.0]}, index=["B", "B1", "C"])
    >>> str(gradient_verdict(profile))
    'passes'
    >>> str(gradient_verdict(profile.assign(pressure_mmhg=[30.0, 24.0, 27.0])))
    'fails at C'
    """
    is_table = isinstance(result, pd.DataFrame) and {"passed", "range_ok"} <= set(result.columns)
    table = result if is_table else check_gradient(result, standard, **options)
    flags = table["passed"].astype(bool).to_numpy()
    failed = tuple(str(i) for i in table.index[~flags])
    return GradientVerdict(passed=not failed, failed=failed, table=table)


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
