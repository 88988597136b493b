"""What one batch task does, in a worker process (private; used by :mod:`stockingsim.batch`).

A task is a small, picklable description: where the leg comes from (a file path, a parametric
chart, or a temporary ``.npz`` of a :class:`~stockingsim.leg.Leg`'s arrays), the stocking or the
design to run, the pressure method and the standard. The worker loads the leg itself, so meshes
are never shipped between processes, and turns every exception into an error row so that one bad
mesh or one failing solve never stops a batch.

The row schema (:data:`COLUMNS`) is fixed, whatever happened in the task, so that part files
written by different runs concatenate into one tidy table.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import threading
import time
import traceback
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim import vocabulary as vocab

#: landmark names reported in the batch table, bottom to top (ISO 8559 / RAL-GZ 387 measuring points)
LANDMARKS: tuple[str, ...] = vocab.LANDMARKS

_ID_COLUMNS: list[tuple[str, str]] = [
    ("task_key", "str"),
    ("task_index", "int"),
    ("run_id", "str"),
    ("leg_name", "str"),
    ("leg_source", "str"),
    ("leg_sha256", "str"),
    ("n_vertices", "int"),
    ("stocking_name", "str"),
    ("stocking_key", "str"),
    ("fabric", "str"),
    ("target", "str"),
    ("style", "str"),
    ("design_method", "str"),
    ("method", "str"),
    ("standard", "str"),
]
_LANDMARK_COLUMNS: list[tuple[str, str]] = [
    (f"{prefix}_{lm}_{unit}" if unit else f"{prefix}_{lm}", "float")
    for lm in LANDMARKS
    for prefix, unit in (
        ("height", "cm"),
        ("circumference", "cm"),
        ("relaxed", "cm"),
        ("strain", ""),  # engineering strain, dimensionless
        ("pressure", "mmhg"),
    )
]
_OUTCOME_COLUMNS: list[tuple[str, str]] = [
    ("ankle_class", "str"),
    ("target_class", "str"),
    ("class_ok", "bool"),
    ("gradient_ok", "bool"),
    ("gradient_failures", "str"),
    ("pressure_max_mmhg", "float"),
    ("load_s", "float"),
    ("design_s", "float"),
    ("simulate_s", "float"),
    ("assess_s", "float"),
    ("total_s", "float"),
    ("cpu_s", "float"),
    ("worker", "str"),
    ("worker_peak_rss_mb", "float"),
    ("finished_utc", "str"),
    ("warnings", "str"),
    ("error", "str"),
    ("error_type", "str"),
    ("error_stage", "str"),
    ("error_traceback", "str"),
]
#: columns filled when run_batch(..., motion=...) is given (NaN/None otherwise)
MOTION_LANDMARKS = ("B", "B1", "C", "D")
_MOTION_COLUMNS: list[tuple[str, str]] = [
    ("motion", "str"),
    *((f"amplitude_{lm}_mmhg", "float") for lm in MOTION_LANDMARKS),
    ("ssi_B1_mmhg", "float"),
    ("motion_s", "float"),
]
#: every column of the batch table with its kind ("str", "int", "float" or "bool")
SCHEMA: list[tuple[str, str]] = _ID_COLUMNS + _LANDMARK_COLUMNS + _OUTCOME_COLUMNS + _MOTION_COLUMNS
COLUMNS: list[str] = [name for name, _ in SCHEMA]

_M_TO_CM = vocab.CM_PER_M


@dataclasses.dataclass(frozen=True)
class LegSource:
    """Where a worker gets its leg from; never the mesh itself.

    kind is ``"path"`` (a mesh file, loaded with :func:`stockingsim.load_leg`), ``"chart"`` (a
    parametric chart in cm, built with :func:`stockingsim.parametric_leg`), ``"npz"`` (a temporary
    file with the arrays of a :class:`~stockingsim.Leg` given in memory) or ``"arrays"`` (the same
    arrays inline, for Dask workers that may not see the local disk).
    """

    kind: str
    value: Any
    name: str
    sha256: str
    units: str = "auto"
    landmarks: tuple[tuple[str, float], ...] = ()

    @property
    def label(self) -> str:
        """Short text for the ``leg_source`` column."""
        if self.kind == "path":
            return str(self.value)
        return self.kind if self.kind != "npz" else "Leg object"


@dataclasses.dataclass(frozen=True)
class Task:
    """One (leg, stocking or design, method) combination of a batch."""

    key: str
    index: int
    run_id: str
    leg: LegSource
    spec: Any  # a stockingsim.Stocking or a stockingsim.batch.BatchDesign
    spec_key: str
    method: str
    standard: str
    options: tuple[tuple[str, Any], ...] = ()
    motion: Any = None  # a stockingsim.Motion, or None

    def __reduce__(self):
        """Pickle the stocking or design with cloudpickle (functions and ``__main__`` by value).

        A worker process never imports the caller's main script, so a relaxed-circumference
        function defined there, a lambda or a closure must travel by value; everything else
        in the task is plain data.
        """
        import cloudpickle

        fields = [getattr(self, f.name) for f in dataclasses.fields(self)]
        fields[4] = cloudpickle.dumps(self.spec)
        return (_unpickle_task, tuple(fields))


def _unpickle_task(key, index, run_id, leg, spec_blob, *rest) -> Task:
    import pickle

    return Task(key, index, run_id, leg, pickle.loads(spec_blob), *rest)


# ----------------------------------------------------------------------------------------------
# rows
def empty_row() -> dict[str, Any]:
    """A row with every column present: NaN for numbers, None for text, flags and counts.

    ``error`` stays None when the task works: a missing value reads back as missing from
    Parquet and from CSV alike (an empty string would come back from CSV as NaN).
    """
    return {name: (np.nan if kind == "float" else None) for name, kind in SCHEMA}


def base_row(task: Task) -> dict[str, Any]:
    """The identifying part of a task's row, known before it runs."""
    row = empty_row()
    spec = task.spec
    fabric = getattr(spec, "fabric", None)
    target = getattr(spec, "target", None)
    row.update(
        task_key=task.key,
        task_index=task.index,
        run_id=task.run_id,
        leg_name=task.leg.name,
        leg_source=task.leg.label,
        leg_sha256=task.leg.sha256,
        stocking_name=_spec_name(spec),
        stocking_key=task.spec_key,
        # a kit's fabric is its inner layer's (as for a kit simulated directly)
        fabric=getattr(getattr(fabric, "fabric", fabric), "name", None),
        target=_target_text(target),
        style=getattr(spec, "style", None),
        design_method=getattr(spec, "method", None) if target is not None else None,
        method=task.method,
        standard=task.standard,
        target_class=_target_class(target),
    )
    return row


def error_row(task: Task, exc: BaseException, stage: str, elapsed_s: float = np.nan) -> dict:
    """The row of a task that failed before a worker could report (crash, pickling, ...)."""
    row = base_row(task)
    row.update(_error_fields(exc, stage))
    row["total_s"] = elapsed_s
    row["finished_utc"] = _utc_now()
    return row


def _error_fields(exc: BaseException, stage: str) -> dict[str, str]:
    message = " ".join(str(exc).split()) or repr(exc)
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return {
        "error": f"{type(exc).__name__}: {message}",
        "error_type": type(exc).__name__,
        "error_stage": stage,
        "error_traceback": tb[-4000:],
    }


def _spec_name(spec: Any) -> str | None:
    name = getattr(spec, "name", None)
    if name:
        return str(name)
    return None


def _target_text(target: Any) -> str | None:
    if target is None:
        return None
    if isinstance(target, str):
        return target
    if isinstance(target, Mapping):
        return ",".join(f"{k}={float(v):g}" for k, v in target.items())
    return str(target)


def _target_class(target: Any) -> str | None:
    """The canonical class of a class target (``"RAL:2"`` -> ``"II"``), as ``classify`` names it."""
    if not isinstance(target, str):
        return None
    from stockingsim.standards import parse_target

    try:
        return parse_target(target)[1]
    except errors.StandardError:  # checked when the batch was set up; never fatal here
        return None


def _utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MB (stdlib ``resource``; NaN elsewhere)."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes
    return peak / 1024.0 if os.uname().sysname != "Darwin" else peak / 1024.0**2


# ----------------------------------------------------------------------------------------------
# the pipeline
def load_task_leg(source: LegSource):
    """Build the :class:`~stockingsim.Leg` of a task inside the worker."""
    from stockingsim import leg as leg_module

    overrides = dict(source.landmarks) or None
    if source.kind == "path":
        return leg_module.load_leg(source.value, units=source.units, landmarks=overrides)
    if source.kind == "chart":
        return leg_module.parametric_leg(dict(source.value), name=source.name)
    if source.kind == "npz":
        # our own temporary file; never a user file, and never with pickles
        with np.load(source.value, allow_pickle=False) as data:
            vertices, faces = data["vertices"], data["faces"]
    elif source.kind == "arrays":
        vertices, faces = source.value
    else:  # pragma: no cover - guarded by the batch set-up
        raise ValueError(f"unknown leg source kind {source.kind!r}")
    return leg_module.Leg.from_arrays(
        vertices, faces, units="m", name=source.name, landmarks=overrides
    )


class _LastLeg(threading.local):
    """The last leg a worker thread loaded, and the warnings it gave.

    ``caught`` holds its loading's, ``landmarks_caught`` its landmark detection's (None until
    they are detected).
    """

    key: tuple | None = None
    leg: Any = None
    caught: tuple = ()
    landmarks_caught: tuple | None = None


_LAST_LEG = _LastLeg()


def leg_key(source: LegSource) -> tuple:
    """What decides a source's leg: its kind, content hash, units, landmarks and name."""
    return (source.kind, source.sha256, source.units, source.landmarks, source.name)


def _source_key(source: LegSource) -> tuple:
    """:func:`leg_key`, and for a file its path, size and modification time.

    A file rewritten in place is then loaded again, even under the hash taken when the batch
    was set up.
    """
    key = leg_key(source)
    if source.kind in ("path", "npz"):
        st = os.stat(source.value)
        key += (source.value, st.st_size, st.st_mtime_ns)
    return key


def cached_task_leg(source: LegSource):
    """The task's leg, loaded once for consecutive tasks on the same leg in this thread.

    A batch runs every stocking and method of a leg one after the other, so the tasks after
    the first reuse the loaded :class:`~stockingsim.Leg` with its frame, landmarks and cut
    sections (a Leg is immutable; its caches are bounded). Only the last leg is kept. The
    warnings its loading gave are given again for every task, so every row reports them.
    """
    try:
        key = _source_key(source)
    except OSError:  # the file went away: load_task_leg says so in the task's row
        key = None
    if key is None or key != _LAST_LEG.key:
        forget_task_leg()  # free the last leg before the next one is loaded
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            leg = load_task_leg(source)
        _LAST_LEG.key, _LAST_LEG.leg, _LAST_LEG.caught = key, leg, tuple(caught)
    _replay(_LAST_LEG.caught)
    return _LAST_LEG.leg


def task_landmarks(leg) -> dict:
    """``leg.landmarks``; on a reused leg the warnings their detection gave are given again."""
    entry = _LAST_LEG
    if entry.leg is leg and entry.landmarks_caught is not None:
        _replay(entry.landmarks_caught)
        return leg.landmarks
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        landmarks = leg.landmarks
    if entry.leg is leg:
        entry.landmarks_caught = tuple(caught)
    _replay(caught)
    return landmarks


def _replay(caught) -> None:
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def forget_task_leg() -> None:
    """Drop this thread's last leg (the engines call it when a batch or a group ends)."""
    _LAST_LEG.key, _LAST_LEG.leg, _LAST_LEG.caught = None, None, ()
    _LAST_LEG.landmarks_caught = None


def run_tasks(fn, tasks: list[Task]) -> list[dict]:
    """The rows of ``fn`` on each task in turn; an exception becomes that task's error row.

    One pool job or one Dask task runs such a group. The leg is dropped at the end, so a
    worker that outlives the batch (a Dask cluster) keeps none.
    """
    rows = []
    try:
        for task in tasks:
            t0 = time.perf_counter()
            try:
                rows.append(fn(task))
            except Exception as exc:  # noqa: BLE001 - one task's failure is that task's row
                rows.append(error_row(task, exc, "worker", time.perf_counter() - t0))
    finally:
        forget_task_leg()
    return rows


def run_task(task: Task) -> dict[str, Any]:
    """Run one task through the whole pipeline and return its row (never raises).

    load -> landmarks -> design (for a :class:`~stockingsim.batch.BatchDesign`) -> simulate ->
    classify -> gradient check. Any exception becomes the ``error`` text of the row, with the
    stage where it happened; warnings are collected into the ``warnings`` column.
    """
    t_start = time.perf_counter()
    cpu_start = time.process_time()
    row = base_row(task)
    row["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    stage = "load"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            t0 = time.perf_counter()
            leg = cached_task_leg(task.leg)
            row["n_vertices"] = int(leg.n_vertices)
            row["leg_name"] = str(leg.name) if leg.name else task.leg.name
            stage = "landmarks"
            for name, lm in task_landmarks(leg).items():
                if name in LANDMARKS:
                    row[f"height_{name}_cm"] = float(lm.height_m) * _M_TO_CM
                    row[f"circumference_{name}_cm"] = float(lm.circumference_m) * _M_TO_CM
            row["load_s"] = time.perf_counter() - t0

            stocking = task.spec
            if getattr(task.spec, "target", None) is not None:
                stage = "design"
                t0 = time.perf_counter()
                stocking = task.spec.build(leg)
                row["design_s"] = time.perf_counter() - t0
                row["stocking_name"] = row["stocking_name"] or getattr(stocking, "name", None)
            row["style"] = getattr(stocking, "style", row["style"])
            if row["fabric"] is None:
                row["fabric"] = getattr(getattr(stocking, "fabric", None), "name", None)

            stage = "simulate"
            t0 = time.perf_counter()
            from stockingsim.solvers import simulate

            result = simulate(leg, stocking, method=task.method, **dict(task.options))
            row["simulate_s"] = time.perf_counter() - t0

            stage = "classify"
            t0 = time.perf_counter()
            _fill_assessment(row, result, task.standard)
            row["assess_s"] = time.perf_counter() - t0
            if task.motion is not None:
                stage = "motion"
                _fill_motion(row, leg, stocking, task)
        except Exception as exc:  # noqa: BLE001 - fault isolation is the point
            row.update(_error_fields(exc, stage))
    row["warnings"] = _warning_text(caught)
    row["total_s"] = time.perf_counter() - t_start
    row["cpu_s"] = time.process_time() - cpu_start  # all threads of this process
    row["worker_peak_rss_mb"] = _peak_rss_mb()
    row["finished_utc"] = _utc_now()
    return row


def _fill_motion(row: dict, leg, stocking, task: Task) -> None:
    """Walking (or any motion) amplitude per landmark and the SSI at B1 of one task."""
    from stockingsim.motion import simulate_motion, static_stiffness_index

    t0 = time.perf_counter()
    opts = dict(task.options)
    res = simulate_motion(leg, stocking, task.motion, method=task.method, **opts)
    row["motion"] = task.motion.name
    for lm in MOTION_LANDMARKS:
        row[f"amplitude_{lm}_mmhg"] = _float(res.amplitude_mmhg.get(lm, np.nan))
    if "B1" in leg.landmarks:
        row["ssi_B1_mmhg"] = static_stiffness_index(leg, stocking, method=task.method, **opts)
    row["motion_s"] = time.perf_counter() - t0


def _fill_assessment(row: dict, result, standard: str) -> None:
    """Landmark pressures, ankle class and gradient verdict from a PressureResult."""
    from stockingsim.standards import check_gradient

    profile = result.profile
    for name in LANDMARKS:
        if name not in profile.index:
            continue
        rec = profile.loc[name]
        row[f"pressure_{name}_mmhg"] = _float(rec.get("pressure_mmhg"))
        row[f"relaxed_{name}_cm"] = _float(rec.get("relaxed_circumference_m")) * _M_TO_CM
        row[f"strain_{name}"] = _float(rec.get("strain"))
    pressure = np.asarray(result.pressure_mmhg, dtype=float)
    row["pressure_max_mmhg"] = float(np.nanmax(pressure)) if pressure.size else np.nan
    cls = result.classify(standard)
    row["ankle_class"] = None if cls is None else str(cls)
    if row["target_class"] is not None:
        row["class_ok"] = row["ankle_class"] == row["target_class"]
    verdict = check_gradient(result, standard=standard)
    row["gradient_ok"], row["gradient_failures"] = gradient_verdict(verdict)


def gradient_verdict(table) -> tuple[bool, str]:
    """(all rules passed, the failing landmarks) from :func:`stockingsim.check_gradient`.

    The verdict is :func:`stockingsim.standards.gradient_verdict`'s, nothing guessed.
    """
    from stockingsim.standards import gradient_verdict as verdict_of

    verdict = verdict_of(table)
    return verdict.passed, ",".join(verdict.failed)


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _warning_text(caught: list) -> str:
    seen: dict[str, None] = {}
    for w in caught:
        seen.setdefault(f"{w.category.__name__}: {' '.join(str(w.message).split())}", None)
    return " | ".join(seen)[:2000]


# ----------------------------------------------------------------------------------------------
# a probe task for testing the engines without physics (importable in every worker)
def probe_task(task: Task) -> dict[str, Any]:
    """Test double for :func:`run_task`: behaviour set by ``task.options``.

    Options (from the task options and, for parametric legs, the chart): ``sleep`` (s),
    ``fail`` (raise ValueError), ``crash`` (kill the worker process with ``os._exit``, as a
    segfault would), ``crash_index`` (crash in the task of that index only),
    ``crash_once_file`` (crash only if that file does not exist yet, creating it first),
    ``use_leg`` (get the leg as :func:`run_task` does; the ``warnings`` column then says
    ``"leg loaded"`` or ``"leg reused"``). Used by the engine tests.
    """
    opts = dict(task.options)
    if task.leg.kind == "chart":  # per-leg behaviour: the chart's entries
        opts.update(task.leg.value)
    t0 = time.perf_counter()
    row = base_row(task)
    row["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    time.sleep(float(opts.get("sleep", 0.0)))
    if opts.get("crash") or opts.get("crash_index", -1) == task.index:
        os._exit(13)
    once = opts.get("crash_once_file")
    if once and not os.path.exists(once):
        open(once, "w").close()  # noqa: SIM115 - a marker file, closed at once
        os._exit(13)
    if opts.get("use_leg"):
        reused = _LAST_LEG.key is not None and _LAST_LEG.key == _source_key(task.leg)
        row["n_vertices"] = cached_task_leg(task.leg).n_vertices
        row["warnings"] = "leg reused" if reused else "leg loaded"
    try:
        if opts.get("fail"):
            raise ValueError(f"probe failure in task {task.index}")
        row["pressure_B_mmhg"] = float(task.index)
    except ValueError as exc:
        row.update(_error_fields(exc, "simulate"))
    row["total_s"] = time.perf_counter() - t0
    row["worker_peak_rss_mb"] = _peak_rss_mb()
    row["finished_utc"] = _utc_now()
    return row
