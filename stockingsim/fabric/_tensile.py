"""Tensile-test CSV reading, branch splitting and fitting (:meth:`Fabric.from_tensile_test`)."""

from __future__ import annotations

import io
import math
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim.fabric._fit_report import BranchFit, FitReport
from stockingsim.fabric._models import (
    ExponentialModel,
    LinearModel,
    PolynomialModel,
    TwoPhaseModel,
    _Model,
)

__all__ = [
    "fit_tensile_test",
    "TensileFit",
    "fit_inner_loops",
    "read_tensile_csv",
    "split_cycles",
    "fit_branch",
    "TensileData",
    "WALE_STRAIN_RATIO",
    "FIT_MODELS",
]

#: When only one direction is measured, the other is derived as ``T_wale(eps) = T_course(r eps)``
#: with this ratio r: the wale direction of a weft knit stretches about 1.5 x less than the course
#: direction at equal tension (assumption; give a second file to measure it instead).
WALE_STRAIN_RATIO = 1.5
#: A monotone segment spanning less than this share of the test's strain range is a small
#: (inner-loop) cycle, not part of an outer branch.
MINOR_CYCLE_SHARE = 0.25

FIT_MODELS = ("polynomial", "exponential", "two_phase", "linear")

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
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise _fail(where, f"cannot be read ({exc.strerror}); check the path.") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if not text.strip():
        raise _fail(where, "is empty; export the test as CSV with extension and force columns.")
    lines = text.splitlines()
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
    header = [c.strip().strip('"') for c in lines[hidx].split(sep)]
    low = [c.lower() for c in header]

    def pick(explicit: str | None, aliases: tuple[str, ...], what: str, exclude=None) -> int:
        if explicit is not None:
            key = explicit.strip().lower()
            if key not in low:
                raise _fail(where, f"no {what} column named {explicit!r}; columns are {header}.")
            return low.index(key)
        col = _match(header, aliases, exclude)
        if col is None:
            raise _fail(
                where, f"no {what} column recognized in {header}; name it with {what}_column=."
            )
        return header.index(col)

    ie = pick(extension_column, _EXTENSION_NAMES, "extension")
    iforce = pick(force_column, _FORCE_NAMES, "force", exclude=header[ie])
    rows = [
        ln.split(sep) for ln in lines[hidx + 1 :] if ln.strip() and not ln.lstrip().startswith("#")
    ]
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
        ext, force = ext[1:], force[1:]
    if ext.size == 0:
        raise _fail(where, "has a header but no data rows.")
    for arr, col in ((ext, header[ie]), (force, header[iforce])):
        bad = np.flatnonzero(np.isneginf(arr))
        if bad.size:
            row = int(bad[0]) + hidx + 2
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
    ext, force = ext[keep], force[keep]
    e_scale, ext_col = _extension_scale(where, header[ie], ext_unit)
    f_scale = _FORCE_UNITS.get(force_unit or "n")
    if f_scale is None:
        raise _fail(where, f"unknown force unit {force_unit!r}; use N, cN, daN, kN, lbf or kgf.")
    return TensileData(ext * e_scale, force * f_scale, ext_col, header[iforce], str(path))


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


def split_cycles(
    extension: np.ndarray, threshold: float | None = None
) -> list[tuple[int, int, int]]:
    """Split a test into monotone segments by the sign of d(extension).

    Turning points are found with a zig-zag filter (a reversal counts once the extension has
    moved back by more than ``threshold``, default 1 % of the range), so sensor noise does not
    split a branch.

    Returns
    -------
    list of (start, stop, sign)
        Inclusive sample ranges, ``sign`` +1 (loading) or -1 (unloading).
    """
    x = np.asarray(extension, dtype=float)
    n = x.size
    span = float(np.max(x) - np.min(x)) if n else 0.0
    thr = 0.01 * span if threshold is None else threshold
    turns = [0]
    direction, cand = 0, 0
    for i in range(1, n):
        xi = x[i]
        if direction == 0:
            if xi - x[0] > thr:
                direction, cand = 1, i
            elif x[0] - xi > thr:
                direction, cand = -1, i
        elif direction == 1:
            if xi >= x[cand]:
                cand = i
            elif x[cand] - xi > thr:
                turns.append(cand)
                direction, cand = -1, i
        else:
            if xi <= x[cand]:
                cand = i
            elif xi - x[cand] > thr:
                turns.append(cand)
                direction, cand = 1, i
    if direction != 0 and cand != turns[-1]:
        turns.append(cand)
    segments = []
    for a, b in zip(turns[:-1], turns[1:]):
        if b > a:
            segments.append((a, b, 1 if x[b] > x[a] else -1))
    return segments


# ----------------------------------------------------------------------------- fitting
def _r2_rmse(t: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    res = t - pred
    ss_res = float(np.sum(res**2))
    ss_tot = float(np.sum((t - t.mean()) ** 2))
    return (1.0 - ss_res / ss_tot if ss_tot > 0 else 0.0), math.sqrt(ss_res / t.size)


def _fit_linear(s, t, top):
    from scipy.optimize import least_squares

    k0 = float(np.sum(s * t) / np.sum(s * s))
    res = least_squares(lambda p: p[0] * s - t, [k0])
    return LinearModel(float(res.x[0]), 0.0, top)


def _fit_polynomial(s, t, top, degree):
    from scipy.optimize import least_squares

    A = np.stack([s ** (i + 1) for i in range(degree)], axis=1)
    c0 = np.linalg.lstsq(A, t, rcond=None)[0]
    grid = np.linspace(0, top, 200)
    D = np.stack([(i + 1) * grid**i for i in range(degree)], axis=1)
    weight = 10.0 * math.sqrt(s.size / grid.size) * top

    def resid(c):
        return np.concatenate([A @ c - t, weight * np.minimum(D @ c, 0.0)])

    res = least_squares(resid, c0, x_scale="jac")
    c = res.x
    if np.any(D @ c < 0):  # last resort: non-negative coefficients are monotone by construction
        res = least_squares(lambda c: A @ c - t, np.maximum(c, 0.0), bounds=(0, np.inf))
        c = res.x
    return PolynomialModel(tuple(float(v) for v in c), 0.0, top)


def _fit_exponential(s, t, top):
    from scipy.optimize import least_squares

    best = None
    for b in np.concatenate([-np.geomspace(0.05, 20, 25) / top, np.geomspace(0.05, 20, 25) / top]):
        g = np.expm1(b * s)
        a = float(np.sum(g * t) / np.sum(g * g))
        if a * b <= 0:
            continue
        cost = float(np.sum((a * g - t) ** 2))
        if best is None or cost < best[0]:
            best = (cost, a, b)
    if best is None:
        raise errors.TensileDataError(
            "exponential model cannot fit this branch (tension does not increase with strain); "
            "check the data or use model='polynomial'."
        )
    _, a0, b0 = best
    sign = 1.0 if b0 > 0 else -1.0
    bmax = 50.0 / max(top, 1e-9)
    bmax = min(bmax, 50.0)
    res = least_squares(
        lambda p: sign * p[0] * np.expm1(sign * p[1] * s) - t,
        [abs(a0), abs(b0)],
        bounds=([1e-12, 1e-9], [np.inf, bmax]),
        x_scale="jac",
    )
    return ExponentialModel(sign * float(res.x[0]), sign * float(res.x[1]), 0.0, top)


def _two_phase_eval(p, s):
    return TwoPhaseModel(
        p[0], p[3], p[4], p[5], p[1], p[2], 0.0, max(float(np.max(s)), 1e-6) + 1.0
    ).tension(s)


def _fit_two_phase(s, t, top):
    from scipy.optimize import least_squares

    scale = max(float(np.max(np.abs(t))), 1e-12)
    ts = t / scale
    lo = [0.0, 0.0, 0.005 * top, 0.0, 0.05 * top, 0.01 * top]
    hi = [np.inf, np.inf, 0.5 * top, np.inf, 1.5 * top, 0.5 * top]
    best = None
    secant = float(ts[np.argmax(s)] / top)
    for ej in (0.5, 0.7, 0.9):
        for et in (0.03, 0.1):
            for toe in (0.0, 0.3):
                x0 = [
                    max(secant * (1 - toe), 1e-3),
                    toe,
                    et * top,
                    2.0 * secant,
                    ej * top,
                    0.08 * top,
                ]
                x0 = np.clip(x0, np.array(lo) + 1e-9, np.array(hi) - 1e-9)
                try:
                    res = least_squares(
                        lambda p: _two_phase_eval(p, s) - ts,
                        x0,
                        bounds=(lo, hi),
                        x_scale="jac",
                        max_nfev=400,
                    )
                except (ValueError, errors.FabricError):
                    continue
                if best is None or res.cost < best.cost:
                    best = res
    p = best.x
    return TwoPhaseModel(
        k_elastic_n_per_m=float(p[0] * scale),
        k_jam_n_per_m=float(p[3] * scale),
        jam_strain=float(p[4]),
        jam_width=float(p[5]),
        toe_tension_n_per_m=float(p[1] * scale),
        toe_strain=float(p[2]),
        min_strain=0.0,
        max_strain=top,
    )


def fit_branch(
    strain: np.ndarray,
    tension: np.ndarray,
    model: str,
    max_strain: float,
    degree: int = 3,
) -> tuple[_Model, float, float]:
    """Fit one branch with ``scipy.optimize.least_squares``.

    Returns
    -------
    (model, r2, rmse_n_per_m)
    """
    if model not in FIT_MODELS:
        raise errors.FabricError(f"model must be one of {FIT_MODELS}, got {model!r}.")
    s = np.asarray(strain, dtype=float)
    t = np.asarray(tension, dtype=float)
    try:
        m = _fit(s, t, model, max_strain, degree)
    except errors.TensileDataError:
        raise
    except errors.FabricError as exc:
        raise errors.TensileDataError(
            f"the {model} fit of this branch is not a valid fabric curve ({exc}); try another "
            "model (e.g. model='two_phase') or check the data."
        ) from None
    r2, rmse = _r2_rmse(t, m.tension(s))
    return m, r2, rmse


def _fit(s, t, model, max_strain, degree):
    if model == "linear":
        m = _fit_linear(s, t, max_strain)
    elif model == "polynomial":
        m = _fit_polynomial(s, t, max_strain, degree)
    elif model == "exponential":
        m = _fit_exponential(s, t, max_strain)
    elif model == "two_phase":
        m = _fit_two_phase(s, t, max_strain)
    else:
        raise errors.FabricError(f"model must be one of {FIT_MODELS}, got {model!r}.")
    return m


def _params(m: _Model) -> tuple[tuple[str, Any], ...]:
    return tuple(
        (k, tuple(v) if isinstance(v, list) else v)
        for k, v in m.to_dict().items()
        if k not in ("model", "min_strain", "max_strain")
    )


def _measure(
    path, width_mm, gauge_mm, model, extension_column, force_column, cycles, degree, direction
):
    data = read_tensile_csv(path, extension_column, force_column)
    where = repr(str(path))
    ext = data.extension_mm
    if data.extension_column.endswith(" [%]"):
        strain = ext / 100.0
    else:
        strain = ext / gauge_mm
    tension = data.force_n / (width_mm / 1000.0)
    if float(np.max(strain) - np.min(strain)) < 1e-3 or float(np.max(strain)) <= 1e-3:
        raise _fail(
            where,
            f"the specimen never stretches (extension range {np.ptp(ext):.3g} mm over a "
            f"{gauge_mm:g} mm gauge); check the extension column and its units.",
        )
    if float(np.max(tension)) <= 0:
        raise _fail(where, "the force is never positive; check the force column and its sign.")
    segments = split_cycles(strain)
    # small cycles about a working point (span < 25 % of the test's) are inner loops: they
    # are not points of the outer branches; the whole path fits the inner-loop strain later
    full = float(np.ptp(strain))
    minor = [
        (a, b) for a, b, sg in segments if abs(strain[b] - strain[a]) < MINOR_CYCLE_SHARE * full
    ]
    in_minor = np.zeros(strain.size, dtype=bool)
    for a, b in minor:
        in_minor[a + 1 : b + 1] = True
    segments = [
        (a, b, sg)
        for a, b, sg in segments
        if abs(strain[b] - strain[a]) >= MINOR_CYCLE_SHARE * full
    ]
    path_info = (strain, tension, in_minor, len(minor))
    loads = [(a, b) for a, b, sg in segments if sg > 0]
    unloads = [(a, b) for a, b, sg in segments if sg < 0]
    if not loads:
        raise _fail(where, "no loading branch (the extension never increases).")
    if cycles == "all":
        use_l, use_u = loads, unloads
    elif cycles == "last":
        use_l = loads[-1:]
        use_u = [u for u in unloads if u[0] >= use_l[0][1]][:1]
    else:
        if isinstance(cycles, bool) or not isinstance(cycles, int | np.integer):
            raise errors.FabricError(
                f"cycles must be 'all', 'last' or a 1-based cycle number, got {cycles!r}."
            )
        if not 1 <= cycles <= len(loads):
            raise errors.FabricError(
                f"cycles={cycles} but the file has {len(loads)} loading cycle(s); pick 1 to "
                f"{len(loads)} or 'all'."
            )
        use_l = [loads[cycles - 1]]
        use_u = [u for u in unloads if u[0] >= use_l[0][1]][:1]

    def gather(segs):
        # a turning point belongs to the segment it ends (the force drops at once on reversal)
        idx = np.concatenate([np.arange(a + 1 if a > 0 else 0, b + 1) for a, b in segs])
        return strain[idx], tension[idx]

    sl, tl = gather(use_l)
    top = float(np.max(sl))
    if top <= 0:
        raise _fail(where, "the loading branch never reaches a positive strain.")
    _check_monotone_data(sl, tl, top, where, "loading")
    if use_u:
        _check_monotone_data(*gather(use_u), top, where, "unloading")
    fits = []
    m_load, r2, rmse = fit_branch(sl, tl, model, top, degree)
    fits.append(
        BranchFit(
            direction,
            "loading",
            model,
            _params(m_load),
            r2,
            rmse,
            float(sl.min()),
            top,
            sl.size,
            _covariance(m_load, sl, tl),
        )
    )
    notes = []
    if use_u:
        su, tu = gather(use_u)
        m_unl, r2u, rmseu = fit_branch(su, tu, model, top, degree)
        fits.append(
            BranchFit(
                direction,
                "unloading",
                model,
                _params(m_unl),
                r2u,
                rmseu,
                float(su.min()),
                float(su.max()),
                su.size,
                _covariance(m_unl, su, tu),
            )
        )
    else:
        warnings.warn(
            f"tensile file {where} has no unloading branch; the unloading curve is set equal "
            "to the loading curve (no hysteresis), which overestimates worn pressure.",
            errors.StockingSimWarning,
            stacklevel=4,
        )
        m_unl = m_load
        notes.append(f"{direction}: no unloading data; unloading = loading")
    return m_load, m_unl, fits, notes, data, path_info


def _covariance(model: _Model, strain: np.ndarray, tension: np.ndarray):
    """The fit's parameter covariance as nested tuples (see ``fabric._params``)."""
    from stockingsim.fabric._params import fit_covariance

    cov = fit_covariance(model, strain, tension)
    return tuple(tuple(float(v) for v in row) for row in cov)


def _check_monotone_data(s, t, top, where, branch, bins=20, tol=0.1):
    """Raise if the binned tension falls with strain by more than ``tol`` x the peak."""
    b = np.clip((s / top * bins).astype(int), 0, bins - 1)
    count = np.bincount(b, minlength=bins)
    mean = np.bincount(b, weights=t, minlength=bins) / np.maximum(count, 1)
    mean = mean[count > 0]
    drop = np.maximum.accumulate(mean) - mean
    peak = float(np.max(np.abs(t)))
    if mean.size > 1 and float(np.max(drop)) > tol * peak:
        at = int(np.argmax(drop))
        raise _fail(
            where,
            f"on the {branch} branch the tension falls with strain (by {np.max(drop):.3g} N/m, "
            f"{np.max(drop) / peak:.0%} of the peak, near bin {at + 1}/{mean.size}); the "
            "specimen slipped or broke, or the columns are mixed up. Trim the file to the "
            "intact cycles.",
        )


@dataclass(frozen=True)
class TensileFit:
    """What a tensile-test fit gives: the four curves, names and the fit report.

    :meth:`Fabric.from_tensile_test` builds the fabric from it.
    """

    models: dict[str, _Model]
    name: str
    description: str
    provenance: tuple[tuple[str, Any], ...]
    report: FitReport
    #: per direction (strain, tension, in_minor, n_minor): the small cycles for the inner loops
    paths: dict[str, tuple] = field(default_factory=dict)


def fit_tensile_test(
    path: str | os.PathLike,
    *,
    width_mm: float,
    gauge_mm: float,
    model: str = "polynomial",
    extension_column: str | None = None,
    force_column: str | None = None,
    cycles: str | int = "all",
    direction: str = "course",
    other_path: str | os.PathLike | None = None,
    wale_strain_ratio: float = WALE_STRAIN_RATIO,
    degree: int = 3,
    name: str | None = None,
) -> TensileFit:
    """Read, split and fit a strip test (see :meth:`Fabric.from_tensile_test`)."""
    for label, value in (("width_mm", width_mm), ("gauge_mm", gauge_mm)):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise errors.TensileDataError(
                f"{label} must be a number in mm, got {value!r}."
            ) from None
        if not math.isfinite(value) or value <= 0:
            raise errors.TensileDataError(
                f"{label} must be a positive length in mm (e.g. width_mm=50, gauge_mm=100), "
                f"got {value!r}."
            )
    width_mm, gauge_mm = float(width_mm), float(gauge_mm)
    if model not in FIT_MODELS:
        raise errors.FabricError(f"model must be one of {FIT_MODELS}, got {model!r}.")
    if direction not in ("course", "wale"):
        raise errors.FabricError(f"direction must be 'course' or 'wale', got {direction!r}.")
    if not (isinstance(degree, int) and 1 <= degree <= 8):
        raise errors.FabricError(f"degree must be an integer 1 to 8, got {degree!r}.")
    ratio = float(wale_strain_ratio)
    if not (math.isfinite(ratio) and ratio > 0):
        raise errors.FabricError(f"wale_strain_ratio must be > 0, got {wale_strain_ratio!r}.")
    other = "wale" if direction == "course" else "course"
    ml, mu, fits, notes, data, path_info = _measure(
        path, width_mm, gauge_mm, model, extension_column, force_column, cycles, degree, direction
    )
    models = {f"{direction}_loading": ml, f"{direction}_unloading": mu}
    paths = {direction: path_info}
    sources = [str(path)]
    if other_path is not None:
        ol, ou, ofits, onotes, _, opath = _measure(
            other_path,
            width_mm,
            gauge_mm,
            model,
            extension_column,
            force_column,
            cycles,
            degree,
            other,
        )
        models[f"{other}_loading"], models[f"{other}_unloading"] = ol, ou
        paths[other] = opath
        fits += ofits
        notes += onotes
        sources.append(str(other_path))
    else:
        r = ratio if other == "wale" else 1.0 / ratio
        models[f"{other}_loading"] = ml.strain_scaled(r)
        models[f"{other}_unloading"] = mu.strain_scaled(r)
        notes.append(
            f"{other} not measured: T_{other}(eps) = T_{direction}({r:g} eps) (assumption: "
            f"wale_strain_ratio = {ratio:g}, the wale stretches {ratio:g} x less)"
        )
    report = FitReport(
        source=" + ".join(sources),
        width_mm=width_mm,
        gauge_mm=gauge_mm,
        model=model,
        cycles=str(cycles),
        fits=tuple(fits),
        notes=tuple(notes),
    )
    label = name or f"tensile {Path(path).stem} ({model})"
    desc = (
        f"Fitted to tensile test {report.source} (width {width_mm:g} mm, gauge {gauge_mm:g} mm, "
        f"{model} model, cycles {cycles}). " + " ".join(notes)
    )
    return TensileFit(
        models=models,
        name=label,
        description=desc.strip(),
        provenance=(("source", "tensile test"), ("file", report.source)),
        report=report,
        paths=paths,
    )


def fit_inner_loops(fabric: Any, paths: dict[str, tuple]) -> Any:
    """Fit ``inner_loop_strain`` per direction measured with small cycles (else keep it)."""
    from dataclasses import replace

    from stockingsim.fabric._cyclic import fit_inner_loop_strain

    fitted, notes = {}, []
    for d, (strain, tension, in_minor, n_minor) in paths.items():
        if n_minor >= 2:
            eps_c, rmse = fit_inner_loop_strain(fabric, strain, tension, d, in_minor)
            fitted[d] = eps_c
            notes.append(
                f"{d}: inner loops fitted to {n_minor} small-cycle segments, inner_loop_strain "
                f"{eps_c:.4g} (RMSE on the small cycles {rmse:.3g} N/m)"
            )
    if not fitted:
        return fabric
    c, w = fabric.inner_loop_strain
    if len(fitted) == 1:  # the unmeasured direction gets the same inner-loop strain
        c = w = next(iter(fitted.values()))
    c, w = fitted.get("course", c), fitted.get("wale", w)
    report = replace(fabric.fit_report, notes=fabric.fit_report.notes + tuple(notes))
    provenance = fabric.provenance + tuple(
        (f"inner_loop_strain_fitted_{d}", v) for d, v in fitted.items()
    )
    return replace(
        fabric,
        inner_loop_strain=(c, w),
        fit_report=report,
        provenance=provenance,
        description=fabric.description + " " + " ".join(notes),
    )


def write_synthetic_test(
    path: str | os.PathLike,
    loading: _Model,
    unloading: _Model,
    *,
    width_mm: float = 50.0,
    gauge_mm: float = 100.0,
    max_strain: float | None = None,
    cycles: int = 1,
    n_per_branch: int = 400,
    noise: float = 0.01,
    seed: int = 0,
    sep: str = ",",
    decimal: str = ".",
    headers: tuple[str, str] = ("Extension (mm)", "Force (N)"),
) -> Path:
    """Write a synthetic cyclic strip test from known curves (for tests and examples).

    Gaussian force noise of standard deviation ``noise`` x the peak force.
    """
    top = loading.max_strain if max_strain is None else max_strain
    rng = np.random.default_rng(seed)
    up = np.linspace(0.0, top, n_per_branch)
    strains, tensions = [], []
    for _ in range(cycles):
        strains += [up, up[::-1][1:]]
        tensions += [loading.tension(up), unloading.tension(up[::-1][1:])]
    s = np.concatenate(strains)
    t = np.concatenate(tensions)
    force = t * width_mm / 1000.0
    force = force + rng.normal(0.0, noise * float(np.max(force)), size=force.shape)
    ext = s * gauge_mm
    buf = io.StringIO()
    buf.write(f"{headers[0]}{sep}{headers[1]}\n")
    for e, f in zip(ext, force):
        row = f"{e:.6f}{sep}{f:.6f}"
        if decimal == ",":
            row = row.replace(".", ",")
        buf.write(row + "\n")
    out = Path(path)
    out.write_text(buf.getvalue(), encoding="utf-8")
    return out
