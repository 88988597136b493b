"""The batch table's schema: every column in order, each with its dtype, whatever came in.

Rows arrive as dicts from the workers, and tables come back from CSV (no dtypes) and Parquet;
``normalize`` gives each the same columns and dtypes, keeps the values, numbers the rows from
0, reads an old table's empty error text as no error, and keeps a caller's own extra columns
with their own dtype.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockingsim.batch._store import _STR, empty_table, normalize, read_table
from stockingsim.batch._worker import COLUMNS, SCHEMA

DTYPES = {"str": _STR, "float": "float64", "int": "Int64", "bool": "boolean"}


def _check_schema(table: pd.DataFrame, extra: tuple[str, ...] = ()) -> None:
    assert list(table.columns) == COLUMNS + list(extra)
    for name, kind in SCHEMA:
        assert table[name].dtype == DTYPES[kind], (name, table[name].dtype)
    assert isinstance(table.index, pd.RangeIndex) and table.index.start == 0


def _rows() -> list[dict]:
    """Rows as a worker sends them: some columns missing, numbers as Python objects."""
    ok = {"task_key": "k1", "leg_name": "a", "n_vertices": 25898, "pressure_B_mmhg": 24.5,
          "class_ok": True, "error": None}  # fmt: skip
    failed = {"task_key": "k2", "leg_name": "b", "n_vertices": None, "pressure_B_mmhg": None,
              "class_ok": None, "error": "MeshError: no faces", "error_stage": "load"}  # fmt: skip
    old = {"task_key": "k3", "leg_name": None, "pressure_B_mmhg": "18.25", "error": ""}
    return [ok, failed, old]


def test_rows_get_every_column_with_its_dtype_and_keep_their_values():
    raw = pd.DataFrame(_rows(), index=[7, 3, 5])  # a filtered table's index
    raw["my_note"] = pd.array([1, None, 3], dtype="Int64")  # the caller's own column
    table = normalize(raw)
    _check_schema(table, extra=("my_note",))
    assert list(table["task_key"]) == ["k1", "k2", "k3"]
    assert table["pressure_B_mmhg"].tolist()[0] == 24.5
    assert np.isnan(table["pressure_B_mmhg"].iloc[1])
    assert table["pressure_B_mmhg"].iloc[2] == 18.25  # text read as the number it is
    assert table["n_vertices"].iloc[0] == 25898 and table["n_vertices"].isna().iloc[1]
    assert table["class_ok"].iloc[0] and table["class_ok"].isna().iloc[1]
    assert table["error"].iloc[1] == "MeshError: no faces"
    assert table["error"].isna().iloc[0] and table["error"].isna().iloc[2]  # "" was no error
    assert table["leg_name"].isna().iloc[2]
    assert table["my_note"].dtype == "Int64" and table["my_note"].isna().tolist() == [
        False,
        True,
        False,
    ]
    # a column the rows never had is all missing
    assert table["pressure_D_mmhg"].isna().all()
    assert table["error_traceback"].isna().all()


def test_a_normalized_table_is_unchanged_by_normalizing_it_again():
    table = normalize(pd.DataFrame(_rows()))
    pd.testing.assert_frame_equal(normalize(table), table, check_exact=True)
    empty = empty_table()
    _check_schema(empty)
    assert len(empty) == 0
    empty.attrs["x"] = 1  # each call is a copy of its own
    assert "x" not in empty_table().attrs


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_table_read_back_is_the_table_written(tmp_path, suffix):
    table = normalize(pd.DataFrame(_rows()))
    path = tmp_path / f"t{suffix}"
    if suffix == ".csv":
        table.to_csv(path, index=False)
    else:
        table.to_parquet(path, index=False)
    pd.testing.assert_frame_equal(read_table(path), table, check_exact=True)
