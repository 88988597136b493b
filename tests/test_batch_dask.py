"""engine="dask" against a real dask.distributed LocalCluster (2 worker processes, few tasks)."""

from __future__ import annotations

import pytest

from stockingsim._batch_worker import probe_task
from stockingsim.batch import Design, run_batch

distributed = pytest.importorskip("distributed")

PROBE = Design("probe-fabric", "RAL-GZ 387:II", _resolve=False)


def test_dask_local_cluster_started_for_the_call(tmp_path):
    """No address: run_batch starts a LocalCluster, runs, closes it; failures are rows."""
    legs = [{"i": i, "sleep": 0.02} for i in range(6)] + [{"i": 9, "fail": 1}]
    table = run_batch(
        legs,
        PROBE,
        out=tmp_path / "r.parquet",
        engine="dask",
        workers=2,
        progress=False,
        _task_fn=probe_task,
    )
    assert len(table) == 7 and table["task_key"].is_unique
    assert table.attrs["errors"] == 1
    assert table.loc[table["error"] != "", "error"].iloc[0].startswith("ValueError: probe")
    # the tasks ran in the cluster's worker processes, not here
    import os

    pids = {w.rsplit(":", 1)[1] for w in table["worker"]}
    assert str(os.getpid()) not in pids
    # resume works the same way with Dask
    again = run_batch(
        legs,
        PROBE,
        out=tmp_path / "r.parquet",
        engine="dask",
        workers=2,
        progress=False,
        _task_fn=probe_task,
    )
    assert again.attrs["computed"] == 0 and len(again) == 7


def test_dask_on_a_given_scheduler_address_isolates_a_crashing_task(tmp_path):
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        legs = [{"i": i} for i in range(4)] + [{"i": 9, "crash": 1}]
        table = run_batch(
            legs,
            PROBE,
            out=None,
            engine="dask",
            address=cluster.scheduler_address,
            progress=False,
            _task_fn=probe_task,
        )
        # the cluster outlives the call (it was given, not started by run_batch)
        assert cluster.status.name == "running"
    assert len(table) == 5
    bad = table[table["error"] != ""]
    assert bad["task_index"].tolist() == [4]
    assert "KilledWorker" in bad["error"].iloc[0]
    assert (table.loc[table["error"] == "", "pressure_B_mmhg"] == [0.0, 1.0, 2.0, 3.0]).all()
