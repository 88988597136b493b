"""Implementation of :func:`stockingsim.batch.run_batch` (private; the API is in ``__init__``)."""

from __future__ import annotations

import os
import pickle
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from stockingsim import errors
from stockingsim.batch._dask import default_workers, run_dask
from stockingsim.batch._engines import GUARD_HINT, run_processes, run_serial
from stockingsim.batch._store import ResultStore, normalize
from stockingsim.batch._tasks import make_tasks
from stockingsim.batch._worker import Task, run_task

__all__ = ["run_batch", "ENGINES"]

#: the engines :func:`run_batch` accepts
ENGINES: tuple[str, ...] = ("processes", "serial", "dask")
_ENGINE_FUNCS = {"serial": run_serial, "processes": run_processes, "dask": run_dask}


def _new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:8]


def run_batch(
    legs: Any,
    stockings_or_designs: Any,
    methods: Sequence[str] | str = ("membrane",),
    out: str | os.PathLike | None = "results.parquet",
    engine: str = "processes",
    workers: int | None = None,
    address: Any = None,
    resume: bool = True,
    progress: bool = True,
    *,
    standard: str | None = None,
    options: Mapping[str, Any] | None = None,
    leg_units: str = "auto",
    retry_errors: bool = False,
    flush_every: int = 16,
    max_tasks_per_child: int = 100,
    motion: Any = None,
    _task_fn: Callable[[Task], dict] | None = None,
) -> pd.DataFrame:
    """Run legs x stockings/designs x methods and collect one row per task.

    Parameters
    ----------
    legs : path, glob, folder, Leg, mapping, or a list of them
        Mesh files (``"scans/*.ply"``, a folder of meshes, explicit paths), :class:`~stockingsim.Leg`
        objects, or parametric charts (dicts of circumferences in cm for
        :func:`stockingsim.parametric_leg`). Files are loaded inside the workers; ``Leg``
        objects are handed over as a temporary ``.npz`` of their arrays (never pickled files).
    stockings_or_designs : Stocking, BatchDesign, (fabric, target) pair, or a list of them
        Fixed stockings are simulated as they are; a :class:`BatchDesign` (or a ``(fabric, target)``
        pair, the fabric a :class:`~stockingsim.Fabric` or a preset name) is designed per leg with
        :func:`stockingsim.design_stocking` first.
    methods : sequence of str
        Pressure methods for :func:`stockingsim.simulate` (``"laplace"``, ``"membrane"``,
        ``"bridging"``, ``"contact"``).
    out : path or None
        Output table (``.parquet`` or ``.csv``), written atomically at the end. Rows are saved as
        they finish in ``<out>.parts/`` (journal and Parquet parts), which is what ``resume``
        reads after an interruption. None: in memory only, no resume.
    engine : {"processes", "serial", "dask"}
        A local process pool (default), the calling process, or ``dask.distributed``.
    workers : int, optional
        Worker processes (processes, or a LocalCluster's workers); default: the CPUs available.
    address : str, distributed.Client or distributed.LocalCluster, optional
        Dask scheduler address (``"tcp://host:8786"``), an existing client or cluster; default:
        start :func:`local_cluster` with ``workers`` processes for this call and close it after.
        A cluster you start yourself runs faster with the worker environment of
        :data:`DASK_WORKER_ENVIRON` (see :func:`local_cluster`).
    resume : bool
        Skip the tasks already in ``out`` or its parts (keyed by leg content hash and every
        parameter); False recomputes everything and replaces ``out``.
    progress : bool
        Show a tqdm progress bar (a widget in notebooks).
    standard : str, optional
        Standard for the class and gradient check; default: the one named in a design's target,
        else ``"RAL-GZ 387"``.
    options : mapping, optional
        Extra keyword arguments for :func:`stockingsim.simulate` (part of the task key).
    leg_units : str
        ``units`` for :func:`stockingsim.load_leg` (default ``"auto"``).
    retry_errors : bool
        With ``resume``, re-run the tasks whose earlier row is an error row.
    flush_every : int
        Rows per Parquet part file.
    max_tasks_per_child : int
        Tasks (about: the pool counts jobs of a leg's tasks) before a pool worker is
        replaced (keeps memory flat over long batches).
    motion : stockingsim.Motion or str, optional
        Also run each task through this motion (:func:`stockingsim.simulate_motion`, the
        task's method) and the static stiffness index: columns ``motion``,
        ``amplitude_<landmark>_mmhg`` (B, B1, C, D) and ``ssi_B1_mmhg`` (part of the task key).
        A default motion can be named: "walking", "supine-to-standing", "calf-contraction" or
        "sitting".

    Returns
    -------
    pandas.DataFrame
        One row per task of this call, in order leg x stocking x method (columns in
        :data:`COLUMNS`: identifiers, landmark heights/circumferences/relaxed circumferences in
        cm, strains, pressures in mmHg, ``ankle_class``, ``class_ok``, ``gradient_ok``,
        timings in s, ``worker_peak_rss_mb``, ``error`` (missing, i.e. None/NaN, when the
        task worked: ``table[table.error.isna()]`` keeps the rows that worked, in memory and as
        read back from Parquet or CSV).
        ``table.attrs`` holds ``computed``, ``skipped``, ``errors``, ``run_id``, ``elapsed_s``
        and ``out``. The file ``out`` holds these rows plus any other rows it held before.

    Raises
    ------
    stockingsim.errors.BatchError
        Bad arguments, found before the first task: unknown engine, method, standard, class,
        style or preset, no legs, missing files, unwritable output, a stocking that cannot be
        sent to the workers; worker processes that cannot start (e.g. a script without an
        ``if __name__ == "__main__":`` guard on a platform where that matters). Failures of
        single tasks never raise, they become error rows.

    Examples
    --------
    A uniform 40 % hoop strain of a 250 N/m fabric gives Laplace's ``p = 2 pi T / C`` at B:

    >>> import math
    >>> import stockingsim as ss
    >>> leg = ss.bundled_leg()
    >>> relaxed = {k: lm.circumference_m / 1.4 for k, lm in leg.landmarks.items()}
    >>> stocking = ss.Stocking(ss.Fabric.linear(250.0), relaxed)
    >>> table = ss.run_batch([leg], [stocking], methods=["laplace"], out=None, engine="serial",
    ...                      progress=False)
    >>> p_b = 2 * math.pi * 100.0 / leg.landmarks["B"].circumference_m / (101325 / 760)
    >>> round(float(table["pressure_B_mmhg"].iloc[0]) / p_b, 3)
    1.0
    """
    t_start = time.perf_counter()
    _check_engine_arguments(engine, workers, address)
    _refuse_inside_a_worker()
    workers = int(workers) if workers is not None else default_workers()
    run_id = _new_run_id()
    with tempfile.TemporaryDirectory(prefix="stockingsim-batch-") as tmp:
        tasks = make_tasks(
            legs,
            stockings_or_designs,
            methods,
            standard=standard,
            options=options,
            leg_units=leg_units,
            stage_dir=lambda: Path(tmp),
            inline_legs=engine == "dask" and address is not None,
            run_id=run_id,
            motion=motion,
        )
        if not tasks:
            raise errors.BatchArgumentError("no legs given; nothing to run.")
        if engine != "serial":
            check_shippable(tasks)
        store = ResultStore(out, run_id, flush_every=flush_every, resume=resume)
        done = store.done_keys(retry_errors) if resume else set()
        todo = [t for t in tasks if t.key not in done]
        engine_options = {
            "workers": max(1, min(workers, len(todo) or 1)),
            "address": address,
            "max_tasks_per_child": max_tasks_per_child,
        }
        fn = _task_fn or run_task
        table = _execute(todo, len(tasks), fn, store, engine, engine_options, progress)
    return _this_call(table, tasks, todo, run_id, t_start, out)


def _check_engine_arguments(engine: str, workers: Any, address: Any) -> None:
    if engine not in ENGINES:
        raise errors.BatchArgumentError(
            f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}."
        )
    if workers is not None and (int(workers) != workers or workers < 1):
        raise errors.BatchArgumentError(f"workers must be a positive integer, not {workers!r}.")
    if address is not None and engine != "dask":
        raise errors.BatchArgumentError(
            "address is only used with engine='dask'; add engine='dask'."
        )


def _refuse_inside_a_worker() -> None:
    """A batch started while a worker process imports the main script: stop that worker now."""
    import multiprocessing as mp

    if getattr(mp.current_process(), "_inheriting", False):
        raise errors.BatchError(
            "run_batch was called while a worker process was importing the main script; "
            + GUARD_HINT
        )


def _execute(todo, n_tasks, fn, store, engine, options, progress) -> pd.DataFrame:
    """Run the tasks not done yet on the engine, recording each row; the whole stored table."""
    n_errors = 0
    bar = _progress_bar(len(todo), n_tasks - len(todo), progress)

    def record(row: dict) -> None:
        nonlocal n_errors
        store.add(row)
        n_errors += row.get("error") is not None
        bar.update(1)
        if n_errors:
            bar.set_postfix(errors=n_errors, refresh=False)

    try:
        if todo:
            _ENGINE_FUNCS[engine](todo, fn, record, **options)
        return store.finish()
    finally:
        bar.close()
        _final_line(bar, progress)
        store.close()


def _this_call(table, tasks, todo, run_id, t_start, out) -> pd.DataFrame:
    """The rows of this call's tasks, in task order, with the run's figures in ``attrs``."""
    order = {t.key: t.index for t in tasks}
    mine = table[table["task_key"].isin(order.keys())].copy()
    mine["task_index"] = mine["task_key"].map(order).astype("Int64")
    mine = normalize(mine.sort_values("task_index"))
    mine.attrs.update(
        computed=len(todo),
        skipped=len(tasks) - len(todo),
        errors=int(mine["error"].notna().sum()),
        run_id=run_id,
        elapsed_s=time.perf_counter() - t_start,
        out=None if out is None else str(out),
    )
    return mine


def check_shippable(tasks: Iterable[Task]) -> None:
    """Raise BatchError, before any work, for a stocking that cannot travel to a worker.

    Stockings and designs travel with cloudpickle (functions and classes of ``__main__``,
    lambdas and closures by value); what even cloudpickle cannot copy (open files, locks,
    generators, ...) is refused here rather than task by task.
    """
    import cloudpickle

    seen: set[str] = set()
    for task in tasks:
        if task.spec_key in seen:
            continue
        seen.add(task.spec_key)
        try:
            pickle.loads(cloudpickle.dumps(task.spec))
        except Exception as exc:  # noqa: BLE001 - open files, locks, generators, ...
            name = getattr(task.spec, "name", None) or task.spec_key
            raise errors.BatchArgumentError(
                f"the stocking {name} cannot be sent to worker processes ({exc}). Define its "
                "relaxed circumference as a number, a mapping or a function of height that "
                "holds no open file or lock, or use engine='serial'."
            ) from exc


def _final_line(bar, enabled: bool) -> None:
    """In a notebook the bar is a widget a saved notebook loses: print its last line as text."""
    if not enabled:
        return
    try:
        from tqdm.notebook import tqdm as notebook_tqdm
    except ImportError:  # pragma: no cover - no ipywidgets: the bar is text already
        return
    if not isinstance(bar, notebook_tqdm):
        return
    info = dict(bar.format_dict)
    info["ncols"] = None
    print(bar.format_meter(**info), flush=True)


def _progress_bar(total: int, skipped: int, enabled: bool):
    from tqdm.auto import tqdm

    desc = "stockingsim batch" + (f" ({skipped} done before)" if skipped else "")
    return tqdm(total=total, desc=desc, unit="task", disable=not enabled, dynamic_ncols=True)
