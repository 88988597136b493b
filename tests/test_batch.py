"""run_batch: tasks, engines, fault isolation, crash-safe storage and resume, and the pipeline.

The engine tests use ``probe_task`` (a stand-in task function that sleeps, fails or kills its
worker on demand), so that they check the machinery itself; the pipeline tests at the end run the
real load -> design -> simulate -> classify chain on the shared leg meshes and check the physics
of the rows (Laplace's law, the design target, the class ranges).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stockingsim import errors
from stockingsim.batch import BatchDesign, run_batch
from stockingsim.batch._store import ResultStore
from stockingsim.batch._tasks import make_tasks
from stockingsim.batch._worker import COLUMNS, probe_task

MESHES = Path(__file__).resolve().parents[1] / "meshes"
MMHG = 101325.0 / 760.0

PROBE = BatchDesign("probe-fabric", "RAL-GZ 387:II", _resolve=False)


def probe_legs(n: int, **extra) -> list[dict]:
    """n parametric charts; the probe reads its behaviour (sleep, fail, crash) from them."""
    return [{"i": i, **extra} for i in range(n)]


def run_probe(legs, out, **kw):
    kw.setdefault("engine", "serial")
    kw.setdefault("progress", False)
    return run_batch(legs, PROBE, out=out, _task_fn=probe_task, **kw)


# ----------------------------------------------------------------------------------------------
# tasks and keys
def test_tasks_are_the_product_of_legs_specs_and_methods(tmp_path):
    specs = [PROBE, BatchDesign("other", "RAL-GZ 387:III", _resolve=False)]
    tasks = make_tasks(probe_legs(3), specs, ["laplace", "membrane"], stage_dir=lambda: tmp_path)
    assert len(tasks) == 3 * 2 * 2
    assert len({t.key for t in tasks}) == 12
    assert [t.index for t in tasks] == list(range(12))
    assert {t.standard for t in tasks} == {"RAL-GZ 387"}


def test_task_key_follows_content_not_path(tmp_path):
    a, b = tmp_path / "a.ply", tmp_path / "sub" / "b.ply"
    b.parent.mkdir()
    shutil.copy(MESHES / "anny_f_avg.ply", a)
    shutil.copy(MESHES / "anny_f_avg.ply", b)
    tasks = make_tasks([a, b, MESHES / "anny_f_heavy.ply"], PROBE)
    # identical bytes are one task; the sha256 is that of the file
    assert len(tasks) == 2
    import hashlib

    assert tasks[0].leg.sha256 == hashlib.sha256(a.read_bytes()).hexdigest()


def test_globs_and_folders_expand_to_mesh_files(tmp_path):
    for name in ("anny_f_avg.ply", "anny_m_elder.ply"):
        shutil.copy(MESHES / name, tmp_path / name)
    (tmp_path / "notes.txt").write_text("not a mesh")
    by_glob = make_tasks(str(tmp_path / "*.ply"), PROBE)
    by_folder = make_tasks(tmp_path, PROBE)
    assert len(by_glob) == 2
    assert [t.key for t in by_glob] == [t.key for t in by_folder]
    assert [t.leg.name for t in by_folder] == ["anny_f_avg", "anny_m_elder"]


def test_callable_relaxed_circumference_is_keyed_by_its_values():
    from stockingsim.batch._spec import spec_key as _spec_key

    class FakeStocking:  # the attributes the batch reads from a Stocking
        def __init__(self, relaxed):
            self.fabric = None
            self.relaxed_circumference_m = relaxed
            self.style = "AD"

    same1 = FakeStocking(lambda h: 0.2 + 0.1 * h)
    same2 = FakeStocking(lambda h: 0.1 * h + 0.2)
    other = FakeStocking(lambda h: 0.2 + 0.11 * h)
    assert _spec_key(same1) == _spec_key(same2) != _spec_key(other)
    assert _spec_key(FakeStocking(0.2)) != _spec_key(FakeStocking(0.21))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"engine": "threads"}, "unknown engine"),
        ({"workers": 0}, "positive integer"),
        ({"address": "tcp://x:1"}, "only used with engine='dask'"),
        ({"out": "x.xlsx"}, ".parquet or .csv"),
    ],
)
def test_bad_arguments_raise_batch_error(tmp_path, kwargs, match):
    kwargs = {"out": tmp_path / "r.parquet", **kwargs}
    if isinstance(kwargs["out"], str):
        kwargs["out"] = tmp_path / kwargs["out"]
    with pytest.raises(errors.BatchError, match=match):
        run_probe(probe_legs(1), **kwargs)


def test_bad_legs_and_specs_raise_batch_error(tmp_path):
    with pytest.raises(errors.BatchError, match="does not exist"):
        make_tasks([tmp_path / "missing.ply"], PROBE)
    with pytest.raises(errors.BatchError, match="no leg file matches"):
        make_tasks(str(tmp_path / "*.ply"), PROBE)
    with pytest.raises(errors.BatchError, match="cannot use int as a leg"):
        make_tasks([3], PROBE)
    with pytest.raises(errors.BatchError, match="as a stocking"):
        make_tasks(probe_legs(1), [42])
    with pytest.raises(errors.BatchError, match="no stocking"):
        make_tasks(probe_legs(1), [])
    with pytest.raises(errors.BatchError, match="does not exist"):
        run_probe(probe_legs(1), tmp_path / "nofolder" / "r.parquet")


# ----------------------------------------------------------------------------------------------
# engines and fault isolation
@pytest.mark.parametrize("engine", ["serial", "processes"])
def test_one_row_per_task_and_failures_become_rows(tmp_path, engine):
    legs = probe_legs(9) + [{"i": 100, "fail": 1}]
    table = run_probe(legs, tmp_path / "r.parquet", engine=engine, workers=2)
    assert list(table.columns) == COLUMNS
    assert len(table) == 10 and table["task_key"].is_unique
    assert table.attrs["computed"] == 10 and table.attrs["errors"] == 1
    failed = table[table["error"].notna()]
    assert failed["error"].iloc[0] == "ValueError: probe failure in task 9"
    assert failed["error_stage"].iloc[0] == "simulate"
    # rows come back in task order and the file holds the same rows
    assert table["task_index"].tolist() == list(range(10))
    on_disk = pd.read_parquet(tmp_path / "r.parquet")
    assert sorted(on_disk["task_key"]) == sorted(table["task_key"])
    assert not (tmp_path / "r.parquet.parts").exists()
    if engine == "processes":  # the tasks ran in worker processes, not in this one
        pids = {int(w.rsplit(":", 1)[1]) for w in table["worker"] if w}
        assert pids and os.getpid() not in pids


def test_a_crashing_worker_costs_only_its_own_task(tmp_path):
    legs = probe_legs(8, sleep=0.05) + [{"i": 100, "crash": 1}] + probe_legs(3)[1:]
    table = run_probe(legs, tmp_path / "r.parquet", engine="processes", workers=2)
    assert len(table) == 11
    errs = table[table["error"].notna()]
    assert len(errs) == 1, errs["error"].tolist()
    assert errs["task_index"].iloc[0] == 8
    assert "worker process died" in errs["error"].iloc[0]
    assert np.array_equal(
        table.loc[table["error"].isna(), "pressure_B_mmhg"],
        table.loc[table["error"].isna(), "task_index"],
    )


# ----------------------------------------------------------------------------------------------
# storage and resume
def test_resume_skips_finished_tasks_and_adds_no_duplicates(tmp_path):
    out = tmp_path / "r.parquet"
    first = run_probe(probe_legs(4), out)
    both = run_probe(probe_legs(7), out)
    assert both.attrs["computed"] == 3 and both.attrs["skipped"] == 4
    assert len(both) == 7 and both["task_key"].is_unique
    # the first four rows are the ones computed by the first run, untouched
    kept = both.set_index("task_key").loc[first["task_key"]]
    assert (kept["run_id"] == first.attrs["run_id"]).all()
    assert (kept["finished_utc"].to_numpy() == first["finished_utc"].to_numpy()).all()
    again = run_probe(probe_legs(7), out)
    assert again.attrs["computed"] == 0 and len(pd.read_parquet(out)) == 7


def test_resume_false_recomputes_everything(tmp_path):
    out = tmp_path / "r.parquet"
    run_probe(probe_legs(3), out)
    table = run_probe(probe_legs(3), out, resume=False)
    assert table.attrs["computed"] == 3 and len(pd.read_parquet(out)) == 3


def test_error_rows_count_as_done_unless_retry_errors(tmp_path):
    out = tmp_path / "r.parquet"
    run_probe([{"i": 1, "fail": 1}], out)
    assert run_probe([{"i": 1, "fail": 1}], out).attrs["computed"] == 0
    assert run_probe([{"i": 1, "fail": 1}], out, retry_errors=True).attrs["computed"] == 1


def test_interrupted_run_leaves_journal_and_parts_that_resume_reads(tmp_path):
    """A store that never reached finish(): rows in parts and in the journal, a torn last line."""
    out = tmp_path / "r.parquet"
    tasks = make_tasks(probe_legs(7), PROBE, run_id="old")
    store = ResultStore(out, "20000101T000000Z-old", flush_every=3)
    for task in tasks[:5]:
        store.add(probe_task(task))
    # 3 rows in a part, 2 in the journal; a kill during the 6th line leaves half a line
    parts = sorted((tmp_path / "r.parquet.parts").glob("part-*.parquet"))
    assert len(parts) == 1 and len(pd.read_parquet(parts[0])) == 3
    journal = next((tmp_path / "r.parquet.parts").glob("journal-*.jsonl"))
    store._journal.write(json.dumps({"task_key": tasks[5].key})[:20])
    store._journal.flush()
    lines = journal.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    # and the same row twice (a kill between writing a part and emptying the journal)
    with open(journal, "a") as fh:
        fh.write("\n" + lines[0] + "\n")
    table = run_probe(probe_legs(7), out)
    assert table.attrs["skipped"] == 5 and table.attrs["computed"] == 2
    assert len(table) == 7 and table["task_key"].is_unique
    assert len(pd.read_parquet(out)) == 7


def test_csv_output_and_in_memory_batches(tmp_path):
    table = run_probe(probe_legs(3), tmp_path / "r.csv")
    again = run_probe(probe_legs(3), tmp_path / "r.csv")
    assert again.attrs["computed"] == 0 and len(pd.read_csv(tmp_path / "r.csv")) == 3
    assert again["error"].isna().all() and len(table) == 3
    mem = run_probe(probe_legs(3), None)
    assert len(mem) == 3 and mem.attrs["out"] is None


# ----------------------------------------------------------------------------------------------
# the real pipeline: load -> landmarks -> (design) -> simulate -> classify -> gradient
def test_pipeline_rows_obey_laplace_and_a_broken_mesh_is_an_error_row(tmp_path):
    """A fixed linear-fabric stocking: every row must satisfy p_B = k (C/c0 - 1) 2 pi / C."""
    import hashlib

    import stockingsim as ss

    broken = tmp_path / "broken.ply"
    broken.write_text("ply\nformat ascii 1.0\nthis is not a mesh\n")
    k, c0 = 250.0, 0.18  # N/m, m
    stocking = ss.Stocking(ss.Fabric.linear(k, name="linear 250"), c0, name="tube 18 cm")
    legs = [MESHES / "anny_f_avg.ply", MESHES / "anny_m_elder.ply", broken]
    table = run_batch(
        legs, stocking, ["laplace"], out=tmp_path / "r.parquet", workers=2, progress=False
    )
    assert len(table) == 3
    bad = table.iloc[2]
    assert bad["error_stage"] == "load" and bad["error_type"].startswith("Mesh")
    ok = table.iloc[:2]
    assert ok["error"].isna().all(), ok["error"].tolist()
    c = ok["circumference_B_cm"].to_numpy() / 100.0
    expected = k * (c / c0 - 1.0) * 2.0 * np.pi / c / MMHG  # Laplace, T / r
    np.testing.assert_allclose(ok["pressure_B_mmhg"], expected, rtol=1e-3)
    np.testing.assert_allclose(ok["relaxed_B_cm"], 18.0, rtol=1e-9)
    np.testing.assert_allclose(ok["strain_B"], c / c0 - 1.0, rtol=1e-3)
    # landmarks go up the leg; the class is the standard's class of the B pressure
    assert (ok["height_B_cm"] < ok["height_C_cm"]).all()
    for _, row in ok.iterrows():
        cls = row["ankle_class"] if isinstance(row["ankle_class"], str) else None  # NaN: none
        assert cls == ss.classify(row["pressure_B_mmhg"], "RAL-GZ 387")
        assert row["leg_sha256"] == hashlib.sha256(Path(row["leg_source"]).read_bytes()).hexdigest()
        assert 20_000 < row["n_vertices"] < 30_000
        assert row["fabric"] == "linear 250" and row["stocking_name"] == "tube 18 cm"


def test_designed_stockings_reach_their_target_on_leg_objects():
    """Design per leg for RAL II (mid-range 27.5 mmHg at B); Laplace reproduces the target."""
    import stockingsim as ss
    from stockingsim.standards import class_range

    leg = ss.bundled_leg()  # a Leg object: handed to the worker as a temporary .npz
    design = BatchDesign("circular class II", "RAL-GZ 387:II", method="laplace")
    table = run_batch(
        [leg], [design], ["laplace", "membrane"], out=None, engine="serial", progress=False
    )
    assert table["error"].isna().all(), table["error"].tolist()
    assert table["leg_source"].tolist() == ["Leg object"] * 2
    assert (table["leg_sha256"] == leg.source_hash).all()
    lo, hi = class_range("RAL-GZ 387", "II")
    laplace, membrane = table.iloc[0], table.iloc[1]
    assert laplace["pressure_B_mmhg"] == pytest.approx((lo + hi) / 2, rel=0.01)
    assert laplace["class_ok"] and laplace["gradient_ok"]
    # membrane (local curvature) averages to about the Laplace value around a convex ankle
    assert membrane["pressure_B_mmhg"] == pytest.approx(laplace["pressure_B_mmhg"], rel=0.1)
    assert laplace["target_class"] == "II" and laplace["design_method"] == "laplace"


def test_parametric_charts_are_built_in_the_workers():
    """Charts (cm) -> parametric legs: the girth at B is the chart's, the design hits 27.5."""
    charts = [{"cB": 21.0, "cC": 35.0, "cD": 33.0}, {"cB": 24.0, "cC": 38.0, "cD": 36.0}]
    design = BatchDesign("circular class II", "RAL-GZ 387:II", method="laplace")
    table = run_batch(charts, design, ["laplace"], out=None, workers=2, progress=False)
    assert table["error"].isna().all(), table["error"].tolist()
    assert (table["leg_source"] == "chart").all()
    np.testing.assert_allclose(table["circumference_B_cm"], [21.0, 24.0], rtol=1e-3)
    np.testing.assert_allclose(table["pressure_B_mmhg"], 27.5, rtol=0.01)
