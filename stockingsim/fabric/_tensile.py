"""Tensile-test branch splitting and fitting (:meth:`Fabric.from_tensile_test`).

The file is read by :mod:`stockingsim.fabric._tensile_csv`, each branch is fitted by
:mod:`stockingsim.fabric._branch_fit`; this module splits the test into cycles, picks the
branches, assembles the four curves and the :class:`FitReport`, and fits the inner loops.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim._numbers import as_number
from stockingsim.fabric._branch_fit import FIT_MODELS, fit_branch
from stockingsim.fabric._fit_report import BranchFit, FitReport
from stockingsim.fabric._models import _Model
from stockingsim.fabric._tensile_csv import TensileData, _fail, read_tensile_csv

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


def _params(m: _Model) -> tuple[tuple[str, Any], ...]:
    return tuple(
        (k, tuple(v) if isinstance(v, list) else v)
        for k, v in m.to_dict().items()
        if k not in ("model", "min_strain", "max_strain")
    )


def _measure(path, width_mm, gauge_mm, model, columns, cycles, degree, direction):
    """Read one file and fit its loading and unloading branches.

    Returns ``(loading model, unloading model, [BranchFit], notes, path)``; ``path`` is
    ``(strain, tension, in_minor, n_minor)``, the whole test for the inner-loop fit.
    """
    data = read_tensile_csv(path, *columns)
    where = repr(str(path))
    strain, tension = _strain_tension(data, width_mm, gauge_mm, where)
    segments, in_minor, n_minor = _outer_segments(strain)
    use_l, use_u = _select_cycles(segments, cycles, where)
    sl, tl = _gather(strain, tension, use_l)
    top = float(np.max(sl))
    if top <= 0:
        raise _fail(where, "the loading branch never reaches a positive strain.")
    _check_monotone_data(sl, tl, top, where, "loading")
    if use_u:
        _check_monotone_data(*_gather(strain, tension, use_u), top, where, "unloading")
    m_load, fit = _fit_one(sl, tl, direction, "loading", model, top, degree)
    fits, notes = [fit], []
    if use_u:
        m_unl, fit = _fit_one(
            *_gather(strain, tension, use_u), direction, "unloading", model, top, degree
        )
        fits.append(fit)
    else:
        warnings.warn(
            f"tensile file {where} has no unloading branch; the unloading curve is set equal "
            "to the loading curve (no hysteresis), which overestimates worn pressure.",
            errors.StockingSimWarning,
            stacklevel=4,
        )
        m_unl = m_load
        notes.append(f"{direction}: no unloading data; unloading = loading")
    return m_load, m_unl, fits, notes, (strain, tension, in_minor, n_minor)


def _strain_tension(
    data: TensileData, width_mm: float, gauge_mm: float, where: str
) -> tuple[np.ndarray, np.ndarray]:
    """Engineering strain and tension (N/m) of a read test; raise if it never stretches."""
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
    return strain, tension


def _outer_segments(strain: np.ndarray) -> tuple[list[tuple[int, int, int]], np.ndarray, int]:
    """The outer-branch segments, the mask of samples in small cycles, their number.

    Small cycles about a working point (span < ``MINOR_CYCLE_SHARE`` of the test's) are inner
    loops: they are not points of the outer branches; the whole path fits the inner-loop
    strain later.
    """
    segments = split_cycles(strain)
    small = MINOR_CYCLE_SHARE * float(np.ptp(strain))
    minor = [(a, b) for a, b, _ in segments if abs(strain[b] - strain[a]) < small]
    in_minor = np.zeros(strain.size, dtype=bool)
    for a, b in minor:
        in_minor[a + 1 : b + 1] = True
    outer = [seg for seg in segments if abs(strain[seg[1]] - strain[seg[0]]) >= small]
    return outer, in_minor, len(minor)


def _select_cycles(segments, cycles, where):
    """``(loading segments, unloading segments)`` of the cycles asked for."""
    loads = [(a, b) for a, b, sg in segments if sg > 0]
    unloads = [(a, b) for a, b, sg in segments if sg < 0]
    if not loads:
        raise _fail(where, "no loading branch (the extension never increases).")
    if cycles == "all":
        return loads, unloads
    if cycles == "last":
        use_l = loads[-1:]
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
    return use_l, [u for u in unloads if u[0] >= use_l[0][1]][:1]


def _gather(strain, tension, segments):
    """The samples of ``segments``.

    A turning point belongs to the segment it ends (the force drops at once on reversal).
    """
    idx = np.concatenate([np.arange(a + 1 if a > 0 else 0, b + 1) for a, b in segments])
    return strain[idx], tension[idx]


def _fit_one(s, t, direction, branch, model, top, degree) -> tuple[_Model, BranchFit]:
    """One branch's model (valid up to ``top``) and its :class:`BranchFit` record."""
    m, r2, rmse = fit_branch(s, t, model, top, degree)
    record = BranchFit(
        direction,
        branch,
        model,
        _params(m),
        r2,
        rmse,
        float(s.min()),
        float(s.max()),
        s.size,
        _covariance(m, s, t),
    )
    return m, record


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


#: Plausible strip width and gauge length of a tensile test, mm (assumption: strips of 25-100 mm
#: and gauges of 50-200 mm are the norm, e.g. EN ISO 13934-1's 50 x 200 mm; wide margins)
STRIP_LENGTH_RANGE_MM = (10.0, 1000.0)


def _strip_length(value: Any, name: str, hint: str) -> float:
    """A strip width or gauge length in mm, or TensileDataError naming the likely unit."""
    x = as_number(value, name, errors.TensileDataError, positive=True, hint=hint)
    lo, hi = STRIP_LENGTH_RANGE_MM
    if x < lo:
        unit = "metres (0.05 m is 50 mm)" if x < 0.5 else "centimetres (5 cm is 50 mm)"
        raise errors.TensileDataError(
            f"{name}={x:g} mm is not a plausible strip; did you give {unit}? {hint}"
        )
    if x > hi:
        raise errors.TensileDataError(
            f"{name}={x:g} mm is not a plausible strip (over 1 m); did you give micrometres? {hint}"
        )
    return x


def fit_tensile_test(
    path,
    *,
    width_mm,
    gauge_mm,
    model,
    extension_column,
    force_column,
    cycles,
    direction,
    other_path,
    wale_strain_ratio,
    degree,
    name,
) -> TensileFit:
    """Read, split and fit a strip test.

    The arguments, their types and defaults are those of :meth:`Fabric.from_tensile_test`
    (declared there only; every one is required here).
    """
    hint = "Give a positive length in mm (e.g. width_mm=50, gauge_mm=100)."
    width_mm = _strip_length(width_mm, "width_mm", hint)
    gauge_mm = _strip_length(gauge_mm, "gauge_mm", hint)
    ratio = _check_fit_options(model, direction, degree, wale_strain_ratio)
    other = "wale" if direction == "course" else "course"
    measured = [(path, direction)] + ([] if other_path is None else [(other_path, other)])
    models, paths, fits, notes = {}, {}, [], []
    for file, d in measured:
        columns = (extension_column, force_column)
        ml, mu, f, n, paths[d] = _measure(
            file, width_mm, gauge_mm, model, columns, cycles, degree, d
        )
        models[f"{d}_loading"], models[f"{d}_unloading"] = ml, mu
        fits += f
        notes += n
    if other_path is None:
        r = ratio if other == "wale" else 1.0 / ratio
        models[f"{other}_loading"] = models[f"{direction}_loading"].strain_scaled(r)
        models[f"{other}_unloading"] = models[f"{direction}_unloading"].strain_scaled(r)
        notes.append(
            f"{other} not measured: T_{other}(eps) = T_{direction}({r:g} eps) (assumption: "
            f"wale_strain_ratio = {ratio:g}, the wale stretches {ratio:g} x less)"
        )
    report = FitReport(
        source=" + ".join(str(file) for file, _ in measured),
        width_mm=width_mm,
        gauge_mm=gauge_mm,
        model=model,
        cycles=str(cycles),
        fits=tuple(fits),
        notes=tuple(notes),
    )
    desc = (
        f"Fitted to tensile test {report.source} (width {width_mm:g} mm, gauge {gauge_mm:g} mm, "
        f"{model} model, cycles {cycles}). " + " ".join(notes)
    )
    return TensileFit(
        models=models,
        name=name or f"tensile {Path(path).stem} ({model})",
        description=desc.strip(),
        provenance=(("source", "tensile test"), ("file", report.source)),
        report=report,
        paths=paths,
    )


def _check_fit_options(model, direction, degree, wale_strain_ratio) -> float:
    """Raise :class:`~stockingsim.errors.FabricError` on a bad option; the wale ratio."""
    if model not in FIT_MODELS:
        raise errors.FabricError(f"model must be one of {FIT_MODELS}, got {model!r}.")
    if direction not in ("course", "wale"):
        raise errors.FabricError(f"direction must be 'course' or 'wale', got {direction!r}.")
    if not (isinstance(degree, int) and 1 <= degree <= 8):
        raise errors.FabricError(f"degree must be an integer 1 to 8, got {degree!r}.")
    return as_number(
        wale_strain_ratio,
        "wale_strain_ratio",
        errors.FabricError,
        positive=True,
        hint="It is how many times less the wale stretches than the course (default 1.5).",
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
