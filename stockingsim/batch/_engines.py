"""The serial and process-pool engines of :func:`stockingsim.run_batch` (private).

Each engine calls ``record(row)`` once per task and never raises for a task's failure. Failures
of the machinery itself (worker processes that cannot start) raise
:class:`~stockingsim.errors.BatchError` before any row is stored.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections import deque
from typing import Any

from stockingsim import errors
from stockingsim.batch._worker import Task, error_row, forget_task_leg, leg_key, run_tasks

__all__ = ["run_serial", "run_processes", "hidden_main_module", "GUARD_HINT"]

#: what to tell a user whose script starts a batch at import time
GUARD_HINT = (
    'If this runs from a script, put the batch under `if __name__ == "__main__":` '
    "(worker processes may import the main module), or use engine='serial'."
)
_START_TIMEOUT_S = 300.0  # a first worker imports numpy, scipy, trimesh: seconds, not minutes


def run_serial(tasks, fn, record, **_) -> None:
    """Run the tasks one after the other in this process.

    The last leg loaded is dropped at the end: the caller's process does not keep it.
    """
    try:
        for task in tasks:
            t0 = time.perf_counter()
            try:
                row = fn(task)
            except Exception as exc:  # noqa: BLE001 - fn is meant never to raise; belt and braces
                row = error_row(task, exc, "worker", time.perf_counter() - t0)
            record(row)
    finally:
        forget_task_leg()


def _mp_context():
    import multiprocessing as mp

    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        # workers fork from a server that has already imported the pipeline: cheap respawns;
        # the lifeline module goes first: the server then dies with this process. The mesh
        # reader (trimesh and the optional packages it imports) and the fabric, stocking and
        # standards modules are imported lazily by a task: preloaded here, a new worker's first
        # task does not pay ~0.3 s of imports (and a worker renewed every max_tasks_per_child
        # tasks does not pay them again)
        ctx.set_forkserver_preload(
            [
                "stockingsim.batch._lifeline",
                "stockingsim.batch",
                "stockingsim.leg",
                "stockingsim.solvers",
                "stockingsim.design",
                "stockingsim.fabric",
                "stockingsim.stocking",
                "stockingsim.standards",
                "trimesh",
                "trimesh.exchange.ply",
                "trimesh.exchange.off",
            ]
        )
        return ctx
    return mp.get_context("spawn")


def _ping() -> int:
    return os.getpid()


class _Pool:
    """A ProcessPoolExecutor that is known to have started, replaced when it breaks."""

    def __init__(self, workers: int, max_tasks_per_child: int):
        self.workers = workers
        self.max_tasks_per_child = max_tasks_per_child
        self.ctx = _mp_context()
        self.executor = None
        self.renew()

    def renew(self) -> None:
        """Shut the current pool down (if any) and start a new one; check that it works."""
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        from stockingsim.batch._lifeline import worker_initializer

        self.shutdown()
        last: BaseException | None = None
        for _attempt in range(2):
            try:
                self.executor = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=self.ctx,
                    max_tasks_per_child=self.max_tasks_per_child,
                    initializer=worker_initializer,
                    initargs=(os.getpid(),),
                )
                self.executor.submit(_ping).result(timeout=_START_TIMEOUT_S)
                return
            except (BrokenProcessPool, TimeoutError, OSError) as exc:
                last = exc
                self.shutdown()
        raise errors.BatchError(
            f"the batch's worker processes could not start ({type(last).__name__}: {last}); no "
            f"task was run or stored. {GUARD_HINT}"
        ) from last

    def shutdown(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = None


class _WorkerDied(RuntimeError):
    def __init__(self, exc: BaseException):
        super().__init__(
            "the worker process died while running this task (crash, out of memory or killed); "
            f"it was re-run alone and died again ({exc})"
        )


#: a pool job holds consecutive tasks on one leg (loaded once), at most this many, and only as
#: many as leave every worker ``JOBS_PER_WORKER`` jobs, so that the load stays balanced
MAX_JOB = 16
JOBS_PER_WORKER = 4


def leg_jobs(tasks: list[Task], workers: int) -> list[list[Task]]:
    """The tasks cut into pool jobs: runs of consecutive tasks on the same leg.

    A worker keeps the last leg it loaded, but the pool hands each job to whichever worker is
    free, so a leg's tasks sent one by one would be loaded by every worker in turn. A job of a
    leg's tasks loads it once. Jobs hold at most ``MAX_JOB`` tasks, and fewer when the batch is
    short: every worker still gets about ``JOBS_PER_WORKER`` jobs.
    """
    size = max(1, min(MAX_JOB, -(-len(tasks) // (JOBS_PER_WORKER * max(1, workers)))))
    jobs: list[list[Task]] = []
    last = None
    for task in tasks:
        key = leg_key(task.leg)
        if jobs and key == last and len(jobs[-1]) < size:
            jobs[-1].append(task)
        else:
            jobs.append([task])
        last = key
    return jobs


class _PoolRun:
    """Bounded submission of jobs (:func:`leg_jobs`).

    When a worker dies, the tasks of the jobs in flight are re-run one at a time.
    """

    def __init__(self, jobs: list[list[Task]], fn, record, pool: _Pool):
        self.fn, self.record, self.pool = fn, record, pool
        self.pending: deque[list[Task]] = deque(jobs)
        self.suspects: deque[list[Task]] = deque()  # a task each: in flight when a worker died
        self.inflight: dict[Any, tuple[list[Task], float]] = {}
        self.solo = None  # the future of a suspect running alone
        self.limit = 2 * pool.workers

    def _submit(self, queue: deque[list[Task]]) -> bool:
        from concurrent.futures.process import BrokenProcessPool

        job = queue.popleft()
        try:
            future = self.pool.executor.submit(run_tasks, self.fn, job)
        except BrokenProcessPool:  # a worker died while idle (e.g. the OOM killer)
            queue.appendleft(job)
            return False
        self.inflight[future] = (job, time.perf_counter())
        if queue is self.suspects:
            self.solo = future
        return True

    def _fill(self) -> None:
        if self.solo is not None:
            return
        if self.suspects:
            if not self.inflight:
                self._submit(self.suspects)
            return
        while self.pending and len(self.inflight) < self.limit:
            if not self._submit(self.pending):
                break

    def _suspect(self, jobs) -> None:
        """Every task of these jobs is re-run alone (one of them may have killed its worker)."""
        self.suspects.extend([task] for job in jobs for task in job)

    def _collect(self) -> bool:
        """Record the finished futures; True if the pool broke."""
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        done, _ = wait(list(self.inflight), return_when=FIRST_COMPLETED)
        broken = False
        for future in done:
            job, t0 = self.inflight.pop(future)
            try:
                rows = future.result()
            except BrokenProcessPool as exc:
                broken = True
                if future is self.solo:  # it ran alone and its worker died: it is the culprit
                    died = _WorkerDied(exc)
                    self.record(error_row(job[0], died, "worker", time.perf_counter() - t0))
                else:
                    self._suspect([job])
            except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be unpickled
                elapsed = time.perf_counter() - t0
                for task in job:
                    self.record(error_row(task, exc, "worker", elapsed))
            else:
                for row in rows:
                    self.record(row)
            if future is self.solo:
                self.solo = None
        return broken

    def run(self) -> None:
        while self.pending or self.suspects or self.inflight:
            self._fill()
            if not self.inflight:  # the pool broke with nothing in flight: start a new one
                self.pool.renew()
                continue
            if self._collect():
                self._suspect(job for job, _t0 in self.inflight.values())
                self.inflight.clear()
                self.solo = None
                self.pool.renew()


def run_processes(tasks, fn, record, *, workers, max_tasks_per_child, **_) -> None:
    """Process pool with bounded submission; a crashed worker costs one error row, not the batch.

    Tasks go to the workers in jobs of consecutive tasks on one leg (:func:`leg_jobs`), so a
    leg is loaded once for its job. When a worker dies (segfault, out of memory, os._exit)
    every task in flight is suspect; they are re-run one at a time, and a task that kills its
    worker again gets an error row (stage ``worker``: such rows are re-run by a later resume).
    Workers that cannot start at all raise BatchError at once. A worker is replaced after
    about ``max_tasks_per_child`` tasks (the pool counts jobs: the number is divided by the
    job size).
    """
    tasks = list(tasks)
    jobs = leg_jobs(tasks, workers)
    per_job = max(1.0, len(tasks) / max(1, len(jobs)))
    jobs_per_child = max(1, round(max_tasks_per_child / per_job))
    with contextlib.ExitStack() as stack:
        stack.enter_context(_one_thread_per_worker())
        stack.enter_context(hidden_main_module())
        pool = _Pool(workers, jobs_per_child)
        stack.callback(pool.shutdown)
        _PoolRun(jobs, fn, record, pool).run()


@contextlib.contextmanager
def hidden_main_module():
    """Start worker processes without re-running the main script.

    New workers import the main module by path or name (multiprocessing's spawn/forkserver rule,
    also used by Dask's nanny). A script without an ``if __name__ == "__main__":`` guard would
    then start the batch again in every worker, and a path that does not exist (``python - <
    script``) kills every worker at start-up. The batch never needs the main module in its
    workers (stockings travel with cloudpickle, which copies functions of ``__main__`` by
    value), so its file and spec are hidden while the pool or cluster starts and runs.
    """
    main = sys.modules.get("__main__")
    saved = {}
    if main is not None:
        if isinstance(getattr(main, "__file__", None), str):
            saved["__file__"] = main.__file__
            del main.__file__
        if getattr(main, "__spec__", None) is not None:  # python -m package.module
            saved["__spec__"] = main.__spec__
            main.__spec__ = None
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(main, name, value)


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
