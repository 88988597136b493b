"""Crash-safe storage of batch rows (private; used by :mod:`stockingsim.batch`).

Layout next to the output file ``results.parquet``::

    results.parquet.parts/
        journal-<run_id>.jsonl          one JSON line per finished task, appended at once
        part-<run_id>-000001.parquet    every ``flush_every`` tasks, written atomically

A finished row is appended to the journal as soon as it arrives (a SIGKILL loses only the tasks
in flight; a torn last line is ignored on reading). Every ``flush_every`` rows the journal is
compacted into a Parquet part, written to a temporary name and moved into place with
:func:`os.replace` (atomic on POSIX and Windows), and only then is the journal emptied. At the
end the output file is written the same way and the parts are removed. If a run dies between
two of these steps a row may exist twice; reading keeps the last copy of each task key, so
results are never lost and never duplicated.
"""

from __future__ import annotations

import functools
import json
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from stockingsim import errors
from stockingsim.batch._worker import COLUMNS, SCHEMA

#: text columns: pandas 3's "str" keeps a missing value missing; pandas 2's "str" would write
#: the text "None", so there the nullable string dtype does that job
_STR = "str" if int(pd.__version__.split(".")[0]) >= 3 else "string"

#: the pandas dtype of each kind of column in the schema (:data:`SCHEMA`)
KIND_DTYPE = {"str": _STR, "float": "float64", "int": "Int64", "bool": "boolean"}


def _column(col: pd.Series, kind: str):
    """One column converted to its schema dtype, as an array (no index)."""
    dtype = KIND_DTYPE[kind]
    if col.dtype == dtype:
        return col.array
    if kind == "str":  # missing values stay missing, not the text "None" or "nan"
        return col.astype(object).where(col.notna(), None).astype(dtype).array
    if kind in ("float", "int"):
        return pd.to_numeric(col, errors="coerce").astype(dtype).array
    return col.astype(dtype).array


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a table the batch schema: every column, in order, with its dtype.

    Built column by column into one new frame (a column already of its dtype is taken as it
    is), so that the run's table costs a few ms, not one pandas assignment per column.
    """
    missing = pd.Series([None] * len(frame), dtype=object)
    columns = {}
    for name, kind in SCHEMA:
        col = frame[name].reset_index(drop=True) if name in frame.columns else missing
        columns[name] = _column(col, kind)
    for name in ("error", "error_type", "error_stage", "error_traceback"):
        text = pd.Series(columns[name])
        if (text == "").any():  # older tables: "" meant no error
            columns[name] = text.where(text != "", None).astype(_STR).array
    for name in frame.columns:
        if name not in columns:  # a column of the caller's: kept with its own dtype
            columns[name] = frame[name].array
    table = pd.DataFrame(columns)
    table.attrs.update(frame.attrs)
    return table


@functools.cache
def _empty_table() -> pd.DataFrame:
    return normalize(pd.DataFrame(columns=COLUMNS))


def empty_table() -> pd.DataFrame:
    """A table of no rows with the batch schema (a new copy each time)."""
    return _empty_table().copy()


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a table atomically (temporary file in the same folder, then ``os.replace``)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if path.suffix.lower() == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except OSError as exc:
        raise errors.BatchError(
            f"cannot write batch results to {path}: {exc}. Choose a writable 'out' path."
        ) from exc
    finally:
        if tmp.exists():
            tmp.unlink()


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a batch table (``.parquet`` or ``.csv``) with the batch schema and dtypes.

    ``pandas.read_parquet`` and ``pandas.read_csv`` read the same file fine too (``error`` is
    missing where the task worked, in both formats); this also gives every column its dtype.

    Parameters
    ----------
    path : path
        An output file of :func:`stockingsim.run_batch` (or one of its parts).

    Returns
    -------
    pandas.DataFrame
        Columns in :data:`stockingsim.batch.COLUMNS` order.
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return normalize(pd.read_csv(path))
    return normalize(pd.read_parquet(path))


def _read_journal(path: Path) -> list[dict[str, Any]]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:  # a line torn by a kill: its task simply reruns
                continue
    return rows


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item"):  # numpy scalars
        return _jsonable(value.item())
    return str(value)


class ResultStore:
    """Rows of one batch: what earlier runs left, plus what this run adds, crash-safe.

    Parameters
    ----------
    out : path or None
        Final output file (``.parquet`` or ``.csv``); None keeps everything in memory.
    run_id : str
        Sortable identifier of this run (UTC timestamp first), used in part names.
    flush_every : int
        Rows per Parquet part.
    resume : bool
        Read what earlier runs left (False: start afresh, deleting their parts).
    """

    def __init__(self, out, run_id: str, flush_every: int = 16, resume: bool = True):
        self.out = None if out is None else Path(out)
        self.run_id = run_id
        self.flush_every = max(1, int(flush_every))
        self.rows: list[dict[str, Any]] = []  # this run, in arrival order
        self._pending: list[dict[str, Any]] = []  # not yet in a part
        self._seq = 0
        self._journal = None
        self._written_parts: list[Path] = []
        self.previous = empty_table()
        if self.out is None:
            return
        if self.out.suffix.lower() not in (".parquet", ".pq", ".csv"):
            raise errors.BatchArgumentError(
                f"unsupported batch output {self.out.name!r}: use a .parquet or .csv file name."
            )
        if not self.out.parent.exists():
            raise errors.BatchArgumentError(
                f"the folder of the batch output {self.out} does not exist; create it first."
            )
        self.parts_dir = self.out.with_name(self.out.name + ".parts")
        if resume:
            self.previous = self._read_previous()
        else:
            self._remove_parts()
        try:
            self.parts_dir.mkdir(exist_ok=True)
            self._journal_path = self.parts_dir / f"journal-{run_id}.jsonl"
            self._journal = open(self._journal_path, "a", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise errors.BatchArgumentError(
                f"cannot write next to the batch output {self.out}: {exc}. "
                "Choose a writable 'out' path."
            ) from exc

    # -- reading ------------------------------------------------------------------------------
    def _part_files(self) -> list[Path]:
        if not self.parts_dir.is_dir():
            return []
        return sorted(self.parts_dir.glob("part-*.parquet"))

    def _read_previous(self) -> pd.DataFrame:
        frames = []
        if self.out.exists():
            try:
                frames.append(read_table(self.out))
            except Exception as exc:  # noqa: BLE001 - report any unreadable file the same way
                raise errors.BatchArgumentError(
                    f"cannot read the existing batch output {self.out} to resume: {exc}. "
                    "Move it away or pass resume=False to start afresh."
                ) from exc
        frames += [read_table(p) for p in self._part_files()]
        if self.parts_dir.is_dir():
            for journal in sorted(self.parts_dir.glob("journal-*.jsonl")):
                rows = _read_journal(journal)
                if rows:
                    frames.append(normalize(pd.DataFrame(rows)))
        frames = [f for f in frames if len(f)]
        if not frames:
            return empty_table()
        table = pd.concat(frames, ignore_index=True)
        return table.drop_duplicates("task_key", keep="last").reset_index(drop=True)

    def done_keys(self, retry_errors: bool = False) -> set[str]:
        """Task keys that earlier runs finished (with an error row too, unless retry_errors).

        Rows of stage ``worker`` (the worker process died, the pool or the cluster broke) are
        failures of the machinery, not of the task: they never count as done, so a resume
        always runs them again.
        """
        prev = self.previous
        failed = prev["error"].notna()
        infrastructure = failed & (prev["error_stage"] == "worker").fillna(False)
        keep = ~failed if retry_errors else ~infrastructure
        return set(prev.loc[keep.to_numpy(dtype=bool), "task_key"].astype(str))

    # -- writing ------------------------------------------------------------------------------
    def add(self, row: dict[str, Any]) -> None:
        """Record one finished task: journal line now, Parquet part every flush_every rows."""
        self.rows.append(row)
        if self.out is None:
            return
        self._journal.write(json.dumps({k: _jsonable(v) for k, v in row.items()}) + "\n")
        self._journal.flush()
        self._pending.append(row)
        if len(self._pending) >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        """Move the rows not yet in a part into a new atomic Parquet part; empty the journal."""
        if self.out is None or not self._pending:
            return
        self._seq += 1
        part = self.parts_dir / f"part-{self.run_id}-{self._seq:06d}.parquet"
        write_table(normalize(pd.DataFrame(self._pending)), part)
        self._written_parts.append(part)
        self._pending = []
        # the rows are safe in the part: start an empty journal
        self._journal.close()
        self._journal = open(self._journal_path, "w", encoding="utf-8")  # noqa: SIM115

    def finish(self) -> pd.DataFrame:
        """Write the output file (earlier rows + this run's, last copy per task) and clean up."""
        self.flush()
        new = normalize(pd.DataFrame(self.rows)) if self.rows else None
        frames = [f for f in (self.previous, new) if f is not None and len(f)]
        if frames:
            table = pd.concat(frames, ignore_index=True)
            table = table.drop_duplicates("task_key", keep="last").reset_index(drop=True)
        else:
            table = empty_table()
        if self.out is not None:
            write_table(table, self.out)
            self.close()
            self._remove_parts()
        return table

    def close(self) -> None:
        """Flush and close the journal (on interruption: everything finished stays on disk)."""
        if self._journal is not None and not self._journal.closed:
            try:
                self.flush()
            finally:
                self._journal.close()

    def _remove_parts(self) -> None:
        if not self.parts_dir.is_dir():
            return
        for path in self.parts_dir.iterdir():
            if path.name.startswith(("part-", "journal-", ".part-")):
                path.unlink(missing_ok=True)
        try:
            self.parts_dir.rmdir()
        except OSError:  # someone else's file in there: leave the folder
            pass
