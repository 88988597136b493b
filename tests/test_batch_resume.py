"""Kill a real batch process with SIGKILL mid-run, resume it, and check nothing is lost or redone.

The batch runs in a subprocess (``python -c "... run_batch(...)"``) on the default process-pool
engine, in its own process group so that SIGKILL takes the pool workers down with it, as a crash
or an out-of-memory kill of the whole job would. Then ``run_batch(..., resume=True)`` must
compute exactly the tasks that were not on disk, keep the rows that were (same run id and
finish time: not recomputed), and end with every task exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stockingsim.batch import BatchDesign, run_batch
from stockingsim.batch._store import ResultStore
from stockingsim.batch._worker import probe_task

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")

N_TASKS = 40
PROBE = BatchDesign("probe-fabric", "RAL-GZ 387:II", _resolve=False)


def legs() -> list[dict]:
    return [{"i": i, "sleep": 0.15} for i in range(N_TASKS)]


CHILD = textwrap.dedent(
    """
    from stockingsim.batch import BatchDesign, run_batch
    from stockingsim.batch._worker import probe_task
    legs = [{{"i": i, "sleep": 0.15}} for i in range({n})]
    run_batch(legs, BatchDesign("probe-fabric", "RAL-GZ 387:II", _resolve=False), out={out!r},
              engine="processes", workers=2, flush_every=2, progress=False, _task_fn=probe_task)
    print("finished")
    """
)


def _wait_for_parts(parts_dir: Path, n: int, proc: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the batch ended before it could be killed: {out} {err}")
        if len(list(parts_dir.glob("part-*.parquet"))) >= n:
            return
        time.sleep(0.05)
    pytest.fail("no part files appeared")


def test_sigkill_mid_batch_then_resume_runs_each_task_exactly_once(tmp_path):
    out = tmp_path / "results.parquet"
    parts = tmp_path / "results.parquet.parts"
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(n=N_TASKS, out=str(out))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the pool workers die with it
    )
    try:
        _wait_for_parts(parts, 3, proc, timeout_s=60)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()  # killed before the end: only parts and journal on disk

    # what the killed run left: rows in atomic parts plus journal lines
    survived = ResultStore(out, "inspect", resume=True).previous
    assert 6 <= len(survived) < N_TASKS
    assert survived["task_key"].is_unique and survived["error"].isna().all()
    assert survived["run_id"].nunique() == 1
    killed_run = survived["run_id"].iloc[0]

    table = run_batch(
        legs(), PROBE, out=out, engine="processes", workers=2, progress=False, _task_fn=probe_task
    )
    # every task exactly once, and only the missing ones computed
    assert len(table) == N_TASKS and table["task_key"].is_unique
    assert table.attrs["skipped"] == len(survived)
    assert table.attrs["computed"] == N_TASKS - len(survived)
    assert table["error"].isna().all()
    # the rows finished before the kill were not recomputed
    again = table.set_index("task_key").loc[survived["task_key"]]
    assert (again["run_id"] == killed_run).all()
    assert (again["finished_utc"].to_numpy() == survived["finished_utc"].to_numpy()).all()
    fresh = table[~table["task_key"].isin(survived["task_key"])]
    assert (fresh["run_id"] == table.attrs["run_id"]).all()
    # the output file is complete and the parts are cleaned up
    on_disk = pd.read_parquet(out)
    assert len(on_disk) == N_TASKS and on_disk["task_key"].is_unique
    assert not parts.exists()
    # the probe's result is its task index: each row carries its own task's value
    assert (table["pressure_B_mmhg"].to_numpy() == range(N_TASKS)).all()


REAL_CHILD = textwrap.dedent(
    """
    import glob
    import stockingsim as ss
    from stockingsim.batch import run_batch
    fabric = ss.Fabric.linear(250.0, name="linear 250")
    stockings = [ss.Stocking(fabric, c0, name=f"tube {{c0:.3f}}") for c0 in {relaxed!r}]
    legs = sorted(glob.glob({pattern!r}))
    run_batch(legs, stockings, methods=["laplace", "membrane"], out={out!r},
              engine="processes", workers=2, flush_every=2, progress=False)
    print("finished")
    """
)


def test_sigkill_of_the_real_pipeline_then_resume(tmp_path):
    """Same as above on the real pipeline: 4 meshes x 4 stockings x 2 methods = 32 tasks."""
    import stockingsim as ss

    relaxed = [0.17, 0.18, 0.19, 0.20]
    pattern = str(Path(__file__).resolve().parents[1] / "meshes" / "anny_*.ply")
    out = tmp_path / "results.parquet"
    code = REAL_CHILD.format(relaxed=relaxed, pattern=pattern, out=str(out))
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _wait_for_parts(tmp_path / "results.parquet.parts", 2, proc, timeout_s=120)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    assert not out.exists()
    survived = ResultStore(out, "inspect", resume=True).previous
    assert 4 <= len(survived) < 32 and survived["error"].isna().all()

    fabric = ss.Fabric.linear(250.0, name="linear 250")
    stockings = [ss.Stocking(fabric, c0, name=f"tube {c0:.3f}") for c0 in relaxed]
    import glob

    table = run_batch(
        sorted(glob.glob(pattern)),
        stockings,
        methods=["laplace", "membrane"],
        out=out,
        workers=2,
        progress=False,
    )
    assert len(table) == 32 and table["task_key"].is_unique and table["error"].isna().all()
    assert table.attrs["computed"] == 32 - len(survived)
    again = table.set_index("task_key").loc[survived["task_key"]]
    assert (again["run_id"] == survived["run_id"].iloc[0]).all()
    assert (again["finished_utc"].to_numpy() == survived["finished_utc"].to_numpy()).all()
    # rows from both runs obey the same physics: Laplace p_B = k (C/c0 - 1) 2 pi / C
    lap = table[table["method"] == "laplace"]
    c = lap["circumference_B_cm"].to_numpy() / 100.0
    c0 = lap["relaxed_B_cm"].to_numpy() / 100.0
    mmhg = 101325.0 / 760.0
    expected = 250.0 * (c / c0 - 1.0) * 2.0 * np.pi / c / mmhg
    np.testing.assert_allclose(lap["pressure_B_mmhg"], expected, rtol=1e-3)
    assert len(pd.read_parquet(out)) == 32
