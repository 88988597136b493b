"""The stockingsim command: every subcommand through main([...]), exit codes, one-line errors,
and the installed entry point once through a real subprocess (``--help`` and ``demo``)."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from _cli_run import LEG, MESHES, pressure_at_b, run

import stockingsim as ss
from stockingsim.cli import build_parser, main

MMHG = 101325.0 / 760.0
SUBCOMMANDS = [
    "demo",
    "simulate",
    "design",
    "classify",
    "fabric",
    "report",
    "batch",
    "fit",
    "app",
    "calibrate",
    "agreement",
]


# ----------------------------------------------------------------------------------------------
def test_help_of_every_subcommand(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for name in SUBCOMMANDS:
        assert name in out
        code, out_sub, _ = run(capsys, name, "--help")
        assert code == 0 and "usage: stockingsim " + name in out_sub
    for action in ("list", "show", "fit"):
        assert run(capsys, "fabric", action, "--help")[0] == 0
    assert set(build_parser()._subparsers._group_actions[0].choices) == set(SUBCOMMANDS)


def test_every_help_text_reads_as_written(capsys):
    # argparse %-formats help strings (a lone "%" swallowed the action's dict into 'fabric
    # --help') but prints descriptions and epilogs as they are ("95 %%" was shown doubled)
    pages = [run(capsys, "--help")[1]]
    pages += [run(capsys, name, "--help")[1] for name in SUBCOMMANDS]
    pages += [run(capsys, "fabric", a, "--help")[1] for a in ("list", "show", "fit")]
    for page in pages:
        assert "%%" not in page and "option_strings" not in page and "%(" not in page, page
    fabric_page = pages[1 + SUBCOMMANDS.index("fabric")]
    assert "tension at 20-80 % strain" in " ".join(fabric_page.split())
    assert "with 95 % intervals" in " ".join(pages[1 + SUBCOMMANDS.index("calibrate")].split())


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nope"],
        ["simulate", LEG, "--relaxed", "22"],  # --fabric missing
        ["simulate", LEG, "--fabric", "no such knit", "--relaxed", "22"],
        ["simulate", LEG, "--fabric", "circular class II", "--relaxed", "B=,C=3"],
        ["simulate", LEG, "--fabric", "circular class II", "--relaxed", "-4"],
        ["simulate", LEG, "--fabric", "circular class II", "--relaxed", "22", "--method", "x"],
        ["classify", "lots"],
        ["report", LEG, "--fabric", "circular class II"],  # neither --target nor --relaxed
        # unknown class or standard: a wrong command line in every subcommand (exit 2)
        ["classify", "27", "--standard", "RAL-ZG"],
        ["design", LEG, "--fabric", "circular class II", "--target", "RAL-GZ 387:V"],
        ["demo", "--target", "RAL-GZ 387:V"],
        ["report", LEG, "--fabric", "circular class II", "--target", "RAL:V"],
        ["simulate", LEG, "--fabric", "circular class II", "--relaxed", "22", "--standard", "X"],
        ["batch", LEG, "--target", "RAL-GZ 387:V", "--no-progress"],
        ["batch", LEG, "--relaxed", "22", "--standard", "X", "--no-progress"],
        ["batch", LEG, "--fabric", "no such knit", "--no-progress"],
        ["batch", LEG, "--relaxed", "B=16,Q=25", "--no-progress"],
        # a target in mmHg per landmark: known landmarks, plausible mmHg
        ["design", LEG, "--fabric", "circular class II", "--target", "B=27,Q=18"],
        ["batch", LEG, "--target", "B=2700", "--no-progress"],
        ["report", LEG, "--fabric", "circular class II", "--target", "B=abc"],
        ["batch", str(MESHES / "nothing-*.ply"), "--relaxed", "22", "--no-progress"],
    ],
)
def test_usage_errors_exit_2(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "Traceback" not in err and "error" in err


def test_failures_of_the_work_exit_1_with_one_line(capsys, tmp_path):
    missing = tmp_path / "missing.ply"
    code, _, err = run(
        capsys, "simulate", missing, "--fabric", "circular class II", "--relaxed", 22
    )
    assert code == 1
    lines = [line for line in err.splitlines() if "error" in line]
    assert len(lines) == 1 and "missing.ply" in lines[0] and "Traceback" not in err
    with pytest.raises(ss.errors.MeshFileError):
        main(
            [
                "--debug",
                "simulate",
                str(missing),
                "--fabric",
                "circular class II",
                "--relaxed",
                "22",
            ]
        )


def test_classify(capsys):
    code, out, _ = run(capsys, "classify", 27, 22, 40, "--standard", "RAL-GZ 387")
    assert code == 0
    lines = out.splitlines()
    assert "class II (23-32 mmHg)" in lines[0]
    assert "no class" in lines[1]  # 22 mmHg lies between RAL classes I and II
    assert "class III" in lines[2]


def test_fabric_list_and_show(capsys):
    code, out, _ = run(capsys, "fabric", "list")
    assert code == 0
    for name in ss.fabric_library():
        assert name in out
    code, out, _ = run(capsys, "fabric", "show", "circular class II")
    assert code == 0 and "valid course strain" in out


def test_fabric_fit_then_simulate_with_the_fitted_json_obeys_laplace(capsys, tmp_path):
    """A linear strip test (k = 250 N/m) -> fitted fabric -> Laplace pressure at the ankle."""
    k, width_mm, gauge_mm = 250.0, 50.0, 100.0
    strain = np.concatenate([np.linspace(0, 1.0, 41), np.linspace(1.0, 0, 41)[1:]])
    force = k * strain * width_mm / 1000.0
    csv = tmp_path / "strip.csv"
    pd.DataFrame({"extension_mm": strain * gauge_mm, "force_n": force}).to_csv(csv, index=False)
    fabric_json = tmp_path / "strip.json"
    code, out, err = run(
        capsys, "fabric", "fit", csv, "--width-mm", width_mm, "--gauge-mm", gauge_mm,
        "--model", "linear", "--out", fabric_json,
    )  # fmt: skip
    assert code == 0, err
    fitted = ss.Fabric.from_json(fabric_json)
    assert float(fitted.tension(0.5)) == pytest.approx(k * 0.5, rel=0.01)

    code, out, err = run(
        capsys, "simulate", LEG, "--fabric", fabric_json, "--relaxed", 18, "--method", "laplace"
    )
    assert code == 0, err
    c_b = ss.load_leg(LEG).landmarks["B"].circumference_m
    expected = float(fitted.tension(c_b / 0.18 - 1.0)) * 2 * math.pi / c_b / MMHG
    assert pressure_at_b(out) == pytest.approx(expected, abs=0.06)  # printed to 0.1 mmHg


def test_design_writes_a_spec_sheet_that_meets_the_target(capsys, tmp_path):
    spec = tmp_path / "spec.csv"
    code, out, err = run(
        capsys, "design", LEG, "--fabric", "circular class II", "--target", "RAL-GZ 387:II",
        "--out", spec, "--simulate", "laplace",
    )  # fmt: skip
    assert code == 0, err
    assert spec.exists() and len(pd.read_csv(spec)) >= 3
    # Laplace reproduces the design: mid-range of class II (23-32) at B
    assert pressure_at_b(out) == pytest.approx(27.5, abs=0.3)
    assert "class II" in out


def test_report_and_simulate_exports(capsys, tmp_path):
    html = tmp_path / "r.html"
    code, out, err = run(
        capsys, "report", LEG, "--fabric", "circular class II", "--relaxed", "B=16,C=25,D=25",
        "--method", "laplace", "--out", html,
    )  # fmt: skip
    assert code == 0, err
    assert html.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    csv = tmp_path / "v.csv"
    code, out, err = run(
        capsys, "simulate", LEG, "--fabric", "circular class II", "--relaxed", 17,
        "--method", "laplace", "--csv", csv,
    )  # fmt: skip
    assert code == 0, err
    profile = pd.read_csv(csv, index_col=0)
    assert profile.loc["B", "pressure_mmhg"] == pytest.approx(pressure_at_b(out), abs=0.06)


def test_batch_writes_parquet_resumes_and_strict_fails_on_error_rows(capsys, tmp_path):
    legs = tmp_path / "legs"
    legs.mkdir()
    shutil.copy(MESHES / "anny_f_avg.ply", legs)
    shutil.copy(MESHES / "anny_m_elder.ply", legs)
    out = tmp_path / "r.parquet"
    argv = ["batch", f"{legs}/*.ply", "--fabric", "circular class II", "--target",
            "RAL-GZ 387:II", "--method", "laplace", "--out", out, "--engine", "serial",
            "--no-progress"]  # fmt: skip
    code, text, err = run(capsys, *argv)
    assert code == 0, err
    table = pd.read_parquet(out)
    assert len(table) == 2 and table["error"].isna().all()
    np.testing.assert_allclose(table["pressure_B_mmhg"], 27.5, atol=0.3)  # the design target
    assert "2 computed" in text
    code, text, _ = run(capsys, *argv)
    assert code == 0 and "0 computed, 2 already done" in text
    (legs / "bad.ply").write_text("not a mesh")
    code, text, err = run(capsys, *argv, "--strict")
    assert code == 1 and "1 failed" in text and "task(s) failed" in err


def test_batch_takes_the_documented_relaxed_form_on_the_default_engine(capsys, tmp_path):
    """--relaxed B=16,C=25,D=26 (cm per landmark), process pool: the rows obey Laplace."""
    out = tmp_path / "r.csv"
    argv = ["batch", LEG, "--fabric", "circular class II", "--relaxed", "B=16,C=25,D=26",
            "--method", "laplace", "--out", out, "--workers", "1", "--no-progress"]  # fmt: skip
    code, _text, err = run(capsys, *argv)
    assert code == 0, err
    table = pd.read_csv(out)
    assert len(table) == 1 and table["error"].isna().all(), table["error"].tolist()
    row = table.iloc[0]
    assert (row["relaxed_B_cm"], row["relaxed_C_cm"], row["relaxed_D_cm"]) == pytest.approx(
        (16.0, 25.0, 26.0)
    )
    fabric = ss.fabric_library()["circular class II"]
    c = row["circumference_B_cm"] / 100.0
    tension = float(fabric.tension(row["strain_B"]))
    assert row["pressure_B_mmhg"] == pytest.approx(tension * 2 * math.pi / c / MMHG, rel=2e-3)


def test_demo_through_main(capsys, tmp_path):
    # every demo option (the defaults run in the subprocess test below)
    code, out, err = run(
        capsys, "demo", "--out", tmp_path / "demo", "--leg", "anny_f_avg",
        "--fabric", "microfibre class II", "--target", "RAL-GZ 387:I", "--style", "AF",
        "--method", "laplace",
    )  # fmt: skip
    assert code == 0, err
    for name in (
        "pressure_map.png",
        "profile.png",
        "unrolled.png",
        "spec_sheet.csv",
        "report.html",
    ):
        assert (tmp_path / "demo" / name).stat().st_size > 0, name
    # Laplace reproduces a Laplace design: mid-class I at B (RAL-GZ 387 class I: 15-21 mmHg)
    from stockingsim.standards import class_range

    lo, hi = class_range("RAL-GZ 387", "I")
    assert pressure_at_b(out) == pytest.approx((lo + hi) / 2, abs=0.11)
    assert "microfibre class II" in out and "files written to" in out
    assert re.search(r"RAL-GZ 387: class I$", out, re.M), out
    spec = pd.read_csv(tmp_path / "demo" / "spec_sheet.csv", index_col=0)
    assert "F" in spec.index and "G" not in spec.index  # --style AF ends at F


# ----------------------------------------------------------------------------------------------
def test_installed_command_in_a_subprocess(tmp_path):
    exe = shutil.which("stockingsim")
    cmd = [exe] if exe else [sys.executable, "-m", "stockingsim.cli"]
    done = subprocess.run([*cmd, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "demo" in done.stdout
    done = subprocess.run(
        [*cmd, "demo", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    png = tmp_path / "out" / "pressure_map.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "class II" in done.stdout
    # the default demo designs with Laplace and shows the membrane pressure of that design
    leg = ss.bundled_leg()
    stocking, _ = ss.design_stocking(leg, "circular class II", "RAL-GZ 387:II", style="AD")
    expected = ss.simulate(leg, stocking, method="membrane").pressure_at("B")
    assert pressure_at_b(done.stdout) == pytest.approx(expected, abs=0.06)
    done = subprocess.run([*cmd, "classify"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "usage" in done.stderr


def test_python_m_runs_the_command_with_its_exit_codes(tmp_path):
    # `python -m stockingsim.cli` (the package's __main__) is the same command: output and the
    # exit codes 0 (done), 2 (wrong command line) and 1 (the work failed) reach the shell
    cmd = [sys.executable, "-m", "stockingsim.cli"]
    done = subprocess.run([*cmd, "classify", "27"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stdout.strip() == "27.0 mmHg, RAL-GZ 387: class II (23-32 mmHg)"
    done = subprocess.run([*cmd, "classify", "abc"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "pressure" in done.stderr
    missing = tmp_path / "no_leg.ply"
    done = subprocess.run(
        [*cmd, "simulate", str(missing), "--fabric", "circular class II", "--relaxed", "22"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]  # after the progress line: one line of error
    assert last.startswith("stockingsim simulate: error: ") and str(missing) in last
