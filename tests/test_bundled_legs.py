"""``"bundled:NAME"``, the CLI's name for a leg shipped with the package, is a mesh path everywhere.

The CLI help and the README show ``stockingsim simulate bundled:anny_f_avg ...``; a user who
reads that passes the same text to ``ss.load_leg``, ``ss.fit_patient``, ``ss.run_batch`` on
each engine and every LEG argument of the CLI. Each gives the leg ``ss.bundled_leg`` gives
(the same vertices, so the same pressure), and a batch on it is the batch on its file.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _cli_run import run

import stockingsim as ss
from stockingsim import errors
from stockingsim.leg._files import bundled_path

NAME = "anny_m_elder"
STOCKING = ss.Stocking(ss.Fabric.linear(250.0), 0.2, style="AD", name="tube")


@pytest.fixture(scope="module")
def leg():
    return ss.bundled_leg(NAME)


@pytest.fixture(scope="module")
def pressure_b(leg):
    return ss.simulate(leg, STOCKING, method="laplace").pressure_at("B")


def test_load_leg_takes_the_bundled_name(leg):
    got = ss.load_leg(f"bundled:{NAME}")
    assert got.name == NAME and got.source_hash == leg.source_hash
    np.testing.assert_array_equal(got.vertices, leg.vertices)
    np.testing.assert_array_equal(got.faces, leg.faces)
    assert ss.load_leg("bundled:").name == "anny_f_avg"  # the default bundled leg
    named = ss.load_leg(f"bundled:{NAME}", name="patient 7", landmarks={"B": 0.1})
    assert named.name == "patient 7" and named.landmarks["B"].height_m == 0.1
    with pytest.raises(errors.MeshFileError, match="Available: anny_f_avg, anny_f_heavy"):
        ss.load_leg("bundled:anny_f_avgg")


def test_the_simulate_hint_for_a_path_is_a_call_that_works(leg, pressure_b):
    # simulate() refuses a path and shows the load_leg call to make: that call works
    with pytest.raises(errors.SolverError) as info:
        ss.simulate(f"bundled:{NAME}", STOCKING)
    call = str(info.value).split("leg = ", 1)[1].rstrip(".")
    got = eval(call, {"ss": ss})  # the hint, as written: ss.load_leg('bundled:...')
    assert ss.simulate(got, STOCKING, method="laplace").pressure_at("B") == pressure_b


def test_fit_patient_takes_the_bundled_name(leg):
    chart = ss.SizeChart.bundled("knee-high")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        by_name = ss.fit_patient(f"bundled:{NAME}", chart)
        by_leg = ss.fit_patient(leg, chart)
    assert by_name.size == by_leg.size
    assert by_name.measurements == by_leg.measurements


@pytest.mark.parametrize("engine", ["serial", "processes", "dask"])
def test_run_batch_takes_the_bundled_name_on_every_engine(engine, pressure_b):
    if engine == "dask":
        pytest.importorskip("distributed")
    opts = {"out": None, "progress": False, "engine": engine, "workers": 2}
    got = ss.run_batch([f"bundled:{NAME}"], STOCKING, ["laplace"], **opts)
    by_file = ss.run_batch([bundled_path(NAME)], STOCKING, ["laplace"], **opts)
    assert got["error"].isna().all(), got["error"].tolist()
    assert got["leg_name"].tolist() == [NAME]
    assert got["pressure_B_mmhg"].iloc[0] == pytest.approx(pressure_b, rel=1e-12)
    assert got["task_key"].tolist() == by_file["task_key"].tolist()  # a re-run resumes
    with pytest.raises(errors.MeshFileError, match="No bundled leg named 'nope'"):
        ss.run_batch(["bundled:nope"], STOCKING, ["laplace"], **opts)


def test_every_cli_leg_argument_takes_the_bundled_name(capsys, tmp_path, pressure_b):
    code, out, err = run(
        capsys, "simulate", f"bundled:{NAME}", "--fabric", "circular class II",
        "--relaxed", "20", "--method", "laplace",
    )  # fmt: skip
    assert code == 0, err
    out_file = tmp_path / "r.csv"
    code, out, err = run(
        capsys, "batch", f"bundled:{NAME}", "--fabric", "circular class II", "--relaxed", "20",
        "--method", "laplace", "--out", out_file, "--engine", "serial", "--no-progress",
    )  # fmt: skip
    assert code == 0, err
    import pandas as pd

    table = pd.read_csv(out_file)
    assert table["leg_name"].tolist() == [NAME] and table["error"].isna().all()
    code, out, err = run(capsys, "fit", "--leg", f"bundled:{NAME}", "--chart", "knee-high")
    assert code == 0, err
    code, out, err = run(
        capsys, "batch", "bundled:nope", "--relaxed", "20", "--out", out_file, "--no-progress"
    )
    assert code != 0 and "No bundled leg named 'nope'" in err
