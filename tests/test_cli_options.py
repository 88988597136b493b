"""Every documented CLI option (docs/cli.md) once, each with an assertion on its effect.

Cheap on purpose: the Laplace method where the option does not need another one, one leg, one
picture run. Numbers are checked against the library (the same computation) or closed forms.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _cli_run import LEG, MESHES, pressure_at_b, run

import stockingsim as ss

FABRIC = "circular class II"


@pytest.fixture(scope="module")
def leg():
    return ss.load_leg(LEG)


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.split() == ["stockingsim", ss.__version__]


def test_bundled_leg_form_is_the_bundled_mesh(capsys):
    a = run(capsys, "simulate", "bundled:anny_f_avg", "--fabric", FABRIC, "--relaxed", 18,
            "--method", "laplace")  # fmt: skip
    b = run(capsys, "simulate", LEG, "--fabric", FABRIC, "--relaxed", 18, "--method", "laplace")
    c = run(capsys, "simulate", MESHES / "anny_m_elder.ply", "--fabric", FABRIC, "--relaxed",
            18, "--method", "laplace")  # fmt: skip
    assert a[0] == b[0] == c[0] == 0
    assert pressure_at_b(a[1]) == pressure_at_b(b[1]) != pressure_at_b(c[1])
    code, _, err = run(capsys, "simulate", "bundled:nobody", "--fabric", FABRIC, "--relaxed", 18)
    assert code == 1 and "anny_f_avg" in err  # names the bundled legs


def test_simulate_style_standard_csv_vtk_and_pictures(capsys, tmp_path, leg):
    pv = pytest.importorskip("pyvista")
    csv, vtk = tmp_path / "p.csv", tmp_path / "leg.vtp"
    png, prof = tmp_path / "map.png", tmp_path / "profile.png"
    code, out, err = run(
        capsys, "simulate", LEG, "--fabric", FABRIC, "--relaxed", "B=16,C=26,D=26,F=40,G=45",
        "--method", "laplace", "--style", "AG", "--standard", "UK", "--csv", csv,
        "--vtk", vtk, "--png", png, "--profile-png", prof,
    )  # fmt: skip
    assert code == 0, err
    profile = pd.read_csv(csv, index_col=0)
    # --style AG covers up to G: pressure there (a knee-high AD would give 0 at G)
    assert profile.loc["G", "pressure_mmhg"] > 0
    # --standard UK: the class line uses the UK (BS 6612) ranges
    p_b = profile.loc["B", "pressure_mmhg"]
    line = next(ln for ln in out.splitlines() if "class" in ln and "mmHg" in ln and "UK" in ln)
    uk = ss.classify(p_b, standard="UK")
    assert (f"class {uk}" in line) if uk else ("no class" in line or "between" in line), line
    assert ss.classify(p_b, standard="RAL") != uk  # the default standard would say otherwise
    # the VTK file carries the same per-vertex pressure as the library's result
    st = ss.Stocking(ss.fabric_library()[FABRIC],
                     {"B": 0.16, "C": 0.26, "D": 0.26, "F": 0.40, "G": 0.45}, style="AG")  # fmt: skip
    ref = ss.simulate(leg, st, method="laplace")
    mesh = pv.read(vtk)
    assert mesh.n_points == leg.n_vertices
    np.testing.assert_allclose(mesh.point_data["pressure_mmhg"], ref.pressure_mmhg, rtol=1e-6)
    for path in (png, prof):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_simulate_units(capsys, tmp_path, leg):
    # the same leg written in millimetres: --units mm reads it right, --units m calls it 400 m long
    mm = tmp_path / "leg_mm.ply"
    leg.to_trimesh().apply_scale(1000.0).export(mm)
    ok = run(capsys, "simulate", mm, "--units", "mm", "--fabric", FABRIC, "--relaxed", 18,
             "--method", "laplace")  # fmt: skip
    ref = run(capsys, "simulate", LEG, "--fabric", FABRIC, "--relaxed", 18, "--method", "laplace")
    assert ok[0] == 0 and pressure_at_b(ok[1]) == pytest.approx(pressure_at_b(ref[1]), abs=0.11)
    code, _, err = run(capsys, "simulate", mm, "--units", "m", "--fabric", FABRIC, "--relaxed",
                       18, "--method", "laplace")  # fmt: skip
    assert code == 1 and "unit" in err.lower()


def test_simulate_a_mesh_in_inches(capsys, tmp_path, leg):
    # inches are never guessed: read as cm the leg warns, naming --units in's fix
    inch = tmp_path / "leg_in.ply"
    leg.to_trimesh().apply_scale(1 / 0.0254).export(inch)
    args = ("--fabric", FABRIC, "--relaxed", 18, "--method", "laplace")
    ok = run(capsys, "simulate", inch, "--units", "in", *args)
    ref = run(capsys, "simulate", LEG, *args)
    assert ok[0] == 0 and pressure_at_b(ok[1]) == pytest.approx(pressure_at_b(ref[1]), abs=0.11)
    assert "warning" not in ok[2]
    code, _, err = run(capsys, "simulate", inch, *args)
    assert "stockingsim: warning:" in err and "units='in'" in err


def test_design_method_and_style(capsys, tmp_path, leg):
    spec = tmp_path / "spec.csv"
    code, out, err = run(
        capsys, "design", LEG, "--fabric", FABRIC, "--target", "RAL-GZ 387:II",
        "--method", "membrane", "--style", "AG", "--out", spec, "--simulate", "membrane",
    )  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(spec, index_col=0)
    assert "G" in table.index  # AG: designed up to G
    # --method membrane: the membrane pressure meets the target within the design tolerance
    # (0.5 mmHg for the iterated methods, docs/design.md)
    assert pressure_at_b(out) == pytest.approx(27.5, abs=0.55)
    _, lap = ss.design_stocking(leg, FABRIC, "RAL-GZ 387:II", style="AG")
    # the sheet predicts the membrane's pressure, not Laplace's (else the option did nothing):
    # the membrane reads B a little below Laplace on this leg, within the design tolerance
    predicted = table.loc["B", "predicted_mmhg"]
    assert abs(predicted - lap.loc["B", "predicted_mmhg"]) > 0.05
    assert predicted == pytest.approx(pressure_at_b(out), abs=0.05)  # what --simulate gives


def test_a_target_in_mmhg_per_landmark_designs_and_batches_as_the_mapping(capsys, tmp_path, leg):
    """--target B=26,C=19,D=15: the mapping target design_stocking and BatchDesign take."""
    target = {"B": 26.0, "C": 19.0, "D": 15.0}
    spec = tmp_path / "spec.csv"
    code, out, err = run(capsys, "design", LEG, "--fabric", FABRIC, "--target", "B=26,C=19,D=15",
                         "--method", "laplace", "--out", spec)  # fmt: skip
    assert code == 0, err
    _, want = ss.design_stocking(leg, FABRIC, target)
    sheet = pd.read_csv(spec, index_col=0)
    for lm, mmhg in target.items():
        assert sheet.loc[lm, "predicted_mmhg"] == pytest.approx(mmhg, abs=1e-6)
        assert sheet.loc[lm, "relaxed_circumference_cm"] == pytest.approx(
            want.loc[lm, "relaxed_circumference_cm"], rel=1e-9
        )
    out_csv = tmp_path / "b.csv"
    argv = _batch_argv([LEG], out_csv, "--target", "B=26,C=19,D=15", "--target", "RAL-GZ 387:II",
                       "--engine", "serial")  # fmt: skip
    code, _, err = run(capsys, *argv)
    assert code == 0, err
    table = pd.read_csv(out_csv)
    assert sorted(table["pressure_B_mmhg"].round(6)) == pytest.approx([26.0, 27.5], abs=1e-6)


def test_report_target_markdown(capsys, tmp_path):
    from stockingsim.standards import class_range

    md = tmp_path / "r.md"
    code, out, err = run(capsys, "report", LEG, "--fabric", FABRIC, "--target", "RAL-GZ 387:I",
                         "--method", "laplace", "--out", md)  # fmt: skip
    assert code == 0, err
    text = md.read_text(encoding="utf-8")
    # .md: Markdown, not HTML
    assert text.lstrip().startswith("#") and "<html" not in text.lower()
    # --target designs for class I: Laplace meets mid-class I at B exactly
    lo, hi = class_range("RAL", "I")
    assert pressure_at_b(out) == pytest.approx((lo + hi) / 2, abs=0.15)
    assert "RAL-GZ 387/1:I " in text


def test_fabric_show_json_and_fit_name(capsys, tmp_path):
    path = tmp_path / "preset.json"
    code, out, _ = run(capsys, "fabric", "show", FABRIC, "--json", path)
    assert code == 0 and f"wrote {path}" in out
    again = ss.Fabric.from_json(path)
    eps = np.linspace(0.05, 0.8, 12)
    preset = ss.fabric_library()[FABRIC]
    for branch in ("loading", "unloading"):
        for direction in ("course", "wale"):
            np.testing.assert_allclose(
                again.tension(eps, direction, branch), preset.tension(eps, direction, branch),
                rtol=1e-9,
            )  # fmt: skip
    # fit a synthetic linear strip test (250 N/m, 50 mm wide, gauge 100 mm) and name it
    strain = np.concatenate([np.linspace(0, 0.8, 41), np.linspace(0.8, 0, 41)[1:]])
    csv = tmp_path / "t.csv"
    pd.DataFrame({"extension_mm": strain * 100.0, "force_n": 250.0 * strain * 0.05}).to_csv(
        csv, index=False
    )
    out_json = tmp_path / "fit.json"
    code, out, err = run(capsys, "fabric", "fit", csv, "--width-mm", 50, "--gauge-mm", 100,
                         "--model", "linear", "--name", "my knit", "--out", out_json)  # fmt: skip
    assert code == 0, err
    fitted = ss.Fabric.from_json(out_json)
    assert fitted.name == "my knit" and "'my knit'" in out
    assert float(fitted.tension(0.4, branch="loading")) == pytest.approx(100.0, rel=0.01)


def _batch_argv(legs, out, *extra):
    return ["batch", *legs, "--fabric", FABRIC, "--method", "laplace", "--out", out,
            "--no-progress", *extra]  # fmt: skip


def test_batch_options_serial(capsys, tmp_path, leg):
    mm = tmp_path / "leg_mm.ply"
    leg.to_trimesh().apply_scale(1000.0).export(mm)
    out = tmp_path / "r.parquet"
    argv = _batch_argv([mm], out, "--relaxed", "B=17,C=26,D=26", "--standard", "UK",
                       "--units", "mm", "--engine", "serial", "--show", 0)  # fmt: skip
    code, text, err = run(capsys, *argv)
    assert code == 0, err
    table = pd.read_parquet(out)
    st = ss.Stocking(ss.fabric_library()[FABRIC], {"B": 0.17, "C": 0.26, "D": 0.26})
    p_b = ss.simulate(leg, st, "laplace").pressure_at("B")  # --units mm: the same leg
    assert table["pressure_B_mmhg"].iloc[0] == pytest.approx(p_b, rel=1e-6)
    assert table["ankle_class"].fillna("").iloc[0] == (ss.classify(p_b, "UK") or "")  # --standard
    assert "leg_mm" not in text  # --show 0: no rows printed
    # resume by default; --no-resume recomputes; --retry-errors re-runs failed rows only
    assert "0 computed, 1 already done" in run(capsys, *argv)[1]
    assert "1 computed, 0 already done" in run(capsys, *argv, "--no-resume")[1]
    bad = tmp_path / "bad.ply"
    bad.write_text("not a mesh")
    first = run(capsys, *_batch_argv([mm, bad], out, "--relaxed", 17, "--engine", "serial"))
    again = run(capsys, *_batch_argv([mm, bad], out, "--relaxed", 17, "--engine", "serial"))
    retry = run(capsys, *_batch_argv([mm, bad], out, "--relaxed", 17, "--engine", "serial",
                                     "--retry-errors"))  # fmt: skip
    assert "1 failed" in first[1] and "0 computed" in again[1] and "1 computed" in retry[1]


def test_batch_of_a_csv_table_of_charts(capsys, tmp_path):
    """A CSV of measurement charts (cm, a leg per row, a name column) beside a mesh file."""
    charts = tmp_path / "patients.csv"
    charts.write_text("name,cB,cC,cD,lD\nanna,21,33,32,40\nbert,23,36,33.5,42\n")
    out = tmp_path / "r.csv"
    argv = _batch_argv([charts, LEG], out, "--relaxed", 18, "--engine", "serial")
    code, text, err = run(capsys, *argv)
    assert code == 0, err
    table = pd.read_csv(out).set_index("leg_name")
    st = ss.Stocking(ss.fabric_library()[FABRIC], 0.18)
    for name, chart in (("anna", {"cB": 21, "cC": 33, "cD": 32, "lD": 40}),
                        ("bert", {"cB": 23, "cC": 36, "cD": 33.5, "lD": 42})):  # fmt: skip
        p_b = ss.simulate(ss.parametric_leg(chart), st, "laplace").pressure_at("B")
        assert table.loc[name, "pressure_B_mmhg"] == pytest.approx(p_b, rel=1e-9)
    assert Path(LEG).stem in table.index and "3 computed" in text


def test_batch_design_method_workers_and_dask_address(capsys, tmp_path):
    pytest.importorskip("distributed")
    from stockingsim.batch import local_cluster

    out = tmp_path / "r.parquet"
    extra = ["--target", "RAL-GZ 387:II", "--design-method", "membrane", "--method", "membrane",
             "--workers", 1]  # fmt: skip
    code, _, err = run(capsys, *_batch_argv([LEG], out, *extra, "--engine", "processes"))
    assert code == 0, err
    table = pd.read_parquet(out)
    assert sorted(table["method"]) == ["laplace", "membrane"]  # --method given twice: both
    assert set(table["design_method"]) == {"membrane"}
    table = table[table["method"] == "membrane"]
    # the row is the library's membrane design simulated by the membrane law, and it meets the
    # target within the design tolerance of the iterated methods (0.5 mmHg, docs/design.md)
    leg = ss.load_leg(LEG)
    designed = ss.design_stocking(leg, FABRIC, "RAL-GZ 387:II", method="membrane")[0]
    want = ss.simulate(leg, designed, "membrane").pressure_at("B")
    assert table["pressure_B_mmhg"].iloc[0] == pytest.approx(want, rel=1e-9)
    assert want == pytest.approx(27.5, abs=0.5)
    with local_cluster(1) as cluster:
        out2 = tmp_path / "d.parquet"
        code, _, err = run(capsys, *_batch_argv([LEG], out2, *extra, "--engine", "dask",
                                                "--address", cluster.scheduler_address))  # fmt: skip
    assert code == 0, err
    dask_table = pd.read_parquet(out2)
    dask_table = dask_table[dask_table["method"] == "membrane"]
    assert dask_table["pressure_B_mmhg"].iloc[0] == pytest.approx(
        table["pressure_B_mmhg"].iloc[0], rel=1e-9
    )


@pytest.mark.parametrize(
    ("right", "said"),
    [
        ("cB22", "expected NAME=CM pairs"),  # no '='
        ("cB=x,cC=36", "--right cB must be a number in cm, got 'x'"),
        ("cB=22,cC=inf", "--right cC must be a finite number in cm"),
    ],
)
def test_fit_right_leg_text_that_is_not_measurements_is_a_usage_error(capsys, right, said):
    # the right leg's NAME=CM pairs are checked before any fitting: exit 2, one line naming
    # the point and how to write it
    code, out, err = run(capsys, "fit", "--cB", 22, "--cC", 36, "--chart", "knee-high",
                         "--right", right)  # fmt: skip
    assert code == 2 and out == ""
    assert said in err and "cB=22,cC=36" in err and len(err.strip().splitlines()) == 1


def test_simulate_motion_prints_and_writes_the_library_motion(capsys, tmp_path, leg):
    # --motion: the stocking through the cited default motion, the numbers of simulate_motion
    # (pressure over time, amplitude, DSI) and of static_stiffness_index; --motion-csv its table
    table = tmp_path / "walk.csv"
    code, text, err = run(capsys, "simulate", LEG, "--fabric", FABRIC, "--relaxed",
                          "B=17,C=27,D=27", "--method", "laplace", "--motion", "walking",
                          "--motion-csv", table)  # fmt: skip
    assert code == 0, err
    st = ss.Stocking(ss.fabric_library()[FABRIC], {"B": 0.17, "C": 0.27, "D": 0.27})
    direct = ss.simulate_motion(leg, st, ss.Motion.walking(), method="laplace")
    written = pd.read_csv(table, index_col=["frame", "landmark"])
    np.testing.assert_allclose(
        written["pressure_mmhg"].to_numpy(), direct.profile["pressure_mmhg"].to_numpy(), rtol=1e-9
    )
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.strip()}
    landmarks = rows["landmark"][: len(rows["amplitude_mmhg"])]
    assert landmarks == ["B", "B1", "C", "D"]  # the knee-high's landmarks only
    for lm, amp, dsi in zip(landmarks, rows["amplitude_mmhg"], rows["dsi_mmhg_per_cm"]):
        assert float(amp) == pytest.approx(direct.amplitude_mmhg[lm], abs=0.006)
        want = direct.dynamic_stiffness_mmhg_per_cm()[lm]
        assert float(dsi) == pytest.approx(want, abs=0.006)
    ssi = float(re.search(r"SSI \(B1 standing - supine, Partsch 2005\): ([0-9.]+)", text)[1])
    assert ssi == pytest.approx(ss.static_stiffness_index(leg, st), abs=0.06)
    # sitting moves no girth at the knee-high's landmarks: no DSI is printed there
    code, text, _ = run(capsys, "simulate", LEG, "--fabric", FABRIC, "--relaxed", 18,
                        "--method", "laplace", "--motion", "sitting")  # fmt: skip
    assert code == 0
    assert [v for v in text.split("dsi_mmhg_per_cm")[1].splitlines()[0].split()] == ["-"] * 4
    # a CSV of a motion without the motion, or an unknown motion: a wrong command line, found
    # before the leg is read (the leg path does not exist)
    code, _, err = run(capsys, "simulate", tmp_path / "none.ply", "--fabric", FABRIC,
                       "--relaxed", 18, "--motion-csv", table)  # fmt: skip
    assert code == 2 and "give --motion" in err
    code, _, err = run(capsys, "simulate", LEG, "--fabric", FABRIC, "--relaxed", 18,
                       "--motion", "jogging")  # fmt: skip
    assert code == 2 and "walking" in err


@pytest.mark.parametrize("engine", ["serial", "processes"])
def test_batch_motion_adds_the_amplitude_and_ssi_columns(capsys, tmp_path, leg, engine):
    out = tmp_path / "r.csv"
    code, text, err = run(capsys, *_batch_argv([LEG], out, "--relaxed", "B=17,C=27,D=27",
                                               "--engine", engine, "--workers", 2,
                                               "--motion", "calf-contraction"))  # fmt: skip
    assert code == 0, err
    row = pd.read_csv(out).iloc[0]
    st = ss.Stocking(ss.fabric_library()[FABRIC], {"B": 0.17, "C": 0.27, "D": 0.27})
    direct = ss.simulate_motion(leg, st, ss.Motion.calf_contraction(), method="laplace")
    assert row["motion"] == direct.motion.name
    for lm in ("B", "B1", "C", "D"):
        assert row[f"amplitude_{lm}_mmhg"] == pytest.approx(direct.amplitude_mmhg[lm], rel=1e-9)
    assert row["ssi_B1_mmhg"] == pytest.approx(ss.static_stiffness_index(leg, st), rel=1e-9)
    assert "amplitude_B1_mmhg" in text and "ssi_B1_mmhg" in text
