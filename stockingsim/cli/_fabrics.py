"""The ``fabric`` subcommand: ``list`` the presets, ``show`` one, ``fit`` one to a tensile test."""

from __future__ import annotations

from pathlib import Path

from stockingsim import errors
from stockingsim.cli._inputs import fabric_named
from stockingsim.cli._output import print_table, wrote


def cmd_fabric(args) -> int:
    """Run ``stockingsim fabric list|show|fit``."""
    action = {"list": _list, "show": _show, "fit": _fit}[args.fabric_cmd]
    return action(args)


def _list(args) -> int:
    from stockingsim.fabric import fabric_library

    for name, fabric in fabric_library().items():
        desc = (getattr(fabric, "description", "") or "").split(". ")[0]
        desc = desc.removeprefix(f"{name}: ")
        print(f"{name:<24} {desc}")
    return 0


def _comparison(fabric) -> None:
    """The fabric's column of the comparison table (tension at 20-80 % strain, ...)."""
    from stockingsim.fabric import compare_fabrics

    print_table(compare_fabrics([fabric]).T, lambda v: f"{v:.4g}")


def _show(args) -> int:
    fabric = fabric_named(args.name)
    print(fabric.name)
    print(getattr(fabric, "description", ""))
    lo, hi = fabric.valid_strain_range("course")
    print(f"valid course strain: {lo:.0%} to {hi:.0%}")
    _comparison(fabric)
    if args.json:
        fabric.to_json(args.json)
        wrote(args.json)
    return 0


def _fit(args) -> int:
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
    _comparison(fabric)
    out = args.out or (Path(args.csv).with_suffix(".fabric.json"))
    fabric.to_json(out)
    print(f"wrote {out} (use it with --fabric {out})")
    return 0
