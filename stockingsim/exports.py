"""Export pressure results: VTK (.vtp, or legacy .vtk), PLY with vertex colours, CSV tables and a JSON summary.

The writers need only numpy and pandas (the VTK and PLY files are written directly), except the
PLY colours, which use a matplotlib colour map (``stockingsim[viz]``).
"""

from __future__ import annotations

import base64
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors
from stockingsim import vocabulary as vocab

__all__ = ["to_vtk", "to_ply", "to_csv", "to_json", "summary", "spec_sheet"]

#: Colour written to PLY vertices the stocking does not cover (RGB, light grey).
UNCOVERED_RGB = (216, 212, 206)


def _open_for_writing(path, kind: str) -> Path:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise errors.ExportError(
            f"Cannot create the folder for the {kind} file {str(path)!r}: {exc}. "
            "Choose a writable location."
        ) from exc
    if path.is_dir():
        raise errors.ExportError(
            f"{str(path)!r} is a folder; give a file name for the {kind} file."
        )
    return path


def _write(path: Path, data: bytes | str, kind: str) -> Path:
    try:
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
    except OSError as exc:
        raise errors.ExportError(
            f"Cannot write the {kind} file {str(path)!r}: {exc}. Choose a writable location."
        ) from exc
    return path


def _point_arrays(result) -> dict[str, np.ndarray]:
    n = len(result.leg.vertices)
    arrays = {}
    for name in ("pressure_mmhg", "strain", "tension_n_per_m"):
        value = getattr(result, name, None)
        if value is not None:
            arrays[name] = np.asarray(value, dtype=np.float64).reshape(n)
    covered = getattr(result, "covered", None)
    if covered is not None:
        arrays["covered"] = np.asarray(covered, dtype=np.uint8).reshape(n)
    heights = getattr(result.leg, "heights_m", None)
    if heights is not None:
        arrays["height_m"] = np.asarray(heights, dtype=np.float64).reshape(n)
    return arrays


_VTK_TYPES = {
    np.dtype(np.float64): "Float64",
    np.dtype(np.float32): "Float32",
    np.dtype(np.int64): "Int64",
    np.dtype(np.uint8): "UInt8",
}


def _vtk_array(data: np.ndarray, name: str | None = None, components: int = 1) -> str:
    data = np.ascontiguousarray(data)
    data = data.astype(data.dtype.newbyteorder("<"), copy=False)
    raw = data.tobytes()
    # uncompressed inline binary: base64 of (UInt64 byte count + the bytes), as VTK writes it
    payload = base64.b64encode(np.uint64(len(raw)).tobytes() + raw).decode("ascii")
    attrs = f'type="{_VTK_TYPES[data.dtype]}"'
    if name:
        attrs += f' Name="{name}"'
    if components > 1:
        attrs += f' NumberOfComponents="{components}"'
    return f'<DataArray {attrs} format="binary">{payload}</DataArray>'


def to_vtk(result, path) -> Path:
    """Write the leg with its pressure as a VTK PolyData file (opens in ParaView).

    Point data: ``pressure_mmhg``, ``strain`` (hoop, engineering), ``tension_n_per_m``,
    ``covered`` (0/1) and ``height_m``. Coordinates in metres.

    Parameters
    ----------
    result : PressureResult
    path : str or Path
        ``.vtp``: VTK XML PolyData; ``.vtk``: the legacy VTK format (binary), for tools that
        read only that. Another suffix, e.g. ``.stl``, raises
        :class:`~stockingsim.errors.ExportError`: the content would not match the name.

    Returns
    -------
    Path
    """
    suffix = Path(os.fspath(path)).suffix.lower() if isinstance(path, str | os.PathLike) else ""
    if suffix and suffix not in (".vtp", ".vtk"):
        other = {".ply": " Use result.to_ply(path) for a coloured PLY."}.get(suffix, "")
        raise errors.ExportError(
            f"to_vtk writes VTK PolyData, whose suffix is .vtp (XML) or .vtk (legacy), not "
            f"{suffix!r} ({os.fspath(path)}); name the file e.g. 'leg_pressure.vtp'.{other}"
        )
    path = _open_for_writing(path, "VTK")
    vertices = np.asarray(result.leg.vertices, dtype=np.float64)
    faces = np.asarray(result.leg.faces, dtype=np.int64)
    if suffix == ".vtk":
        return _write(path, _legacy_vtk(result, vertices, faces), "VTK")
    point_data = "\n".join(
        "      " + _vtk_array(values, name) for name, values in _point_arrays(result).items()
    )
    offsets = np.arange(1, len(faces) + 1, dtype=np.int64) * faces.shape[1]
    name = str(getattr(result.leg, "name", "") or "leg").replace('"', "'").replace("--", "-")
    xml = f"""<?xml version="1.0"?>
<!-- stockingsim pressure result: leg {name}, method {getattr(result, "method", "")} -->
<VTKFile type="PolyData" version="1.0" byte_order="LittleEndian" header_type="UInt64">
  <PolyData>
    <Piece NumberOfPoints="{len(vertices)}" NumberOfVerts="0" NumberOfLines="0" NumberOfStrips="0" NumberOfPolys="{len(faces)}">
      <PointData Scalars="pressure_mmhg">
{point_data}
      </PointData>
      <Points>
        {_vtk_array(vertices, "Points", 3)}
      </Points>
      <Polys>
        {_vtk_array(faces.ravel(), "connectivity")}
        {_vtk_array(offsets, "offsets")}
      </Polys>
    </Piece>
  </PolyData>
</VTKFile>
"""
    return _write(path, xml, "VTK")


_LEGACY_TYPES = {
    np.dtype(np.float64): ("double", ">f8"),
    np.dtype(np.uint8): ("unsigned_char", "u1"),
}


def _legacy_vtk(result, vertices: np.ndarray, faces: np.ndarray) -> bytes:
    """The legacy VTK file (version 4.2, binary: big-endian) of :func:`to_vtk`'s content."""
    name = " ".join(str(getattr(result.leg, "name", "") or "leg").split())
    head = (
        "# vtk DataFile Version 4.2\n"
        f"stockingsim pressure result: leg {name}, method {getattr(result, 'method', '')}\n"
        "BINARY\nDATASET POLYDATA\n"
    )
    cells = np.column_stack([np.full(len(faces), faces.shape[1]), faces]).astype(">i4")
    parts = [
        head.encode("ascii"),
        f"POINTS {len(vertices)} double\n".encode(),
        vertices.astype(">f8").tobytes(),
        f"\nPOLYGONS {len(faces)} {cells.size}\n".encode(),
        cells.tobytes(),
        f"\nPOINT_DATA {len(vertices)}\n".encode(),
    ]
    arrays = _point_arrays(result)  # pressure first: the active scalars, as in the .vtp
    for key in ["pressure_mmhg", *(k for k in arrays if k != "pressure_mmhg")]:
        if key not in arrays:
            continue
        vtk_type, dtype = _LEGACY_TYPES[arrays[key].dtype]
        parts += [
            f"SCALARS {key} {vtk_type} 1\nLOOKUP_TABLE default\n".encode(),
            arrays[key].astype(dtype).tobytes(),
            b"\n",
        ]
    return b"".join(parts)


def pressure_colors(
    pressure_mmhg: np.ndarray,
    covered: np.ndarray | None = None,
    clim: tuple[float, float] | None = None,
    cmap: str = "viridis",
) -> tuple[np.ndarray, tuple[float, float]]:
    """RGB colours ``(N, 3)`` uint8 of pressures through a matplotlib colour map.

    Returns the colours and the colour range used (default: the covered pressure range).
    Uncovered vertices get :data:`UNCOVERED_RGB`.
    """
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise errors.missing_dependency("PLY colours", "matplotlib", "viz") from exc
    from stockingsim.viz._helpers import check_clim, data_clim

    pressure = np.asarray(pressure_mmhg, dtype=float)
    covered = np.ones(pressure.shape, bool) if covered is None else np.asarray(covered, bool)
    clim = check_clim(clim) or data_clim(np.where(covered, pressure, np.nan))
    scaled = np.clip((pressure - clim[0]) / (clim[1] - clim[0]), 0.0, 1.0)
    rgba = matplotlib.colormaps[cmap](np.nan_to_num(scaled), bytes=True)
    rgb = rgba[:, :3].copy()
    rgb[~covered | ~np.isfinite(pressure)] = UNCOVERED_RGB
    return rgb, clim


def to_ply(result, path, clim=None, cmap: str = "viridis") -> Path:
    """Write the leg as a binary PLY with vertex colours showing the pressure.

    Besides ``red, green, blue`` every vertex carries the exact ``pressure_mmhg`` as a float
    property, and a header comment gives the colour map and range, so the colours can be
    mapped back to mmHg.

    Parameters
    ----------
    result : PressureResult
    path : str or Path
    clim : (float, float), optional
        Colour range in mmHg; default: the range of the covered pressure.
    cmap : str
        Matplotlib colour map name.

    Returns
    -------
    Path
    """
    path = _open_for_writing(path, "PLY")
    vertices = np.asarray(result.leg.vertices, dtype=np.float64)
    faces = np.asarray(result.leg.faces, dtype=np.int32)
    pressure = np.asarray(result.pressure_mmhg, dtype=float)
    rgb, clim = pressure_colors(pressure, getattr(result, "covered", None), clim, cmap)
    vertex = np.empty(
        len(vertices),
        dtype=[
            ("x", "<f4"),
            ("y", "<f4"),
            ("z", "<f4"),
            ("red", "u1"),
            ("green", "u1"),
            ("blue", "u1"),
            ("pressure_mmhg", "<f4"),
        ],
    )
    vertex["x"], vertex["y"], vertex["z"] = vertices.T
    vertex["red"], vertex["green"], vertex["blue"] = rgb.T
    vertex["pressure_mmhg"] = pressure
    face = np.empty(len(faces), dtype=[("n", "u1"), ("v", "<i4", (3,))])
    face["n"] = 3
    face["v"] = faces
    header = (
        "ply\nformat binary_little_endian 1.0\n"
        f"comment stockingsim pressure map: colour map {cmap}, range {clim[0]:.6g} {clim[1]:.6g} mmHg\n"
        f"comment uncovered skin: rgb {' '.join(map(str, UNCOVERED_RGB))}; coordinates in metres\n"
        f"element vertex {len(vertices)}\n"
        "property float x\nproperty float y\nproperty float z\n"
        "property uchar red\nproperty uchar green\nproperty uchar blue\n"
        "property float pressure_mmhg\n"
        f"element face {len(faces)}\nproperty list uchar int vertex_indices\nend_header\n"
    )
    return _write(path, header.encode("ascii") + vertex.tobytes() + face.tobytes(), "PLY")


def spec_sheet(result) -> pd.DataFrame:
    """The designer's spec sheet of a result, one row per landmark, in cm and mmHg.

    Columns: ``height_cm``, ``leg_circumference_cm``, ``relaxed_circumference_cm``,
    ``flat_width_cm`` (half the relaxed circumference: the knitted tube laid flat),
    ``strain_pct``, ``tension_n_per_m``, ``pressure_mmhg``, ``pressure_min_mmhg``,
    ``pressure_max_mmhg``.
    """
    profile = result.profile
    sheet = pd.DataFrame(index=profile.index.copy())
    sheet.index.name = profile.index.name or "landmark"

    def col(name):
        return pd.to_numeric(profile[name], errors="coerce") if name in profile else np.nan

    sheet["height_cm"] = col("height_m") * 100
    sheet["leg_circumference_cm"] = col("circumference_m") * 100
    sheet["relaxed_circumference_cm"] = col("relaxed_circumference_m") * 100
    sheet["flat_width_cm"] = sheet["relaxed_circumference_cm"] / 2
    sheet["strain_pct"] = col("strain") * 100
    sheet["tension_n_per_m"] = col("tension_n_per_m")
    for name in ("pressure_mmhg", "pressure_min_mmhg", "pressure_max_mmhg"):
        sheet[name] = col(name)
    return sheet


def as_table(obj) -> pd.DataFrame | None:
    """A DataFrame from a DataFrame or a design spec sheet (its ``landmarks`` table), else None."""
    if isinstance(obj, pd.DataFrame):
        return obj
    landmarks = getattr(obj, "landmarks", None)
    if isinstance(landmarks, pd.DataFrame) and not hasattr(obj, "pressure_mmhg"):
        return landmarks
    return None


def to_csv(result_or_table, path, table: str = "profile") -> Path:
    """Write a result's table (or any DataFrame, e.g. a design spec sheet) as CSV.

    Parameters
    ----------
    result_or_table : PressureResult, pandas.DataFrame or design spec sheet
    path : str or Path
    table : {"profile", "sections", "spec"}
        For a result: the landmark profile, the 5 mm height grid, or the spec sheet
        (:func:`spec_sheet`, cm). Ignored for a DataFrame.

    Returns
    -------
    Path
        Read back with ``pandas.read_csv(path, index_col=0)``.
    """
    frame = as_table(result_or_table)
    if frame is None:
        tables = {
            "profile": lambda r: r.profile,
            "sections": lambda r: r.sections,
            "spec": spec_sheet,
        }
        if table not in tables:
            raise errors.PlotError(f"Unknown table {table!r}; use 'profile', 'sections' or 'spec'.")
        frame = tables[table](result_or_table)
    path = _open_for_writing(path, "CSV")
    return _write(path, frame.to_csv(), "CSV")


def _jsonable(value: Any) -> Any:
    """Plain JSON values (NaN and inf become null)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist()) if value.size <= 64 else f"<array of shape {value.shape}>"
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, int | str):
        return value
    if isinstance(value, pd.DataFrame):
        return _jsonable(value.reset_index().to_dict(orient="records"))
    return str(value)


def classification(result, standard: str = vocab.DEFAULT_STANDARD) -> tuple[str | None, str | None]:
    """``(class, note)`` of a result under a standard; ``note`` says why no class was found."""
    try:
        if hasattr(result, "classify"):
            return result.classify(standard), None
        from stockingsim.standards import classify

        return classify(float(result.profile.loc["B", "pressure_mmhg"]), standard=standard), None
    except Exception as exc:  # no B landmark, unknown standard, standards not available
        return None, f"{type(exc).__name__}: {exc}"


def gradient_check(
    result, standard: str = vocab.DEFAULT_STANDARD
) -> tuple[pd.DataFrame | None, str | None]:
    """``(table, note)`` of :func:`stockingsim.standards.check_gradient` (None and why if not)."""
    try:
        from stockingsim.standards import check_gradient

        return check_gradient(result, standard=standard), None
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"


def summary(result, standard: str = vocab.DEFAULT_STANDARD) -> dict[str, Any]:
    """A JSON-ready summary: leg, stocking, method, landmark profile, class and gradient check."""
    leg, stocking = result.leg, getattr(result, "stocking", None)
    fabric = getattr(stocking, "fabric", None)
    pressure = np.asarray(result.pressure_mmhg, dtype=float)
    covered = np.asarray(getattr(result, "covered", np.isfinite(pressure)), dtype=bool)
    areas = getattr(leg, "vertex_areas", None)
    cls, cls_note = classification(result, standard)
    gradient, gradient_note = gradient_check(result, standard)
    landmarks = getattr(leg, "landmarks", {}) or {}
    out = {
        "stockingsim_result": 1,
        "method": getattr(result, "method", None),
        "elapsed_s": getattr(result, "elapsed_s", None),
        "leg": {
            "name": getattr(leg, "name", None),
            "source_hash": getattr(leg, "source_hash", None),
            "n_vertices": int(len(leg.vertices)),
            "n_faces": int(len(leg.faces)),
            "length_m": getattr(leg, "length_m", None),
            "landmarks": {
                str(k): {
                    "height_m": getattr(v, "height_m", None),
                    "circumference_m": getattr(v, "circumference_m", None),
                    "detected": getattr(v, "detected", None),
                }
                for k, v in landmarks.items()
            },
        },
        "stocking": {
            "name": getattr(stocking, "name", None),
            "style": getattr(stocking, "style", None),
            "axial_prestrain": getattr(stocking, "axial_prestrain", None),
            "fabric": getattr(fabric, "name", None),
            "fabric_description": getattr(fabric, "description", None),
        },
        "standard": standard,
        "class": cls,
        "class_note": cls_note,
        "pressure": {
            "max_mmhg": float(pressure[covered].max()) if covered.any() else None,
            "mean_covered_mmhg": (
                float(
                    np.average(
                        pressure[covered],
                        weights=None if areas is None else np.asarray(areas)[covered],
                    )
                )
                if covered.any()
                else None
            ),
            "covered_fraction": float(covered.mean()),
        },
        "profile": result.profile.reset_index().to_dict(orient="records"),
        "gradient_check": None
        if gradient is None
        else gradient.reset_index().to_dict(orient="records"),
        "gradient_note": gradient_note,
        "info": getattr(result, "info", {}),
    }
    return _jsonable(out)


def to_json(result, path=None, standard: str = vocab.DEFAULT_STANDARD) -> str | Path:
    """Write (or return) the JSON summary of a result (see :func:`summary`).

    Parameters
    ----------
    result : PressureResult
    path : str or Path, optional
        Output file; without it the JSON text is returned.
    standard : str
        Standard of the classification and gradient check.

    Returns
    -------
    Path or str
    """
    text = json.dumps(summary(result, standard), indent=2, allow_nan=False)
    if path is None:
        return text
    return _write(_open_for_writing(path, "JSON"), text + "\n", "JSON")
