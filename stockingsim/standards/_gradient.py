"""Gradient rules of the standards, the check of a profile against them, and its verdict."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors
from stockingsim.standards._profile import profile_frame
from stockingsim.standards._reversals import find_reversals, gradient_reversals
from stockingsim.standards._tables import GRADIENTS, STANDARDS, canonical_standard, classify
from stockingsim.vocabulary import DEFAULT_STANDARD, LANDMARKS


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
        for lm in LANDMARKS
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
                f"unknown landmark {lm!r} in ranges; use one of {', '.join(LANDMARKS)}"
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
    prof = profile_frame(result)
    if "B" not in prof.index or not np.isfinite(prof.loc["B", "pressure_mmhg"]):
        raise errors.StandardError(
            "check_gradient needs the pressure at B (the ankle) inside the stocking; the profile "
            f"has {list(prof.index)}. Check the leg's landmarks and the stocking style"
        )
    rules = gradient_rules(key, include_unconfirmed=include_unconfirmed, ranges=ranges)
    p = prof["pressure_mmhg"].to_numpy(float)
    p_b = float(prof.loc["B", "pressure_mmhg"])
    rules = rules.loc[prof.index]  # one row per covered landmark, in the profile's order
    lo = rules["min_fraction"].to_numpy(float)
    hi = rules["max_fraction"].to_numpy(float)
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
            "confirmed": rules["confirmed"].to_numpy(bool),
            "rule": rules["rule"].to_numpy(object),
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
