"""The COPY reader (PostgreSQL's CSV export parsed by Arrow) against the local server: every
type arrives as the binary drivers give it, NULL stays apart from the empty string, quoting and
line breaks survive, batches stream, and failures name the source."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

from crm_warehouse.errors import SourceError
from crm_warehouse.sources.crm_database.extract import Database
from tests.pg import database, execute

pytestmark = pytest.mark.postgres

TABLE = """
create table kinds (
    id integer primary key, small smallint, big bigint, price numeric(12,2), wide numeric,
    ratio real, score double precision, active boolean, born date, seen timestamp,
    seen_tz timestamptz, note text, code varchar(8), ref uuid, doc jsonb, at_time time
)"""
ROWS = """
insert into kinds values
 (1, 2, 9000000000, 1234.50, 6.789, 1.5, 2.25, true, '2020-01-02', '2020-01-02 03:04:05.123456',
  '2020-01-02 03:04:05+02', 'a,"b"' || chr(10) || 'c', '', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '{"x": 1}', '10:11:12'),
 (2, null, null, null, null, null, null, false, null, null, null, null, null, null, null, null)
"""


@pytest.fixture
def kinds_db():
    with database(prefix="crm_copy_test") as url:
        execute(url, TABLE)
        execute(url, ROWS)
        yield url


def test_types_nulls_and_quoting_match_the_binary_driver(kinds_db):
    table = Database(kinds_db, backend="copy").read("select * from kinds order by id")
    types = {f.name: f.type for f in table.schema}
    assert types["id"] == pa.int32() and types["small"] == pa.int16()
    assert types["big"] == pa.int64() and types["price"] == pa.decimal128(12, 2)
    assert types["wide"] == pa.decimal128(38, 10)  # unconstrained numeric, as connectorx reads it
    assert types["ratio"] == pa.float32() and types["score"] == pa.float64()
    assert types["active"] == pa.bool_() and types["born"] == pa.date32()
    assert types["seen"] == pa.timestamp("us")
    assert types["seen_tz"] == pa.timestamp("us", tz="UTC")
    first, second = table.to_pylist()
    assert first["price"] == Decimal("1234.50") and first["wide"] == Decimal("6.789")
    assert first["seen"] == dt.datetime(2020, 1, 2, 3, 4, 5, 123456)
    assert first["seen_tz"] == dt.datetime(2020, 1, 2, 1, 4, 5, tzinfo=dt.UTC)
    assert first["note"] == 'a,"b"\nc'  # comma, quotes and a line break inside one value
    assert first["code"] == ""  # the empty string is not NULL
    assert first["ref"] == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    assert first["doc"] == '{"x": 1}' and first["at_time"] == "10:11:12"
    assert first["active"] is True and second["active"] is False
    assert {k for k, v in second.items() if v is None} == set(types) - {"id", "active"}


def test_connectorx_reads_the_same_values(kinds_db):
    copy = Database(kinds_db, backend="copy").read("select * from kinds order by id")
    cx = Database(kinds_db, backend="connectorx").read("select * from kinds order by id")
    for name in ("id", "small", "big", "price", "ratio", "score", "active", "born", "seen"):
        assert copy.column(name).to_pylist() == cx.column(name).to_pylist(), name
    assert [v and v.astimezone(dt.UTC) for v in cx.column("seen_tz").to_pylist()] == (
        copy.column("seen_tz").to_pylist()
    )


def test_a_numeric_too_wide_for_a_decimal_stays_text(kinds_db):
    execute(kinds_db, "insert into kinds (id, wide) values (3, 123456789012345678901234567890.5)")
    table = Database(kinds_db, backend="copy").read("select id, wide from kinds order by id")
    assert table.schema.field("wide").type == pa.string()  # the schema contract decides
    assert table.column("wide").to_pylist() == ["6.789", None, "123456789012345678901234567890.5"]


def test_batches_stream_and_a_reader_may_stop_early(kinds_db):
    db = Database(kinds_db, backend="copy")
    query = "select g as id, g * 2 as twice from generate_series(1, 300000) as g"
    sizes = [t.num_rows for t in db.batches(query, 100_000)]
    assert sum(sizes) == 300_000 and len(sizes) >= 3 and max(sizes) < 300_000
    reader = db.batches(query, 50_000)
    assert next(reader).num_rows >= 50_000
    reader.close()  # the export behind it ends; nothing hangs
    assert db.read("select * from kinds where false").num_rows == 0


def test_a_failing_query_names_the_source(kinds_db):
    db = Database(kinds_db, backend="copy", where="source 'crm'")
    with pytest.raises(SourceError) as raised:
        db.read("select * from missing_table")
    line = raised.value.one_line()
    assert "missing_table" in line and "source 'crm'" in line


def test_copy_is_for_postgresql_only(tmp_path):
    lite = tmp_path / "crm.sqlite"
    lite.touch()
    with pytest.raises(SourceError, match="PostgreSQL only"):
        Database(f"sqlite://{lite}", backend="copy")


def test_a_refused_query_says_to_check_the_table_not_the_connection(kinds_db):
    db = Database(kinds_db, backend="copy", where="source 'crm'")
    with pytest.raises(SourceError) as raised:
        db.read("select no_such_column from kinds")
    assert "no_such_column" in raised.value.one_line()
    assert "table and its columns exist" in raised.value.one_line()
    assert "host, port" not in raised.value.one_line()
