"""The subcommands of many results and measured pressures: ``batch``, ``calibrate``, ``agreement``."""

from __future__ import annotations

from pathlib import Path

from stockingsim.cli._inputs import (
    DEFAULT_FABRIC,
    DEFAULT_TARGET,
    design_target,
    existing,
    fabric_named,
    motion_named,
    read_results,
    relaxed_m,
)
from stockingsim.cli._output import print_table, say, wrote


def _batch_specs(args) -> list:
    """The stockings of a batch: given (--relaxed) or designs (fabrics x targets)."""
    from stockingsim.batch import BatchDesign

    fabrics = [fabric_named(name) for name in (args.fabric or [DEFAULT_FABRIC])]
    if args.relaxed:
        from stockingsim.stocking import Stocking

        relaxed = relaxed_m(args.relaxed)
        return [Stocking(f, relaxed, style=args.style) for f in fabrics]
    return [
        BatchDesign(f, design_target(t), style=args.style, method=args.design_method)
        for f in fabrics
        for t in (args.target or [DEFAULT_TARGET])
    ]


def cmd_batch(args) -> int:
    """Run ``stockingsim batch``: legs x stockings x methods into one table."""
    from stockingsim.batch import run_batch

    motion = motion_named(args.motion) if args.motion else None
    table = run_batch(
        args.legs,
        _batch_specs(args),
        motion=motion,
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
    if motion is not None:
        cols += ["amplitude_B1_mmhg", "amplitude_C_mmhg", "ssi_B1_mmhg"]
    ok = table[~failed]
    if len(ok):
        print_table(ok[cols].head(args.show), "{:.1f}".format, index=False)
    if n_err:
        say(f"{n_err} task(s) failed; first: {table.loc[failed, 'error'].iloc[0]}")
    print(f"results: {Path(args.out).resolve()}")
    return 1 if (n_err and args.strict) else 0


def cmd_calibrate(args) -> int:
    """Run ``stockingsim calibrate``: fit a fabric to measured pressures."""
    import json

    from stockingsim.calibration import calibrate, read_measurements

    fabric = fabric_named(args.fabric)
    meas = read_measurements(existing(args.measurements, "measurement"))
    say(f"calibrating {fabric.name!r} ({args.method}) to {len(meas)} readings")
    new, report = calibrate(fabric, meas, method=args.method)
    print_table(report.parameters, "{:.4g}".format)
    print_table(report.summary, "{:.2f}".format)
    if args.out:
        new.to_json(args.out)
        wrote(Path(args.out).resolve())
    if args.report:
        Path(args.report).write_text(json.dumps(report.to_dict(), indent=2, default=str))
        wrote(Path(args.report).resolve())
    return 0


def cmd_agreement(args) -> int:
    """Run ``stockingsim agreement``: predictions against measured pressures."""
    from stockingsim.calibration import agreement, read_measurements

    table = read_results(existing(args.results, "results"))
    if "error" in table.columns:
        table["error"] = table["error"].astype(object).fillna("").astype(str)
    if args.method and "method" in table.columns:
        table = table[table["method"] == args.method]
    result = agreement(table, read_measurements(existing(args.measurements, "measurement")))
    print_table(result.table, "{:.2f}".format)
    if args.out:
        result.pairs.to_csv(args.out, index=False)
        wrote(Path(args.out).resolve())
    return 0
