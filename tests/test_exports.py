"""Exports read back by other tools: VTK (pyvista), PLY (trimesh), CSV and JSON (pandas/json)."""

import json
import locale

import _designs
import numpy as np
import pandas as pd
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim import exports as io


@pytest.fixture(scope="module")
def designed():
    return (_designs.bundled_leg(), *_designs.design("II"))


result = _designs.result_fixture("II", "membrane")
laplace = _designs.result_fixture("II", "laplace")


@pytest.mark.parametrize("suffix", [".vtp", ".vtk"])  # XML, and the legacy format
def test_vtk_read_back_carries_the_same_values(result, tmp_path, suffix):
    pv = pytest.importorskip("pyvista")
    path = result.to_vtk(tmp_path / f"map{suffix}")
    assert path.read_bytes().startswith(b"<?xml" if suffix == ".vtp" else b"# vtk DataFile")
    saved = locale.setlocale(locale.LC_ALL)
    try:
        mesh = pv.read(path)
    finally:  # VTK 9.4.0's legacy reader sets the C locale (ASCII) for the whole process
        locale.setlocale(locale.LC_ALL, saved)
    assert mesh.n_points == len(result.leg.vertices) and mesh.n_cells == len(result.leg.faces)
    np.testing.assert_array_equal(mesh.points, result.leg.vertices)
    np.testing.assert_array_equal(mesh.regular_faces, result.leg.faces)
    np.testing.assert_array_equal(mesh["pressure_mmhg"], result.pressure_mmhg)
    np.testing.assert_array_equal(mesh["strain"], result.strain)  # NaN outside the stocking too
    np.testing.assert_array_equal(mesh["tension_n_per_m"], result.tension_n_per_m)
    np.testing.assert_array_equal(mesh["covered"].astype(bool), result.covered)
    np.testing.assert_array_equal(mesh["height_m"], result.leg.heights_m)
    assert mesh.point_data.active_scalars_name == "pressure_mmhg"


def test_ply_colours_map_back_to_pressure(result, tmp_path):
    trimesh = pytest.importorskip("trimesh")
    matplotlib = pytest.importorskip("matplotlib")
    clim = (0.0, 40.0)
    path = io.to_ply(result, tmp_path / "map.ply", clim=clim)
    mesh = trimesh.load(path, process=False)
    np.testing.assert_allclose(mesh.vertices, result.leg.vertices, atol=1e-6)  # float32
    np.testing.assert_array_equal(mesh.faces, result.leg.faces)
    rgb = np.asarray(mesh.visual.vertex_colors)[:, :3].astype(float)
    covered = result.covered
    assert (rgb[~covered] == io.UNCOVERED_RGB).all()
    # the colour of each vertex is the colour-map entry of its pressure bin (256 bins)
    lut = matplotlib.colormaps["viridis"](np.arange(256), bytes=True)[:, :3].astype(float)
    span = clim[1] - clim[0]
    p = result.pressure_mmhg[covered]
    expected_bin = np.clip(np.floor((p - clim[0]) / span * 256), 0, 255).astype(int)
    assert (rgb[covered] == lut[expected_bin]).all(axis=1).mean() > 0.999
    # and maps back: nearest entry within two bins (a few viridis entries share a byte colour)
    nearest = np.argmin(((rgb[covered, None, :] - lut[None]) ** 2).sum(-1), axis=1)
    back = clim[0] + (nearest + 0.5) / 256 * span
    assert np.max(np.abs(back - np.clip(p, *clim))) <= 2.5 * span / 256
    # the exact value is kept as a vertex property too
    raw = mesh.metadata["_ply_raw"]["vertex"]["data"]["pressure_mmhg"]
    np.testing.assert_allclose(raw, result.pressure_mmhg, rtol=1e-6, atol=1e-6)
    header = path.read_bytes()[:600].decode("ascii", "replace")
    assert "colour map viridis, range 0 40 mmHg" in header


def test_csv_round_trip(result, designed, tmp_path):
    profile = pd.read_csv(result.to_csv(tmp_path / "profile.csv"), index_col=0)
    pd.testing.assert_frame_equal(
        profile, result.profile, check_names=False, check_index_type=False, check_column_type=False
    )
    sections = pd.read_csv(
        io.to_csv(result, tmp_path / "sections.csv", table="sections"), index_col=0
    )
    np.testing.assert_allclose(sections["pressure_mmhg"], result.sections["pressure_mmhg"])
    _, _, spec = designed
    back = pd.read_csv(io.to_csv(spec, tmp_path / "spec.csv"), index_col=0)
    np.testing.assert_allclose(back["flat_width_cm"], spec["flat_width_cm"])
    with pytest.raises(ValueError, match="profile"):
        io.to_csv(result, tmp_path / "x.csv", table="nope")


def test_spec_sheet_is_the_laplace_geometry(laplace):
    sheet = io.spec_sheet(laplace).loc[["B", "B1", "C", "D"]]
    # flat width is half the relaxed circumference; the hoop strain is C_hull / c0 - 1
    np.testing.assert_allclose(sheet["flat_width_cm"], sheet["relaxed_circumference_cm"] / 2)
    strain = sheet["leg_circumference_cm"] / sheet["relaxed_circumference_cm"] - 1
    np.testing.assert_allclose(sheet["strain_pct"], 100 * strain, rtol=1e-6)
    # Laplace: p = T / r = 2 pi T / C  (mmHg = Pa / 133.322)
    laplace_mmhg = (
        2 * np.pi * sheet["tension_n_per_m"] / (sheet["leg_circumference_cm"] / 100) / 133.322
    )
    np.testing.assert_allclose(sheet["pressure_mmhg"], laplace_mmhg, rtol=1e-3)


def test_json_summary_round_trip(result, tmp_path):
    data = json.loads(result.to_json(tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert data["leg"]["n_vertices"] == len(result.leg.vertices)
    assert data["leg"]["source_hash"] == result.leg.source_hash
    assert data["method"] == "membrane"
    assert data["class"] == result.classify("RAL-GZ 387") == ss.classify(result.pressure_at("B"))
    by_landmark = {row["landmark"]: row for row in data["profile"]}
    for name, p in result.profile["pressure_mmhg"].items():
        assert by_landmark[name]["pressure_mmhg"] == pytest.approx(p)
    assert data["pressure"]["max_mmhg"] == pytest.approx(result.pressure_mmhg[result.covered].max())
    # the gradient verdict per landmark, as check_gradient gives it
    from stockingsim.standards import check_gradient

    expected = check_gradient(result, "RAL-GZ 387").reset_index()
    rows = data["gradient_check"]
    assert [r["landmark"] for r in rows] == expected["landmark"].tolist()
    assert [bool(r["passed"]) for r in rows] == expected["passed"].astype(bool).tolist()
    for r, p in zip(rows, expected["percent_of_B"]):
        assert r["percent_of_B"] == pytest.approx(p)
    assert json.loads(io.to_json(result)) == data  # no path: the same text is returned


def test_unwritable_paths_raise_export_error(result, tmp_path):
    with pytest.raises(errors.ExportError, match="folder"):
        io.to_vtk(result, tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(errors.ExportError, match="writable"):
        io.to_json(result, blocker / "sub" / "summary.json")


def test_old_io_module_name_is_a_deprecated_alias():
    import importlib
    import sys

    sys.modules.pop("stockingsim.io", None)
    with pytest.warns(DeprecationWarning, match="stockingsim.exports"):
        old = importlib.import_module("stockingsim.io")
    from stockingsim import exports

    assert old.to_vtk is exports.to_vtk and old.UNCOVERED_RGB == exports.UNCOVERED_RGB
