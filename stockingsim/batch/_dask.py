"""The Dask engine of :func:`stockingsim.run_batch` and its local cluster (private)."""

from __future__ import annotations

import contextlib
import logging
import os
import time
import uuid
from collections import deque

from stockingsim import errors
from stockingsim.batch._engines import GUARD_HINT, hidden_main_module
from stockingsim.batch._worker import Task, error_row, run_tasks

__all__ = [
    "DASK_WORKER_CONFIG",
    "DASK_WORKER_ENVIRON",
    "local_cluster",
    "restored_environ",
    "run_dask",
    "run_group",
    "default_workers",
    "group_size",
]


#: how often run_dask looks at the cluster while it waits, and how long a cluster may have no
#: worker at all while tasks wait before the batch stops with a BatchError (seconds)
POLL_S = 2.0
STALL_S = 60.0

#: tasks per Dask task. Each Dask task costs milliseconds of scheduling in the client, the
#: scheduler and the worker (measured here: 24 tasks of 0.11 s pure CPU on a 2-worker
#: ``local_cluster`` took 1.40-1.48 s, against 1.32 s of work); a group of tasks shares that
#: cost. A group holds at most ``MAX_GROUP`` tasks, and every worker thread still gets at
#: least ``GROUPS_PER_THREAD`` groups, so that the load stays balanced to the end.
MAX_GROUP = 4
GROUPS_PER_THREAD = 4


def default_workers() -> int:
    """The CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


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


#: Dask settings of the cluster that :func:`local_cluster` starts (its scheduler, nannies and
#: workers). Each worker samples the stack of its task thread every 10 ms for the dashboard's
#: profile; on a 26k-vertex task (~0.35 s of NumPy) that sampling and its bookkeeping cost CPU
#: the task then waits for (measured here: Dask 1.13 x the process pool's wall time with it).
#: The profile is off; the dashboard's task stream and progress still work. The housekeeping
#: timers are slowed: the event-loop health check (every 20 ms by default), the system monitor
#: (500 ms; the dashboard's CPU and memory plots) and the memory monitor (100 ms; it still
#: pauses and restarts a worker near its memory limit, within half a second). Idle, the
#: default timers took 2.5-2.8 % of a core in each worker and 7.1-7.3 % in the process that
#: runs the scheduler and the nannies; with these, 0.3 % and 1.3 % (measured here, 2 workers):
#: on a 2-core machine that is about 5 % of the CPU given back to the tasks.
DASK_WORKER_CONFIG: dict[str, object] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "10s",
    "distributed.worker.memory.monitor-interval": "500ms",
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
    Starting a cluster takes seconds, so this is shown, not run (tests/test_batch_dask.py runs it)::

        import stockingsim as ss
        from stockingsim.batch import local_cluster

        with local_cluster(2) as cluster:
            table = ss.run_batch(["meshes/anny_f_avg.ply"], ss.BatchDesign("circular class II",
                                 "RAL-GZ 387:II"), engine="dask", address=cluster, out=None)
    """
    try:
        import dask
        from distributed import LocalCluster
    except ImportError as exc:
        raise errors.missing_dependency("engine='dask'", "distributed", "dask") from exc
    options = dict(
        n_workers=n_workers or default_workers(),
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
    environ.update(DASK_WORKER_CONFIG)
    # each nanny reads the config when it is created, but lets a variable already in this
    # process's environment win, and leaves its whole pre-spawn environment behind in
    # os.environ (where later process pools would inherit it): set ours, then restore
    with restored_environ(), dask.config.set(environ), hidden_main_module():
        os.environ.update({name: str(value) for name, value in DASK_WORKER_ENVIRON.items()})
        try:
            return LocalCluster(**options)
        except (RuntimeError, OSError, TimeoutError) as exc:  # "Nanny failed to start", ...
            raise errors.BatchError(
                f"the Dask workers could not start ({type(exc).__name__}: {exc}); no task was "
                f"run or stored. {GUARD_HINT}"
            ) from exc


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


def group_size(n_tasks: int, n_threads: int) -> int:
    """Tasks per Dask task for ``n_tasks`` on ``n_threads`` worker threads (1 to MAX_GROUP)."""
    return max(1, min(MAX_GROUP, n_tasks // (GROUPS_PER_THREAD * max(1, n_threads))))


def run_group(fn, tasks: list[Task]) -> list[dict]:
    """One Dask task: the rows of ``fn`` on each task in turn (an exception becomes its row).

    A cluster outlives the batch: its workers keep no leg after a group (:func:`run_tasks`).
    """
    return run_tasks(fn, tasks)


def run_dask(tasks, fn, record, *, workers, address, **_) -> None:
    """Dask: a Client on ``address`` (or a given Client), else a LocalCluster for this call."""
    try:
        from distributed import Client, wait
    except ImportError as exc:
        raise errors.missing_dependency("engine='dask'", "distributed", "dask") from exc

    with contextlib.ExitStack() as stack:
        stack.enter_context(restored_environ())  # a restarted worker's nanny writes there too
        if isinstance(address, Client):
            client = address
        elif address is None:
            # our own cluster's (re)started workers must not re-run the main script; a cluster
            # the caller gave is theirs, and its nanny must be free to restart its workers
            stack.enter_context(hidden_main_module())
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
        tasks = list(tasks)
        size = group_size(len(tasks), nthreads)
        pending = deque(tasks[i : i + size] for i in range(0, len(tasks), size))
        started: dict[str, tuple[list[Task], float]] = {}

        def submit(group: list[Task]):
            key = f"stockingsim-task-{group[0].key}-{len(group)}-{nonce}"
            started[key] = (group, time.perf_counter())
            return client.submit(run_group, fn, group, key=key, pure=False, retries=0)

        def finished(active: set) -> set:
            """The futures of ``active`` that are done, waiting until one is.

            A cluster that has had no worker for ``STALL_S`` while tasks wait fails with a
            BatchError (the rows recorded so far stay in the output).
            """
            since = None
            while True:
                try:
                    done, _ = wait(list(active), timeout=POLL_S, return_when="FIRST_COMPLETED")
                except Exception as exc:  # noqa: BLE001 - TimeoutError (its class varies by release)
                    if "Timeout" not in type(exc).__name__:
                        raise
                    done = set()
                if done:
                    return set(done)
                if client.nthreads():
                    since = None
                    continue
                since = time.perf_counter() if since is None else since
                if time.perf_counter() - since > STALL_S:
                    raise errors.BatchError(
                        f"the Dask cluster has had no worker for {STALL_S:.0f} s while "
                        f"{len(active)} task(s) wait (a task may have killed its worker and "
                        "the nanny could not restart it). The rows computed so far are saved: "
                        "start workers on the cluster (or leave address out to use a local "
                        "one) and run the same call again to resume."
                    )

        def run(batch: deque[list[Task]], width: int, suspects: list[Task] | None) -> None:
            active = {submit(batch.popleft()) for _ in range(min(width, len(batch)))}
            while active:
                for future in finished(active):
                    active.discard(future)
                    group, t0 = started.pop(future.key)
                    try:
                        rows = future.result()
                    except Exception as exc:  # noqa: BLE001 - KilledWorker, lost connection, ...
                        # a dying worker takes down every task it holds; re-run those alone later
                        if suspects is not None and type(exc).__name__ == "KilledWorker":
                            suspects.extend(group)
                            rows = []
                        else:
                            elapsed = time.perf_counter() - t0
                            rows = [error_row(task, exc, "worker", elapsed) for task in group]
                    for row in rows:
                        record(row)
                    future.release()
                    if batch:
                        active.add(submit(batch.popleft()))

        suspects: list[Task] = []
        run(pending, limit, suspects)
        run(deque([task] for task in suspects), 1, None)
