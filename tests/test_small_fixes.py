"""The smaller things of issue 11 (point 9), one test each."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import _surfaces as S
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _python(code: str, **env) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter (nothing imported yet) with the repository first."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    for key in [k for k, v in env.items() if v is None]:
        full_env.pop(key)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=full_env, timeout=300
    )


@pytest.fixture(scope="module")
def tube_result():
    leg = S.make_leg(*S.cylinder(0.05, n_theta=48, n_z=31), name="tube")
    return ss.simulate(leg, ss.Stocking(ss.Fabric.linear(250.0), 0.25, style="AT"))


def test_parametric_leg_honours_a_given_b1():
    # before: B1 was always put one third of the way from B to C, with its girth there
    leg = ss.parametric_leg({"cB": 22, "cB1": 27, "cC": 36, "cD": 34, "lB1": 22})
    b1 = leg.landmarks["B1"]
    assert b1.height_m == pytest.approx(0.22, abs=1e-9)
    assert b1.circumference_m == pytest.approx(0.27, rel=2e-3)  # the hull of the built ring
    # without a B1 in the chart the detector's convention stays
    plain = ss.parametric_leg({"cB": 22, "cC": 36, "cD": 34})
    lm = plain.landmarks
    assert lm["B1"].height_m == pytest.approx(
        lm["B"].height_m + (lm["C"].height_m - lm["B"].height_m) / 3
    )


def test_batch_and_viz_are_attributes_without_import():
    done = _python(
        "import sys, stockingsim as ss\n"
        "assert 'pyvista' not in sys.modules and 'dask' not in sys.modules\n"
        "print(callable(ss.batch.run_batch), callable(ss.viz.plot_pressure_map))\n"
        "print('vtkmodules' in sys.modules)\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "False"]  # viz itself loads no VTK


def test_off_screen_render_prints_no_x_server_message(tmp_path):
    code = (
        "import _surfaces as S, stockingsim as ss\n"
        "leg = S.make_leg(*S.cylinder(0.05, n_theta=32, n_z=21))\n"
        "r = ss.simulate(leg, ss.Stocking(ss.Fabric.linear(250.0), 0.25, style='AT'))\n"
        f"r.plot({str(tmp_path / 'map.png')!r})\n"
    )
    done = _python(
        code,
        DISPLAY=None,
        WAYLAND_DISPLAY=None,
        PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'tests'}",
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "map.png").stat().st_size > 1000
    assert "X server" not in done.stderr and "DISPLAY" not in done.stderr


def test_fabric_library_lookup_ignores_case_and_lists_names():
    lib = ss.fabric_library()
    assert lib["Circular Class II"] is lib["circular class II"]
    assert lib["  circular   CLASS ii "] is lib["circular class II"]
    with pytest.raises(errors.FabricError, match="circular class II") as info:
        lib["Circular Class 2"]
    assert all(name in str(info.value) for name in lib)


def test_plot_to_pdf_is_a_clear_plot_error(tube_result, tmp_path):
    with pytest.raises(errors.PlotError, match=r"\.pdf.*\.png"):
        tube_result.plot(tmp_path / "map.pdf")
    assert not (tmp_path / "map.pdf").exists()


@pytest.mark.parametrize("suffix", [".stl", ".ply", ".obj"])
def test_to_vtk_under_another_suffix_is_refused(tube_result, tmp_path, suffix):
    with pytest.raises(errors.ExportError, match=r"\.vtp \(XML\) or \.vtk \(legacy\)"):
        tube_result.to_vtk(tmp_path / f"map{suffix}")
    assert not (tmp_path / f"map{suffix}").exists()
    assert tube_result.to_vtk(tmp_path / "map.VTP").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["design", "missing.ply", "--fabric", "circular class II", "--target", "RAL-GZ 387:V"],
        ["design", "missing.ply", "--fabric", "circular class II", "--target", "RALL:II"],
        [
            "report",
            "missing.ply",
            "--fabric",
            "circular class II",
            "--target",
            "RAL-GZ 387:II",
            "--standard",
            "RALL",
        ],
        ["classify", "25", "--standard", "RALL"],
    ],
)
def test_cli_unknown_class_or_standard_exits_2_before_any_work(capsys, argv):
    # before: exit 1 after loading the mesh (unknown fabric gave 2, unknown class 1)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "error" in err and "missing.ply" not in err  # the mesh was not even opened
