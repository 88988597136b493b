"""The pressure subcommands: ``demo``, ``simulate``, ``design``, ``report`` and ``classify``."""

from __future__ import annotations

import math
import time
from pathlib import Path

from stockingsim import errors
from stockingsim.cli._inputs import (
    UsageError,
    design_target,
    fabric_named,
    leg_from,
    motion_named,
    relaxed_m,
    split_target,
)
from stockingsim.cli._output import (
    close_figures,
    fmt,
    print_result,
    print_table,
    say,
    use_agg,
    write_exports,
    write_images,
    wrote,
)


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
    say(f"[1/5] loading the bundled leg {args.leg!r}")
    leg = bundled_leg(args.leg)
    fabric = fabric_named(args.fabric)
    say(f"[2/5] designing a {args.target} stocking in {fabric.name!r}")
    stocking, spec = design_stocking(leg, fabric, design_target(args.target), style=args.style)
    say(f"[3/5] simulating the pressure ({args.method})")
    result = simulate(leg, stocking, method=args.method)
    standard, _ = split_target(args.target)
    say("[4/5] drawing the pressure map, the profile and the unrolled map")
    write_images(result, out, target=design_target(args.target), standard=standard)
    say("[5/5] writing the spec sheet and the report")
    spec.to_csv(out / "spec_sheet.csv")
    report(
        result,
        out / "report.html",
        standard=standard,
        target=design_target(args.target),
        spec=spec,
        title=f"stockingsim demo: {leg.name}, {fabric.name}, {args.target}",
    )
    files = sorted(p for p in out.iterdir() if p.is_file() and p.stat().st_mtime >= started)
    close_figures()
    print(f"{leg.name}: {fabric.name}, designed for {args.target}, {args.method} pressure")
    print_result(result, standard)
    print(f"\nfiles written to {out.resolve()} in {time.perf_counter() - t0:.1f} s:")
    for path in files:
        print(f"  {path.name}")
    return 0


def cmd_simulate(args) -> int:
    """Run ``stockingsim simulate``: the pressure of a given stocking on a leg."""
    from stockingsim.solvers import simulate
    from stockingsim.stocking import Stocking

    relaxed = relaxed_m(args.relaxed)
    fabric = fabric_named(args.fabric)
    if args.motion_csv and not args.motion:
        raise UsageError("--motion-csv writes the table of a motion: give --motion too")
    motion = motion_named(args.motion) if args.motion else None
    say(f"loading {args.leg}")
    leg = leg_from(args.leg, args.units)
    stocking = Stocking(fabric, relaxed, style=args.style)
    say(f"simulating ({args.method})")
    result = simulate(leg, stocking, method=args.method)
    print(f"{leg.name}: {fabric.name}, {args.method} pressure")
    print_result(result, args.standard)
    write_exports(result, args)
    if motion is not None:
        print_motion(leg, stocking, motion, args.method, args.motion_csv)
    return 0


def print_motion(leg, stocking, motion, method: str, csv_path: str | None) -> None:
    """The stocking through ``motion``: pressure over time, amplitude, DSI and SSI."""
    import pandas as pd

    from stockingsim.motion import simulate_motion, static_stiffness_index

    say(f"following the stocking through {motion.name} ({len(motion.frames)} frames)")
    moved = simulate_motion(leg, stocking, motion, method=method)
    covered = moved.amplitude_mmhg.dropna().index  # the landmarks the stocking covers
    table = moved.pressure_over_time()[covered]
    print(f"\n{motion.name}: pressure (mmHg) over time (s); {motion.source}")
    print_table(table, "{:.1f}".format)
    rise = moved.girth_change_cm()[covered]
    per_landmark = pd.DataFrame(
        {
            "amplitude_mmhg": moved.amplitude_mmhg[covered],
            "girth_change_cm": rise,
            # a DSI only where the girth changes by a measurable amount (1 mm)
            "dsi_mmhg_per_cm": moved.dynamic_stiffness_mmhg_per_cm()[covered].where(rise >= 0.1),
        }
    )
    print_table(per_landmark.T, "{:.2f}".format, na_rep="-")
    if "B1" in covered:
        ssi = static_stiffness_index(leg, stocking, method=method)
        print(f"SSI (B1 standing - supine, Partsch 2005): {ssi:.1f} mmHg")
    if csv_path:
        moved.profile.to_csv(csv_path)
        wrote(csv_path)


def cmd_design(args) -> int:
    """Run ``stockingsim design``: design a stocking (or a kit's outer layer), print its spec."""
    from stockingsim.design import design_stocking

    fabric = fabric_named(args.fabric)
    say(f"loading {args.leg}")
    leg = leg_from(args.leg, args.units)
    what = fabric
    over = ""
    if args.layer_friction is not None and not args.liner:
        raise UsageError("--layer-friction is the friction between a kit's layers: give --liner")
    if args.liner:
        from stockingsim._kit import Kit, check_layer_friction
        from stockingsim.cli._liners import liner_from
        from stockingsim.stocking import Stocking

        try:
            layer_friction = check_layer_friction(args.layer_friction)
        except errors.StockingError as exc:
            raise UsageError(f"--layer-friction: {exc}") from None
        say(f"making {len(args.liner)} liner(s)")
        liners = [liner_from(text, leg, args.target, args.style) for text in args.liner]
        # the outer layer's size is the design's; its fabric and style are given
        what = Kit([*liners, Stocking(fabric, 0.2, style=args.style)], friction=layer_friction)
        over = f" over {len(liners)} liner(s) (friction between layers {what.friction:g})"
    say(f"designing for {args.target}")
    stocking, spec = design_stocking(
        leg, what, design_target(args.target), method=args.method, style=args.style
    )
    print(f"{leg.name}: {fabric.name}{over}, designed for {args.target} ({args.method})")
    print_table(spec, lambda v: f"{v:.3g}")
    if args.out:
        spec.to_csv(args.out)
        wrote(args.out)
    if args.simulate:
        from stockingsim.solvers import simulate

        say(f"simulating the design ({args.simulate})")
        result = simulate(leg, stocking, method=args.simulate)
        standard, _ = split_target(args.target)
        print_result(result, standard, gradient=False)
    return 0


def _stocking_from_args(args, leg, fabric):
    """(stocking, spec or None): designed for --target, or made from --relaxed."""
    from stockingsim.stocking import Stocking

    if getattr(args, "relaxed", None):
        return Stocking(fabric, relaxed_m(args.relaxed), style=args.style), None
    from stockingsim.design import design_stocking

    return design_stocking(leg, fabric, design_target(args.target), style=args.style)


def cmd_report(args) -> int:
    """Run ``stockingsim report``: simulate and write an HTML or Markdown report."""
    from stockingsim._report import report
    from stockingsim.solvers import simulate

    if not args.relaxed and not args.target:
        raise UsageError("give --target (design the stocking) or --relaxed (a given stocking)")
    fabric = fabric_named(args.fabric)
    say(f"loading {args.leg}")
    leg = leg_from(args.leg, args.units)
    stocking, spec = _stocking_from_args(args, leg, fabric)
    say(f"simulating ({args.method})")
    result = simulate(leg, stocking, method=args.method)
    use_agg()
    say(f"writing {args.out}")
    path = report(
        result, args.out, standard=args.standard, target=design_target(args.target), spec=spec
    )
    close_figures()
    print_result(result, args.standard, gradient=False)
    wrote(path)
    return 0


def cmd_classify(args) -> int:
    """Run ``stockingsim classify``: the class of ankle pressures."""
    from stockingsim._numbers import as_number
    from stockingsim.standards import class_range, classify

    for text in args.mmhg:
        p = as_number(
            text, "pressure", UsageError, nonnegative=True, unit="mmHg", kind="pressure_mmhg"
        )
        cls = classify(p, standard=args.standard)
        if cls is None:
            print(f"{fmt(p)} mmHg, {args.standard}: no class (between or outside the classes)")
        else:
            lo, hi = class_range(args.standard, cls)
            rng = f"{lo:g}-{hi:g}" if math.isfinite(hi) else f">= {lo:g}"
            print(f"{fmt(p)} mmHg, {args.standard}: class {cls} ({rng} mmHg)")
    return 0
