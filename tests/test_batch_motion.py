"""run_batch(..., motion=...): the walking amplitude and SSI columns equal a direct run."""

import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors


def test_batch_motion_columns_match_simulate_motion(leg_f_avg, tmp_path):
    fabric = ss.fabric_library()["circular class II"]
    st, _ = ss.design_stocking(leg_f_avg, fabric, "RAL-GZ 387:II", method="laplace", style="AD")
    walk = ss.Motion.walking(cycles=2, frames_per_cycle=4)
    df = ss.run_batch(
        [leg_f_avg], [st], ["laplace"], out=None, engine="serial", progress=False, motion=walk
    )
    assert df["error"].isna().iloc[0] or not df["error"].iloc[0]
    direct = ss.simulate_motion(leg_f_avg, st, walk, method="laplace")
    for lm in ("B", "B1", "C", "D"):
        assert df[f"amplitude_{lm}_mmhg"].iloc[0] == pytest.approx(direct.amplitude_mmhg[lm])
    assert df["ssi_B1_mmhg"].iloc[0] == pytest.approx(ss.static_stiffness_index(leg_f_avg, st))
    assert df["motion"].iloc[0] == "walking"
    # without a motion the columns exist and are empty
    plain = ss.run_batch([leg_f_avg], [st], ["laplace"], out=None, engine="serial", progress=False)
    assert (
        np.isnan(plain["ssi_B1_mmhg"].iloc[0])
        and plain["task_key"].iloc[0] != df["task_key"].iloc[0]
    )
    with pytest.raises(errors.BatchError, match="unknown motion 'walk'; name one of walking"):
        ss.run_batch([leg_f_avg], [st], ["laplace"], out=None, engine="serial", motion="walk")
    with pytest.raises(errors.BatchError, match="must be a stockingsim.Motion or the name"):
        ss.run_batch([leg_f_avg], [st], ["laplace"], out=None, engine="serial", motion=2.0)


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_batch_motion_on_every_engine_is_the_serial_row(engine):
    # a chart in cm (a parametric leg) with a stocking given per landmark, through the walking
    # motion on worker processes: the motion travels to the workers and gives the serial row
    if engine == "dask":
        pytest.importorskip("distributed")
    chart = {"cB": 21.0, "cB1": 25.0, "cC": 35.0, "cD": 33.0}  # girths, cm
    st = ss.Stocking(ss.fabric_library()["circular class II"], {"B": 0.16, "C": 0.28, "D": 0.27})
    walk = ss.Motion.walking(cycles=1, frames_per_cycle=4)
    common = dict(out=None, progress=False, motion=walk)
    serial = ss.run_batch([chart], [st], ["laplace"], engine="serial", **common)
    got = ss.run_batch([chart], [st], ["laplace"], engine=engine, workers=2, **common)
    for table in (serial, got):
        assert table["error"].isna().all(), table["error"].tolist()
    cols = ["amplitude_B_mmhg", "amplitude_B1_mmhg", "amplitude_C_mmhg", "ssi_B1_mmhg"]
    assert np.all(serial[cols].to_numpy() > 0.5)  # an elastic stocking: a few mmHg
    np.testing.assert_allclose(got[cols].to_numpy(), serial[cols].to_numpy(), rtol=1e-12)
    assert got["task_key"].iloc[0] == serial["task_key"].iloc[0]
    # a default motion by name, as the CLI's --motion takes it: the constructor's motion (same
    # rows and keys, so a run by name resumes a run by object)
    opts = dict(out=None, progress=False, engine=engine, workers=2)
    named = ss.run_batch([chart], [st], ["laplace"], motion="walking", **opts)
    built = ss.run_batch([chart], [st], ["laplace"], motion=ss.Motion.walking(), **opts)
    np.testing.assert_allclose(named[cols].to_numpy(), built[cols].to_numpy(), rtol=1e-12)
    assert named["task_key"].tolist() == built["task_key"].tolist()
    assert named["task_key"].iloc[0] != got["task_key"].iloc[0]  # one cycle is not two
