"""engine="dask" against a real dask.distributed LocalCluster (2 worker processes, few tasks)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pytest

import stockingsim as ss
from stockingsim.batch import BatchDesign, run_batch
from stockingsim.batch._worker import probe_task

distributed = pytest.importorskip("distributed")

MESHES = Path(__file__).resolve().parents[1] / "meshes"
PROBE = BatchDesign("probe-fabric", "RAL-GZ 387:II", _resolve=False)


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
    assert table.loc[table["error"].notna(), "error"].iloc[0].startswith("ValueError: probe")
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


@contextlib.contextmanager
def crash_tolerant_cluster():
    """A 3-worker LocalCluster on which a crashing task kills at most two workers.

    The scheduler gives up on a task at its first worker death (default: after 3), so the
    crashing task kills two workers at most (its batch, then alone): with three workers one
    always lives, and the batch does not depend on how fast the nanny restarts the others.
    """
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = LocalCluster(
            n_workers=3, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
    try:
        yield cluster
    finally:
        # the test's own cluster: on a loaded machine an older release's nanny may time out
        # joining a worker it has just restarted (its teardown, not run_batch's)
        try:
            cluster.close()
        except TimeoutError:
            pass


def run_probes(legs, cluster):
    """The probe tasks ``legs`` on ``cluster``, by its scheduler address."""
    return run_batch(
        legs,
        PROBE,
        out=None,
        engine="dask",
        address=cluster.scheduler_address,
        progress=False,
        _task_fn=probe_task,
    )


def test_dask_on_a_given_scheduler_address_isolates_a_crashing_task(tmp_path):
    with crash_tolerant_cluster() as cluster:
        table = run_probes([{"i": i} for i in range(4)] + [{"i": 9, "crash": 1}], cluster)
        # the cluster outlives the call (it was given, not started by run_batch)
        assert cluster.status.name == "running"
        # and the real pipeline on the same cluster: Laplace's law in every row
        real = run_batch(
            [MESHES / "anny_f_avg.ply", MESHES / "anny_m_athletic.ply"],
            ss.Stocking(ss.Fabric.linear(250.0), 0.18),
            ["laplace"],
            out=tmp_path / "real.parquet",
            engine="dask",
            address=cluster.scheduler_address,
            progress=False,
        )
    assert len(table) == 5
    bad = table[table["error"].notna()]
    assert bad["task_index"].tolist() == [4]
    assert "KilledWorker" in bad["error"].iloc[0]
    assert (table.loc[table["error"].isna(), "pressure_B_mmhg"] == [0.0, 1.0, 2.0, 3.0]).all()
    assert real["error"].isna().all(), real["error"].tolist()
    c = real["circumference_B_cm"].to_numpy() / 100.0
    expected = 250.0 * (c / 0.18 - 1.0) * 2.0 * np.pi / c / (101325.0 / 760.0)
    np.testing.assert_allclose(real["pressure_B_mmhg"], expected, rtol=1e-3)


def test_local_cluster_workers_keep_a_fixed_mmap_threshold(monkeypatch):
    """local_cluster's workers get DASK_WORKER_ENVIRON (not Dask's bare MALLOC_TRIM_THRESHOLD_,
    which makes every NumPy temporary over 128 KiB a fresh mmap), even when an earlier Dask
    cluster left its variables in this process's environment; this process's environment is
    left as it was; a LocalCluster passed as address runs the batch."""
    import os

    from distributed import Client

    from stockingsim.batch import DASK_WORKER_ENVIRON, local_cluster

    def environ():
        return {name: os.environ.get(name) for name in DASK_WORKER_ENVIRON}

    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")  # what Dask's nanny leaves behind
    before = dict(os.environ)
    with local_cluster(1) as cluster, Client(cluster) as client:
        assert dict(os.environ) == before
        seen = list(client.run(environ).values())
        profiling = list(client.run(_worker_profiling).values())
        timers = list(client.run(_worker_timers).values())
        table = run_batch(
            [{"i": 0}, {"i": 1}],
            PROBE,
            out=None,
            engine="dask",
            address=cluster,
            progress=False,
            _task_fn=probe_task,
        )
    assert seen == [{name: str(value) for name, value in DASK_WORKER_ENVIRON.items()}]
    # the workers do not sample their task thread's stack; this process's config is untouched
    assert profiling == [False]
    assert _worker_profiling() is True
    # the housekeeping timers run at the slowed intervals (ms); this process keeps Dask's
    assert timers == [{"tick": 1000, "monitor": 10000, "memory_monitor": 500}]
    import dask

    assert dask.config.get("distributed.admin.tick.interval") != "1s"
    assert sorted(table["pressure_B_mmhg"]) == [0.0, 1.0]


def _worker_timers(dask_worker):
    """The intervals (ms) of a worker's event-loop check, system and memory monitors."""
    return {
        name: dask_worker.periodic_callbacks[name].callback_time
        for name in ("tick", "monitor", "memory_monitor")
    }


def _worker_profiling():
    import dask

    return dask.config.get("distributed.worker.profile.enabled")


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_engines_work_from_a_script_on_stdin(engine):
    """`python - < script.py`: worker processes must not try to re-run a '<stdin>' main file."""
    import subprocess
    import sys

    script = f"""
from stockingsim.batch._worker import probe_task
from stockingsim.batch import BatchDesign, run_batch
table = run_batch([{{"i": 0}}, {{"i": 1}}], BatchDesign("probe", "RAL-GZ 387:II", _resolve=False),
                  engine={engine!r}, workers=1, out=None, progress=False, _task_fn=probe_task)
print("rows", len(table), "errors", int((table["error"].notna()).sum()))
"""
    done = subprocess.run(
        [sys.executable, "-"], input=script, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "rows 2 errors 0" in done.stdout


def test_a_cluster_left_without_workers_stops_with_a_batch_error_and_keeps_the_rows(
    tmp_path, monkeypatch
):
    """The workers of a given cluster go away mid-batch: run_batch does not wait forever, it
    raises a BatchError that says what to do, the rows already computed are in the output, and
    the same call on a cluster with workers resumes the rest."""
    import threading

    from distributed import LocalCluster

    from stockingsim.batch import _dask

    monkeypatch.setattr(_dask, "STALL_S", 3.0)
    monkeypatch.setattr(_dask, "POLL_S", 0.5)
    legs = [{"i": i, "sleep": 0.4} for i in range(8)]
    out = tmp_path / "r.parquet"
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster:
        threading.Timer(1.5, cluster.scale, args=(0,)).start()
        with pytest.raises(ss.errors.BatchError, match="no worker for 3 s.*run the same call"):
            run_batch(
                legs, PROBE, out=out, engine="dask", address=cluster.scheduler_address,
                progress=False, _task_fn=probe_task,
            )  # fmt: skip
    again = run_batch(
        legs, PROBE, out=out, engine="dask", workers=1, progress=False, _task_fn=probe_task
    )
    # the rows of the first call were kept (only the rest ran again)
    assert 1 <= again.attrs["computed"] <= 7 and len(again) == 8 and again["error"].isna().all()
    assert sorted(again["pressure_B_mmhg"]) == [float(i) for i in range(8)]


def test_group_size_balances_and_caps():
    """Few tasks go one per Dask task; many share one, at most MAX_GROUP, with at least
    GROUPS_PER_THREAD groups for every worker thread."""
    from stockingsim.batch._dask import GROUPS_PER_THREAD, MAX_GROUP, group_size

    assert group_size(7, 2) == 1 and group_size(0, 2) == 1 and group_size(5, 0) == 1
    for n, threads in [(24, 2), (40, 3), (1000, 2), (1000, 64), (9, 1)]:
        g = group_size(n, threads)
        assert 1 <= g <= MAX_GROUP
        assert g == 1 or -(-n // g) >= GROUPS_PER_THREAD * threads
    assert group_size(1000, 2) == MAX_GROUP


def test_a_group_turns_each_failure_into_its_own_row():
    """run_group: a task that raises gives its error row; the others their rows, in order."""
    from stockingsim.batch._dask import run_group
    from stockingsim.batch._tasks import make_tasks

    def fn(task):
        if task.index == 1:
            raise RuntimeError("broken")
        return {"task_index": task.index, "error": None}

    tasks = make_tasks([{"i": i} for i in range(3)], PROBE)
    rows = run_group(fn, tasks)
    assert [rows[0]["task_index"], rows[2]["task_index"]] == [0, 2]
    assert rows[0]["error"] is None and rows[2]["error"] is None
    assert rows[1]["error"].startswith("RuntimeError: broken")
    assert rows[1]["error_stage"] == "worker" and rows[1]["task_key"] == tasks[1].key


def test_grouped_dask_tasks_isolate_a_crash_and_a_failure(tmp_path):
    """40 tasks on 3 workers go in groups of 3: a task that kills its worker takes its group
    down; the others of that group are re-run alone and give their rows."""
    from stockingsim.batch._dask import group_size

    assert group_size(40, 3) == 3
    legs = [{"i": i} for i in range(40)]
    legs[13] = {"i": 13, "crash": 1}  # in the group of tasks 12-14
    legs[20] = {"i": 20, "fail": 1}
    with crash_tolerant_cluster() as cluster:
        table = run_probes(legs, cluster)
    assert len(table) == 40 and table["task_key"].is_unique
    bad = table[table["error"].notna()].set_index("task_index")
    assert sorted(bad.index) == [13, 20]
    assert "KilledWorker" in bad.loc[13, "error"]
    assert bad.loc[20, "error"].startswith("ValueError: probe")
    good = table[table["error"].isna()]
    assert (good["pressure_B_mmhg"] == good["task_index"].astype(float)).all()
