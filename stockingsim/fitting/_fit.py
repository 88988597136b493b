"""Fit a patient to a product's size chart; made-to-measure orders where no size fits."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors, standards
from stockingsim.fitting._chart import STYLE_GIRTHS, STYLE_LENGTH, SizeChart
from stockingsim.fitting._measure import (
    check_measurements,
    leg_from_measurements,
    measurements_from_leg,
)

#: A girth within this distance (cm) of a size's range counts as on its edge. Assumption: about
#: the repeatability of a tape measurement of a limb girth by trained fitters (a few mm).
EDGE_CM = 0.5
#: A knitting programme takes flat widths in whole millimetres and lengths in whole centimetres
#: (assumption: the resolution of made-to-measure order forms).
FLAT_WIDTH_STEP_MM = 1.0
LENGTH_STEP_CM = 1.0
STATUSES = ("fits", "between sizes", "made to measure")


@dataclass(frozen=True, eq=False)
class SizeOption:
    """The predicted pressure of one ready-to-wear size on the patient's leg.

    Attributes
    ----------
    size, length : str
    stocking : Stocking
    result : PressureResult
    pressure_b_mmhg : float
        Predicted pressure at B (ankle).
    class_at_b : str or None
        Class of that pressure under the standard (None: between classes).
    class_ok, gradient_ok : bool
        The target class is reached at B; the profile passes the standard's gradient rules.
    """

    size: str
    length: str
    stocking: Any
    result: Any
    pressure_b_mmhg: float
    class_at_b: str | None
    class_ok: bool
    gradient_ok: bool

    @property
    def label(self) -> str:
        """``size`` or ``"size length"`` when the chart has several lengths."""
        return self.size if self.length == "normal" else f"{self.size} {self.length}"


@dataclass(frozen=True, eq=False)
class OrderForm:
    """A made-to-measure order: flat widths (mm) and lengths (cm) at each measuring point.

    Attributes
    ----------
    table : pandas.DataFrame
        Index = measuring points from B up; ``height_cm`` (measured length from the floor,
        rounded to :data:`LENGTH_STEP_CM`), ``leg_girth_cm``, ``flat_width_mm`` (half the
        relaxed circumference, rounded to :data:`FLAT_WIDTH_STEP_MM`),
        ``relaxed_circumference_mm`` (twice the flat width), ``knitted_length_cm`` (along the
        relaxed stocking from its bottom edge), ``target_mmhg``.
    style, fabric, target : str
    """

    table: pd.DataFrame
    style: str
    fabric: str
    target: str

    def __getitem__(self, key: Any) -> Any:
        return self.table[key]

    def __repr__(self) -> str:
        return (
            f"OrderForm (made to measure): style {self.style}, fabric '{self.fabric}', target "
            f"{self.target}\n" + self.table.to_string()
        )

    def _repr_html_(self) -> str:
        return f"<p>{repr(self).splitlines()[0]}</p>" + self.table.to_html()

    def to_csv(self, path: str | Path) -> Path:
        """Write the order form as CSV (one row per measuring point); returns the path."""
        path = Path(path)
        try:
            self.table.to_csv(path)
        except OSError as exc:
            raise errors.ExportError(f"cannot write the order form to {path}: {exc}") from exc
        return path

    def to_stocking(self, fabric: Any) -> Any:
        """The stocking knitted to this order (relaxed circumference per measuring point)."""
        from stockingsim._checks import as_fabric
        from stockingsim.stocking import Stocking

        relaxed = {
            lm: float(v) / 1000.0 for lm, v in self.table["relaxed_circumference_mm"].items()
        }
        return Stocking(
            as_fabric(fabric, "OrderForm.to_stocking()"),
            relaxed,
            style=self.style,
            name=f"made to measure {self.target}",
        )


@dataclass(frozen=True, eq=False)
class FitResult:
    """The outcome of fitting one leg to a size chart.

    Attributes
    ----------
    status : str
        ``"fits"`` (every measured girth inside one size), ``"between sizes"`` (on the edge of
        two: both are in :attr:`options`) or ``"made to measure"`` (no size fits).
    size, length : str or None
        The recommended size (None for made to measure). Between sizes it is the size whose
        prediction meets the class and gradient, else the one nearest the mid-class pressure.
    sizes : tuple of str
        The sizes considered (one, two, or none).
    options : dict of str to SizeOption
        Prediction per considered size.
    result : PressureResult
        The predicted pressure of the recommended size (or of the made-to-measure order).
    leg : Leg
        The leg the prediction was made on (built from the measurements, or the scan).
    measurements : dict of str to float
        The measurements used (cm).
    standard, target : str
    class_at_b : str or None
    class_ok, gradient_ok : bool
    gradient : pandas.DataFrame
        :func:`stockingsim.check_gradient` of the result.
    spec : OrderForm or None
        The made-to-measure order form.
    design_spec : DesignSpec or None
        The full design (1 cm knitting table in ``design_spec.courses``) for made to measure.
    chart, side : str
    notes : tuple of str
        Why this status (which girth is outside which size).
    """

    status: str
    size: str | None
    length: str | None
    sizes: tuple
    options: dict
    result: Any
    leg: Any
    measurements: dict
    standard: str
    target: str
    class_at_b: str | None
    class_ok: bool
    gradient_ok: bool
    gradient: pd.DataFrame
    spec: OrderForm | None = None
    design_spec: Any = None
    chart: str = ""
    side: str = ""
    notes: tuple = field(default_factory=tuple)

    @property
    def pressure_b_mmhg(self) -> float:
        """Predicted pressure at B (ankle), mmHg."""
        return float(self.result.profile.loc["B", "pressure_mmhg"])

    @property
    def profile(self) -> pd.DataFrame:
        """Predicted pressure at the landmarks the stocking covers."""
        prof = self.result.profile
        return prof.loc[[lm for lm in self.gradient.index if lm in prof.index]]

    def summary(self) -> dict[str, Any]:
        """The key numbers as a flat dict (for tables and the app)."""
        out: dict[str, Any] = {
            "side": self.side,
            "status": self.status,
            "size": self.size,
            "length": self.length,
            "pressure_B_mmhg": round(self.pressure_b_mmhg, 2),
            "class_at_B": self.class_at_b,
            "class_ok": self.class_ok,
            "gradient_ok": self.gradient_ok,
        }
        for label, opt in self.options.items():
            out[f"pressure_B_mmhg[{label}]"] = round(opt.pressure_b_mmhg, 2)
        return out

    def __repr__(self) -> str:
        size = "" if self.size is None else f" size {self.size}"
        others = ""
        if self.status == "between sizes":
            others = (
                " ("
                + ", ".join(f"{k}: {o.pressure_b_mmhg:.1f} mmHg" for k, o in self.options.items())
                + ")"
            )
        return (
            f"FitResult{' ' + self.side if self.side else ''}: {self.status}{size}{others}; "
            f"B {self.pressure_b_mmhg:.1f} mmHg, class {self.class_at_b} under {self.standard} "
            f"(target {self.target}: {'met' if self.class_ok else 'NOT met'}), gradient "
            f"{'passed' if self.gradient_ok else 'FAILED'}"
        )

    def report(self, path: str | Path | None = None, fmt: str | None = None) -> Any:
        """The printable fitting report (see :func:`stockingsim.fitting_report`)."""
        from stockingsim.fitting._report import fitting_report

        return fitting_report(self, path, fmt=fmt)


# --------------------------------------------------------------------------------------------
def _membership(chart: SizeChart, m: Mapping[str, float], edge_cm: float):
    """(strict, loose, notes): rows inside every range, inside every range widened by edge_cm."""
    rows = chart.sizes
    strict = np.ones(len(rows), bool)
    loose = np.ones(len(rows), bool)
    for name in chart.measured:
        lo = rows[f"{name}_min_cm"].to_numpy(float)
        hi = rows[f"{name}_max_cm"].to_numpy(float)
        x = m[name]
        strict &= (x >= lo) & (x <= hi)
        loose &= (x >= lo - edge_cm) & (x <= hi + edge_cm)
    notes = []
    for name in chart.measured:
        lo = rows[f"{name}_min_cm"].to_numpy(float)
        hi = rows[f"{name}_max_cm"].to_numpy(float)
        if m[name] < lo.min() or m[name] > hi.max():
            notes.append(
                f"{name}={m[name]:g} cm is outside every size ({lo.min():g}-{hi.max():g} cm)"
            )
    return strict, loose, notes


def _simulate(leg, stocking, method, options):
    from stockingsim.solvers import simulate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", errors.NoContactWarning)
        return simulate(leg, stocking, method=method, **options)


def _verdict(result, standard: str, target: str):
    """(class under ``standard``, target class met under its own standard, gradient ok, table)."""
    target_std, target_cls = standards.parse_target(target)
    cls = result.classify(standard)
    grad = standards.check_gradient(result, standard)
    met = result.classify(target_std) == target_cls
    return cls, met, bool(grad.attrs["passed"]), grad


def _option(chart, row, leg, fabric, standard, method, options) -> SizeOption:
    stocking = chart.stocking(row["size"], row["length"], fabric)
    result = _simulate(leg, stocking, method, options)
    got, ok, grad_ok, _ = _verdict(result, standard, chart.target)
    return SizeOption(
        size=row["size"],
        length=row["length"],
        stocking=stocking,
        result=result,
        pressure_b_mmhg=float(result.profile.loc["B", "pressure_mmhg"]),
        class_at_b=got,
        class_ok=ok,
        gradient_ok=grad_ok,
    )


def _order_form(design_spec, measurements, style, fabric_name, target) -> OrderForm:
    lm = design_spec.landmarks
    courses = design_spec.courses
    step = FLAT_WIDTH_STEP_MM
    flat_mm = np.round(10.0 * lm["flat_width_cm"].to_numpy(float) / step) * step
    knitted = []
    for point in lm.index:
        rows = courses[courses["landmark"].str.split(",").apply(lambda s, p=point: p in s)]
        knitted.append(float(rows["relaxed_length_cm"].iloc[0]) if len(rows) else np.nan)
    height = [measurements.get("l" + p, h) for p, h in zip(lm.index, lm["height_cm"])]
    table = pd.DataFrame(
        {
            "height_cm": np.round(np.asarray(height, float) / LENGTH_STEP_CM) * LENGTH_STEP_CM,
            "leg_girth_cm": np.round(lm["leg_circumference_cm"].to_numpy(float), 1),
            "flat_width_mm": flat_mm,
            "relaxed_circumference_mm": 2.0 * flat_mm,
            "knitted_length_cm": np.round(np.asarray(knitted) / LENGTH_STEP_CM) * LENGTH_STEP_CM,
            "target_mmhg": np.round(lm["target_mmhg"].to_numpy(float), 1),
        },
        index=pd.Index(lm.index, name="point"),
    )
    return OrderForm(table=table, style=style, fabric=fabric_name, target=target)


def _required(chart: SizeChart) -> tuple[str, ...]:
    wanted = set(chart.measured) | set(STYLE_GIRTHS[chart.style]) | {STYLE_LENGTH[chart.style]}
    order = ("cB", "cB1", "cC", "cD", "cE", "cF", "cG", "lB", "lB1", "lC", "lD", "lE", "lF", "lG")
    return tuple(k for k in order if k in wanted)


def fit_patient(
    measurements_or_leg: Any,
    chart: SizeChart | str | Path,
    fabric: Any = None,
    standard: str | None = None,
    *,
    method: str = "laplace",
    edge_cm: float = EDGE_CM,
    **simulate_options: Any,
) -> FitResult | dict[str, FitResult]:
    """Choose a patient's size from a product's chart and predict the pressure it gives.

    A leg fits a size when every girth the chart sizes by (and the length) is inside that
    size's range; when it is within ``edge_cm`` of two sizes it is between sizes, and both are
    simulated; otherwise it needs a made-to-measure stocking, designed with
    :func:`stockingsim.design_stocking` for the chart's class on the patient's leg and returned
    as an order form (flat widths in mm, lengths in cm).

    Parameters
    ----------
    measurements_or_leg : mapping, pandas.Series, Leg, path, or {"left": ..., "right": ...}
        RAL measuring-sheet measurements in cm (``{"cB": 22, "cB1": 25, "cC": 36, "cD": 33,
        "lD": 42}``; girths ``c<point>``, heights from the floor ``l<point>``; or a row of a
        table of patients, whose empty cells are points not measured), or a scanned
        :class:`~stockingsim.Leg` or the path of its mesh file (measured with
        :func:`measurements_from_leg`, and the prediction made on the scan). A mapping with
        keys ``left`` and ``right`` fits both legs in one call. Measurements get a parametric
        leg through every measured point
        (:func:`stockingsim.parametric_leg`).
    chart : SizeChart, path, or "knee-high"/"thigh-high"
        The product's chart (a CSV/JSON path, or a bundled illustrative chart).
    fabric : Fabric or str, optional
        The product's knit (default: the chart's).
    standard : str, optional
        Standard for the reported class and the gradient verdict (default: the chart
        target's). Whether the product's class is met (``class_ok``) is always judged under
        the target's own standard.
    method : str
        Pressure method of the predictions (default ``laplace``, the clinical reference).
    edge_cm : float
        Distance to a size's range that counts as its edge (default :data:`EDGE_CM`).
    **simulate_options
        Passed to :func:`stockingsim.simulate`.

    Returns
    -------
    FitResult, or dict of str to FitResult
        One per leg (``{"left": ..., "right": ...}`` for two legs).

    Raises
    ------
    stockingsim.errors.MeasurementError
        Unknown or missing measurements for the chart's style, values in mm or m, a calf not
        larger than the ankle, lengths not increasing.
    stockingsim.errors.SizeChartError
        An unreadable chart.

    Examples
    --------
    >>> import stockingsim as ss
    >>> fit = ss.fit_patient({"cB": 21, "cC": 34, "cD": 32, "lD": 40}, "knee-high")
    >>> fit.status, fit.size
    ('fits', 'II')
    """
    chart = _as_chart(chart)
    if isinstance(measurements_or_leg, Mapping) and {"left", "right"} & set(measurements_or_leg):
        extra = set(measurements_or_leg) - {"left", "right"}
        if extra:
            raise errors.MeasurementError(
                f"give either one leg's measurements or {{'left': ..., 'right': ...}}; got also "
                f"{sorted(extra)}"
            )
        return {
            side: _fit_one(m, chart, fabric, standard, method, edge_cm, simulate_options, side)
            for side, m in measurements_or_leg.items()
        }
    return _fit_one(
        measurements_or_leg, chart, fabric, standard, method, edge_cm, simulate_options, ""
    )


def _as_chart(chart: Any) -> SizeChart:
    if isinstance(chart, SizeChart):
        return chart
    if isinstance(chart, str) and chart in ("knee-high", "thigh-high"):
        return SizeChart.bundled(chart)
    if isinstance(chart, str) and not Path(chart).suffix and not Path(chart).exists():
        raise errors.SizeChartError(
            f"no size chart {chart!r}: the bundled charts are 'knee-high' and 'thigh-high'; "
            "a product's chart is the path of its CSV or JSON file."
        )
    if isinstance(chart, str | Path):
        return SizeChart.read(chart)
    if hasattr(chart, "stockings") and hasattr(chart, "coverage_percent"):
        return SizeChart.from_design(chart)
    raise errors.SizeChartError(
        f"chart must be a SizeChart, a CSV/JSON path or 'knee-high'/'thigh-high', got "
        f"{type(chart).__name__}"
    )


def _fit_one(given, chart, fabric, standard, method, edge_cm, options, side) -> FitResult:
    from stockingsim._checks import as_fabric

    fab = as_fabric(chart._fabric_or(fabric), "fit_patient()")
    target_std, cls = standards.parse_target(chart.target)
    std = standards.canonical_standard(standard) if standard else target_std
    if isinstance(given, str | os.PathLike):  # a scan's mesh file, read as load_leg reads it
        from stockingsim.leg import load_leg

        given = load_leg(given)
    if hasattr(given, "landmarks") and hasattr(given, "vertices"):
        leg = given
        m = check_measurements(measurements_from_leg(leg), _required(chart))
    else:
        m = check_measurements(given, _required(chart))
        label = f"patient{' ' + side if side else ''}"
        leg = leg_from_measurements(m, name=label)
    strict, loose, notes = _membership(chart, m, float(edge_cm))
    rows = chart.sizes
    if loose.sum() >= 2:
        status = "between sizes"
        picked = np.nonzero(loose)[0][:2]
    elif strict.sum() == 1:
        status = "fits"
        picked = np.nonzero(strict)[0]
    else:
        status = "made to measure"
        picked = np.array([], dtype=int)
        if not notes:
            notes.append("the girths fall in different sizes (no size has them all)")
    opts = {}
    for i in picked:
        opt = _option(chart, rows.iloc[i], leg, fab, std, method, options)
        opts[opt.label] = opt
    spec = dspec = None
    if status == "made to measure":
        from stockingsim.design import design_stocking

        _, dspec = design_stocking(leg, fab, target=chart.target, style=chart.style)
        fabric_name = str(getattr(fab, "name", fab))
        spec = _order_form(dspec, m, chart.style, fabric_name, chart.target)
        result = _simulate(leg, spec.to_stocking(fab), method, options)
        size = length = None
    else:
        mid = standards.design_pressure(target_std, cls)
        best = sorted(
            opts.values(),
            key=lambda o: (not (o.class_ok and o.gradient_ok), abs(o.pressure_b_mmhg - mid)),
        )[0]
        result, size, length = best.result, best.size, best.length
    got, ok, grad_ok, grad = _verdict(result, std, chart.target)
    return FitResult(
        status=status,
        size=size,
        length=length,
        sizes=tuple(opts),
        options=opts,
        result=result,
        leg=leg,
        measurements=m,
        standard=std,
        target=chart.target,
        class_at_b=got,
        class_ok=ok,
        gradient_ok=grad_ok,
        gradient=grad,
        spec=spec,
        design_spec=dspec,
        chart=chart.name,
        side=side,
        notes=tuple(notes),
    )


def fits_table(fits: FitResult | Mapping[str, FitResult]) -> pd.DataFrame:
    """The key numbers of one or two fits as a table (one row per leg)."""
    items = fits.values() if isinstance(fits, Mapping) else [fits]
    return pd.DataFrame([f.summary() for f in items])


__all__ = ["FitResult", "SizeOption", "OrderForm", "fit_patient", "fits_table"]
