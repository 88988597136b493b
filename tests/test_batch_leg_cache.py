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


# ----------------------------------------------------------------------------------------------
# the process pool sends a leg's tasks together, so that one worker loads it
def _probe_specs(n: int) -> list[BatchDesign]:
    return [
        BatchDesign("probe-fabric", "RAL-GZ 387:II", name=f"probe {i}", _resolve=False)
        for i in range(n)
    ]


@pytest.mark.parametrize(("n_legs", "n_specs", "workers"), [(4, 8, 2), (1, 40, 2), (30, 3, 8)])
def test_pool_jobs_hold_one_legs_consecutive_tasks(n_legs, n_specs, workers):
    from stockingsim.batch._engines import JOBS_PER_WORKER, MAX_JOB, leg_jobs

    charts = [{"cB": 20.0 + i, "cC": 33.0, "cD": 32.0} for i in range(n_legs)]
    tasks = make_tasks(charts, _probe_specs(n_specs), ["laplace"])
    jobs = leg_jobs(tasks, workers)
    assert [t for job in jobs for t in job] == tasks  # every task once, in order
    for job in jobs:
        assert len({_worker.leg_key(t.leg) for t in job}) == 1
    size = max(len(job) for job in jobs)
    assert size <= MAX_JOB
    assert size == min(MAX_JOB, n_specs, -(-len(tasks) // (JOBS_PER_WORKER * workers)))
    # a leg is cut into as few jobs as that size allows
    assert len(jobs) == n_legs * -(-n_specs // size)


def test_a_worker_crash_in_a_job_costs_only_its_own_task(tmp_path):
    from stockingsim.batch._worker import probe_task

    charts = [{"i": i, "sleep": 0.01} for i in range(3)]
    table = run_batch(
        charts, _probe_specs(8), out=tmp_path / "r.parquet", engine="processes", workers=2,
        progress=False, options={"crash_index": 5}, _task_fn=probe_task,
    )  # fmt: skip
    assert len(table) == 24  # jobs of 3 tasks: the crash is the middle one of a job
    errs = table[table["error"].notna()]
    assert errs["task_index"].tolist() == [5]
    assert "worker process died" in errs["error"].iloc[0]
    ok = table[table["error"].isna()]
    assert np.array_equal(ok["pressure_B_mmhg"], ok["task_index"])


def test_the_pool_loads_a_leg_once_per_job(tmp_path):
    from stockingsim.batch._engines import leg_jobs
    from stockingsim.batch._worker import probe_task

    charts = [{"cB": 22.0 + i, "cC": 35.0, "cD": 33.0, "name": f"chart {i}"} for i in range(3)]
    kw = dict(out=None, engine="processes", workers=2, progress=False)
    table = run_batch(charts, _probe_specs(8), options={"use_leg": 1}, _task_fn=probe_task, **kw)
    assert table["error"].isna().all(), table["error"].tolist()
    jobs = leg_jobs(make_tasks(charts, _probe_specs(8), ["membrane"]), 2)
    assert [len(job) for job in jobs] == [3, 3, 2] * 3
    rows = table.set_index("task_index")
    for job in jobs:  # one worker ran the job, and loaded its leg for its first task only
        ran = rows.loc[[t.index for t in job]]
        assert ran["worker"].nunique() == 1
        assert ran["warnings"].tolist()[1:] == ["leg reused"] * (len(job) - 1)
    assert (rows["warnings"] == "leg loaded").sum() <= len(jobs)
    assert (rows["n_vertices"] > 1000).all()

    # and the real pipeline on such jobs: Laplace's law p = k (C / c0 - 1) 2 pi / C on every row
    specs = [
        ss.Stocking(ss.Fabric.linear(250.0), 0.18 + 0.005 * i, name=f"tube {i}") for i in range(8)
    ]
    table = run_batch(charts, specs, ["laplace"], **kw)
    assert table["error"].isna().all(), table["error"].tolist()
    c = table["circumference_B_cm"].to_numpy() / 100.0
    c0 = table["relaxed_B_cm"].to_numpy() / 100.0
    np.testing.assert_allclose(c0, [0.18 + 0.005 * i for _ in charts for i in range(8)])
    expected = 250.0 * (c / c0 - 1.0) * 2.0 * np.pi / c / (101325.0 / 760.0)
    np.testing.assert_allclose(table["pressure_B_mmhg"], expected, rtol=1e-3)


def test_the_landmarks_warnings_are_in_every_row_of_a_reused_leg(tmp_path, counted_loads):
    """A leg in inches read as cm: its ankle warns when its landmarks are found, which a
    reused leg does not do again; every row of the leg still says so, on every engine."""
    leg = ss.load_leg(MESHES / "anny_f_avg.ply")
    path = tmp_path / "leg_in.ply"
    trimesh.Trimesh(leg.vertices / 0.0254, leg.faces, process=False).export(path)
    specs = _stockings()[:2]
    for engine in ("serial", "processes"):
        table = run_batch(path, specs, ["laplace"], out=None, engine=engine, progress=False)
        assert table["error"].isna().all(), table["error"].tolist()
        for text in table["warnings"]:
            assert "MeshWarning" in text and "units='in'" in text
    assert counted_loads == ["leg_in"]  # the serial run loaded it once (the pool elsewhere)
    named = run_batch(path, specs, ["laplace"], out=None, engine="serial", progress=False,
                      leg_units="in")  # fmt: skip
    assert not named["warnings"].str.contains("MeshWarning").any()
    ref = run_batch(leg, specs, ["laplace"], out=None, engine="serial", progress=False)
    np.testing.assert_allclose(named["pressure_B_mmhg"], ref["pressure_B_mmhg"], rtol=1e-4)
