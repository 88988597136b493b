"""Reading a strip tensile test from CSV: header spellings, separators, units."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from stockingsim import errors

__all__ = ["TensileData", "read_tensile_csv"]

_EXTENSION_NAMES = (
    "extension",
    "elongation",
    "displacement",
    "dehnung",
    "verlangerung",
    "verlaengerung",
    "standardweg",
    "weg",
    "traverse",
    "crosshead",
    "deformation",
    "stroke",
    "position",
    "strain",  # last: an extension column wins when a file has both
)
_FORCE_NAMES = ("force", "kraft", "standardkraft", "zugkraft", "load", "last")
#: strain columns (a unit is then required: % or a length ratio such as mm/mm)
_STRAIN_NAMES = ("strain", "tensilestrain", "engineeringstrain")
#: formula symbols, matched only as the whole name: "F in N", "dL in mm", "ΔL (mm)"
_EXTENSION_SYMBOLS = ("dl", "deltal", "ds")
_FORCE_SYMBOLS = ("f", "fn")
#: length units in mm; "percent" and "fraction" mark a strain column
_LENGTH_UNITS: dict[str, Any] = {
    "mm": 1.0,
    "cm": 10.0,
    "m": 1000.0,
    "um": 1e-3,
    "µm": 1e-3,
    "in": 25.4,  # international inch, exact
    "inch": 25.4,
    "%": "percent",
    "mm/mm": "fraction",
    "m/m": "fraction",
    "cm/cm": "fraction",
    "in/in": "fraction",
}
#: force units in N. 1 lbf = 0.45359237 kg x 9.80665 m/s^2 = 4.4482216152605 N, 1 kgf =
#: 9.80665 N (standard gravity, 3rd CGPM 1901; NIST SP 811, 2008, appendix B.8)
_FORCE_UNITS = {
    "n": 1.0,
    "kn": 1000.0,
    "cn": 0.01,
    "mn": 1e-3,
    "dan": 10.0,
    "lbf": 4.4482216152605,
    "kgf": 9.80665,
    "gf": 9.80665e-3,
}


@dataclass(frozen=True)
class TensileData:
    """A tensile test as read from a file: extension (mm) and force (N) per sample."""

    extension_mm: np.ndarray
    force_n: np.ndarray
    extension_column: str
    force_column: str
    source: str


def _fail(where: str, msg: str) -> errors.TensileDataError:
    return errors.TensileDataError(f"tensile file {where}: {msg}")


def _split_header(name: str) -> tuple[str, str | None]:
    """``"Extension (mm)"`` -> ``("extension", "mm")``; ``"force_N"`` -> ``("force", "n")``."""
    text = name.strip().strip('"').strip("'").lower()
    text = text.replace("ä", "a").replace("ö", "o").replace("ü", "u").replace("δ", "d")
    unit = None
    m = re.search(r"[\(\[\{]\s*([^\)\]\}]*?)\s*[\)\]\}]", text)
    m_in = re.match(r"^(.*?)\s+in\s+(\S+)$", text)  # "F in N", "Standardkraft in N"
    if m:
        unit = m.group(1).strip()
        text = (text[: m.start()] + text[m.end() :]).strip()
    elif m_in:
        text, unit = m_in.group(1), m_in.group(2)
    else:
        m = re.match(r"^(.*?)[\s_/-]+(mm|cm|m|n|kn|cn|mn|dan|lbf|kgf|%)$", text)
        if m:
            text, unit = m.group(1), m.group(2)
    base = re.sub(r"[^a-z]", "", text)
    return base, unit


def _match(columns: list[str], aliases: tuple[str, ...], exclude: str | None = None) -> str | None:
    bases = [_split_header(c)[0] if c != exclude else "" for c in columns]
    symbols = _FORCE_SYMBOLS if aliases is _FORCE_NAMES else _EXTENSION_SYMBOLS
    for alias in aliases + symbols:  # exact base name first, in alias order; symbols only so
        for col, base in zip(columns, bases):
            if base == alias:
                return col
    for alias in aliases:
        for col, base in zip(columns, bases):
            if base.startswith(alias) or base.endswith(alias):
                return col
    return None


def _sniff(lines: list[str], ext_col: str | None, force_col: str | None):
    """Find (header line index, separator)."""
    for idx, line in enumerate(lines[:200]):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        for sep in (";", "\t", ","):
            cells = [c.strip().strip('"') for c in line.split(sep)]
            if len(cells) < 2:
                continue
            if ext_col is not None or force_col is not None:
                low = [c.lower() for c in cells]
                ok_e = ext_col is None and _match(cells, _EXTENSION_NAMES) is not None
                ok_f = force_col is None and _match(cells, _FORCE_NAMES) is not None
                ok_e = ok_e or (ext_col is not None and ext_col.strip().lower() in low)
                ok_f = ok_f or (force_col is not None and force_col.strip().lower() in low)
                if ok_e and ok_f:
                    return idx, sep
            else:
                ext = _match(cells, _EXTENSION_NAMES)
                if ext and _match(cells, _FORCE_NAMES, exclude=ext):
                    return idx, sep
    return None


def _to_numbers(values: list[str], decimal_comma: bool) -> np.ndarray:
    """Parse cells; blank -> NaN, non-numeric -> -inf (reported by the caller)."""
    out = np.empty(len(values))
    for i, v in enumerate(values):
        v = v.strip().strip('"').strip()
        if decimal_comma and "," in v:  # "1.234,5" -> "1234.5"
            v = v.replace(".", "").replace(",", ".")
        if not v:
            out[i] = np.nan
            continue
        try:
            out[i] = float(v)
        except ValueError:
            out[i] = -np.inf
    return out


def read_tensile_csv(
    path: str | os.PathLike,
    extension_column: str | None = None,
    force_column: str | None = None,
) -> TensileData:
    """Read a strip tensile test from CSV.

    Header spellings recognized (case-insensitive, units in ``()``, ``[]``, after ``in`` or as a
    suffix): extension/elongation/displacement/Dehnung/Verlängerung/Weg/crosshead/strain... and
    force/Kraft/Standardkraft/load/Last, and the symbols ``F`` and ``dL`` (``"F in N;dL in
    mm"``). Separators ``,``, ``;`` or tab; with ``;`` or tab, decimal commas are accepted.
    Metadata lines before the header and a units row just after it (``mm;N`` or Instron
    Bluehill's quoted ``"(s)","(mm)","(N)"``) are skipped. Extension units: mm (default), cm,
    m, in; a strain column needs % or a length ratio (mm/mm); both are used as strain without
    the gauge length. Force units: N (default), kN, cN, mN, daN, lbf, kgf.

    Parameters
    ----------
    path
        CSV file.
    extension_column, force_column
        Exact column names (case-insensitive) when the automatic matching does not apply.

    Returns
    -------
    TensileData
        ``extension_mm`` (or per cent strain, see ``extension_column`` unit) and ``force_n``.
    """
    where = repr(str(path))
    lines = _read_lines(path, where)
    hidx, sep, header = _find_header(lines, where, extension_column, force_column)
    ie = _pick_column(header, extension_column, _EXTENSION_NAMES, "extension", where)
    iforce = _pick_column(header, force_column, _FORCE_NAMES, "force", where, header[ie])
    ext, force, ext_unit, force_unit = _read_columns(lines, hidx, sep, header, (ie, iforce), where)
    e_scale, ext_col = _extension_scale(where, header[ie], ext_unit)
    f_scale = _FORCE_UNITS.get(force_unit or "n")
    if f_scale is None:
        raise _fail(where, f"unknown force unit {force_unit!r}; use N, cN, daN, kN, lbf or kgf.")
    return TensileData(ext * e_scale, force * f_scale, ext_col, header[iforce], str(path))


def _read_lines(path: str | os.PathLike, where: str) -> list[str]:
    """The file's lines (UTF-8, else Windows-1252); raise if unreadable or empty."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise _fail(where, f"cannot be read ({exc.strerror}); check the path.") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if not text.strip():
        raise _fail(where, "is empty; export the test as CSV with extension and force columns.")
    return text.splitlines()


def _find_header(
    lines: list[str], where: str, extension_column: str | None, force_column: str | None
) -> tuple[int, str, list[str]]:
    """``(header line index, separator, column names)``; raise if no header is found."""
    found = _sniff(lines, extension_column, force_column)
    if found is None:
        first = next((ln for ln in lines if ln.strip()), "")[:120]
        wanted = (
            f"columns {extension_column!r} and {force_column!r}"
            if extension_column or force_column
            else "an extension column (e.g. 'Extension (mm)', 'Dehnung') and a force column "
            "(e.g. 'Force (N)', 'Kraft')"
        )
        raise _fail(
            where,
            f"no header with {wanted} found (first line: {first!r}). Name the columns with "
            "extension_column= and force_column=, and use ',' or ';' as separator.",
        )
    hidx, sep = found
    return hidx, sep, [c.strip().strip('"') for c in lines[hidx].split(sep)]


def _pick_column(
    header: list[str],
    explicit: str | None,
    aliases: tuple[str, ...],
    what: str,
    where: str,
    exclude: str | None = None,
) -> int:
    """Index of the column named ``explicit`` (any case), else of the first alias match."""
    if explicit is not None:
        low = [c.lower() for c in header]
        key = explicit.strip().lower()
        if key not in low:
            raise _fail(where, f"no {what} column named {explicit!r}; columns are {header}.")
        return low.index(key)
    col = _match(header, aliases, exclude)
    if col is None:
        raise _fail(where, f"no {what} column recognized in {header}; name it with {what}_column=.")
    return header.index(col)


def _read_columns(lines, hidx, sep, header, columns, where):
    """``(extension, force, extension unit, force unit)`` of the rows below the header.

    A units row just below the header gives the units the header does not; rows where either
    value is blank are dropped; a non-numeric cell or fewer than 5 rows raise.
    """
    ie, iforce = columns
    numbered = [
        (n, ln.split(sep))
        for n, ln in enumerate(lines[hidx + 1 :], start=hidx + 2)
        if ln.strip() and not ln.lstrip().startswith("#")
    ]
    rows = [r for _, r in numbered]
    line_numbers = [n for n, _ in numbered]  # 1-based, of the file
    ext_unit = _split_header(header[ie])[1]
    force_unit = _split_header(header[iforce])[1]
    decimal_comma = sep != ","
    cells_e = [r[ie] if len(r) > ie else "" for r in rows]
    cells_f = [r[iforce] if len(r) > iforce else "" for r in rows]
    ext = _to_numbers(cells_e, decimal_comma)
    force = _to_numbers(cells_f, decimal_comma)
    if rows and np.isneginf(ext[0]) and np.isneginf(force[0]):  # a units row: mm;N or "(mm)"
        ext_unit = ext_unit or _unit_cell(cells_e[0])
        force_unit = force_unit or _unit_cell(cells_f[0])
        ext, force, line_numbers = ext[1:], force[1:], line_numbers[1:]
    if ext.size == 0:
        raise _fail(where, "has a header but no data rows.")
    for arr, col in ((ext, header[ie]), (force, header[iforce])):
        bad = np.flatnonzero(np.isneginf(arr))
        if bad.size:
            row = line_numbers[int(bad[0])]
            raise _fail(
                where,
                f"non-numeric value in column {col!r} at line {row}; clean the file (numbers "
                "only below the header; with ';' separators decimal commas are fine).",
            )
    keep = np.isfinite(ext) & np.isfinite(force)
    if np.count_nonzero(keep) < 5:
        raise _fail(
            where,
            f"only {int(np.count_nonzero(keep))} rows with both extension and force; a test "
            "needs many samples.",
        )
    return ext[keep], force[keep], ext_unit, force_unit


def _unit_cell(cell: str) -> str | None:
    """The unit in a units-row cell: ``mm``, ``[N]``, ``"(mm)"`` (Instron Bluehill)."""
    text = cell.strip().strip('"').strip("'").strip()
    text = text.strip("[](){}").strip()
    return text.lower() or None


def _extension_scale(where: str, column: str, unit: str | None) -> tuple[float, str]:
    """(factor to mm, column label); a strain column is returned in per cent, labelled [%]."""
    is_strain = _split_header(column)[0] in _STRAIN_NAMES
    if is_strain and unit is None:
        raise _fail(
            where,
            f"the strain column {column!r} has no unit; name it 'Strain (%)' or "
            "'Strain (mm/mm)' (or give an extension column in mm).",
        )
    scale = _LENGTH_UNITS.get(unit or "mm", "unknown")
    if scale == "unknown":
        raise _fail(
            where, f"unknown extension unit {unit!r}; use mm, cm, m, in, % or mm/mm (strain)."
        )
    if scale == "percent":  # per cent strain: keep as is, flag by the column label
        return 1.0, column + " [%]"
    if scale == "fraction":  # strain as a length ratio: to per cent
        return 100.0, column + " [%]"
    return float(scale), column
