"""Every stocking form ``simulate`` accepts runs on every batch engine; the batch's own checks.

The matrix runs one small parametric leg (a chart in cm) with a linear fabric and the Laplace law,
so each row can be checked against Laplace's law p = T / r = k (C / C0 - 1) 2 pi / C and against
``simulate`` called directly in this process. Then: scripts without a ``__main__`` guard, worker
processes that outlive a killed batch, per-batch checks before the first task, and the ``error``
column read back from CSV and Parquet.
"""

from __future__ import annotations

import copy
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.batch import BatchDesign, run_batch
from stockingsim.batch._worker import probe_task

MMHG = 101325.0 / 760.0
K_N_PER_M = 250.0
CHART = {"cB": 21.0, "cC": 33.0, "cD": 32.0}  # girths, cm
ROOT = Path(__file__).resolve().parents[1]
PROBE = BatchDesign("probe-fabric", "RAL-GZ 387:II", _resolve=False)
#: a fabric fitted to a tensile file: it carries its fit report to the workers
FITTED = ss.Fabric.from_tensile_test(
    ROOT / "tests" / "data" / "tensile_two_phase_en.csv", 50.0, 100.0
)


def relaxed_profile(heights_m):
    """A module-level function profile: 18 cm at the sole, 1 cm wider per 10 cm up."""
    return 0.18 + 0.1 * np.asarray(heights_m)


def _forms():
    fabric = ss.Fabric.linear(K_N_PER_M, name="linear 250")
    widening = 0.005

    def closure(h):  # a local function: plain pickle cannot send it
        return 0.18 + widening + 0.1 * np.asarray(h)

    return {
        "number": ss.Stocking(fabric, 0.18, name="number"),
        "mapping": ss.Stocking(fabric, {"B": 0.16, "C": 0.25, "D": 0.26}, name="mapping"),
        "function": ss.Stocking(fabric, relaxed_profile, name="function"),
        "closure": ss.Stocking(fabric, closure, name="closure"),
        "lambda": ss.Stocking(fabric, lambda h: 0.2 + 0 * h, name="lambda"),
        "design": BatchDesign(fabric, {"B": 25.0, "C": 18.0, "D": 14.0}, name="design"),
        "preset design": BatchDesign("circular class II", "RAL-GZ 387:II", name="preset design"),
        "fitted fabric": ss.Stocking(FITTED, 0.18, name="fitted fabric"),
    }


@pytest.fixture(scope="module")
def reference():
    """Rows of the serial engine, and simulate() run directly on the same leg."""
    forms = _forms()
    table = run_batch(
        [CHART], list(forms.values()), ["laplace"], out=None, engine="serial", progress=False
    )
    leg = ss.parametric_leg(CHART)
    direct = {}
    for name, spec in forms.items():
        stocking = spec.build(leg) if isinstance(spec, BatchDesign) else spec
        direct[name] = ss.simulate(leg, stocking, method="laplace").pressure_at("B")
    return table.set_index("stocking_name"), direct


def test_serial_rows_are_simulate_and_laplace(reference):
    table, direct = reference
    assert table["error"].isna().all(), table["error"].tolist()
    for name, p_b in direct.items():
        assert table.loc[name, "pressure_B_mmhg"] == pytest.approx(p_b, rel=1e-9)
    # fixed stockings: Laplace's law at B from the girth and relaxed girth in the row
    for name in ("number", "mapping", "function", "closure", "lambda"):
        row = table.loc[name]
        c, c0 = row["circumference_B_cm"] / 100, row["relaxed_B_cm"] / 100
        expected = K_N_PER_M * (c / c0 - 1.0) * 2 * np.pi / c / MMHG
        assert row["pressure_B_mmhg"] == pytest.approx(expected, rel=1e-3)
    assert table.loc["mapping", "relaxed_B_cm"] == pytest.approx(16.0)
    assert table.loc["design", "pressure_B_mmhg"] == pytest.approx(25.0, rel=0.01)


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_every_form_runs_on_every_engine(reference, engine):
    table, _direct = reference
    forms = _forms()
    got = run_batch(
        [CHART],
        list(forms.values()),
        ["laplace"],
        out=None,
        engine=engine,
        workers=2,
        progress=False,
    ).set_index("stocking_name")
    assert got["error"].isna().all(), got["error"].tolist()
    np.testing.assert_allclose(
        got.loc[list(forms), "pressure_B_mmhg"], table.loc[list(forms), "pressure_B_mmhg"]
    )
    assert (got["stocking_key"] == table.loc[got.index, "stocking_key"]).all()


CHARTS = [CHART, {"cB": 23.0, "cC": 36.0, "cD": 33.5, "lD": 42.0}]


@pytest.mark.parametrize("engine", ["serial", "processes", "dask"])
def test_a_table_of_charts_is_a_leg_per_row_on_every_engine(tmp_path, engine):
    """Charts as dicts, as a DataFrame (an empty cell: not measured), its rows, or a CSV file:
    the same tasks (same keys, so a re-run in another form resumes) and simulate's pressure."""
    stocking = ss.Stocking(ss.Fabric.linear(K_N_PER_M), 0.18, name="number")
    table = pd.DataFrame(CHARTS)  # the first row's lD is NaN
    csv = tmp_path / "charts.csv"
    table.assign(name=["first", "second"]).to_csv(csv, index=False)
    forms = {"dicts": CHARTS, "frame": table, "rows": [r for _, r in table.iterrows()], "csv": csv}
    if engine != "serial":  # each run starts its workers: the two table forms only
        forms = {k: forms[k] for k in ("dicts", "frame", "csv")}
    rows = {
        form: run_batch(
            legs,
            stocking,
            ["laplace"],
            out=None,
            progress=False,
            engine="serial" if form == "dicts" else engine,
            workers=2,
        )  # fmt: skip
        for form, legs in forms.items()
    }
    direct = [
        ss.simulate(ss.parametric_leg(c), stocking, method="laplace").pressure_at("B")
        for c in CHARTS
    ]
    for form, got in rows.items():
        assert got["error"].isna().all(), (form, got["error"].tolist())
        np.testing.assert_allclose(got["pressure_B_mmhg"], direct, rtol=1e-12, err_msg=form)
        assert got["task_key"].tolist() == rows["dicts"]["task_key"].tolist(), form
    assert rows["csv"]["leg_name"].tolist() == ["first", "second"]  # the CSV's name column
    with pytest.raises(errors.BatchArgumentError, match="chart entry cC must be a number"):
        run_batch([{"cB": 22, "cC": "calf"}], stocking, out=None, engine="serial", progress=False)


def test_what_cannot_travel_is_refused_before_any_work(tmp_path):
    handle = open(tmp_path / "f.txt", "w")  # noqa: SIM115 - an object no pickler can copy
    try:
        fabric = ss.Fabric.linear(K_N_PER_M)
        stocking = ss.Stocking(fabric, lambda h: 0.18 + 0 * h + 0 * len(handle.name))
        with pytest.raises(errors.BatchError, match="cannot be sent to worker processes"):
            run_batch([CHART], stocking, ["laplace"], out=tmp_path / "r.parquet", progress=False)
        assert not (tmp_path / "r.parquet.parts").exists()  # nothing stored, nothing started
    finally:
        handle.close()


@pytest.mark.parametrize("form", ["number", "mapping", "function", "design"])
def test_stockings_and_fabrics_survive_deepcopy_and_pickle(form):
    spec = _forms()[form]
    for clone in (copy.deepcopy(spec), pickle.loads(pickle.dumps(spec))):
        assert clone == spec
        assert clone.fabric == spec.fabric
    leg = ss.parametric_leg(CHART)
    if form != "design":
        h = np.linspace(0.05, 0.4, 8)
        np.testing.assert_array_equal(
            copy.deepcopy(spec).relaxed_circumference_at(leg, h),
            spec.relaxed_circumference_at(leg, h),
        )


def test_fitted_and_preset_fabrics_survive_deepcopy_and_pickle():
    for fabric in (FITTED, ss.fabric_library()["circular class II"]):
        for clone in (copy.deepcopy(fabric), pickle.loads(pickle.dumps(fabric))):
            assert clone == fabric
            eps = np.linspace(0.05, 0.8, 9)
            np.testing.assert_array_equal(clone.tension(eps), fabric.tension(eps))


# ----------------------------------------------------------------------------------------------
# scripts without `if __name__ == "__main__":`
UNGUARDED = """
import stockingsim as ss
from stockingsim.batch import BatchDesign, run_batch
from stockingsim.batch._worker import probe_task

print("script body runs")
table = run_batch([{{"i": 0}}, {{"i": 1}}, {{"i": 2}}],
                  BatchDesign("probe", "RAL-GZ 387:II", _resolve=False), engine={engine!r},
                  workers=2, out={out!r}, progress=False, _task_fn=probe_task)
print("rows", len(table), "errors", int(table["error"].notna().sum()))
"""


def _run_script(
    tmp_path: Path, text: str, as_module: bool = False, timeout: float = 300
) -> subprocess.CompletedProcess:
    script = tmp_path / "quick_script.py"
    script.write_text(text)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(tmp_path)])}
    target = ["-m", "quick_script"] if as_module else [str(script)]
    return subprocess.run(
        [sys.executable, *target],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=tmp_path,
        env=env,
    )


@pytest.mark.parametrize(
    ("engine", "as_module"), [("processes", False), ("processes", True), ("dask", False)]
)
def test_unguarded_script_works(tmp_path, engine, as_module):
    """`python quick_script.py` and `python -m quick_script` without the guard: no re-runs."""
    out = str(tmp_path / "r.parquet")
    done = _run_script(tmp_path, UNGUARDED.format(engine=engine, out=out), as_module)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "rows 3 errors 0" in done.stdout
    assert done.stdout.count("script body runs") == 1  # the workers never re-ran the script
    assert "Traceback" not in done.stderr
    assert len(pd.read_parquet(out)) == 3


def test_infrastructure_failures_are_not_stored_as_done(tmp_path):
    """A row of stage 'worker' (the worker died) is kept, but a resume runs it again."""
    out = tmp_path / "r.parquet"
    legs = [{"i": 0}, {"i": 1, "crash": 1}]
    first = run_batch(legs, PROBE, out=out, workers=1, progress=False, _task_fn=probe_task)
    assert first["error_stage"].tolist() == [None, "worker"] or first["error_stage"].isna()[0]
    assert "worker process died" in first["error"].iloc[1]
    again = run_batch(legs, PROBE, out=out, workers=1, progress=False, _task_fn=probe_task)
    assert again.attrs["computed"] == 1 and again.attrs["skipped"] == 1
    # a task's own failure (stage simulate) is done: not run again
    failing = [{"i": 5, "fail": 1}]
    run_batch(failing, PROBE, out=out, engine="serial", progress=False, _task_fn=probe_task)
    rerun = run_batch(failing, PROBE, out=out, engine="serial", progress=False, _task_fn=probe_task)
    assert rerun.attrs["computed"] == 0


def test_workers_that_cannot_start_stop_the_batch_at_once(tmp_path, monkeypatch):
    """Worker processes that die at start (here: their interpreter is /bin/false) raise one
    BatchError that says to add the guard; nothing is stored."""
    import multiprocessing as mp
    import multiprocessing.spawn
    from multiprocessing import resource_tracker

    from stockingsim.batch import _engines

    resource_tracker.ensure_running()  # a real one, started before the interpreter is broken
    exe = multiprocessing.spawn.get_executable()
    false = os.fsencode("/bin/false") if isinstance(exe, bytes) else "/bin/false"
    monkeypatch.setattr(multiprocessing.spawn, "_python_exe", false)
    monkeypatch.setattr(_engines, "_mp_context", lambda: mp.get_context("spawn"))
    out = tmp_path / "r.parquet"
    with pytest.raises(errors.BatchError, match="could not start.*__name__"):
        run_batch([{"i": 0}, {"i": 1}], PROBE, out=out, progress=False, _task_fn=probe_task)
    parts = tmp_path / "r.parquet.parts"
    rows = [
        line for j in parts.glob("journal-*") for line in j.read_text(encoding="utf-8").splitlines()
    ]
    assert not rows and not list(parts.glob("part-*")) and not out.exists()


# ----------------------------------------------------------------------------------------------
# a killed batch leaves no process behind
KILLED = textwrap.dedent(
    """
    import sys
    from stockingsim.batch import BatchDesign, run_batch
    from stockingsim.batch._worker import probe_task
    if __name__ == "__main__":
        legs = [{"i": i, "sleep": 0.3} for i in range(300)]
        run_batch(legs, BatchDesign("p", "RAL-GZ 387:II", _resolve=False), out=None,
                  engine=sys.argv[1], workers=2, progress=False, _task_fn=probe_task)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="psutil process tree, Linux")
@pytest.mark.parametrize(
    ("engine", "n_children"),
    [("processes", 4), ("dask", 3)],  # (resource tracker, forkserver,) 2 workers
)
def test_sigkill_of_the_batch_leaves_no_child(tmp_path, engine, n_children):
    psutil = pytest.importorskip("psutil")
    script = tmp_path / "killed.py"
    script.write_text(KILLED)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(script), engine], env=env, cwd=tmp_path)
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 180
    children = []
    while time.monotonic() < deadline and len(children) < n_children:
        time.sleep(0.2)
        children = parent.children(recursive=True)
    assert len(children) >= n_children, [c.cmdline() for c in children]
    time.sleep(2.0)  # tasks in flight
    children = parent.children(recursive=True)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    _gone, alive = psutil.wait_procs(children, timeout=15)
    for p in alive:  # clean up before failing
        p.kill()
    assert not alive, [p.cmdline() for p in alive]


# ----------------------------------------------------------------------------------------------
# per-batch checks before the first task
@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: dict(stockings=[("circular class II", "RAL-GZ 387:V")]), r"class 'V'.*I, II"),
        (lambda: dict(methods=["membran"]), r"'membran'.*laplace, membrane"),
        (lambda: dict(stockings=BatchDesign("circular class II", style="knee")), "AD, AF"),
        (
            lambda: dict(stockings=BatchDesign("circular class II", method="lapalce")),
            "'lapalce'.*laplace",
        ),
        (lambda: dict(stockings=[("circular class II", "RAL-GZ 378:II")]), "unknown standard"),
        (lambda: dict(standard="RAL-ZG"), "unknown standard"),
        (lambda: dict(stockings=("circular class 2", "RAL-GZ 387:II")), "circular class II"),
        (lambda: dict(stockings=BatchDesign("circular class II", {"X": 20.0})), "B, B1, C"),
    ],
)
def test_per_batch_mistakes_raise_before_any_leg_is_loaded(tmp_path, monkeypatch, make, match):
    from stockingsim.batch import _worker

    def no_leg(source):  # loading a leg would mean a task started
        raise AssertionError("a leg was loaded")

    monkeypatch.setattr(_worker, "load_task_leg", no_leg)
    with pytest.raises(errors.BatchError, match=match):
        kw = make()
        stockings = kw.pop("stockings", ss.Stocking(ss.Fabric.linear(250.0), 0.18))
        run_batch(
            [CHART], stockings, out=tmp_path / "r.parquet", engine="serial", progress=False, **kw
        )
    assert not (tmp_path / "r.parquet").exists()


def test_design_is_a_deprecated_alias():
    import stockingsim.batch as batch

    with pytest.warns(DeprecationWarning, match="BatchDesign"):
        old = batch.Design
    assert old is BatchDesign


# ----------------------------------------------------------------------------------------------
# the error column in memory, Parquet and CSV
@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_error_filter_works_on_tables_read_back(tmp_path, suffix):
    out = tmp_path / f"r{suffix}"
    legs = [{"i": 0}, {"i": 1, "fail": 1}, {"i": 2}]
    table = run_batch(legs, PROBE, out=out, engine="serial", progress=False, _task_fn=probe_task)
    reader = pd.read_csv if suffix == ".csv" else pd.read_parquet
    for t in (table, reader(out), ss.batch.read_results(out)):
        assert t[t.error.isna()]["task_index"].tolist() == [0, 2]
        assert t[t.error.notna()]["error"].tolist() == ["ValueError: probe failure in task 1"]


def test_lifeline_takes_a_zombie_for_dead():
    """A parent killed but not yet reaped is a zombie: os.kill(pid, 0) still succeeds on it."""
    from stockingsim.batch._lifeline import _alive

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert _alive(child.pid)
        child.kill()
        deadline = time.monotonic() + 10
        while _alive(child.pid) and time.monotonic() < deadline:  # a zombie until waited for
            time.sleep(0.05)
        assert not _alive(child.pid)
    finally:
        child.kill()
        child.wait()
    assert not _alive(child.pid)


def test_a_batch_started_while_a_worker_imports_the_script_stops(monkeypatch):
    import multiprocessing as mp

    monkeypatch.setattr(mp.current_process(), "_inheriting", True, raising=False)
    with pytest.raises(errors.BatchError, match="__name__"):
        run_batch([{"i": 0}], PROBE, out=None, progress=False, _task_fn=probe_task)


def test_dask_workers_that_cannot_start_raise_batch_error(monkeypatch):
    distributed = pytest.importorskip("distributed")

    def nanny_fails(**_):
        raise RuntimeError("Nanny failed to start.")

    monkeypatch.setattr(distributed, "LocalCluster", nanny_fails)
    with pytest.raises(errors.BatchError, match="Dask workers could not start.*__name__"):
        run_batch([{"i": 0}], PROBE, out=None, engine="dask", progress=False, _task_fn=probe_task)
