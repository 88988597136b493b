"""Batch runs: many legs x stockings or designs x pressure methods, into one tidy table.

:func:`run_batch` turns its arguments into small tasks (where the leg is, what to put on it, which
method), runs them serially, on a local process pool (default) or on a Dask cluster, and writes one
row per task to Parquet. A broken mesh or a failing solve gives a row with the error text instead
of stopping the batch; finished rows are on disk at once (journal, then atomic Parquet parts), and
a re-run with ``resume=True`` skips every task already done. Legs are loaded inside the workers,
so meshes are never shipped around, and user files are never pickled.
"""

from stockingsim.batch._run import (
    COLUMNS,
    DASK_WORKER_ENVIRON,
    ENGINES,
    MESH_SUFFIXES,
    Design,
    local_cluster,
    restored_environ,
    run_batch,
)

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
