"""The tasks of a batch: where the legs are, times what to put on them, times the methods (private)."""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim import vocabulary as vocab
from stockingsim._checks import row_as_mapping
from stockingsim._numbers import as_number
from stockingsim.batch._spec import (
    BatchDesign,
    canonical,
    collect_specs,
    sha256,
    spec_key,
    validate_batch,
)
from stockingsim.batch._worker import LegSource, Task
from stockingsim.leg._files import BUNDLED_PREFIX, bundled_path

__all__ = ["make_tasks", "MESH_SUFFIXES"]

#: file name endings taken as leg meshes when a folder is given
MESH_SUFFIXES: tuple[str, ...] = (".ply", ".stl", ".obj", ".off", ".glb", ".gltf")
#: bump when a change to the pipeline makes earlier rows wrong (it invalidates resume keys)
_KEY_VERSION = "stockingsim-batch-1"
_DEFAULT_STANDARD = vocab.DEFAULT_STANDARD


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _is_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _chart_rows(legs: Any) -> Any:
    """A table of charts (a pandas DataFrame, a leg per row) as a list of its rows' mappings.

    An empty cell (NaN) is a measurement not given. A Series is one chart. Anything else is
    returned as it is.
    """
    import pandas as pd

    if isinstance(legs, pd.DataFrame):
        return [row_as_mapping(row) for _, row in legs.iterrows()]
    if isinstance(legs, list | tuple):
        return [row_as_mapping(item) for item in legs]
    return row_as_mapping(legs)


def _leg_sources(legs: Any, units: str, stage_dir: Callable[[], Path], inline: bool) -> list:
    legs = _chart_rows(legs)
    if isinstance(legs, str | os.PathLike | Mapping) or hasattr(legs, "vertices"):
        legs = [legs]
    sources: list[LegSource] = []
    for item in legs:
        if isinstance(item, str | os.PathLike):
            text = os.fspath(item)
            if text.startswith(BUNDLED_PREFIX):  # a leg shipped with the package
                paths = [bundled_path(text[len(BUNDLED_PREFIX) :])]
            elif _is_glob(text):
                paths = sorted(Path(p) for p in glob.glob(text, recursive=True))
                paths = [p for p in paths if p.is_file()]
                if not paths:
                    raise errors.BatchArgumentError(
                        f"no leg file matches {text!r}; check the pattern."
                    )
            elif Path(text).is_dir():
                paths = sorted(p for p in Path(text).iterdir() if p.suffix.lower() in MESH_SUFFIXES)
                if not paths:
                    raise errors.BatchArgumentError(
                        f"the folder {text} holds no mesh file ({', '.join(MESH_SUFFIXES)})."
                    )
            else:
                paths = [Path(text)]
            for path in paths:
                if not path.is_file():
                    raise errors.BatchArgumentError(
                        f"leg file {path} does not exist; check the path."
                    )
                if path.suffix.lower() == ".csv":  # a table of charts, a leg per row
                    sources.extend(_chart_source(c, path.stem) for c in _charts_csv(path))
                    continue
                sources.append(
                    LegSource(
                        "path", str(path.resolve()), path.stem, file_sha256(path), units=units
                    )
                )
        elif isinstance(item, Mapping):
            sources.append(_chart_source(item, "chart"))
        elif hasattr(item, "vertices") and hasattr(item, "faces"):
            sources.append(_leg_object_source(item, stage_dir, inline))
        else:
            raise errors.BatchArgumentError(
                f"cannot use {type(item).__name__} as a leg: give mesh paths, glob patterns, "
                "folders, Leg objects or parametric charts (dicts in cm, or a DataFrame or CSV "
                "file with a chart per row)."
            )
    return sources


def _chart_source(item: Mapping, prefix: str) -> LegSource:
    """The source of a parametric chart (cm); a ``name`` entry names the leg."""
    chart = {str(k): v for k, v in item.items()}
    name = chart.pop("name", None)
    chart = {
        k: as_number(v, f"chart entry {k}", errors.BatchArgumentError, unit="cm")
        for k, v in chart.items()
    }
    sha = sha256(json.dumps(chart, sort_keys=True).encode())
    return LegSource("chart", chart, str(name) if name is not None else f"{prefix}-{sha[:8]}", sha)


def _charts_csv(path: Path) -> list[dict]:
    """The charts of a CSV file: a leg per row, columns cB, cC, ... lB, ... (cm), ``name``."""
    import pandas as pd

    try:
        table = pd.read_csv(path, comment="#", skipinitialspace=True)
    except (OSError, ValueError) as exc:
        raise errors.BatchArgumentError(f"cannot read the charts in {path}: {exc}") from None
    if table.empty:
        raise errors.BatchArgumentError(
            f"{path} holds no chart: give a header (cB, cC, ..., lB, ... in cm; optional name) "
            "and a leg per row."
        )
    return _chart_rows(table)


def _leg_object_source(leg: Any, stage_dir: Callable[[], Path], inline: bool) -> LegSource:
    vertices = np.ascontiguousarray(leg.vertices, dtype=np.float64)
    faces = np.ascontiguousarray(leg.faces, dtype=np.int64)
    sha = getattr(leg, "source_hash", None) or sha256(vertices.tobytes() + faces.tobytes())
    overrides: tuple[tuple[str, float], ...] = ()
    with contextlib.suppress(Exception):  # a leg too broken for landmarks fails in the worker
        overrides = tuple(
            (name, float(lm.height_m))
            for name, lm in leg.landmarks.items()
            if not getattr(lm, "detected", True)
        )
    name = str(getattr(leg, "name", None) or f"leg-{sha[:8]}")
    if inline:
        return LegSource("arrays", (vertices, faces), name, sha, landmarks=overrides)
    path = stage_dir() / f"leg-{sha[:16]}-{uuid.uuid4().hex[:6]}.npz"
    np.savez(path, vertices=vertices, faces=faces)
    return LegSource("npz", str(path), name, sha, landmarks=overrides)


def _task_key(leg: LegSource, skey: str, method: str, standard: str, options) -> str:
    text = json.dumps(
        [
            _KEY_VERSION,
            leg.sha256,
            leg.units,
            list(leg.landmarks),
            skey,
            method,
            standard,
            canonical(dict(options)),
        ],
        sort_keys=True,
    )
    return sha256(text.encode())[:32]


def _motion_key(motion: Any) -> str:
    return json.dumps([motion.name, [repr(f) for f in motion.frames], motion.settle_s])


def make_tasks(
    legs: Any,
    stockings_or_designs: Any,
    methods: Sequence[str] | str = ("membrane",),
    *,
    standard: str | None = None,
    options: Mapping[str, Any] | None = None,
    leg_units: str = "auto",
    stage_dir: Callable[[], Path] | None = None,
    inline_legs: bool = False,
    run_id: str = "",
    motion: Any = None,
) -> list[Task]:
    """The tasks of a batch, in order leg x stocking/design x method, without duplicates.

    Parameters are those of :func:`run_batch`. Two tasks with the same content key (same leg file
    bytes, same stocking parameters, method, standard and options) are run once. Every
    per-batch choice (methods, standard, classes, styles) is checked first, before any leg.
    """
    if isinstance(methods, str):
        methods = [methods]
    methods = [str(m) for m in methods]
    spec_list = collect_specs(stockings_or_designs)
    validate_batch(spec_list, methods, standard)
    if stage_dir is None:
        made: list[Path] = []

        def stage_dir() -> Path:  # only Leg objects need it: created on first use
            if not made:
                made.append(Path(tempfile.mkdtemp(prefix="stockingsim-batch-")))
            return made[0]

    if motion is not None:  # a Motion or a default one's name, checked before any leg
        from stockingsim.motion import as_motion

        motion = as_motion(motion, "run_batch", errors.BatchError)
    sources = _leg_sources(legs, leg_units, stage_dir, inline_legs)
    specs = [(spec, spec_key(spec)) for spec in spec_list]
    opts = tuple(sorted((options or {}).items()))
    tasks: list[Task] = []
    seen: set[str] = set()
    for source in sources:
        for spec, skey in specs:
            std = standard or (
                spec.standard if isinstance(spec, BatchDesign) else _DEFAULT_STANDARD
            )
            for method in methods:
                key = _task_key(source, skey, method, std, opts)
                if motion is not None:  # keys without a motion stay as they were (resume)
                    key = hashlib.sha256(f"{key}|motion={_motion_key(motion)}".encode())
                    key = key.hexdigest()[:32]
                if key in seen:
                    continue
                seen.add(key)
                tasks.append(
                    Task(key, len(tasks), run_id, source, spec, skey, method, std, opts, motion)
                )
    return tasks
