"""Measured interface pressures: read a lab's table (CSV or Excel) into one canonical form.

A row is one reading: which leg, cylinder or mannequin; where (a measuring point such as B1, or a
height); the girth there; which stocking (a size, or its relaxed girth at that point); the
measured pressure; the device (HOSY, MST, PicoPress, Kikuhime, ...), and optionally the posture
and the time. Column spellings are matched the way the tensile reader matches them: case and
punctuation do not matter, units go in brackets or as a suffix (``Pressure (hPa)``,
``girth_mm``), and common German headers are known.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors

__all__ = ["read_measurements", "as_measurements", "MEASUREMENT_COLUMNS"]

#: canonical columns of a measurement table, in order
MEASUREMENT_COLUMNS = (
    "leg_id",
    "point",
    "height_cm",
    "girth_cm",
    "stocking",
    "relaxed_girth_cm",
    "pressure_mmhg",
    "device",
    "posture",
    "time",
)
_LANDMARK_NAMES = ("B", "B1", "C", "D", "E", "F", "G")
MMHG_PER_HPA = 100.0 / (101325.0 / 760.0)  # 1 hPa = 0.750062 mmHg

# canonical column -> accepted base spellings (lower case, letters and digits only), matched in
# this order so that "relaxed girth" is taken before "girth" and "leg girth" before "leg"
_ALIASES: dict[str, tuple[str, ...]] = {
    "relaxed_girth_cm": (
        "relaxedgirth",
        "relaxedcircumference",
        "relaxed",
        "stockingcircumference",
        "stockinggirth",
        "unstretchedcircumference",
        "garmentcircumference",
        "relaxedumfang",
        "ruheumfang",
    ),
    "girth_cm": (
        "girth",
        "circumference",
        "leggirth",
        "legcircumference",
        "limbcircumference",
        "cylindercircumference",
        "umfang",
        "beinumfang",
    ),
    "pressure_mmhg": (
        "pressure",
        "measuredpressure",
        "interfacepressure",
        "measured",
        "druck",
        "andruck",
        "pressuremeasured",
    ),
    "height_cm": ("height", "heightabovefloor", "heightfromfloor", "level", "hohe", "z"),
    "point": (
        "point",
        "measuringpoint",
        "measurementpoint",
        "landmark",
        "location",
        "site",
        "messpunkt",
        "messstelle",
    ),
    "stocking": ("stocking", "size", "stockingsize", "product", "garment", "sock", "grosse"),
    "leg_id": (
        "legid",
        "leg",
        "legname",
        "cylinder",
        "mannequin",
        "dummy",
        "subject",
        "patient",
        "participant",
        "limb",
        "id",
        "bein",
        "zylinder",
        "modell",
        "proband",
    ),
    "device": ("device", "instrument", "sensor", "system", "gerat", "messgerat", "method"),
    "posture": ("posture", "bodyposition", "haltung", "position"),
    "time": ("time", "timepoint", "datetime", "date", "hour", "zeit", "zeitpunkt"),
}
_UNITS = ("mmhg", "hpa", "kpa", "pa", "mm", "cm", "m")
_LENGTH_CM = {"cm": 1.0, "mm": 0.1, "m": 100.0}
_PRESSURE_MMHG = {
    "mmhg": 1.0,
    "hpa": MMHG_PER_HPA,
    "kpa": 10 * MMHG_PER_HPA,
    "pa": MMHG_PER_HPA / 100,
}


def _fail(where: str, msg: str) -> errors.MeasurementError:
    return errors.MeasurementError(f"measurement table {where}: {msg}")


def _split(name: Any) -> tuple[str, str | None]:
    """``"Pressure (hPa)"`` -> ``("pressure", "hpa")``; ``"girth_mm"`` -> ``("girth", "mm")``."""
    text = str(name).strip().lower()
    text = text.replace("ä", "a").replace("ö", "o").replace("ü", "u").replace("ß", "ss")
    unit = None
    m = re.search(r"[\(\[\{]\s*([^\)\]\}]*?)\s*[\)\]\}]", text)
    if m:
        unit = re.sub(r"[^a-z]", "", m.group(1)) or None
        text = (text[: m.start()] + text[m.end() :]).strip()
    else:
        m = re.match(r"^(.*?)[\s_/-]+(" + "|".join(_UNITS) + r")$", text)
        if m:
            text, unit = m.group(1), m.group(2)
    return re.sub(r"[^a-z0-9]", "", text), unit


def _assign(columns: list[Any]) -> dict[str, tuple[Any, str | None]]:
    """Canonical name -> (source column, unit) for every recognized column."""
    split = {c: _split(c) for c in columns}
    taken: set[Any] = set()
    out: dict[str, tuple[Any, str | None]] = {}
    for canon, aliases in _ALIASES.items():
        hit = next(
            (c for a in aliases for c in columns if c not in taken and split[c][0] == a), None
        )
        if hit is None:  # then prefix matches with the longer spellings
            hit = next(
                (
                    c
                    for a in aliases
                    if len(a) >= 5
                    for c in columns
                    if c not in taken and split[c][0].startswith(a)
                ),
                None,
            )
        if hit is not None:
            taken.add(hit)
            out[canon] = (hit, split[hit][1])
    return out


def _read_frame(path: Path, where: str, sheet: Any) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            import openpyxl  # noqa: F401
        except ImportError:
            raise errors.missing_dependency(
                "reading Excel measurement tables", "openpyxl", "excel"
            ) from None
        try:
            return pd.read_excel(path, sheet_name=sheet, engine="openpyxl")
        except (ValueError, KeyError, OSError) as exc:
            raise _fail(where, f"cannot be read as Excel ({exc}).") from None
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise _fail(where, f"cannot be read ({exc.strerror}); check the path.") from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise _fail(where, "is empty; give a header row and one row per reading.")
    sep = max((";", "\t", ","), key=lambda s: lines[0].count(s))
    import io

    try:
        return pd.read_csv(
            io.StringIO("\n".join(lines)),
            sep=sep,
            decimal="," if sep != "," else ".",
            skipinitialspace=True,
            dtype=str,
            keep_default_na=False,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise _fail(where, f"is not a readable CSV table ({exc}).") from None


def read_measurements(
    path: str | os.PathLike,
    *,
    sheet: Any = 0,
    device: str | None = None,
    leg_id: str | None = None,
) -> pd.DataFrame:
    """Read measured interface pressures from a CSV or Excel (``.xlsx``) table.

    Parameters
    ----------
    path
        The table. CSV with ``,``, ``;`` or tab separators (decimal commas with ``;``/tab), or
        Excel through openpyxl (``pip install "stockingsim[excel]"``).
    sheet
        Excel sheet name or index.
    device, leg_id
        Values for a column the table does not have (one device or one leg for every row).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`MEASUREMENT_COLUMNS`: ``leg_id``, ``point`` (a landmark name or empty),
        ``height_cm``, ``girth_cm``, ``stocking``, ``relaxed_girth_cm``, ``pressure_mmhg``
        (converted from hPa/kPa/Pa if the header says so), ``device``, ``posture``, ``time``.
        ``attrs["source"]`` holds the file name, ``attrs["columns"]`` which column became what.

    Raises
    ------
    MeasurementError
        Unreadable file, a missing column (listing the ones found), non-numeric or impossible
        values (negative pressure, a 2 m ankle, a relaxed girth larger than the leg under a
        positive pressure), with the likely unit mistake.

    Examples
    --------
    >>> import stockingsim as ss
    >>> meas = ss.read_measurements("hosy.csv")   # doctest: +SKIP
    >>> meas[["leg_id", "point", "girth_cm", "pressure_mmhg"]]   # doctest: +SKIP
    """
    p = Path(path)
    where = repr(str(path))
    if not p.is_file():
        raise _fail(where, "does not exist; check the path.")
    frame = _read_frame(p, where, sheet)
    return as_measurements(frame, where=where, device=device, leg_id=leg_id, source=str(path))


def _numbers(frame: pd.DataFrame, col: Any, where: str, what: str) -> np.ndarray:
    raw = frame[col]
    if raw.dtype == object or pd.api.types.is_string_dtype(raw):
        text = raw.astype(str).str.strip().str.replace(",", ".", regex=False)
        text = text.where(~text.isin(["", "nan", "NaN", "-", "None"]), None)
        values = pd.to_numeric(text, errors="coerce")
        bad = values.isna() & text.notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise _fail(
                where,
                f"non-numeric {what} {raw.iloc[i]!r} in column {col!r} (row {i + 1}); give "
                "numbers only (the unit goes in the header, e.g. 'Pressure (mmHg)').",
            )
        return values.to_numpy(dtype=float)
    return pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)


def _scaled(frame, found, key, where, table, what):
    col, unit = found[key]
    unit = unit or ("mmhg" if key == "pressure_mmhg" else "cm")
    if unit not in table:
        raise _fail(where, f"unknown unit {unit!r} for {what} column {col!r}; use {list(table)}.")
    return _numbers(frame, col, where, what) * table[unit]


def _check_range(values, lo, hi, where, what, hint):
    finite = values[np.isfinite(values)]
    bad = finite[(finite < lo) | (finite > hi)]
    if bad.size:
        raise _fail(where, f"impossible {what} {bad[0]:g} (expected {lo:g} to {hi:g}); {hint}")


def _text(frame: pd.DataFrame, found: dict, key: str, default: Any = "") -> pd.Series:
    if key not in found:
        return pd.Series([default] * len(frame), index=frame.index, dtype=object)
    col = found[key][0]
    values = frame[col].astype(object).where(frame[col].notna(), "")
    return values.map(lambda v: _clean_text(v)).astype(object)


def _clean_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def as_measurements(
    table: Any,
    *,
    where: str = "(DataFrame)",
    device: str | None = None,
    leg_id: str | None = None,
    source: str = "DataFrame",
) -> pd.DataFrame:
    """Check a measurement table (DataFrame, path or an already canonical table).

    The columns are recognized as by :func:`read_measurements`; a canonical table (the output
    of :func:`read_measurements`) passes unchanged. Raises :class:`MeasurementError`.
    """
    if isinstance(table, str | os.PathLike):
        return read_measurements(table, device=device, leg_id=leg_id)
    if not isinstance(table, pd.DataFrame):
        raise errors.MeasurementError(
            f"measurements must be a file path or a pandas DataFrame, got {type(table).__name__};"
            " read a file with ss.read_measurements(path)."
        )
    if table.attrs.get("stockingsim") == "measurements":
        return table
    if table.empty:
        raise _fail(where, "has no rows; give one row per reading.")
    found = _assign(list(table.columns))
    _require(found, table.columns, where, device, leg_id)
    out = pd.DataFrame(index=pd.RangeIndex(len(table)))
    frame = table.reset_index(drop=True)
    out["leg_id"] = _text(frame, found, "leg_id", leg_id or "")
    out["point"] = _points(_text(frame, found, "point"), where)
    out["height_cm"] = (
        _scaled(frame, found, "height_cm", where, _LENGTH_CM, "height")
        if "height_cm" in found
        else np.nan
    )
    out["girth_cm"] = _scaled(frame, found, "girth_cm", where, _LENGTH_CM, "girth")
    out["stocking"] = _text(frame, found, "stocking")
    out["relaxed_girth_cm"] = (
        _scaled(frame, found, "relaxed_girth_cm", where, _LENGTH_CM, "relaxed girth")
        if "relaxed_girth_cm" in found
        else np.nan
    )
    out["pressure_mmhg"] = _scaled(frame, found, "pressure_mmhg", where, _PRESSURE_MMHG, "pressure")
    out["device"] = _text(frame, found, "device", device or "")
    out["posture"] = _text(frame, found, "posture")
    out["time"] = _text(frame, found, "time")
    _validate(out, where)
    out.attrs["stockingsim"] = "measurements"
    out.attrs["source"] = source
    out.attrs["columns"] = {k: str(v[0]) for k, v in found.items()}
    return out


def _require(found, columns, where, device, leg_id) -> None:
    missing = []
    if "leg_id" not in found and leg_id is None:
        missing.append("a leg/cylinder/mannequin id ('leg', or give leg_id=...)")
    if "point" not in found and "height_cm" not in found:
        missing.append("a measuring point ('point': B, B1, C, ...) or a height ('height (cm)')")
    if "girth_cm" not in found:
        missing.append("the girth at the point ('girth (cm)')")
    if "stocking" not in found and "relaxed_girth_cm" not in found:
        missing.append("the stocking ('size') or its relaxed girth ('relaxed girth (cm)')")
    if "pressure_mmhg" not in found:
        missing.append("the measured pressure ('pressure (mmHg)' or '(hPa)')")
    if "device" not in found and device is None:
        missing.append("the device ('device': HOSY, MST, PicoPress, ..., or give device=...)")
    if missing:
        raise _fail(
            where,
            "missing " + "; ".join(missing) + f". Columns found: {[str(c) for c in columns]}.",
        )


def _points(values: pd.Series, where: str) -> pd.Series:
    canon = {n.lower(): n for n in _LANDMARK_NAMES}
    out = values.map(lambda v: canon.get(v.lower().replace(" ", ""), v))
    bad = [v for v in out if v and v not in _LANDMARK_NAMES]
    if bad:
        raise _fail(
            where,
            f"unknown measuring point {bad[0]!r}; use {', '.join(_LANDMARK_NAMES)} (RAL points) "
            "or give the height in a 'height (cm)' column instead.",
        )
    return out.astype(object)


def _validate(out: pd.DataFrame, where: str) -> None:
    p = out["pressure_mmhg"].to_numpy(float)
    if np.isnan(p).any():
        raise _fail(where, f"row {int(np.flatnonzero(np.isnan(p))[0]) + 1} has no pressure.")
    _check_range(
        p,
        0.0,
        200.0,
        where,
        "pressure (mmHg)",
        "a stocking exerts 5-80 mmHg: if the table is in hPa or kPa, say so in the header "
        "('Pressure (hPa)'); negative readings are sensor offsets to correct first.",
    )
    g = out["girth_cm"].to_numpy(float)
    if np.isnan(g).any():
        raise _fail(where, f"row {int(np.flatnonzero(np.isnan(g))[0]) + 1} has no girth.")
    hint = "girths are 5-150 cm: a table in mm or m must say so in the header ('girth (mm)')."
    _check_range(g, 3.0, 200.0, where, "girth (cm)", hint)
    r = out["relaxed_girth_cm"].to_numpy(float)
    _check_range(r, 2.0, 200.0, where, "relaxed girth (cm)", hint)
    no_stocking = np.isnan(r) & (out["stocking"].to_numpy(object) == "")
    if no_stocking.any():
        i = int(np.flatnonzero(no_stocking)[0]) + 1
        raise _fail(where, f"row {i} has neither a stocking size nor a relaxed girth.")
    loose = np.isfinite(r) & (r > 1.02 * g) & (p > 1.0)
    if loose.any():
        i = int(np.flatnonzero(loose)[0])
        raise _fail(
            where,
            f"row {i + 1}: relaxed girth {r[i]:g} cm is larger than the leg ({g[i]:g} cm) yet "
            f"{p[i]:g} mmHg was measured; a stocking only presses where it is stretched. Are "
            "the girth and relaxed girth columns swapped?",
        )
    h = out["height_cm"].to_numpy(float)
    _check_range(h, 0.0, 150.0, where, "height (cm)", "heights are measured from the sole in cm.")
    no_where = np.isnan(h) & (out["point"].to_numpy(object) == "")
    if no_where.any():
        i = int(np.flatnonzero(no_where)[0]) + 1
        raise _fail(where, f"row {i} has neither a measuring point nor a height.")
    if not math.isfinite(float(np.sum(p))):
        raise _fail(where, "pressures must be finite.")
