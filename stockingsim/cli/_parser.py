"""The argparse parser of the ``stockingsim`` command, built from one table of subcommands.

:data:`SUBCOMMANDS` names, for every subcommand in the order of ``--help``, the function that runs
it (``set_defaults(func=...)``), the ``_<name>_options`` function that adds its options, and its
help texts. The runners live in the command modules by theme (``_pressure.py``, ``_fabrics.py``,
``_tables.py``, ``_clinic.py``); the options that several subcommands share are added by one
helper each.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NamedTuple

from stockingsim import __version__
from stockingsim import vocabulary as vocab
from stockingsim.cli._clinic import cmd_app, cmd_fit
from stockingsim.cli._fabrics import cmd_fabric
from stockingsim.cli._inputs import (
    DEFAULT_FABRIC,
    DEFAULT_STANDARD,
    DEFAULT_TARGET,
    FIT_POINTS,
    METHODS,
    MOTIONS,
    PROG,
    STYLES,
)
from stockingsim.cli._pressure import cmd_classify, cmd_demo, cmd_design, cmd_report, cmd_simulate
from stockingsim.cli._tables import cmd_agreement, cmd_batch, cmd_calibrate

RAW = argparse.RawDescriptionHelpFormatter
UNITS = ["auto", "m", "cm", "mm", "in"]


class Subcommand(NamedTuple):
    """One subcommand: what runs it, what adds its options, and its texts for ``--help``."""

    run: Callable[[argparse.Namespace], int]
    options: Callable[[argparse.ArgumentParser], None]
    help: str
    description: str
    epilog: str | None = None
    #: wrap the description to the terminal (True) or keep its line breaks and the epilog's
    wrap: bool = False


def _leg_and_fabric(p) -> None:
    """The LEG mesh, its --units and the --fabric of the simulating subcommands."""
    p.add_argument(
        "leg", metavar="LEG", help="leg mesh file (STL, OBJ, PLY, OFF, GLB) or bundled:NAME"
    )
    p.add_argument("--units", default="auto", choices=UNITS, help="mesh units")
    p.add_argument(
        "--fabric",
        required=True,
        metavar="NAME",
        help="preset name (see 'stockingsim fabric list') or a fabric JSON file",
    )


def _style_arg(p) -> None:
    p.add_argument(
        "--style", default=vocab.DEFAULT_STYLE, choices=STYLES, help="AD knee-high (default)"
    )


def _method_arg(p, default: str = "membrane") -> None:
    p.add_argument("--method", default=default, choices=METHODS, help=f"default {default}")


def _motion_arg(p) -> None:
    p.add_argument(
        "--motion",
        choices=MOTIONS,
        help="also follow the stocking through this motion (the cited defaults of ss.Motion)",
    )


def _standard_arg(p) -> None:
    p.add_argument("--standard", default=DEFAULT_STANDARD, help=f"default {DEFAULT_STANDARD}")


def _export_args(p) -> None:
    """The files ``simulate`` writes besides its printout (see ``_output.write_exports``)."""
    p.add_argument("--csv", help="write the landmark profile table as CSV")
    p.add_argument("--vtk", help="write the leg with the pressure as VTK (.vtp, or legacy .vtk)")
    p.add_argument("--png", help="write the 3D pressure map PNG")
    p.add_argument("--profile-png", help="write the pressure profile PNG")


def _demo_options(p) -> None:
    p.add_argument("--out", default="stockingsim_out", help="output folder (default %(default)s)")
    p.add_argument("--leg", default="anny_f_avg", help="bundled leg (default %(default)s)")
    p.add_argument("--fabric", default=DEFAULT_FABRIC, help="preset fabric (default %(default)s)")
    p.add_argument(
        "--target",
        default=DEFAULT_TARGET,
        help="design target: STANDARD:CLASS or mmHg per landmark, B=27,C=18 (default %(default)s)",
    )
    _style_arg(p)
    _method_arg(p)


def _simulate_options(p) -> None:
    _leg_and_fabric(p)
    p.add_argument(
        "--relaxed",
        required=True,
        metavar="CM|B=..,C=..",
        help="relaxed circumference in cm, everywhere (22) or per landmark (B=15,C=24,D=25)",
    )
    _style_arg(p)
    _method_arg(p)
    _standard_arg(p)
    _motion_arg(p)
    p.add_argument(
        "--motion-csv", metavar="FILE", help="write the motion's table (frame x landmark) as CSV"
    )
    _export_args(p)


def _design_options(p) -> None:
    _leg_and_fabric(p)
    p.add_argument(
        "--target",
        default=DEFAULT_TARGET,
        help="STANDARD:CLASS or mmHg per landmark, B=27,C=18 (default %(default)s)",
    )
    _style_arg(p)
    _method_arg(p, default="laplace")
    p.add_argument("--out", help="write the spec sheet CSV")
    p.add_argument("--simulate", choices=METHODS, help="also simulate the design with this method")
    p.add_argument(
        "--liner",
        action="append",
        metavar="FABRIC[@TARGET]|STOCKING.json",
        help="design the outer layer of a kit over this liner (repeatable, innermost first): a "
        "preset or fabric JSON designed for TARGET (default: the class in the preset's name), "
        "or a stocking JSON file {fabric, relaxed_cm, style, name}",
    )
    p.add_argument(
        "--layer-friction",
        metavar="MU",
        help="Coulomb coefficient between the kit's layers (with --liner; default 0.5; inf "
        "bonds them); used by the contact method",
    )


def _classify_options(p) -> None:
    p.add_argument("mmhg", nargs="+", metavar="MMHG", help="pressure at B, mmHg")
    _standard_arg(p)


def _fabric_options(p) -> None:
    fsub = p.add_subparsers(dest="fabric_cmd", metavar="ACTION")
    fsub.required = True
    fsub.add_parser("list", help="the preset fabrics")
    q = fsub.add_parser("show", help="one fabric: description and tension at 20-80 %% strain")
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


def _report_options(p) -> None:
    _leg_and_fabric(p)
    p.add_argument(
        "--target", help="design for STANDARD:CLASS ('RAL-GZ 387:II') or mmHg, B=27,C=18"
    )
    p.add_argument("--relaxed", metavar="CM|B=..,C=..", help="or a given relaxed circumference")
    _style_arg(p)
    _method_arg(p)
    _standard_arg(p)
    p.add_argument("--out", default="report.html", help="report file (default %(default)s)")


def _batch_options(p) -> None:
    p.add_argument(
        "legs",
        nargs="+",
        metavar="LEGS",
        help="mesh files, globs, folders or CSV tables of charts (a leg per row, cm)",
    )
    p.add_argument("--fabric", action="append", help="preset or JSON file (repeatable)")
    p.add_argument(
        "--target",
        action="append",
        help="design target, STANDARD:CLASS or mmHg per landmark B=27,C=18 (repeatable)",
    )
    p.add_argument(
        "--relaxed", metavar="CM|B=..", help="simulate this given stocking instead of designing"
    )
    p.add_argument(
        "--method", action="append", choices=METHODS, help="pressure method (repeatable)"
    )
    p.add_argument("--design-method", default="laplace", choices=METHODS, help="for designs")
    _style_arg(p)
    p.add_argument("--standard", help="standard for class and gradient (default: the target's)")
    p.add_argument("--units", default="auto", choices=UNITS)
    _motion_arg(p)
    p.add_argument("--out", default="results.parquet", help="results table (.parquet or .csv)")
    p.add_argument("--engine", default="processes", choices=["processes", "serial", "dask"])
    p.add_argument("--workers", type=int, help="worker processes (default: all CPUs)")
    p.add_argument("--address", help="Dask scheduler address (with --engine dask)")
    p.add_argument("--no-resume", action="store_true", help="recompute everything")
    p.add_argument("--retry-errors", action="store_true", help="re-run earlier failed tasks")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--strict", action="store_true", help="exit 1 if any task failed")
    p.add_argument("--show", type=int, default=20, help="rows to print (default %(default)s)")


def _fit_options(p) -> None:
    for name in FIT_POINTS:
        p.add_argument(f"--{name}", metavar="CM", help=argparse.SUPPRESS)  # "22" or "22cm"
    p.add_argument("--leg", help="a leg scan (mesh file or bundled:NAME) instead of measurements")
    p.add_argument("--units", default="auto", choices=UNITS, help="of --leg")
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


def _app_options(p) -> None:
    p.add_argument("--port", type=int, default=8080, help="port (default %(default)s; 0 = any)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")


def _measurements_arg(p) -> None:
    """The measured pressures of ``calibrate`` and ``agreement`` (``read_measurements``)."""
    p.add_argument("measurements", metavar="MEASUREMENTS", help="CSV or .xlsx table")


def _calibrate_options(p) -> None:
    p.add_argument("fabric", metavar="FABRIC", help="preset name or fabric JSON file")
    _measurements_arg(p)
    p.add_argument("--method", default="scale_shape", choices=("scale", "scale_shape", "full"))
    p.add_argument("--out", help="write the calibrated fabric as JSON")
    p.add_argument("--report", help="write the calibration report as JSON")


def _agreement_options(p) -> None:
    p.add_argument("results", metavar="RESULTS", help="run_batch table (.parquet or .csv)")
    _measurements_arg(p)
    p.add_argument("--method", choices=METHODS, help="use only this method's rows")
    p.add_argument("--out", help="write the matched pairs as CSV")


#: Every subcommand in the order of ``--help``: the function that runs it, the one that adds
#: its options, and its texts.
SUBCOMMANDS: dict[str, Subcommand] = {
    "demo": Subcommand(
        cmd_demo,
        _demo_options,
        help="the whole job on a bundled leg: design, simulate, pictures, report",
        description="Design a class II stocking for a bundled leg with a preset fabric, simulate "
        "it, and write the 3D pressure map, profile and unrolled map PNGs, the spec sheet CSV "
        "and an HTML report into an output folder.",
        wrap=True,
    ),
    "simulate": Subcommand(
        cmd_simulate,
        _simulate_options,
        help="pressure of a given stocking on a leg",
        description="Simulate a stocking of known relaxed circumference on a leg and print the "
        "pressure profile at the landmarks, the class and the gradient verdict.",
        epilog="example: stockingsim simulate leg.ply --fabric 'circular class II' "
        "--relaxed B=15,C=24,D=25",
    ),
    "design": Subcommand(
        cmd_design,
        _design_options,
        help="design a stocking for a target class and print its spec sheet",
        description="Find the relaxed circumference at every height that gives the target "
        "pressure profile, and print the spec sheet (circumferences, flat widths, strain, "
        "tension, target and predicted pressure per landmark).",
        epilog="example: stockingsim design leg.ply --fabric 'circular class II' "
        "--target 'RAL-GZ 387:II'",
    ),
    "classify": Subcommand(
        cmd_classify,
        _classify_options,
        help="compression class of an ankle pressure",
        description="The compression class of ankle (B) pressures in mmHg under a standard.",
        epilog="example: stockingsim classify 27 --standard 'RAL-GZ 387'",
    ),
    "fabric": Subcommand(
        cmd_fabric,
        _fabric_options,
        help="preset fabrics: list, show; fit a fabric to a tensile test",
        description="List and show the preset knits, or fit a fabric model to a tensile test CSV.",
        wrap=True,
    ),
    "report": Subcommand(
        cmd_report,
        _report_options,
        help="design or take a stocking, simulate, write an HTML report",
        description="Simulate a designed (--target) or given (--relaxed) stocking and write a "
        "self-contained HTML (or Markdown) report with maps, profile and spec sheet.",
        wrap=True,
    ),
    "batch": Subcommand(
        cmd_batch,
        _batch_options,
        help="many legs x fabrics x targets x methods into one Parquet table",
        description="Run legs x stockings x methods on a process pool (default) or Dask, one "
        "row per task into Parquet; failed tasks become error rows, and re-running resumes.",
        epilog="example: stockingsim batch 'meshes/*.ply' --fabric 'circular class II' "
        "--target 'RAL-GZ 387:II' --method membrane --out results.parquet",
    ),
    "fit": Subcommand(
        cmd_fit,
        _fit_options,
        help="a patient's size from a product's size chart (or a made-to-measure order)",
        description="Fit a patient's RAL measurements (cm) or a leg scan to a size chart: the "
        "size (fits / between sizes / made to measure), the predicted pressure profile, class "
        "and gradient verdict, and for made to measure the order form (flat widths in mm).",
        epilog="example: stockingsim fit --cB 22 --cC 36 --cD 33 --lD 42 --chart knee-high\n"
        "charts: a CSV/JSON file or the illustrative 'knee-high' / 'thigh-high'",
    ),
    "app": Subcommand(
        cmd_app,
        _app_options,
        help="start the local web app (upload a leg or enter measurements, choose a knit)",
        description="Start the stockingsim web app on this computer (127.0.0.1 only) and open "
        "it in the browser. Needs the optional extra: pip install 'stockingsim[app]'.",
    ),
    "calibrate": Subcommand(
        cmd_calibrate,
        _calibrate_options,
        help="fit a fabric's course curve to measured pressures",
        description="Least-squares calibration of a fabric (preset or JSON) to a measurement "
        "table (CSV/Excel: leg, point, girth, relaxed girth, mmHg, device); prints the "
        "parameters with 95 % intervals and the agreement before, after and leave-one-out.",
        epilog="example: stockingsim calibrate 'circular class II' hosy.csv --out fabric.json",
    ),
    "agreement": Subcommand(
        cmd_agreement,
        _agreement_options,
        help="Bland-Altman agreement of batch results with measured pressures",
        description="Compare a run_batch table (.parquet/.csv; leg_name matches the "
        "measurement's leg id) with a measurement table: bias, SD, 95 % limits, MAE, r.",
        epilog="example: stockingsim agreement results.parquet hosy.csv",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the ``stockingsim`` command (one sub-parser per subcommand)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Simulate medical compression stockings: legs, knit fabrics, pressure.",
        epilog="Start with 'stockingsim demo'. Each command has its own --help.\n"
        "Exit codes: 0 done, 1 the work failed, 2 wrong command line.",
        formatter_class=RAW,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, command in SUBCOMMANDS.items():
        p = sub.add_parser(
            name,
            help=command.help,
            description=command.description,
            epilog=command.epilog,
            formatter_class=argparse.HelpFormatter if command.wrap else RAW,
        )
        command.options(p)
        p.set_defaults(func=command.run)
    return parser
