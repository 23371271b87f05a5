"""Library errors quote the data they fail on; ``errors.cause`` keeps where and why and drops the
value. Each case raises the real exception from the library with a marker value in it."""

from __future__ import annotations

import io
from collections.abc import Callable

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from crm_warehouse.errors import cause
from tests.pg import admin_connect

MARKER = "zelda.markerfield@pii-marker.test"


def _arrow_csv_row() -> None:
    pacsv.read_csv(io.BytesIO(f"a,b\n1,{MARKER},x\n".encode()))


def _arrow_csv_conversion() -> None:
    options = pacsv.ConvertOptions(column_types={"a": pa.int64()})
    pacsv.read_csv(io.BytesIO(f"a\n{MARKER}\n".encode()), convert_options=options)


def _arrow_cast() -> None:
    pc.cast(pa.array([MARKER]), pa.int64())


def _arrow_from_python() -> None:
    pa.array([MARKER], pa.int64())


def _duckdb_cast() -> None:
    duckdb.connect().execute(f"select cast('{MARKER}' as integer)")


def _duckdb_timestamp() -> None:
    duckdb.connect().execute(f"select cast('{MARKER}' as timestamp)")


def _python_int() -> None:
    int(MARKER)


CASES: dict[str, tuple[Callable[[], None], str]] = {
    "arrow csv row": (_arrow_csv_row, "Expected 2 columns, got 3"),
    "arrow csv conversion": (_arrow_csv_conversion, "invalid value"),
    "arrow cast": (_arrow_cast, "Failed to parse string"),
    "arrow from python": (_arrow_from_python, "Could not convert"),
    "duckdb cast": (_duckdb_cast, "Could not convert string"),
    "duckdb timestamp": (_duckdb_timestamp, "timestamp"),
    "python int": (_python_int, "invalid literal for int()"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_library_errors_lose_the_value_and_keep_the_reason(case):
    raise_it, reason = CASES[case]
    with pytest.raises(Exception) as caught:  # each library raises its own type
        raise_it()
    assert MARKER in str(caught.value)  # the library quotes it ...
    line = cause(caught.value)
    assert MARKER not in line and "pii-marker" not in line  # ... the one-line error does not
    assert reason.lower() in line.lower()
    assert "\n" not in line


@pytest.mark.postgres
def test_postgres_errors_lose_the_value():
    with admin_connect() as con, con.cursor() as cur, pytest.raises(Exception) as caught:
        cur.execute(f"select '{MARKER}'::integer")
    assert MARKER in str(caught.value)
    line = cause(caught.value)
    assert MARKER not in line and "invalid input syntax for type integer" in line


def test_names_that_are_not_values_stay():
    for text in (
        'database "crm_missing" does not exist',
        'connection to server at "127.0.0.1", port 5999 failed: Connection refused',
        "[SQLite] Type mismatch in column 2: expected INT64 but got STRING/BINARY",
    ):
        assert cause(Exception(text)) == text
