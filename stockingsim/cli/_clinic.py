"""The subcommands for one patient: ``fit`` (a size from a size chart) and ``app`` (the web app)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stockingsim import errors
from stockingsim.cli._inputs import (
    FIT_POINTS,
    UsageError,
    fabric_named,
    leg_from,
    measurement_text,
)
from stockingsim.cli._output import one_line, print_table, wrote


def _subject(args) -> Any:
    """The measurements (cm by point name) or the leg scan; left and right if --right."""
    given = {k: getattr(args, k) for k in FIT_POINTS if getattr(args, k) is not None}
    if args.leg and given:
        raise UsageError("give measurements (--cB ...) or --leg, not both")
    if not args.leg and not given:
        raise UsageError("give the measurements (--cB 22 --cC 36 ...) or a scan with --leg")
    chart = args.chart
    if chart not in ("knee-high", "thigh-high") and not Path(chart).exists():
        raise UsageError(f"--chart {chart}: no such file (or use knee-high / thigh-high)")
    subject: Any = leg_from(args.leg, args.units) if args.leg else given
    if args.right:
        subject = {"left": subject, "right": measurement_text(args.right)}
    return subject


def _print_fit(fit, side: str, order: str | None) -> None:
    """One leg's fit: the verdict, notes, profile and (made to measure) the order form."""
    print(repr(fit))
    for note in fit.notes:
        print(f"  note: {note}")
    print_table(fit.profile[["height_m", "circumference_m", "pressure_mmhg"]], lambda v: f"{v:.3g}")
    if fit.spec is not None:
        print(f"order form{' (' + side + ')' if side else ''}:")
        print_table(fit.spec.table, lambda v: f"{v:g}")
    if order and fit.spec is not None:
        out = Path(order)
        out = out.with_name(f"{out.stem}_{side}{out.suffix}") if side else out
        wrote(fit.spec.to_csv(out))


def cmd_fit(args) -> int:
    """``stockingsim fit``: print the fit of one or two legs; exit 2 on bad measurements."""
    from stockingsim.fitting import fit_patient, fitting_report

    subject = _subject(args)
    try:
        fits = fit_patient(subject, args.chart, fabric=args.fabric and fabric_named(args.fabric),
                           standard=args.standard, method=args.method)  # fmt: skip
    except errors.MeasurementError as exc:
        raise UsageError(one_line(exc)) from exc
    items = fits if isinstance(fits, dict) else {"": fits}
    for side, fit in items.items():
        _print_fit(fit, side, args.order)
    if args.report:
        wrote(fitting_report(fits, args.report))
    return 0


def cmd_app(args) -> int:
    """``stockingsim app``: serve the web app on 127.0.0.1 until interrupted."""
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: use 0-65535")
    from stockingsim.app import serve

    serve(port=args.port, open_browser=not args.no_browser)
    return 0
