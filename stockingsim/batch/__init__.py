"""Batch runs: many legs x stockings or designs x pressure methods, into one tidy table.

:func:`run_batch` turns its arguments into small tasks (where the leg is, what to put on it, which
method), checks every per-batch choice (methods, standard, classes, styles, presets) before the
first task, runs the tasks serially, on a local process pool (default) or on a Dask cluster, and
writes one row per task to Parquet or CSV. A broken mesh or a failing solve gives a row with the
error text instead of stopping the batch; finished rows are on disk at once (journal, then atomic
Parquet parts), and a re-run with ``resume=True`` skips every task already done. Legs are loaded
inside the workers, so meshes are never shipped around, and user files are never pickled.

Modules: ``_spec`` (:class:`BatchDesign`, checks, content keys), ``_tasks`` (legs x specs x
methods), ``_worker`` (one task in a worker, the row schema), ``_engines`` (serial, process
pool), ``_dask`` (Dask), ``_lifeline`` (workers end with the batch), ``_store`` (crash-safe
storage and resume), ``_run`` (:func:`run_batch`).
"""

from __future__ import annotations

import warnings
from typing import Any

from stockingsim.batch._dask import DASK_WORKER_ENVIRON, local_cluster, restored_environ
from stockingsim.batch._run import ENGINES, run_batch
from stockingsim.batch._spec import BatchDesign
from stockingsim.batch._store import read_table as read_results
from stockingsim.batch._tasks import MESH_SUFFIXES
from stockingsim.batch._worker import COLUMNS

__all__ = [
    "BatchDesign",
    "run_batch",
    "read_results",
    "local_cluster",
    "restored_environ",
    "DASK_WORKER_ENVIRON",
    "COLUMNS",
    "ENGINES",
    "MESH_SUFFIXES",
]


def __getattr__(name: str) -> Any:
    if name == "Design":  # the old name, kept for one release
        warnings.warn(
            "stockingsim.batch.Design is renamed BatchDesign (it is easily confused with "
            "design_stocking); the old name will be removed in the next release.",
            DeprecationWarning,
            stacklevel=2,
        )
        return BatchDesign
    raise AttributeError(f"module 'stockingsim.batch' has no attribute {name!r}")
