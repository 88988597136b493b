"""What a person types on the command line, read and checked: fabrics, legs, girths, files.

Every wrong value raises :class:`UsageError` (exit code 2) with what is wrong and what to do,
before any leg is loaded where that is possible (:func:`check_names`).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from stockingsim import errors
from stockingsim import vocabulary as vocab
from stockingsim.motion import MOTION_NAMES

PROG = "stockingsim"
DEFAULT_FABRIC = "circular class II"
DEFAULT_TARGET = vocab.DEFAULT_TARGET
DEFAULT_STANDARD = vocab.DEFAULT_STANDARD
METHODS = vocab.METHODS
STYLES = tuple(vocab.STYLES)
#: the ``--motion`` choices: the cited default motions of :class:`stockingsim.Motion`
MOTIONS = MOTION_NAMES
LANDMARKS = vocab.LANDMARKS
#: the girth (c) and length (l) measuring points ``stockingsim fit`` takes, cm
FIT_POINTS = ("cB", "cB1", "cC", "cD", "cE", "cF", "cG", "lB", "lB1", "lC", "lD", "lE", "lF", "lG")


class UsageError(Exception):
    """A wrong command line (exit code 2)."""


def fabric_named(name_or_path: str):
    """A preset name from the library, or a fabric JSON file written by ``fabric fit``."""
    from stockingsim.fabric import Fabric, fabric_library
    from stockingsim.fabric._library import did_you_mean

    library = fabric_library()
    with contextlib.suppress(errors.FabricError):
        return library[name_or_path]  # ignoring case and extra spaces
    path = Path(name_or_path)
    if path.suffix.lower() == ".json" or path.is_file():
        if not path.is_file():
            raise UsageError(f"fabric file {path} does not exist")
        return Fabric.from_json(path)
    names = ", ".join(repr(n) for n in library)
    raise UsageError(
        f"unknown fabric {name_or_path!r}.{did_you_mean(name_or_path, library)} Use a fabric "
        f"JSON file or one of: {names} (see 'stockingsim fabric list')"
    )


def relaxed_m(text: str):
    """``"22"`` (cm, everywhere) or ``"B=20,C=31,D=33"`` (cm per landmark) -> metres."""
    from stockingsim._numbers import as_number

    text = text.strip()
    hint = "Give one circumference in cm (e.g. 22) or cm per landmark (e.g. B=20,C=31,D=33)."

    def cm(value: str, name: str) -> float:
        return as_number(
            value, name, UsageError, positive=True, unit="cm", kind="girth_cm", hint=hint
        )

    if "=" not in text:
        return cm(text, "--relaxed") / 100.0
    return {k: v / 100.0 for k, v in per_landmark(text, "--relaxed", cm, hint).items()}


def per_landmark(text: str, option: str, number, hint: str) -> dict[str, float]:
    """``"B=20,C=31"`` as ``{"B": number("20", ...), "C": ...}``; UsageError on a non-landmark.

    ``number(value, name)`` checks one value (its unit and range).
    """
    out = {}
    for part in text.split(","):
        name, _, value = (x.strip() for x in part.partition("="))
        if name not in LANDMARKS:
            raise UsageError(
                f"{option} {text!r}: {name!r} is not a landmark ({', '.join(LANDMARKS)}). {hint}"
            )
        out[name] = number(value, f"{option} {name}")
    return out


def leg_from(path: str, units: str):
    """A leg from a mesh file, or ``bundled:NAME`` for a bundled leg."""
    from stockingsim.leg import load_leg

    return load_leg(path, units=units)  # "bundled:NAME" too


def existing(path: str, what: str) -> Path:
    """``path`` as a Path if it is a file; UsageError naming ``what`` otherwise."""
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"{what} file {path} does not exist")
    return p


def read_results(path: Path):
    """A run_batch table from .parquet or .csv."""
    import pandas as pd

    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path, keep_default_na=False, na_values=[""])
    raise UsageError(f"results file {path} must be .parquet or .csv (a run_batch table)")


def measurement_text(text: str) -> dict[str, float]:
    """``cB=22,cC=36,lD=42`` -> {"cB": 22.0, ...} (cm)."""
    from stockingsim._numbers import as_number

    hint = "Give NAME=CM pairs like cB=22,cC=36."
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep:
            raise UsageError(f"--right: expected NAME=CM pairs like cB=22,cC=36, got {part!r}")
        out[key.strip()] = as_number(
            value, f"--right {key.strip()}", UsageError, unit="cm", hint=hint
        )
    return out


def motion_named(name: str):
    """The default :class:`~stockingsim.Motion` of a ``--motion`` choice (see MOTIONS)."""
    from stockingsim.motion import as_motion

    return as_motion(name, "--motion", UsageError)


def split_target(target: str) -> tuple[str, str | None]:
    """(standard, class) of a ``"STANDARD:CLASS"`` target; the default standard if none.

    A target in mmHg per landmark (``"B=27,C=18"``) has no class: the default standard.
    """
    from stockingsim.standards import split_target  # imported on use: pandas is heavy

    if "=" in target:
        return DEFAULT_STANDARD, None
    return split_target(target, DEFAULT_STANDARD)


def design_target(text: str):
    """``--target`` as design_stocking takes it: a class, or mmHg per landmark as a mapping.

    ``"STANDARD:CLASS"`` is returned as given; ``"B=27,C=18,D=14"`` becomes
    ``{"B": 27.0, "C": 18.0, "D": 14.0}``.
    """
    from stockingsim._numbers import as_number

    if text is None or "=" not in text:
        return text
    hint = "Give STANDARD:CLASS (e.g. 'RAL-GZ 387:II') or mmHg per landmark (e.g. B=27,C=18)."

    def mmhg(value: str, name: str) -> float:
        return as_number(
            value, name, UsageError, positive=True, unit="mmHg", kind="pressure_mmhg", hint=hint
        )

    return per_landmark(text, "--target", mmhg, hint)


def check_names(args) -> None:
    """Check the named choices (targets, standard) before any work; UsageError if unknown.

    argparse checks the styles and methods; fabrics are checked by :func:`fabric_named`. A
    misspelt class or standard is a wrong command line (exit 2) like an unknown fabric, found
    before any leg is loaded.
    """
    from stockingsim.standards import canonical_standard, parse_target

    targets = getattr(args, "target", None)
    for target in [targets] if isinstance(targets, str) else targets or []:
        if "=" in target:  # mmHg per landmark
            design_target(target)
            continue
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
