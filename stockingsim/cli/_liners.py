"""``stockingsim design --liner``: the inner layers of a kit from the command line.

A liner is either

- ``FABRIC[@TARGET]``: a preset name or a fabric JSON file, designed on the same leg for
  ``TARGET`` (``STANDARD:CLASS``; default: the class in the preset's name, e.g. ``circular
  class I`` -> class I of the ``--target``'s standard), in the ``--style`` of the command; or
- a stocking JSON file, a liner of known size::

      {"fabric": "circular class I", "relaxed_cm": {"B": 16, "C": 26, "D": 27},
       "style": "AD", "name": "my liner"}

  (``relaxed_cm`` one number or cm per landmark; ``fabric`` a preset or a fabric JSON file,
  relative to the stocking file; ``style`` and ``name`` optional).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from stockingsim.cli._inputs import UsageError, fabric_named, relaxed_m, split_target

__all__ = ["liner_from"]

_CLASS_IN_NAME = re.compile(r"\bclass (IV|III|II|I)\b")
_STOCKING_KEYS = {"fabric", "relaxed_cm", "style", "name"}


def _stocking_file(path: Path, style: str) -> Any:
    from stockingsim.stocking import Stocking

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"--liner {path}: not a readable JSON file ({exc})") from None
    if not isinstance(data, dict) or "relaxed_cm" not in data or "fabric" not in data:
        raise UsageError(
            f'--liner {path}: a liner file is a stocking, e.g. {{"fabric": "circular class '
            'I", "relaxed_cm": 17}} (a fabric JSON file alone has no size: give it as '
            "--liner FABRIC.json@STANDARD:CLASS to design the liner for a class)."
        )
    unknown = sorted(set(data) - _STOCKING_KEYS)
    if unknown:
        raise UsageError(
            f"--liner {path}: unknown key(s) {', '.join(unknown)}; "
            f"use {', '.join(sorted(_STOCKING_KEYS))}."
        )
    fabric_ref = str(data["fabric"])
    near = path.parent / fabric_ref
    fabric = fabric_named(str(near) if near.is_file() else fabric_ref)
    relaxed = data["relaxed_cm"]
    text = (
        ",".join(f"{k}={v}" for k, v in relaxed.items())
        if isinstance(relaxed, dict)
        else str(relaxed)
    )
    return Stocking(
        fabric, relaxed_m(text), style=str(data.get("style", style)), name=data.get("name")
    )


def liner_from(text: str, leg: Any, target: str, style: str) -> Any:
    """The liner a ``--liner`` value names (see the module docstring)."""
    path = Path(text)
    if path.suffix.lower() == ".json" and path.is_file():
        return _stocking_file(path, style)
    fabric_text, _, liner_target = text.partition("@")
    fabric = fabric_named(fabric_text.strip())
    if not liner_target:
        found = _CLASS_IN_NAME.search(str(getattr(fabric, "name", "") or ""))
        if found is None:
            raise UsageError(
                f"--liner {text!r}: say which class to design the liner for, e.g. "
                f"--liner '{fabric_text}@RAL-GZ 387:I' (the fabric's name names no class)."
            )
        liner_target = f"{split_target(target)[0]}:{found.group(1)}"
    from stockingsim.design import design_stocking

    liner, _ = design_stocking(leg, fabric, liner_target.strip(), style=style)
    return liner
