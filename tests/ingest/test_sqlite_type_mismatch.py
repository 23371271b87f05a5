"""SQLite keeps any value in any column; a driver that typed a column from its first rows stops
at a value of another type. The error names table and column, never the value."""

from __future__ import annotations

import sqlite3

import pytest

from crm_warehouse.errors import SourceError
from crm_warehouse.sources.crm_database.extract import Database, database_url

MARKER = "zelda.markerfield@pii-marker.test"


@pytest.fixture
def mixed_ages(tmp_path):
    path = tmp_path / "crm.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("create table customers(customer_id integer primary key, age integer)")
        con.executemany("insert into customers values (?, 30)", [(i,) for i in range(1, 101)])
        con.execute("insert into customers values (101, ?)", [MARKER])
    return database_url(f"sqlite:///{path}")


@pytest.mark.parametrize("backend", ["adbc", "connectorx"])
def test_a_value_of_another_type_is_named_by_table_and_column(mixed_ages, backend):
    db = Database(mixed_ages, backend=backend, where="source 'crm'")
    with pytest.raises(SourceError) as failed:
        list(db.batches("select * from customers", 10, db.columns("customers"), table="customers"))
    line = failed.value.one_line()
    assert line.startswith("a value in column age of table customers is not of the column's type")
    assert "in source 'crm'" in line and "typeof(age)" in line
    assert "markerfield" not in line
