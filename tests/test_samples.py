"""Sample legs and tensile files ship as package data and are found from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import stockingsim as ss
from stockingsim import errors

ROOT = Path(__file__).resolve().parents[1]


def test_sample_files_are_the_repository_data():
    # the package copies are the files the tests and docs use (no second, drifting version)
    for name in ss.sample_leg_names():
        assert ss.sample_path(name).read_bytes() == (ROOT / "meshes" / f"{name}.ply").read_bytes()
    for name in ("tensile_two_phase_en.csv", "tensile_two_phase_de.csv"):
        assert ss.sample_path(name).read_bytes() == (ROOT / "tests" / "data" / name).read_bytes()


def test_sample_leg_is_the_scan_with_its_landmarks():
    leg = ss.sample_leg("anny_f_heavy")
    direct = ss.load_leg(ROOT / "meshes" / "anny_f_heavy.ply")
    assert leg.name == "anny_f_heavy" and leg.n_vertices == direct.n_vertices
    assert leg.landmarks["B"].height_m == pytest.approx(direct.landmarks["B"].height_m)


def test_unknown_sample_lists_the_samples():
    with pytest.raises(errors.SampleNotFoundError, match="tensile_two_phase_en.csv"):
        ss.sample_path("tensile.csv")
    with pytest.raises(errors.SampleNotFoundError, match="anny_m_elder"):
        ss.sample_leg("anny")


def test_samples_are_found_from_another_folder(tmp_path):
    code = (
        "import stockingsim as ss\n"
        "f = ss.Fabric.from_tensile_test(ss.sample_path('tensile_two_phase_en.csv'),"
        " width_mm=50, gauge_mm=100, model='two_phase')\n"
        "leg = ss.sample_leg('anny_m_athletic')\n"
        "print(len(leg.landmarks), f.fit_report is not None)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["7", "True"]
