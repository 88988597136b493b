"""What the command prints and draws: the profile table, the verdict lines, tables, pictures.

Results go to stdout, progress and notes to stderr (:func:`say`), so that stdout can be piped.
Pictures are files only, never windows (:func:`use_agg`).
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Any

from stockingsim import errors
from stockingsim.cli._inputs import DEFAULT_STANDARD


def say(msg: str) -> None:
    """Progress and notes go to stderr so that stdout stays the result."""
    print(msg, file=sys.stderr, flush=True)


def wrote(path) -> None:
    """Say on stdout that a file was written."""
    print(f"wrote {path}")


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (its class name if it has none)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def fmt(value: Any, digits: int = 1) -> str:
    """A number with ``digits`` decimals, or ``-`` if it is missing or not finite."""
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
            f"{name!s:<6}{fmt(row.get('height_m', float('nan')) * 100):>10}"
            f"{fmt(row.get('circumference_m', float('nan')) * 100):>10}"
            f"{fmt(row.get('relaxed_circumference_m', float('nan')) * 100):>11}"
            f"{fmt(row.get('strain', float('nan')) * 100, 0):>10}"
            f"{fmt(row.get('pressure_mmhg')):>8}{fmt(row.get('pressure_min_mmhg')):>7}"
            f"{fmt(row.get('pressure_max_mmhg')):>7}"
        )
    return "\n".join(lines)


def class_line(result, standard: str) -> str:
    """``pressure at B: ... mmHg -> STANDARD: class ...`` for a result."""
    cls = result.classify(standard)
    p_b = result.pressure_at("B") if "B" in result.profile.index else float("nan")
    verdict = f"class {cls}" if cls is not None else "no class (between or outside the classes)"
    return f"pressure at B: {fmt(p_b)} mmHg -> {standard}: {verdict}"


def gradient_line(result, standard: str) -> str:
    """``gradient: ...`` (the verdict of :func:`stockingsim.standards.gradient_verdict`)."""
    from stockingsim.standards import gradient_verdict

    try:
        verdict = gradient_verdict(result, standard=standard)
    except errors.StockingSimError as exc:
        return f"gradient: not checked ({exc})"
    return f"gradient: {verdict}"


def print_result(result, standard: str, gradient: bool = True) -> None:
    """The profile table, the class line and (unless ``gradient=False``) the gradient line."""
    print(profile_table(result))
    print(class_line(result, standard))
    if gradient:
        print(gradient_line(result, standard))


def print_table(table, float_format, **kwargs) -> None:
    """A pandas table printed wide (200 characters, 50 columns) with ``float_format``."""
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 50):
        print(table.to_string(float_format=float_format, **kwargs))


def use_agg() -> None:
    """Files only, never windows: Agg for matplotlib, off-screen VTK without its X warnings."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("PYVISTA_OFF_SCREEN", "true")
    try:
        from vtkmodules.vtkCommonCore import vtkLogger

        vtkLogger.SetStderrVerbosity(vtkLogger.VERBOSITY_ERROR)
    except ImportError:  # no VTK: the 3D map reports the missing dependency itself
        pass


def close_figures() -> None:
    """Close every matplotlib figure, if pyplot was loaded at all."""
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def write_images(result, out: Path, target=None, standard=DEFAULT_STANDARD) -> list[Path]:
    """3D map, profile and unrolled map PNGs; returns the files written."""
    use_agg()
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
        say(f"  writing {path}")
        job(path)
        files.append(path)
    close_figures()
    return files


def write_exports(result, args) -> None:
    """The files a ``simulate`` command line asks for: --csv, --vtk, --png, --profile-png."""
    if getattr(args, "csv", None):
        result.to_csv(args.csv)
        wrote(args.csv)
    if getattr(args, "vtk", None):
        result.to_vtk(args.vtk)
        wrote(args.vtk)
    if getattr(args, "png", None):
        use_agg()
        from stockingsim import viz

        viz.plot_pressure_map(result, args.png, off_screen=True)
        wrote(args.png)
    if getattr(args, "profile_png", None):
        use_agg()
        from stockingsim import viz

        viz.plot_profile(result, args.profile_png, standard=args.standard)
        close_figures()
        wrote(args.profile_png)
