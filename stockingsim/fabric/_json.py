"""The JSON form of a fabric (schema ``stockingsim.fabric/1``): write, read and check it.

Functions of data only: :meth:`Fabric.to_json` / :meth:`Fabric.from_json` call them and the
class builds itself from the fields :func:`fields_from_dict` returns.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from stockingsim import errors
from stockingsim.fabric._cyclic import DEFAULT_INNER_LOOP_STRAIN
from stockingsim.fabric._fit_report import FitReport
from stockingsim.fabric._models import BRANCHES, DIRECTIONS, model_from_dict

__all__ = ["SCHEMA", "fabric_to_dict", "write_json", "read_json", "fields_from_dict"]

SCHEMA = "stockingsim.fabric/1"


def fabric_to_dict(fabric: Any) -> dict[str, Any]:
    """A fabric as a JSON-ready dict with the schema version."""
    return {
        "schema": SCHEMA,
        "name": fabric.name,
        "description": fabric.description,
        "curves": {
            d: {b: getattr(fabric, f"{d}_{b}").to_dict() for b in BRANCHES} for d in DIRECTIONS
        },
        "provenance": [[k, v] for k, v in fabric.provenance],
        "fit_report": None if fabric.fit_report is None else fabric.fit_report.to_dict(),
        "inner_loop_strain": {
            "course": fabric.inner_loop_strain[0],
            "wale": fabric.inner_loop_strain[1],
        },
    }


def write_json(data: dict[str, Any], path: str | os.PathLike | None) -> str:
    """The JSON text of ``data``, also written to ``path`` if given."""
    text = json.dumps(data, indent=2, allow_nan=False)
    if path is not None:
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise errors.ExportError(
                f"cannot write fabric JSON to {str(path)!r}: {exc.strerror}; check the "
                "directory exists and is writable."
            ) from exc
    return text


def read_json(path_or_text: str | os.PathLike) -> tuple[Any, str]:
    """``(parsed JSON, where it came from)`` of a file or of JSON text."""
    if isinstance(path_or_text, str) and path_or_text.lstrip().startswith("{"):
        text, where = path_or_text, "JSON text"
    else:
        where = str(path_or_text)
        try:
            text = Path(path_or_text).read_text(encoding="utf-8")
        except (OSError, TypeError, UnicodeDecodeError) as exc:
            raise errors.FabricFileError(
                f"cannot read fabric file {where!r} ({exc}); pass the path of a JSON file "
                "written by Fabric.to_json, or the JSON text itself."
            ) from None
    try:
        return json.loads(text), where
    except json.JSONDecodeError as exc:
        raise errors.FabricFileError(
            f"{where} is not valid JSON ({exc}); write it with Fabric.to_json."
        ) from None


def fields_from_dict(data: Any, where: str = "fabric JSON") -> dict[str, Any]:
    """The keyword arguments of :class:`Fabric` stored in a :func:`fabric_to_dict` dict.

    Raises
    ------
    FabricFileError
        Not an object, wrong schema, missing keys, invalid curves, malformed provenance or
        fit report.
    """
    if not isinstance(data, dict):
        raise errors.FabricFileError(f"{where}: expected a JSON object at the top level.")
    schema = data.get("schema")
    if schema != SCHEMA:
        raise errors.FabricFileError(
            f"{where}: schema is {schema!r}, expected {SCHEMA!r}; this file was not written "
            "by Fabric.to_json of this stockingsim version."
        )
    missing = [k for k in ("name", "curves") if k not in data]
    if missing:
        raise errors.FabricFileError(f"{where}: missing key(s) {missing}.")
    return {**_curves_from_dict(data["curves"], where), **_labels_from_dict(data, where)}


def _curves_from_dict(curves: Any, where: str) -> dict[str, Any]:
    try:
        return {f"{d}_{b}": model_from_dict(curves[d][b]) for d in DIRECTIONS for b in BRANCHES}
    except (KeyError, TypeError):
        raise errors.FabricFileError(
            f"{where}: 'curves' must hold course and wale, each with loading and unloading."
        ) from None
    except errors.FabricError as exc:
        raise errors.FabricFileError(f"{where}: invalid curve: {exc}") from None


def _labels_from_dict(data: dict[str, Any], where: str) -> dict[str, Any]:
    """Name, description, provenance, fit report and inner-loop strain."""
    try:
        report = data.get("fit_report")
        loops = data.get("inner_loop_strain")
        if loops is None:
            loops = (DEFAULT_INNER_LOOP_STRAIN, DEFAULT_INNER_LOOP_STRAIN)
        elif isinstance(loops, dict):
            loops = (loops["course"], loops["wale"])
        return {
            "name": data["name"],
            "description": str(data.get("description", "")),
            "provenance": tuple((str(k), v) for k, v in data.get("provenance", [])),
            "fit_report": None if report is None else FitReport.from_dict(report),
            "inner_loop_strain": tuple(loops),
        }
    except errors.FabricError as exc:
        raise errors.FabricFileError(f"{where}: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise errors.FabricFileError(
            f"{where}: malformed provenance or fit_report ({exc!r})."
        ) from None
