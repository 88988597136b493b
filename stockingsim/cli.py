"""The ``stockingsim`` command.

Subcommands: ``demo`` (the whole job on a bundled leg), ``simulate``, ``design``, ``classify``,
``fabric list|show|fit``, ``report``, ``batch``, ``fit`` (a patient's size from a size chart) and
``app`` (the local web app), ``calibrate`` and ``agreement``. Exit codes: 0 done, 1 the work failed (a
:mod:`stockingsim.errors` error, an unreadable file, ...), 2 the command line is wrong. Errors are
one line on stderr; ``--debug`` shows the traceback instead.

Examples
--------
>>> from stockingsim.cli import main
>>> main(["classify", "27", "--standard", "RAL-GZ 387"])
27.0 mmHg, RAL-GZ 387: class II (23-32 mmHg)
0
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stockingsim import __version__, errors
from stockingsim import vocabulary as vocab

PROG = "stockingsim"
DEFAULT_FABRIC = "circular class II"
DEFAULT_TARGET = vocab.DEFAULT_TARGET
DEFAULT_STANDARD = vocab.DEFAULT_STANDARD
METHODS = vocab.METHODS
STYLES = tuple(vocab.STYLES)
LANDMARKS = vocab.LANDMARKS


class UsageError(Exception):
    """A wrong command line (exit code 2)."""


# ----------------------------------------------------------------------------------------------
# small helpers
def _say(msg: str) -> None:
    """Progress and notes go to stderr so that stdout stays the result."""
    print(msg, file=sys.stderr, flush=True)


def _fabric(name_or_path: str):
    """A preset name from the library, or a fabric JSON file written by ``fabric fit``."""
    from stockingsim.fabric import Fabric, fabric_library

    library = fabric_library()
    if name_or_path in library:
        return library[name_or_path]
    folded = {k.lower(): k for k in library}
    if name_or_path.lower() in folded:
        return library[folded[name_or_path.lower()]]
    path = Path(name_or_path)
    if path.suffix.lower() == ".json" or path.is_file():
        if not path.is_file():
            raise UsageError(f"fabric file {path} does not exist")
        return Fabric.from_json(path)
    names = ", ".join(repr(n) for n in library)
    raise UsageError(
        f"unknown fabric {name_or_path!r}; use a fabric JSON file or one of: {names} "
        "(see 'stockingsim fabric list')"
    )


def _relaxed(text: str):
    """``"22"`` (cm, everywhere) or ``"B=20,C=31,D=33"`` (cm per landmark) -> metres."""
    from stockingsim._checks import as_number

    text = text.strip()
    hint = "Give one circumference in cm (e.g. 22) or cm per landmark (e.g. B=20,C=31,D=33)."
    if "=" not in text:
        cm = as_number(
            text, "--relaxed", UsageError, positive=True, unit="cm", kind="girth_cm", hint=hint
        )
        return cm / 100.0
    out = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        if name.strip() not in LANDMARKS:
            raise UsageError(
                f"--relaxed {text!r} is not understood (landmarks {', '.join(LANDMARKS)}). {hint}"
            )
        cm = as_number(
            value,
            f"--relaxed {name.strip()}",
            UsageError,
            positive=True,
            unit="cm",
            kind="girth_cm",
            hint=hint,
        )
        out[name.strip()] = cm / 100.0
    return out


def _load(path: str, units: str):
    from stockingsim.leg import bundled_leg, load_leg

    if path.startswith("bundled:"):
        return bundled_leg(path.split(":", 1)[1] or "anny_f_avg")
    return load_leg(path, units=units)


def _fmt(value: Any, digits: int = 1) -> str:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "-"
    return "-" if not math.isfinite(value) else f"{value:.{digits}f}"


def profile_table(result) -> str:
    """The landmark profile of a PressureResult as a fixed-width text table (cm, %, mmHg)."""
    prof = result.profile
    head = (
        f"{'point':<6}{'height cm':>10}{'girth cm':>10}{'relaxed cm':>11}{'strain %':>10}"
        f"{'mmHg':>8}{'min':>7}{'max':>7}"
    )
    lines = [head, "-" * len(head)]
    for name, row in prof.iterrows():
        lines.append(
            f"{name!s:<6}{_fmt(row.get('height_m', float('nan')) * 100):>10}"
            f"{_fmt(row.get('circumference_m', float('nan')) * 100):>10}"
            f"{_fmt(row.get('relaxed_circumference_m', float('nan')) * 100):>11}"
            f"{_fmt(row.get('strain', float('nan')) * 100, 0):>10}"
            f"{_fmt(row.get('pressure_mmhg')):>8}{_fmt(row.get('pressure_min_mmhg')):>7}"
            f"{_fmt(row.get('pressure_max_mmhg')):>7}"
        )
    return "\n".join(lines)


def _split_target(target: str) -> tuple[str, str | None]:
    from stockingsim.standards import split_target  # imported on use: pandas is heavy

    return split_target(target, DEFAULT_STANDARD)


def _class_line(result, standard: str) -> str:
    cls = result.classify(standard)
    p_b = result.pressure_at("B") if "B" in result.profile.index else float("nan")
    verdict = f"class {cls}" if cls is not None else "no class (between or outside the classes)"
    return f"pressure at B: {_fmt(p_b)} mmHg -> {standard}: {verdict}"


def _gradient_line(result, standard: str) -> str:
    from stockingsim.standards import gradient_verdict

    try:
        verdict = gradient_verdict(result, standard=standard)
    except errors.StockingSimError as exc:
        return f"gradient: not checked ({exc})"
    return f"gradient: {verdict}"


def _use_agg() -> None:
    """Files only, never windows: Agg for matplotlib, off-screen VTK without its X warnings."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("PYVISTA_OFF_SCREEN", "true")
    try:
        from vtkmodules.vtkCommonCore import vtkLogger

        vtkLogger.SetStderrVerbosity(vtkLogger.VERBOSITY_ERROR)
    except ImportError:  # no VTK: the 3D map reports the missing dependency itself
        pass


def _write_images(result, out: Path, target=None, standard=DEFAULT_STANDARD) -> list[Path]:
    """3D map, profile and unrolled map PNGs; returns the files written."""
    _use_agg()
    from stockingsim import viz

    files = []
    jobs = [
        (
            "pressure_map.png",
            lambda p: viz.plot_pressure_map(result, p, clim="robust", view="both", off_screen=True),
        ),
        (
            "profile.png",
            lambda p: viz.plot_profile(result, p, standard=standard, target=target),
        ),
        ("unrolled.png", lambda p: viz.plot_unrolled(result, p, clim="robust")),
    ]
    for name, job in jobs:
        path = out / name
        _say(f"  writing {path}")
        job(path)
        files.append(path)
    _close_figures()
    return files


def _close_figures() -> None:
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


# ----------------------------------------------------------------------------------------------
# subcommands
def cmd_demo(args) -> int:
    """Run ``stockingsim demo``: design, simulate, pictures and report on a bundled leg."""
    from stockingsim._report import report
    from stockingsim.design import design_stocking
    from stockingsim.leg import bundled_leg
    from stockingsim.solvers import simulate

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    started = time.time() - 1.0
    _say(f"[1/5] loading the bundled leg {args.leg!r}")
    leg = bundled_leg(args.leg)
    fabric = _fabric(args.fabric)
    _say(f"[2/5] designing a {args.target} stocking in {fabric.name!r}")
    stocking, spec = design_stocking(leg, fabric, args.target, style=args.style)
    _say(f"[3/5] simulating the pressure ({args.method})")
    result = simulate(leg, stocking, method=args.method)
    standard, _ = _split_target(args.target)
    _say("[4/5] drawing the pressure map, the profile and the unrolled map")
    _write_images(result, out, target=args.target, standard=standard)
    _say("[5/5] writing the spec sheet and the report")
    spec.to_csv(out / "spec_sheet.csv")
    report(
        result,
        out / "report.html",
        standard=standard,
        target=args.target,
        spec=spec,
        title=f"stockingsim demo: {leg.name}, {fabric.name}, {args.target}",
    )
    files = sorted(p for p in out.iterdir() if p.is_file() and p.stat().st_mtime >= started)
    _close_figures()
    print(f"{leg.name}: {fabric.name}, designed for {args.target}, {args.method} pressure")
    print(profile_table(result))
    print(_class_line(result, standard))
    print(_gradient_line(result, standard))
    print(f"\nfiles written to {out.resolve()} in {time.perf_counter() - t0:.1f} s:")
    for path in files:
        print(f"  {path.name}")
    return 0


def _stocking_from_args(args, leg, fabric):
    """(stocking, spec or None): designed for --target, or made from --relaxed."""
    from stockingsim.stocking import Stocking

    if getattr(args, "relaxed", None):
        return Stocking(fabric, _relaxed(args.relaxed), style=args.style), None
    from stockingsim.design import design_stocking

    return design_stocking(leg, fabric, args.target, style=args.style)


def cmd_simulate(args) -> int:
    """Run ``stockingsim simulate``: the pressure of a given stocking on a leg."""
    from stockingsim.solvers import simulate
    from stockingsim.stocking import Stocking

    relaxed = _relaxed(args.relaxed)
    fabric = _fabric(args.fabric)
    _say(f"loading {args.leg}")
    leg = _load(args.leg, args.units)
    stocking = Stocking(fabric, relaxed, style=args.style)
    _say(f"simulating ({args.method})")
    result = simulate(leg, stocking, method=args.method)
    print(f"{leg.name}: {fabric.name}, {args.method} pressure")
    print(profile_table(result))
    print(_class_line(result, args.standard))
    print(_gradient_line(result, args.standard))
    _exports(result, args)
    return 0


def _exports(result, args) -> None:
    if getattr(args, "csv", None):
        result.to_csv(args.csv)
        print(f"wrote {args.csv}")
    if getattr(args, "vtk", None):
        result.to_vtk(args.vtk)
        print(f"wrote {args.vtk}")
    if getattr(args, "png", None):
        _use_agg()
        from stockingsim import viz

        viz.plot_pressure_map(result, args.png, off_screen=True)
        print(f"wrote {args.png}")
    if getattr(args, "profile_png", None):
        _use_agg()
        from stockingsim import viz

        viz.plot_profile(result, args.profile_png, standard=args.standard)
        _close_figures()
        print(f"wrote {args.profile_png}")


def cmd_design(args) -> int:
    """Run ``stockingsim design``: design a stocking and print its spec sheet."""
    from stockingsim.design import design_stocking

    fabric = _fabric(args.fabric)
    _say(f"loading {args.leg}")
    leg = _load(args.leg, args.units)
    _say(f"designing for {args.target}")
    stocking, spec = design_stocking(leg, fabric, args.target, method=args.method, style=args.style)
    print(f"{leg.name}: {fabric.name}, designed for {args.target} ({args.method})")
    with _wide_pandas():
        print(spec.to_string(float_format=lambda v: f"{v:.3g}"))
    if args.out:
        spec.to_csv(args.out)
        print(f"wrote {args.out}")
    if args.simulate:
        from stockingsim.solvers import simulate

        _say(f"simulating the design ({args.simulate})")
        result = simulate(leg, stocking, method=args.simulate)
        print(profile_table(result))
        standard, _ = _split_target(args.target)
        print(_class_line(result, standard))
    return 0


class _wide_pandas:
    def __enter__(self):
        import pandas as pd

        self._ctx = pd.option_context("display.width", 200, "display.max_columns", 50)
        self._ctx.__enter__()

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)


def cmd_classify(args) -> int:
    """Run ``stockingsim classify``: the class of ankle pressures."""
    from stockingsim.standards import class_range, classify

    for text in args.mmhg:
        from stockingsim._checks import as_number

        p = as_number(
            text, "pressure", UsageError, nonnegative=True, unit="mmHg", kind="pressure_mmhg"
        )
        cls = classify(p, standard=args.standard)
        if cls is None:
            print(f"{_fmt(p)} mmHg, {args.standard}: no class (between or outside the classes)")
        else:
            lo, hi = class_range(args.standard, cls)
            rng = f"{lo:g}-{hi:g}" if math.isfinite(hi) else f">= {lo:g}"
            print(f"{_fmt(p)} mmHg, {args.standard}: class {cls} ({rng} mmHg)")
    return 0


def cmd_fabric(args) -> int:
    """Run ``stockingsim fabric list|show|fit``."""
    from stockingsim.fabric import compare_fabrics, fabric_library

    if args.fabric_cmd == "list":
        for name, fabric in fabric_library().items():
            desc = (getattr(fabric, "description", "") or "").split(". ")[0]
            desc = desc.removeprefix(f"{name}: ")
            print(f"{name:<24} {desc}")
        return 0
    if args.fabric_cmd == "show":
        fabric = _fabric(args.name)
        print(fabric.name)
        print(getattr(fabric, "description", ""))
        lo, hi = fabric.valid_strain_range("course")
        print(f"valid course strain: {lo:.0%} to {hi:.0%}")
        table = compare_fabrics([fabric]).T
        with _wide_pandas():
            print(table.to_string(float_format=lambda v: f"{v:.4g}"))
        if args.json:
            fabric.to_json(args.json)
            print(f"wrote {args.json}")
        return 0
    # fit
    from stockingsim.fabric import Fabric

    if not Path(args.csv).is_file():
        raise errors.TensileDataError(f"tensile test file {args.csv} does not exist")
    kwargs = {"width_mm": args.width_mm, "gauge_mm": args.gauge_mm}
    if args.model:
        kwargs["model"] = args.model
    if args.name:
        kwargs["name"] = args.name
    fabric = Fabric.from_tensile_test(args.csv, **kwargs)
    print(f"fitted {fabric.name!r} from {args.csv}")
    print(getattr(fabric, "description", ""))
    table = compare_fabrics([fabric]).T
    with _wide_pandas():
        print(table.to_string(float_format=lambda v: f"{v:.4g}"))
    out = args.out or (Path(args.csv).with_suffix(".fabric.json"))
    fabric.to_json(out)
    print(f"wrote {out} (use it with --fabric {out})")
    return 0


def cmd_report(args) -> int:
    """Run ``stockingsim report``: simulate and write an HTML or Markdown report."""
    from stockingsim._report import report
    from stockingsim.solvers import simulate

    if not args.relaxed and not args.target:
        raise UsageError("give --target (design the stocking) or --relaxed (a given stocking)")
    fabric = _fabric(args.fabric)
    _say(f"loading {args.leg}")
    leg = _load(args.leg, args.units)
    stocking, spec = _stocking_from_args(args, leg, fabric)
    _say(f"simulating ({args.method})")
    result = simulate(leg, stocking, method=args.method)
    _use_agg()
    _say(f"writing {args.out}")
    path = report(result, args.out, standard=args.standard, target=args.target, spec=spec)
    _close_figures()
    print(profile_table(result))
    print(_class_line(result, args.standard))
    print(f"wrote {path}")
    return 0


def cmd_batch(args) -> int:
    """Run ``stockingsim batch``: legs x stockings x methods into one table."""
    from stockingsim.batch import BatchDesign, run_batch

    fabrics = [_fabric(name) for name in (args.fabric or [DEFAULT_FABRIC])]
    if args.relaxed:
        from stockingsim.stocking import Stocking

        relaxed = _relaxed(args.relaxed)
        specs = [Stocking(f, relaxed, style=args.style) for f in fabrics]
    else:
        specs = [
            BatchDesign(f, t, style=args.style, method=args.design_method)
            for f in fabrics
            for t in (args.target or [DEFAULT_TARGET])
        ]
    table = run_batch(
        args.legs,
        specs,
        methods=args.method or ["membrane"],
        out=args.out,
        engine=args.engine,
        workers=args.workers,
        address=args.address,
        resume=not args.no_resume,
        progress=not args.no_progress,
        standard=args.standard,
        leg_units=args.units,
        retry_errors=args.retry_errors,
    )
    failed = table["error"].notna()
    n_err = int(failed.sum())
    a = table.attrs
    print(
        f"{len(table)} tasks: {a['computed']} computed, {a['skipped']} already done, "
        f"{n_err} failed; {a['elapsed_s']:.1f} s"
    )
    cols = ["leg_name", "fabric", "method", "pressure_B_mmhg", "ankle_class", "gradient_ok"]
    with _wide_pandas():
        ok = table[~failed]
        if len(ok):
            print(ok[cols].head(args.show).to_string(index=False, float_format="{:.1f}".format))
    if n_err:
        _say(f"{n_err} task(s) failed; first: {table.loc[failed, 'error'].iloc[0]}")
    print(f"results: {Path(args.out).resolve()}")
    return 1 if (n_err and args.strict) else 0


def _existing(path: str, what: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"{what} file {path} does not exist")
    return p


def cmd_calibrate(args) -> int:
    """Run ``stockingsim calibrate``: fit a fabric to measured pressures."""
    import json

    from stockingsim.calibration import calibrate, read_measurements

    fabric = _fabric(args.fabric)
    meas = read_measurements(_existing(args.measurements, "measurement"))
    _say(f"calibrating {fabric.name!r} ({args.method}) to {len(meas)} readings")
    new, report = calibrate(fabric, meas, method=args.method)
    with _wide_pandas():
        print(report.parameters.to_string(float_format="{:.4g}".format))
        print(report.summary.to_string(float_format="{:.2f}".format))
    if args.out:
        new.to_json(args.out)
        print(f"wrote {Path(args.out).resolve()}")
    if args.report:
        Path(args.report).write_text(json.dumps(report.to_dict(), indent=2, default=str))
        print(f"wrote {Path(args.report).resolve()}")
    return 0


def _read_table(path: Path):
    import pandas as pd

    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path, keep_default_na=False, na_values=[""])
    raise UsageError(f"results file {path} must be .parquet or .csv (a run_batch table)")


def cmd_agreement(args) -> int:
    """Run ``stockingsim agreement``: predictions against measured pressures."""
    from stockingsim.calibration import agreement, read_measurements

    table = _read_table(_existing(args.results, "results"))
    if "error" in table.columns:
        table["error"] = table["error"].astype(object).fillna("").astype(str)
    if args.method and "method" in table.columns:
        table = table[table["method"] == args.method]
    meas = read_measurements(_existing(args.measurements, "measurement"))
    result = agreement(table, meas)
    with _wide_pandas():
        print(result.table.to_string(float_format="{:.2f}".format))
    if args.out:
        result.pairs.to_csv(args.out, index=False)
        print(f"wrote {Path(args.out).resolve()}")
    return 0


def _calibration_parsers(sub, fmt) -> None:
    p = sub.add_parser(
        "calibrate",
        help="fit a fabric's course curve to measured pressures",
        description="Least-squares calibration of a fabric (preset or JSON) to a measurement "
        "table (CSV/Excel: leg, point, girth, relaxed girth, mmHg, device); prints the "
        "parameters with 95 %% intervals and the agreement before, after and leave-one-out.",
        epilog="example: stockingsim calibrate 'circular class II' hosy.csv --out fabric.json",
        formatter_class=fmt,
    )
    p.add_argument("fabric", metavar="FABRIC", help="preset name or fabric JSON file")
    p.add_argument("measurements", metavar="MEASUREMENTS", help="CSV or .xlsx table")
    p.add_argument("--method", default="scale_shape", choices=("scale", "scale_shape", "full"))
    p.add_argument("--out", help="write the calibrated fabric as JSON")
    p.add_argument("--report", help="write the calibration report as JSON")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser(
        "agreement",
        help="Bland-Altman agreement of batch results with measured pressures",
        description="Compare a run_batch table (.parquet/.csv; leg_name matches the "
        "measurement's leg id) with a measurement table: bias, SD, 95 %% limits, MAE, r.",
        epilog="example: stockingsim agreement results.parquet hosy.csv",
        formatter_class=fmt,
    )
    p.add_argument("results", metavar="RESULTS", help="run_batch table (.parquet or .csv)")
    p.add_argument("measurements", metavar="MEASUREMENTS", help="CSV or .xlsx table")
    p.add_argument("--method", choices=METHODS, help="use only this method's rows")
    p.add_argument("--out", help="write the matched pairs as CSV")
    p.set_defaults(func=cmd_agreement)


# ----------------------------------------------------------------------------------------------
_FIT_POINTS = ("cB", "cB1", "cC", "cD", "cE", "cF", "cG", "lB", "lB1", "lC", "lD", "lE", "lF", "lG")


def _measurement_text(text: str) -> dict[str, float]:
    """``cB=22,cC=36,lD=42`` -> {"cB": 22.0, ...} (cm)."""
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise UsageError(f"--right: expected NAME=CM pairs like cB=22,cC=36, got {part!r}")
    return out


def _add_fit_parser(sub, fmt) -> None:
    p = sub.add_parser(
        "fit",
        help="a patient's size from a product's size chart (or a made-to-measure order)",
        description="Fit a patient's RAL measurements (cm) or a leg scan to a size chart: the "
        "size (fits / between sizes / made to measure), the predicted pressure profile, class "
        "and gradient verdict, and for made to measure the order form (flat widths in mm).",
        epilog="example: stockingsim fit --cB 22 --cC 36 --cD 33 --lD 42 --chart knee-high\n"
        "charts: a CSV/JSON file or the illustrative 'knee-high' / 'thigh-high'",
        formatter_class=fmt,
    )
    for name in _FIT_POINTS:
        p.add_argument(f"--{name}", type=float, metavar="CM", help=argparse.SUPPRESS)
    p.add_argument("--leg", help="a leg scan (mesh file or bundled:NAME) instead of measurements")
    p.add_argument("--units", default="auto", choices=["auto", "m", "cm", "mm"], help="of --leg")
    p.add_argument(
        "--right", metavar="cB=..,cC=..", help="the right leg's measurements (the others: left)"
    )
    p.add_argument("--chart", required=True, help="size chart CSV/JSON, or knee-high/thigh-high")
    p.add_argument("--fabric", help="the product's fabric (default: the chart's)")
    p.add_argument("--standard", help="standard of the verdict (default: the chart's)")
    p.add_argument("--method", default="laplace", choices=METHODS, help="default laplace")
    p.add_argument("--report", help="write the fitting report (.html, or .pdf with chromium)")
    p.add_argument("--order", help="write the made-to-measure order form CSV")
    p.usage = (
        "stockingsim fit (--cB CM --cC CM [--cB1 CM] [--cD CM] [--cG CM] [--lD CM] [--lG CM] "
        "... | --leg MESH) --chart CHART [options]"
    )
    p.set_defaults(func=cmd_fit)


def cmd_fit(args) -> int:
    """``stockingsim fit``: print the fit of one or two legs; exit 2 on bad measurements."""
    from stockingsim.fitting import fit_patient, fitting_report

    given = {k: getattr(args, k) for k in _FIT_POINTS if getattr(args, k) is not None}
    if args.leg and given:
        raise UsageError("give measurements (--cB ...) or --leg, not both")
    if not args.leg and not given:
        raise UsageError("give the measurements (--cB 22 --cC 36 ...) or a scan with --leg")
    chart = args.chart
    if chart not in ("knee-high", "thigh-high") and not Path(chart).exists():
        raise UsageError(f"--chart {chart}: no such file (or use knee-high / thigh-high)")
    subject: Any = _load(args.leg, args.units) if args.leg else given
    if args.right:
        subject = {"left": subject, "right": _measurement_text(args.right)}
    try:
        fits = fit_patient(subject, chart, fabric=args.fabric and _fabric(args.fabric),
                           standard=args.standard, method=args.method)  # fmt: skip
    except errors.MeasurementError as exc:
        raise UsageError(_one_line(exc)) from exc
    items = fits if isinstance(fits, dict) else {"": fits}
    for side, fit in items.items():
        print(repr(fit))
        for note in fit.notes:
            print(f"  note: {note}")
        with _wide_pandas():
            print(fit.profile[["height_m", "circumference_m", "pressure_mmhg"]].to_string(
                float_format=lambda v: f"{v:.3g}"))  # fmt: skip
            if fit.spec is not None:
                print(f"order form{' (' + side + ')' if side else ''}:")
                print(fit.spec.table.to_string(float_format=lambda v: f"{v:g}"))
        if args.order and fit.spec is not None:
            out = Path(args.order)
            out = out.with_name(f"{out.stem}_{side}{out.suffix}") if side else out
            print(f"wrote {fit.spec.to_csv(out)}")
    if args.report:
        print(f"wrote {fitting_report(fits, args.report)}")
    return 0


def _add_app_parser(sub, fmt) -> None:
    p = sub.add_parser(
        "app",
        help="start the local web app (upload a leg or enter measurements, choose a knit)",
        description="Start the stockingsim web app on this computer (127.0.0.1 only) and open "
        "it in the browser. Needs the optional extra: pip install 'stockingsim[app]'.",
        formatter_class=fmt,
    )
    p.add_argument("--port", type=int, default=8080, help="port (default %(default)s; 0 = any)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(func=cmd_app)


def cmd_app(args) -> int:
    """``stockingsim app``: serve the web app on 127.0.0.1 until interrupted."""
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: use 0-65535")
    from stockingsim.app import serve

    serve(port=args.port, open_browser=not args.no_browser)
    return 0


# ----------------------------------------------------------------------------------------------
def _leg_args(p):
    p.add_argument(
        "leg", metavar="LEG", help="leg mesh file (STL, OBJ, PLY, OFF, GLB) or bundled:NAME"
    )
    p.add_argument("--units", default="auto", choices=["auto", "m", "cm", "mm"], help="mesh units")


def _fabric_arg(p, required=True):
    p.add_argument(
        "--fabric",
        required=required,
        metavar="NAME",
        help="preset name (see 'stockingsim fabric list') or a fabric JSON file",
    )


def _style_arg(p):
    p.add_argument(
        "--style", default=vocab.DEFAULT_STYLE, choices=STYLES, help="AD knee-high (default)"
    )


def _method_arg(p, default="membrane"):
    p.add_argument("--method", default=default, choices=METHODS, help=f"default {default}")


def _standard_arg(p):
    p.add_argument("--standard", default=DEFAULT_STANDARD, help=f"default {DEFAULT_STANDARD}")


def _add_demo(sub) -> None:
    """The ``demo`` subcommand."""
    p = sub.add_parser(
        "demo",
        help="the whole job on a bundled leg: design, simulate, pictures, report",
        description="Design a class II stocking for a bundled leg with a preset fabric, simulate "
        "it, and write the 3D pressure map, profile and unrolled map PNGs, the spec sheet CSV "
        "and an HTML report into an output folder.",
    )
    p.add_argument("--out", default="stockingsim_out", help="output folder (default %(default)s)")
    p.add_argument("--leg", default="anny_f_avg", help="bundled leg (default %(default)s)")
    p.add_argument("--fabric", default=DEFAULT_FABRIC, help="preset fabric (default %(default)s)")
    p.add_argument("--target", default=DEFAULT_TARGET, help="design target (default %(default)s)")
    _style_arg(p)
    _method_arg(p)
    p.set_defaults(func=cmd_demo)


def _add_simulate(sub) -> None:
    """The ``simulate`` subcommand."""
    fmt = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser(
        "simulate",
        help="pressure of a given stocking on a leg",
        description="Simulate a stocking of known relaxed circumference on a leg and print the "
        "pressure profile at the landmarks, the class and the gradient verdict.",
        epilog="example: stockingsim simulate leg.ply --fabric 'circular class II' "
        "--relaxed B=15,C=24,D=25",
        formatter_class=fmt,
    )
    _leg_args(p)
    _fabric_arg(p)
    p.add_argument(
        "--relaxed",
        required=True,
        metavar="CM|B=..,C=..",
        help="relaxed circumference in cm, everywhere (22) or per landmark (B=15,C=24,D=25)",
    )
    _style_arg(p)
    _method_arg(p)
    _standard_arg(p)
    p.add_argument("--csv", help="write the landmark profile table as CSV")
    p.add_argument("--vtk", help="write the leg with the pressure as VTK (.vtp)")
    p.add_argument("--png", help="write the 3D pressure map PNG")
    p.add_argument("--profile-png", help="write the pressure profile PNG")
    p.set_defaults(func=cmd_simulate)


def _add_design(sub) -> None:
    """The ``design`` subcommand."""
    fmt = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser(
        "design",
        help="design a stocking for a target class and print its spec sheet",
        description="Find the relaxed circumference at every height that gives the target "
        "pressure profile, and print the spec sheet (circumferences, flat widths, strain, "
        "tension, target and predicted pressure per landmark).",
        epilog="example: stockingsim design leg.ply --fabric 'circular class II' "
        "--target 'RAL-GZ 387:II'",
        formatter_class=fmt,
    )
    _leg_args(p)
    _fabric_arg(p)
    p.add_argument("--target", default=DEFAULT_TARGET, help="STANDARD:CLASS (default %(default)s)")
    _style_arg(p)
    _method_arg(p, default="laplace")
    p.add_argument("--out", help="write the spec sheet CSV")
    p.add_argument("--simulate", choices=METHODS, help="also simulate the design with this method")
    p.set_defaults(func=cmd_design)


def _add_classify(sub) -> None:
    """The ``classify`` subcommand."""
    fmt = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser(
        "classify",
        help="compression class of an ankle pressure",
        description="The compression class of ankle (B) pressures in mmHg under a standard.",
        epilog="example: stockingsim classify 27 --standard 'RAL-GZ 387'",
        formatter_class=fmt,
    )
    p.add_argument("mmhg", nargs="+", metavar="MMHG", help="pressure at B, mmHg")
    _standard_arg(p)
    p.set_defaults(func=cmd_classify)


def _add_fabric(sub) -> None:
    """The ``fabric`` subcommand."""
    p = sub.add_parser(
        "fabric",
        help="preset fabrics: list, show; fit a fabric to a tensile test",
        description="List and show the preset knits, or fit a fabric model to a tensile test CSV.",
    )
    fsub = p.add_subparsers(dest="fabric_cmd", metavar="ACTION")
    fsub.required = True
    fsub.add_parser("list", help="the preset fabrics")
    q = fsub.add_parser("show", help="one fabric: description and tension at 20-80 % strain")
    q.add_argument("name", metavar="NAME", help="preset name or fabric JSON file")
    q.add_argument("--json", help="also write it as a fabric JSON file")
    q = fsub.add_parser(
        "fit",
        help="fit a fabric to a tensile test CSV",
        description="Fit a fabric model to a strip tensile test (force vs extension) and write "
        "it as a fabric JSON file usable with --fabric.",
    )
    q.add_argument("csv", metavar="CSV", help="tensile test file")
    q.add_argument("--width-mm", type=float, required=True, help="strip width, mm")
    q.add_argument("--gauge-mm", type=float, required=True, help="gauge length, mm")
    q.add_argument("--model", help="model to fit (e.g. polynomial, exponential, two_phase)")
    q.add_argument("--name", help="name of the fitted fabric")
    q.add_argument("--out", help="fabric JSON file (default: CSV name + .fabric.json)")
    p.set_defaults(func=cmd_fabric)


def _add_report(sub) -> None:
    """The ``report`` subcommand."""
    p = sub.add_parser(
        "report",
        help="design or take a stocking, simulate, write an HTML report",
        description="Simulate a designed (--target) or given (--relaxed) stocking and write a "
        "self-contained HTML (or Markdown) report with maps, profile and spec sheet.",
    )
    _leg_args(p)
    _fabric_arg(p)
    p.add_argument("--target", help="design for STANDARD:CLASS, e.g. 'RAL-GZ 387:II'")
    p.add_argument("--relaxed", metavar="CM|B=..,C=..", help="or a given relaxed circumference")
    _style_arg(p)
    _method_arg(p)
    _standard_arg(p)
    p.add_argument("--out", default="report.html", help="report file (default %(default)s)")
    p.set_defaults(func=cmd_report)


def _add_batch(sub) -> None:
    """The ``batch`` subcommand."""
    fmt = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser(
        "batch",
        help="many legs x fabrics x targets x methods into one Parquet table",
        description="Run legs x stockings x methods on a process pool (default) or Dask, one "
        "row per task into Parquet; failed tasks become error rows, and re-running resumes.",
        epilog="example: stockingsim batch 'meshes/*.ply' --fabric 'circular class II' "
        "--target 'RAL-GZ 387:II' --method membrane --out results.parquet",
        formatter_class=fmt,
    )
    p.add_argument("legs", nargs="+", metavar="LEGS", help="mesh files, globs or folders")
    p.add_argument("--fabric", action="append", help="preset or JSON file (repeatable)")
    p.add_argument("--target", action="append", help="design target (repeatable)")
    p.add_argument(
        "--relaxed", metavar="CM|B=..", help="simulate this given stocking instead of designing"
    )
    p.add_argument(
        "--method", action="append", choices=METHODS, help="pressure method (repeatable)"
    )
    p.add_argument("--design-method", default="laplace", choices=METHODS, help="for designs")
    _style_arg(p)
    p.add_argument("--standard", help="standard for class and gradient (default: the target's)")
    p.add_argument("--units", default="auto", choices=["auto", "m", "cm", "mm"])
    p.add_argument("--out", default="results.parquet", help="results table (.parquet or .csv)")
    p.add_argument("--engine", default="processes", choices=["processes", "serial", "dask"])
    p.add_argument("--workers", type=int, help="worker processes (default: all CPUs)")
    p.add_argument("--address", help="Dask scheduler address (with --engine dask)")
    p.add_argument("--no-resume", action="store_true", help="recompute everything")
    p.add_argument("--retry-errors", action="store_true", help="re-run earlier failed tasks")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--strict", action="store_true", help="exit 1 if any task failed")
    p.add_argument("--show", type=int, default=20, help="rows to print (default %(default)s)")
    p.set_defaults(func=cmd_batch)


#: One function per subcommand, in the order of ``--help``.
_SUBCOMMANDS = (
    _add_demo,
    _add_simulate,
    _add_design,
    _add_classify,
    _add_fabric,
    _add_report,
    _add_batch,
)


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the ``stockingsim`` command (one sub-parser per subcommand)."""
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Simulate medical compression stockings: legs, knit fabrics, pressure.",
        epilog="Start with 'stockingsim demo'. Each command has its own --help.\n"
        "Exit codes: 0 done, 1 the work failed, 2 wrong command line.",
        formatter_class=fmt,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in _SUBCOMMANDS:
        add(sub)
    _add_fit_parser(sub, fmt)
    _add_app_parser(sub, fmt)
    _calibration_parsers(sub, fmt)
    return parser


def check_names(args) -> None:
    """Check the named choices (targets, standard) before any work; UsageError if unknown.

    argparse checks the styles and methods; fabrics are checked by :func:`_fabric`. A misspelt
    class or standard is a wrong command line (exit 2) like an unknown fabric, found before
    any leg is loaded.
    """
    from stockingsim.standards import canonical_standard, parse_target

    targets = getattr(args, "target", None)
    for target in [targets] if isinstance(targets, str) else targets or []:
        try:
            parse_target(target, default_standard=DEFAULT_STANDARD)
        except errors.StandardError as exc:
            raise UsageError(f"--target {target!r}: {exc}") from None
    standard = getattr(args, "standard", None)
    if standard is not None:
        try:
            canonical_standard(standard)
        except errors.StandardError as exc:
            raise UsageError(f"--standard: {exc}") from None


#: errors that mean the command line is wrong (exit 2), whichever subcommand finds them
_USAGE_ERRORS = (UsageError, errors.BatchArgumentError)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``stockingsim`` command; returns the exit code (0 ok, 1 failure, 2 usage)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a usage error (2)
        return int(exc.code or 0)
    try:
        check_names(args)
        return int(args.func(args) or 0)
    except _USAGE_ERRORS as exc:
        if args.debug:
            raise
        print(f"{PROG} {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head & co.
        return 0
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except (errors.StockingSimError, OSError) as exc:
        if args.debug:
            raise
        print(f"{PROG} {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - a bug: still one line unless --debug
        if args.debug:
            raise
        print(
            f"{PROG} {args.command}: internal error: {type(exc).__name__}: {_one_line(exc)} "
            "(rerun with --debug for the traceback and please report it)",
            file=sys.stderr,
        )
        return 1


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
