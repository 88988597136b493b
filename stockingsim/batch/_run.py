"""Implementation of :func:`stockingsim.batch.run_batch` (private; the API is in ``__init__``)."""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import hashlib
import json
import logging
import math
import os
import pickle
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors
from stockingsim import vocabulary as vocab
from stockingsim._checks import as_fabric
from stockingsim.batch._store import ResultStore, normalize
from stockingsim.batch._worker import COLUMNS, LegSource, Task, error_row, run_task

__all__ = [
    "Design",
    "run_batch",
    "local_cluster",
    "restored_environ",
    "DASK_WORKER_ENVIRON",
    "COLUMNS",
    "ENGINES",
    "MESH_SUFFIXES",
]

#: the engines :func:`run_batch` accepts
ENGINES: tuple[str, ...] = ("processes", "serial", "dask")
#: file name endings taken as leg meshes when a folder is given
MESH_SUFFIXES: tuple[str, ...] = (".ply", ".stl", ".obj", ".off", ".glb", ".gltf")
#: bump when a change to the pipeline makes earlier rows wrong (it invalidates resume keys)
_KEY_VERSION = "stockingsim-batch-1"
_DEFAULT_STANDARD = vocab.DEFAULT_STANDARD

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Design:
    """A stocking to be designed for each leg of a batch: fabric + target (+ style and method).

    For every leg, the batch calls :func:`stockingsim.design_stocking` with these arguments and
    simulates the stocking it returns, so one ``Design`` gives a made-to-measure stocking per leg.

    Parameters
    ----------
    fabric : Fabric or str
        The knit, or the name of a preset in :func:`stockingsim.fabric_library`.
    target : str or mapping
        ``"RAL-GZ 387:II"`` (standard:class) or explicit pressures ``{"B": 28.0, ...}`` in mmHg.
    style : str
        ``"AD"`` (knee-high), ``"AF"``, ``"AG"`` or ``"AT"``.
    method : str
        Pressure law used to invert the design (passed to ``design_stocking``).
    name : str, optional
        Label in the ``stocking_name`` column.

    Examples
    --------
    >>> from stockingsim.batch import Design
    >>> d = Design(fabric="x", target="RAL-GZ 387:II", _resolve=False)
    >>> d.standard
    'RAL-GZ 387'
    """

    fabric: Any
    target: Any = vocab.DEFAULT_TARGET
    style: str = "AD"
    method: str = "laplace"
    name: str | None = None
    _resolve: dataclasses.InitVar[bool] = True

    def __post_init__(self, _resolve: bool) -> None:
        if isinstance(self.fabric, str) and _resolve:
            object.__setattr__(self, "fabric", _library_fabric(self.fabric))
        if isinstance(self.target, Mapping):
            object.__setattr__(self, "target", dict(self.target))
        elif not isinstance(self.target, str):
            raise errors.BatchError(
                f"Design target must be 'STANDARD:CLASS' (e.g. 'RAL-GZ 387:II') or a mapping "
                f"landmark -> mmHg, not {type(self.target).__name__}."
            )

    @property
    def standard(self) -> str:
        """The standard named in the target, or RAL-GZ 387 for explicit pressures."""
        from stockingsim.standards import split_target

        if isinstance(self.target, str) and ":" in self.target:
            return split_target(self.target)[0]
        return _DEFAULT_STANDARD

    def build(self, leg):
        """Design the stocking for one leg (:func:`stockingsim.design_stocking`)."""
        from stockingsim.design import design_stocking

        stocking, _spec = design_stocking(
            leg, self.fabric, self.target, method=self.method, style=self.style
        )
        return stocking

    def __hash__(self) -> int:  # target may be a dict
        return hash((id(self.fabric), _target_key(self.target), self.style, self.method))


def _library_fabric(name: str):
    try:
        return as_fabric(name, "Design")
    except errors.FabricError as exc:
        raise errors.BatchError(str(exc)) from None


def _target_key(target: Any) -> str:
    if isinstance(target, Mapping):
        return json.dumps({str(k): float(v) for k, v in target.items()}, sort_keys=True)
    return str(target)


# ----------------------------------------------------------------------------------------------
# content keys
def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_SAMPLE_HEIGHTS_M = np.linspace(0.0, 1.2, 121)


def _canonical(obj: Any, depth: int = 0) -> Any:
    """A JSON-able description of a stocking's parameters, stable across processes."""
    if depth > 6:
        return repr(type(obj))
    if obj is None or isinstance(obj, str | bool):
        return obj
    if isinstance(obj, int | float | np.integer | np.floating):
        value = float(obj)
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(obj, np.ndarray):
        return _sha256(np.ascontiguousarray(obj).tobytes()) + str(obj.shape)
    if hasattr(obj, "to_json") and callable(obj.to_json):  # Fabric
        try:
            return {"to_json": _sha256(str(obj.to_json()).encode())}
        except Exception:  # noqa: BLE001 - fall back to the fields
            pass
    if isinstance(obj, Mapping):
        return {str(k): _canonical(v, depth + 1) for k, v in sorted(obj.items(), key=str)}
    if isinstance(obj, list | tuple):
        return [_canonical(v, depth + 1) for v in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {
            "type": type(obj).__qualname__,
            **{
                f.name: _canonical(getattr(obj, f.name), depth + 1)
                for f in dataclasses.fields(obj)
                if not f.name.startswith("_")
            },
        }
    if callable(obj) and not isinstance(obj, type):
        # a relaxed circumference given as f(h): its values on a height grid identify it
        try:
            values = np.asarray(obj(_SAMPLE_HEIGHTS_M), dtype=float)
            return {"samples": _sha256(values.tobytes())}
        except Exception:  # noqa: BLE001
            return {"callable": getattr(obj, "__qualname__", repr(obj))}
    fields = getattr(obj, "__dict__", None)
    if fields:
        return {
            "type": type(obj).__qualname__,
            **{
                k: _canonical(v, depth + 1)
                for k, v in sorted(fields.items())
                if not k.startswith("_")
            },
        }
    return repr(obj)


def _spec_key(spec: Any) -> str:
    text = json.dumps(_canonical(spec), sort_keys=True)
    return _sha256(text.encode())[:24]


# ----------------------------------------------------------------------------------------------
# arguments -> tasks
def _is_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _leg_sources(legs: Any, units: str, stage_dir: Callable[[], Path], inline: bool) -> list:
    if isinstance(legs, str | os.PathLike | Mapping) or hasattr(legs, "vertices"):
        legs = [legs]
    sources: list[LegSource] = []
    for item in legs:
        if isinstance(item, str | os.PathLike):
            text = os.fspath(item)
            if _is_glob(text):
                paths = sorted(Path(p) for p in glob.glob(text, recursive=True))
                paths = [p for p in paths if p.is_file()]
                if not paths:
                    raise errors.BatchError(f"no leg file matches {text!r}; check the pattern.")
            elif Path(text).is_dir():
                paths = sorted(p for p in Path(text).iterdir() if p.suffix.lower() in MESH_SUFFIXES)
                if not paths:
                    raise errors.BatchError(
                        f"the folder {text} holds no mesh file ({', '.join(MESH_SUFFIXES)})."
                    )
            else:
                paths = [Path(text)]
            for path in paths:
                if not path.is_file():
                    raise errors.BatchError(f"leg file {path} does not exist; check the path.")
                sources.append(
                    LegSource(
                        "path", str(path.resolve()), path.stem, _file_sha256(path), units=units
                    )
                )
        elif isinstance(item, Mapping):
            chart = {str(k): float(v) for k, v in item.items()}
            sha = _sha256(json.dumps(chart, sort_keys=True).encode())
            sources.append(LegSource("chart", chart, f"chart-{sha[:8]}", sha))
        elif hasattr(item, "vertices") and hasattr(item, "faces"):
            sources.append(_leg_object_source(item, stage_dir, inline))
        else:
            raise errors.BatchError(
                f"cannot use {type(item).__name__} as a leg: give mesh paths, glob patterns, "
                "folders, Leg objects or parametric charts (dicts in cm)."
            )
    return sources


def _leg_object_source(leg: Any, stage_dir: Callable[[], Path], inline: bool) -> LegSource:
    vertices = np.ascontiguousarray(leg.vertices, dtype=np.float64)
    faces = np.ascontiguousarray(leg.faces, dtype=np.int64)
    sha = getattr(leg, "source_hash", None) or _sha256(vertices.tobytes() + faces.tobytes())
    overrides: tuple[tuple[str, float], ...] = ()
    with contextlib.suppress(Exception):  # a leg too broken for landmarks fails in the worker
        overrides = tuple(
            (name, float(lm.height_m))
            for name, lm in leg.landmarks.items()
            if not getattr(lm, "detected", True)
        )
    name = str(getattr(leg, "name", None) or f"leg-{sha[:8]}")
    if inline:
        return LegSource("arrays", (vertices, faces), name, sha, landmarks=overrides)
    path = stage_dir() / f"leg-{sha[:16]}-{uuid.uuid4().hex[:6]}.npz"
    np.savez(path, vertices=vertices, faces=faces)
    return LegSource("npz", str(path), name, sha, landmarks=overrides)


def _specs(stockings_or_designs: Any) -> list:
    items = stockings_or_designs
    if _is_spec(items) or _is_design_pair(items):
        items = [items]
    specs = []
    for item in items:
        if isinstance(item, Design):
            specs.append(item)
        elif _is_design_pair(item):
            specs.append(Design(item[0], item[1]))
        elif _is_spec(item):
            specs.append(item)
        else:
            raise errors.BatchError(
                f"cannot use {type(item).__name__} as a stocking: give Stocking objects, "
                "Design(fabric, target) or (fabric, target) pairs such as "
                "(fabric_library()['<name>'], 'RAL-GZ 387:II')."
            )
    if not specs:
        raise errors.BatchError("no stocking or design given; nothing to run.")
    return specs


def _is_spec(obj: Any) -> bool:
    return isinstance(obj, Design) or (
        hasattr(obj, "fabric") and hasattr(obj, "relaxed_circumference_m")
    )


def _is_design_pair(obj: Any) -> bool:
    return (
        isinstance(obj, tuple)
        and len(obj) == 2
        and (isinstance(obj[0], str) or hasattr(obj[0], "tension"))
        and isinstance(obj[1], str | Mapping)
    )


def _task_key(leg: LegSource, spec_key: str, method: str, standard: str, options) -> str:
    text = json.dumps(
        [
            _KEY_VERSION,
            leg.sha256,
            leg.units,
            list(leg.landmarks),
            spec_key,
            method,
            standard,
            _canonical(dict(options)),
        ],
        sort_keys=True,
    )
    return _sha256(text.encode())[:32]


def make_tasks(
    legs: Any,
    stockings_or_designs: Any,
    methods: Sequence[str] | str = ("membrane",),
    *,
    standard: str | None = None,
    options: Mapping[str, Any] | None = None,
    leg_units: str = "auto",
    stage_dir: Callable[[], Path] | None = None,
    inline_legs: bool = False,
    run_id: str = "",
) -> list[Task]:
    """The tasks of a batch, in order leg x stocking/design x method, without duplicates.

    Parameters are those of :func:`run_batch`. Two tasks with the same content key (same leg file
    bytes, same stocking parameters, method, standard and options) are run once.
    """
    if isinstance(methods, str):
        methods = [methods]
    methods = [str(m) for m in methods]
    if not methods:
        raise errors.BatchError("methods is empty; give at least one, e.g. ['membrane'].")
    if stage_dir is None:
        made: list[Path] = []

        def stage_dir() -> Path:  # only Leg objects need it: created on first use
            if not made:
                made.append(Path(tempfile.mkdtemp(prefix="stockingsim-batch-")))
            return made[0]

    sources = _leg_sources(legs, leg_units, stage_dir, inline_legs)
    specs = [(spec, _spec_key(spec)) for spec in _specs(stockings_or_designs)]
    opts = tuple(sorted((options or {}).items()))
    tasks: list[Task] = []
    seen: set[str] = set()
    for source in sources:
        for spec, skey in specs:
            std = standard or (spec.standard if isinstance(spec, Design) else _DEFAULT_STANDARD)
            for method in methods:
                key = _task_key(source, skey, method, std, opts)
                if key in seen:
                    continue
                seen.add(key)
                tasks.append(Task(key, len(tasks), run_id, source, spec, skey, method, std, opts))
    return tasks


# ----------------------------------------------------------------------------------------------
# engines: each calls `record(row)` once per task and never raises for a task's failure
def _run_serial(tasks, fn, record, **_) -> None:
    for task in tasks:
        t0 = time.perf_counter()
        try:
            row = fn(task)
        except Exception as exc:  # noqa: BLE001 - fn is meant never to raise; belt and braces
            row = error_row(task, exc, "worker", time.perf_counter() - t0)
        record(row)


def _mp_context():
    import multiprocessing as mp

    methods = mp.get_all_start_methods()
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        # workers fork from a server that has already imported the pipeline: cheap respawns
        ctx.set_forkserver_preload(
            ["stockingsim.batch", "stockingsim.leg", "stockingsim.solvers", "stockingsim.design"]
        )
        return ctx
    return mp.get_context("spawn")


def _run_processes(tasks, fn, record, *, workers, max_tasks_per_child, **_) -> None:
    """Process pool with bounded submission; a crashed worker costs one error row, not the batch.

    When a worker dies (segfault, out of memory, os._exit) every task in flight is suspect; they
    are re-run one at a time, and a task that kills its worker again gets an error row.
    """
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = _mp_context()
    stack = contextlib.ExitStack()
    stack.enter_context(_one_thread_per_worker())
    stack.enter_context(_hide_unreal_main_file())

    def new_pool():
        return ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, max_tasks_per_child=max_tasks_per_child
        )

    pending = deque(tasks)
    suspects: deque[Task] = deque()  # in flight when a worker died: re-run one at a time
    inflight: dict[Any, tuple[Task, float]] = {}
    limit = 2 * workers
    pool = new_pool()
    solo = None  # the future of a suspect running alone
    restarts = 0
    try:
        while pending or suspects or inflight:
            if solo is None and suspects:
                if not inflight:
                    task = suspects.popleft()
                    try:
                        solo = pool.submit(fn, task)
                        inflight[solo] = (task, time.perf_counter())
                    except BrokenProcessPool:
                        suspects.appendleft(task)
            elif solo is None:
                while pending and len(inflight) < limit:
                    task = pending.popleft()
                    try:
                        inflight[pool.submit(fn, task)] = (task, time.perf_counter())
                    except BrokenProcessPool:  # a worker died while idle (e.g. OOM killer)
                        pending.appendleft(task)
                        break
            if not inflight:  # the pool broke with nothing in flight: just start a new one
                restarts += 1
                if restarts > 3:
                    raise errors.BatchError(
                        "the worker processes keep dying before they run anything; try "
                        "engine='serial' to see the error, or fewer workers if memory is short."
                    )
                pool.shutdown(wait=False, cancel_futures=True)
                pool = new_pool()
                continue
            restarts = 0
            done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                task, t0 = inflight.pop(future)
                try:
                    record(future.result())
                except BrokenProcessPool as exc:
                    broken = True
                    if future is solo:  # it ran alone and its worker died: it is the culprit
                        record(
                            error_row(task, _WorkerDied(exc), "worker", time.perf_counter() - t0)
                        )
                    else:
                        suspects.append(task)
                except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be unpickled
                    record(error_row(task, exc, "worker", time.perf_counter() - t0))
                if future is solo:
                    solo = None
            if broken:
                suspects.extend(task for task, _t0 in inflight.values())
                inflight.clear()
                solo = None
                pool.shutdown(wait=False, cancel_futures=True)
                pool = new_pool()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        stack.close()


@contextlib.contextmanager
def _hide_unreal_main_file():
    """Let ``python - < script`` use the pool: its ``__main__.__file__`` is ``"<stdin>"``.

    New workers re-run the main script by path (multiprocessing's spawn/forkserver rule); a
    path that does not exist would kill every worker at start-up, so it is hidden while the
    pool lives (workers then start without the main module, as for ``python -c``).
    """
    import sys

    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    hide = isinstance(path, str) and not os.path.exists(path)
    if hide:
        del main.__file__
    try:
        yield
    finally:
        if hide:
            main.__file__ = path


_THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


@contextlib.contextmanager
def _one_thread_per_worker():
    """One BLAS/OpenMP thread per worker process while the pool lives (as Dask's nanny does).

    Several workers each running a BLAS thread pool on the same cores oversubscribe them; the
    variables are read when a new interpreter loads numpy, so they must be set before the
    workers (or the forkserver) start. Variables the user set are left alone.
    """
    added = [name for name in _THREAD_VARS if name not in os.environ]
    for name in added:
        os.environ[name] = "1"
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


class _WorkerDied(RuntimeError):
    def __init__(self, exc: BaseException):
        super().__init__(
            "the worker process died while running this task (crash, out of memory or killed); "
            f"it was re-run alone and died again ({exc})"
        )


#: environment of the Dask workers that :func:`local_cluster` starts (glibc malloc settings).
#: Dask's nanny sets ``MALLOC_TRIM_THRESHOLD_=65536`` to hand freed memory back to the system at
#: once; any explicit malloc setting also switches off glibc's dynamic mmap threshold, so every
#: array over 128 KiB is then mmap-ed and page-faulted anew: the whole pipeline took 0.82 s of
#: CPU per 26k-vertex leg instead of 0.46 s (measured here). A fixed 32 MiB mmap threshold (the
#: ceiling of glibc's dynamic one on 64-bit) with a 64 MiB trim threshold restores the default
#: speed (0.455 s) and still returns large blocks to the system.
DASK_WORKER_ENVIRON: dict[str, int] = {
    "MALLOC_MMAP_THRESHOLD_": 32 * 2**20,
    "MALLOC_TRIM_THRESHOLD_": 64 * 2**20,
}


def local_cluster(n_workers: int | None = None, **kwargs):
    """A ``dask.distributed.LocalCluster`` set up for stockingsim batches.

    One thread per worker process (the pipeline is NumPy-bound and holds the GIL between calls),
    no logs below CRITICAL, a dashboard on a free port, and the worker environment of
    :data:`DASK_WORKER_ENVIRON` (without it, Dask's default malloc setting makes every task
    about 1.8 x slower). :func:`run_batch` with ``engine="dask"`` and no ``address`` uses it;
    start one yourself to keep a cluster for several batches.

    Parameters
    ----------
    n_workers : int, optional
        Worker processes; default: one per core.
    **kwargs
        Passed to ``LocalCluster`` (they override the settings above).

    Returns
    -------
    distributed.LocalCluster
        Use it as a context manager, or call ``close()``.

    Examples
    --------
    >>> import stockingsim as ss
    >>> from stockingsim.batch import local_cluster
    >>> with local_cluster(2) as cluster:  # doctest: +SKIP
    ...     table = ss.run_batch(["meshes/anny_f_avg.ply"], ss.Design("circular class II",
    ...                          "RAL-GZ 387:II"), engine="dask", address=cluster, out=None)
    """
    try:
        import dask
        from distributed import LocalCluster
    except ImportError as exc:
        raise errors.missing_dependency("engine='dask'", "distributed", "dask") from exc
    options = dict(
        n_workers=n_workers or _default_workers(),
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.CRITICAL,
    )
    options.update(kwargs)
    environ = {
        f"distributed.nanny.pre-spawn-environ.{name}": value
        for name, value in DASK_WORKER_ENVIRON.items()
    }
    # each nanny reads the config when it is created, but lets a variable already in this
    # process's environment win, and leaves its whole pre-spawn environment behind in
    # os.environ (where later process pools would inherit it): set ours, then restore
    with restored_environ(), dask.config.set(environ), _hide_unreal_main_file():
        os.environ.update({name: str(value) for name, value in DASK_WORKER_ENVIRON.items()})
        return LocalCluster(**options)


@contextlib.contextmanager
def restored_environ():
    """Give ``os.environ`` back as it was on entry.

    Dask's nanny writes its workers' variables into the parent process's environment when it
    starts them, and never removes them.
    """
    saved = dict(os.environ)
    try:
        yield
    finally:
        for name in set(os.environ) - set(saved):
            del os.environ[name]
        for name, value in saved.items():
            if os.environ.get(name) != value:
                os.environ[name] = value


def _run_dask(tasks, fn, record, *, workers, address, **_) -> None:
    """Dask: a Client on ``address`` (or a given Client), else a LocalCluster for this call."""
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise errors.missing_dependency("engine='dask'", "distributed", "dask") from exc

    with contextlib.ExitStack() as stack:
        stack.enter_context(restored_environ())  # a restarted worker's nanny writes there too
        if isinstance(address, Client):
            client = address
        elif address is None:
            cluster = stack.enter_context(local_cluster(workers))
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(address, timeout="30s"))
            except OSError as exc:
                raise errors.BatchError(
                    f"cannot reach the Dask scheduler at {address!r}: {exc}. "
                    "Check the address or leave it out to start a local cluster."
                ) from exc
        nthreads = max(1, sum(client.nthreads().values()))
        limit = 2 * nthreads
        nonce = uuid.uuid4().hex[:8]
        pending = deque(tasks)
        started: dict[str, tuple[Task, float]] = {}

        def submit(task: Task):
            key = f"stockingsim-task-{task.key}-{nonce}"
            started[key] = (task, time.perf_counter())
            return client.submit(fn, task, key=key, pure=False, retries=0)

        def run(batch: deque[Task], width: int, suspects: list[Task] | None) -> None:
            first = [submit(batch.popleft()) for _ in range(min(width, len(batch)))]
            queue = as_completed(first)
            for future in queue:
                task, t0 = started.pop(future.key)
                try:
                    record(future.result())
                except Exception as exc:  # noqa: BLE001 - KilledWorker, lost connection, ...
                    # a dying worker takes down every task it holds; re-run those alone later
                    if suspects is not None and type(exc).__name__ == "KilledWorker":
                        suspects.append(task)
                    else:
                        record(error_row(task, exc, "worker", time.perf_counter() - t0))
                future.release()
                if batch:
                    queue.add(submit(batch.popleft()))

        suspects: list[Task] = []
        run(pending, limit, suspects)
        run(deque(suspects), 1, None)


_ENGINE_FUNCS = {"serial": _run_serial, "processes": _run_processes, "dask": _run_dask}


def _default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def _new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:8]


# ----------------------------------------------------------------------------------------------
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
    stockings_or_designs : Stocking, Design, (fabric, target) pair, or a list of them
        Fixed stockings are simulated as they are; a :class:`Design` (or a ``(fabric, target)``
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
        Tasks before a pool worker is replaced (keeps memory flat over long batches).

    Returns
    -------
    pandas.DataFrame
        One row per task of this call, in order leg x stocking x method (columns in
        :data:`COLUMNS`: identifiers, landmark heights/circumferences/relaxed circumferences in
        cm, strains, pressures in mmHg, ``ankle_class``, ``class_ok``, ``gradient_ok``,
        timings in s, ``worker_peak_rss_mb``, ``error`` (empty when the task worked)).
        ``table.attrs`` holds ``computed``, ``skipped``, ``errors``, ``run_id``, ``elapsed_s``
        and ``out``. The file ``out`` holds these rows plus any other rows it held before.

    Raises
    ------
    stockingsim.errors.BatchError
        Bad arguments (unknown engine, no legs, missing files, unwritable output); failures of
        single tasks never raise, they become error rows.

    Examples
    --------
    >>> import stockingsim as ss
    >>> table = ss.run_batch("meshes/*.ply", [("<fabric>", "RAL-GZ 387:II")],
    ...                      methods=["membrane"], out="results.parquet")  # doctest: +SKIP
    >>> table[["leg_name", "pressure_B_mmhg", "ankle_class", "error"]]  # doctest: +SKIP
    """
    t_start = time.perf_counter()
    if engine not in ENGINES:
        raise errors.BatchError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}.")
    if workers is not None and (int(workers) != workers or workers < 1):
        raise errors.BatchError(f"workers must be a positive integer, not {workers!r}.")
    if address is not None and engine != "dask":
        raise errors.BatchError("address is only used with engine='dask'; add engine='dask'.")
    workers = int(workers) if workers is not None else _default_workers()
    run_id = _new_run_id()
    fn = _task_fn or run_task

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
        )
        if not tasks:
            raise errors.BatchError("no legs given; nothing to run.")
        if engine == "processes":
            _check_picklable(tasks)
        store = ResultStore(out, run_id, flush_every=flush_every, resume=resume)
        done = store.done_keys(retry_errors) if resume else set()
        todo = [t for t in tasks if t.key not in done]
        n_errors = 0
        bar = _progress_bar(len(todo), len(tasks) - len(todo), progress)

        def record(row: dict) -> None:
            nonlocal n_errors
            store.add(row)
            n_errors += bool(row.get("error"))
            bar.update(1)
            if n_errors:
                bar.set_postfix(errors=n_errors, refresh=False)

        try:
            if todo:
                n_workers = max(1, min(workers, len(todo)))
                _ENGINE_FUNCS[engine](
                    todo,
                    fn,
                    record,
                    workers=n_workers,
                    address=address,
                    max_tasks_per_child=max_tasks_per_child,
                )
            table = store.finish()
        finally:
            bar.close()
            store.close()

    order = {t.key: t.index for t in tasks}
    mine = table[table["task_key"].isin(order.keys())].copy()
    mine["task_index"] = mine["task_key"].map(order).astype("Int64")
    mine = normalize(mine.sort_values("task_index"))
    mine.attrs.update(
        computed=len(todo),
        skipped=len(tasks) - len(todo),
        errors=int((mine["error"] != "").sum()),
        run_id=run_id,
        elapsed_s=time.perf_counter() - t_start,
        out=None if out is None else str(out),
    )
    return mine


def _check_picklable(tasks: Iterable[Task]) -> None:
    seen: set[str] = set()
    for task in tasks:
        if task.spec_key in seen:
            continue
        seen.add(task.spec_key)
        try:
            pickle.dumps(task.spec)
        except Exception as exc:  # noqa: BLE001 - lambdas, local functions, open files...
            raise errors.BatchError(
                f"the stocking {getattr(task.spec, 'name', None) or task.spec_key} cannot be sent "
                f"to worker processes ({exc}). Define its relaxed circumference as a number, a "
                "mapping or a module-level function, or use engine='serial' or engine='dask'."
            ) from exc


def _progress_bar(total: int, skipped: int, enabled: bool):
    from tqdm.auto import tqdm

    desc = "stockingsim batch" + (f" ({skipped} done before)" if skipped else "")
    return tqdm(total=total, desc=desc, unit="task", disable=not enabled, dynamic_ncols=True)
