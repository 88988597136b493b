"""The batch's last-leg cache: the tasks after the first on a leg reuse it, and change nothing.

A batch runs every stocking and method of a leg one after the other, so a worker keeps the last
leg it loaded. These tests check that the rows are the rows of a fresh load, value for value
(warnings included), that a file rewritten in place is loaded again, and that neither the
caller's process nor a Dask worker keeps a leg after the batch.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import trimesh

import stockingsim as ss
from stockingsim import errors
from stockingsim.batch import BatchDesign, _worker, run_batch
from stockingsim.batch._dask import run_group
from stockingsim.batch._tasks import make_tasks

MESHES = Path(__file__).resolve().parents[1] / "meshes"
#: columns that differ between two runs of the same task whatever the cache does
_RUN_COLUMNS = [
    "task_key",  # keys carry the run's options only; kept, but compared apart below
    "run_id",
    "load_s",
    "design_s",
    "simulate_s",
    "assess_s",
    "total_s",
    "cpu_s",
    "worker",
    "worker_peak_rss_mb",
    "finished_utc",
    "motion_s",
]


def _stockings():
    fabric = ss.Fabric.linear(250.0, name="linear 250")
    return [
        ss.Stocking(fabric, 0.18, name="tube 18 cm"),
        ss.Stocking(fabric, {"B": 0.16, "C": 0.25, "D": 0.26}, name="mapping"),
        BatchDesign("circular class II", "RAL-GZ 387:II", method="laplace"),
    ]


@pytest.fixture
def counted_loads(monkeypatch):
    """The number of legs really loaded (not taken from the cache) in this process."""
    calls = []
    real = _worker.load_task_leg

    def counting(source):
        calls.append(source.name)
        return real(source)

    monkeypatch.setattr(_worker, "load_task_leg", counting)
    return calls


def _no_cache(monkeypatch):
    """Every task loads its leg afresh, as before the cache."""
    real = _worker.cached_task_leg

    def fresh(source):
        _worker.forget_task_leg()
        return real(source)

    monkeypatch.setattr(_worker, "cached_task_leg", fresh)


def _physics(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=_RUN_COLUMNS).reset_index(drop=True)


def test_each_leg_is_loaded_once_and_the_rows_equal_fresh_loads(counted_loads, monkeypatch):
    legs = [MESHES / "anny_f_avg.ply", {"cB": 22.0, "cC": 35.0, "cD": 33.0, "name": "chart"}]
    kw = dict(out=None, engine="serial", progress=False)
    cached = run_batch(legs, _stockings(), ["laplace", "membrane"], **kw)
    assert len(cached) == 2 * 3 * 2
    assert cached["error"].isna().all(), cached["error"].tolist()
    assert counted_loads == ["anny_f_avg", "chart"]  # 12 tasks, 2 loads
    assert _worker._LAST_LEG.leg is None  # the caller's process keeps no leg after the batch

    _no_cache(monkeypatch)
    fresh = run_batch(legs, _stockings(), ["laplace", "membrane"], **kw)
    assert len(counted_loads) == 2 + 12
    pd.testing.assert_frame_equal(_physics(cached), _physics(fresh), check_exact=True)
    # and the physics of the rows: Laplace's law on the 18 cm tube at B
    tube = cached[(cached["stocking_name"] == "tube 18 cm") & (cached["method"] == "laplace")]
    c = tube["circumference_B_cm"].to_numpy() / 100.0
    expected = 250.0 * (c / 0.18 - 1.0) * 2.0 * np.pi / c / (101325.0 / 760.0)
    np.testing.assert_allclose(tube["pressure_B_mmhg"], expected, rtol=1e-3)


def test_a_process_pool_gives_the_rows_of_the_serial_engine(tmp_path):
    legs = [MESHES / "anny_m_elder.ply", {"cB": 24.0, "cC": 37.0, "cD": 35.0, "name": "chart"}]
    serial = run_batch(legs, _stockings(), ["laplace"], out=None, engine="serial", progress=False)
    pool = run_batch(
        legs, _stockings(), ["laplace"], out=None, engine="processes", workers=2, progress=False
    )
    assert pool["error"].isna().all(), pool["error"].tolist()
    # every task on the same leg reports the same landmarks, whichever worker loaded it
    for _, same_leg in pool.groupby("leg_name"):
        assert same_leg["height_C_cm"].nunique() == 1
    pd.testing.assert_frame_equal(_physics(serial), _physics(pool), check_exact=True)


def test_the_loading_warnings_are_in_every_row_of_the_leg(tmp_path, counted_loads):
    """A mesh in two parts warns when loaded; each of its rows reports the warning."""
    leg = ss.load_leg(MESHES / "anny_f_avg.ply")
    crumb = trimesh.creation.box(extents=(0.01, 0.01, 0.01))
    crumb.apply_translation(leg.vertices.max(axis=0) + 0.05)  # 5 cm away: a separate part
    both = trimesh.util.concatenate([trimesh.Trimesh(leg.vertices, leg.faces), crumb])
    path = tmp_path / "leg_and_crumb.ply"
    both.export(path)
    table = run_batch(
        path, _stockings()[:2], ["laplace"], out=None, engine="serial", progress=False
    )
    assert counted_loads == ["leg_and_crumb"]
    assert table["error"].isna().all(), table["error"].tolist()
    for text in table["warnings"]:
        assert "MeshWarning" in text and "2 separate parts" in text


def test_a_file_rewritten_in_place_is_loaded_again(tmp_path):
    small = ss.parametric_leg({"cB": 21.0, "cC": 33.0, "cD": 32.0})
    big = ss.parametric_leg({"cB": 26.0, "cC": 40.0, "cD": 38.0})
    path = tmp_path / "leg.ply"
    trimesh.Trimesh(small.vertices, small.faces, process=False).export(path)
    (task,) = make_tasks([path], [_stockings()[0]], ["laplace"])
    first = _worker.cached_task_leg(task.leg)
    assert _worker.cached_task_leg(task.leg) is first  # the same file again: the same leg
    trimesh.Trimesh(big.vertices, big.faces, process=False).export(path)
    again = _worker.cached_task_leg(task.leg)
    _worker.forget_task_leg()
    assert again is not first
    assert again.landmarks["B"].circumference_m == pytest.approx(0.26, rel=0.01)
    assert first.landmarks["B"].circumference_m == pytest.approx(0.21, rel=0.01)


def test_a_leg_that_fails_to_load_fails_every_task_and_is_not_kept(tmp_path):
    broken = tmp_path / "broken.ply"
    broken.write_text("ply\nformat ascii 1.0\nthis is not a mesh\n")
    table = run_batch(broken, _stockings()[:2], ["laplace"], out=None, engine="serial",
                      progress=False)  # fmt: skip
    assert (table["error_stage"] == "load").all()
    assert table["error_type"].str.startswith("Mesh").all()
    assert _worker._LAST_LEG.key is None


def test_a_dask_group_keeps_no_leg_after_it(tmp_path, counted_loads):
    charts = [{"cB": 22.0, "cC": 35.0, "cD": 33.0, "name": "chart"}]
    tasks = make_tasks(charts, _stockings()[:2], ["laplace"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", errors.MeshWarning)
        rows = run_group(_worker.run_task, tasks)
    assert [r["error"] for r in rows] == [None, None]
    assert counted_loads == ["chart"]
    assert _worker._LAST_LEG.leg is None
