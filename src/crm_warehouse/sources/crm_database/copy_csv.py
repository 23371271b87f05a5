"""PostgreSQL's ``COPY (query) TO STDOUT WITH (FORMAT csv)`` parsed into Arrow batches.

The server's own export is the fastest way out of PostgreSQL (``benchmarks/bench_extract.py``
measures it as the ceiling); Arrow's multi-threaded CSV reader parses it while it streams in,
through an OS pipe, so the read runs at about the speed of the ``COPY`` itself and never holds
the table in memory. The column types come from the query's result description (type OIDs,
numeric precision and scale), so values are parsed straight into the types the binary drivers
give: integers, floats, ``numeric(p,s)`` as decimals, booleans, dates, ``timestamp`` (naive)
and ``timestamptz`` (UTC: the time zone is set to UTC for the export). Every other
type (text, varchar, uuid, json, time, interval, arrays, ``bytea`` in its hex form, ...) arrives
as its PostgreSQL text. CSV keeps NULL (unquoted empty) apart from the empty string (quoted).

Each export is one transaction whose settings are ``SET LOCAL``: they end with it, so a
connection pooler in transaction mode can hand the server session to another client afterwards
(and a later transaction of ours to another session) without anything carried over. The
transaction is rolled back at the end, leaving the session as it was.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv

BLOCK_BYTES = 4 << 20  # CSV bytes per parsed block: ~60k rows of a narrow table

# PostgreSQL type OID -> Arrow type (pg_type.h); anything else is read as text.
_OID_TYPES: dict[int, pa.DataType] = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    26: pa.int64(),  # oid
    700: pa.float32(),
    701: pa.float64(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
}
_NUMERIC_OID = 1700
# timestamptz in UTC, dates in ISO order, floats with every digit; for this transaction only
TRANSACTION_SETTINGS = (
    "set local time zone 'UTC'; set local datestyle = 'ISO, YMD'; set local extra_float_digits = 3"
)
UNCONSTRAINED_NUMERIC = pa.decimal128(38, 10)  # as connectorx reads numeric without (p,s)


class CopyError(Exception):
    """The server or the connection failed during the export (the message is the server's)."""

    def __init__(
        self, message: str, *, connection_lost: bool = False, sqlstate: str | None = None
    ) -> None:
        super().__init__(message)
        self.connection_lost = connection_lost
        self.sqlstate = sqlstate


def result_schema(cursor: Any, query: str) -> pa.Schema:
    """The query's columns and Arrow types, from a zero-row execution's description."""
    cursor.execute(f"select * from ({query}) as q limit 0")
    fields = []
    for column in cursor.description:
        oid = column.type_code
        if oid == _NUMERIC_OID:
            precision, scale = column.precision, column.scale
            numeric = (
                pa.decimal128(precision, scale)
                if precision and 0 < precision <= 38 and scale is not None
                else pa.string()  # unconstrained or too wide: text, cast by the caller
            )
            fields.append(pa.field(column.name, numeric, metadata={b"numeric": b"1"}))
        else:
            fields.append(pa.field(column.name, _OID_TYPES.get(oid, pa.string())))
    return pa.schema(fields)


def copy_batches(connection: Any, query: str, batch_size: int) -> Iterator[pa.Table]:
    """Stream the query's rows as Arrow tables of about ``batch_size`` rows, in one transaction.
    ``connection`` is an open psycopg2 connection (not in autocommit), owned by the caller."""
    try:
        yield from _export(connection, query, batch_size)
    finally:
        with contextlib.suppress(Exception):  # a lost connection has no transaction left
            connection.rollback()


def _export(connection: Any, query: str, batch_size: int) -> Iterator[pa.Table]:
    with connection.cursor() as cursor:
        cursor.execute(TRANSACTION_SETTINGS)
        schema = result_schema(cursor, query)
    if not schema:
        return
    read_end, write_end = os.pipe()
    failure: list[BaseException] = []

    def export() -> None:
        try:
            with os.fdopen(write_end, "wb", buffering=1 << 20) as pipe, connection.cursor() as cur:
                cur.copy_expert(f"copy ({query}) to stdout with (format csv)", pipe, size=1 << 20)
        except BaseException as exc:  # raised in the reading thread
            failure.append(exc)

    writer = threading.Thread(target=export, name="postgres-copy", daemon=True)
    writer.start()
    source = os.fdopen(read_end, "rb", buffering=0)
    try:
        pending: list[pa.RecordBatch] = []
        rows = 0
        for batch in _parse(source, schema):
            pending.append(batch)
            rows += batch.num_rows
            if rows >= batch_size:
                yield _unconstrained_numeric(pa.Table.from_batches(pending), schema)
                pending, rows = [], 0
        if pending:
            yield _unconstrained_numeric(pa.Table.from_batches(pending), schema)
    except pa.ArrowInvalid:
        _raise_export_failure(failure, writer)
        raise
    finally:
        source.close()  # a reader that stopped early: the export ends with a broken pipe
        writer.join()
    _raise_export_failure(failure, writer)


def _parse(source: Any, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    has_text = any(pa.types.is_string(f.type) for f in schema)
    try:
        reader = pcsv.open_csv(
            source,
            read_options=pcsv.ReadOptions(column_names=schema.names, block_size=BLOCK_BYTES),
            parse_options=pcsv.ParseOptions(newlines_in_values=has_text),
            convert_options=pcsv.ConvertOptions(
                column_types={f.name: f.type for f in schema},
                true_values=["t"],
                false_values=["f"],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        if "Empty CSV file" in str(exc):  # no rows (or the export failed: checked by the caller)
            return
        raise
    yield from reader


def _raise_export_failure(failure: list[BaseException], writer: threading.Thread) -> None:
    writer.join()
    if failure and not isinstance(failure[0], BrokenPipeError):
        import psycopg2

        exc = failure[0]
        lost = isinstance(exc, psycopg2.OperationalError | psycopg2.InterfaceError)
        raise CopyError(
            str(exc).strip() or type(exc).__name__,
            connection_lost=lost,
            sqlstate=getattr(exc, "pgcode", None),
        ) from exc


def _unconstrained_numeric(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Unconstrained ``numeric`` columns (parsed as text) as ``decimal(38,10)`` when every value
    fits, as connectorx reads them; otherwise left as text for the schema contract."""
    for field in schema:
        if (field.metadata or {}).get(b"numeric") and pa.types.is_string(field.type):
            index = table.column_names.index(field.name)
            with contextlib.suppress(pa.ArrowInvalid):
                column = table.column(index).cast(UNCONSTRAINED_NUMERIC)
                table = table.set_column(index, pa.field(field.name, column.type), column)
    return table
