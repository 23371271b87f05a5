"""Streaming extraction into Arrow batches, SQLite and PostgreSQL alike: PostgreSQL's own
``COPY ... TO STDOUT`` parsed by Arrow (``copy_csv.py``), connectorx, or ADBC (PostgreSQL's
binary COPY, SQLite's driver); by default whichever measured fastest.

Every path hands back Arrow record batches without Python row objects, so a 10M-row table
never sits in memory whole. ``benchmarks/bench_extract.py`` compares them.
"""

from __future__ import annotations

import contextlib
import queue
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.compute as pc

from crm_warehouse.errors import SourceError
from crm_warehouse.sources.crm_database.connection import (
    CONNECT_TIMEOUT_SECONDS,
    Server,
    connect,
    connect_fix,
    connectorx_url,
    explicit_tls,
    first_line,
    inspect,
    url_params,
    with_params,
)
from crm_warehouse.sources.crm_database.key_ranges import (
    KeyRanges,
    is_statement_timeout,
    timeout_fix,
)

Backend = Literal["auto", "copy", "adbc", "connectorx"]
RunQuery = Callable[[str, int], Iterator[pa.Table]]  # a query's rows in batches of about n rows


def database_url(url: str, *, root: Path | None = None) -> str:
    """Normalise a SQLAlchemy-style URL: ``sqlite:////abs/path`` (relative paths resolved
    against ``root``) or ``postgresql://...`` (driver suffixes such as ``+psycopg2`` dropped,
    TLS settings from the environment written in: ``connection.explicit_tls``)."""
    scheme, rest = url.split("://", 1)
    dialect = scheme.split("+", 1)[0]
    if dialect == "sqlite":
        path = Path(rest[1:] if rest.startswith("/") else rest)
        if not path.is_absolute():
            path = (root or Path.cwd()) / path
        return f"sqlite://{path}"
    if dialect in {"postgres", "postgresql"}:
        return explicit_tls(f"postgresql://{rest}", root)
    raise SourceError(
        f"unsupported database URL scheme {scheme!r}",
        fix="use sqlite:///path or postgresql://user:password@host:5432/db",
    )


def describe_url(url: str) -> str:
    """The URL without credentials, safe for logs and error messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def sqlite_path(url: str) -> Path | None:
    return Path(url.removeprefix("sqlite://")) if url.startswith("sqlite://") else None


class Database:
    """A CRM database read into Arrow: the same calls for SQLite files and PostgreSQL.

    ``connections`` bounds how many tables of the source are read at once, each over one
    connection at a time (``max_connections``, default 1): a pooler with few client slots is
    never asked for more."""

    def __init__(
        self,
        url: str,
        *,
        backend: Backend = "auto",
        where: str = "source",
        max_connections: int = 1,
    ) -> None:
        self.url = url
        self.where = where
        self.path = sqlite_path(url)
        # What benchmarks/bench_extract.py measured fastest here: COPY reading PostgreSQL, ADBC
        # reading SQLite (docs/decisions.md).
        self.backend = (
            backend if backend != "auto" else ("adbc" if self.path is not None else "copy")
        )
        if self.backend == "copy" and self.path is not None:
            raise SourceError(
                "backend 'copy' reads PostgreSQL only",
                where=where,
                fix="set backend = 'auto' (ADBC) or 'connectorx' for a SQLite source",
            )
        self.connectorx_url = connectorx_url(url, where) if self.backend == "connectorx" else url
        self.connections = threading.BoundedSemaphore(max_connections)
        self.server: Server | None = None  # set by check()

    @property
    def is_postgres(self) -> bool:
        return self.path is None

    def check(self) -> None:
        """Fail fast with the server's reason (connectorx would wait 30 s for its pool), and
        learn what the reads depend on: a pooler in between, the role's statement timeout."""
        if self.path is not None:
            if not self.path.exists():
                raise SourceError(
                    f"source database file {self.path} does not exist",
                    where=self.where,
                    fix="run `crm-warehouse demo` or correct sources.<name>.url",
                )
            return
        self.server = inspect(self.url, self.where)
        if self.backend == "connectorx" and self.server.pooled:
            raise SourceError(
                f"backend 'connectorx' cannot read through the connection pooler at "
                f"{self.server.reached}: it prepares named statements, which a pooler in "
                "transaction mode hands to other sessions",
                where=self.where,
                fix="use backend 'copy' (the default) or 'adbc' through a pooler, or point "
                f"the URL at the database itself ({self.server.direct})",
            )

    def fetch(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """A small catalog query on PostgreSQL, each statement its own transaction."""
        import psycopg2

        connection = connect(self.url, self.where)
        try:
            connection.autocommit = True
            with connection.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        except psycopg2.Error as exc:
            raise SourceError(
                f"cannot query the database's catalog ({first_line(exc)})",
                where=self.where,
                fix=connect_fix(str(exc), self.where),
            ) from None
        finally:
            connection.close()

    def columns(self, table: str) -> dict[str, str]:
        """The table's columns and declared types from the catalog ({} if it does not exist)."""
        if self.path is not None:
            with contextlib.closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)) as con:
                rows = con.execute(f"pragma table_info('{table}')").fetchall()
            return {name: (declared or "").lower() for _, name, declared, *_ in rows}
        return dict(
            self.fetch(
                "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
                "join pg_class c on c.oid = a.attrelid where c.relname = %s and "
                "c.relnamespace = current_schema()::regnamespace and a.attnum > 0 and "
                "not a.attisdropped order by a.attnum",
                (table,),
            )
        )

    def select_list(self, columns: dict[str, str]) -> str:
        """SQLite's NUMERIC affinity stores 499.00 as the integer 499, so one column mixes
        integers and reals and the drivers (which type a column from its values) disagree
        batch to batch; those columns are read as REAL. Elsewhere every column as it is."""
        if self.path is None or not columns:
            return "*"
        return ", ".join(
            f'cast("{name}" as real) as "{name}"'
            if declared.upper().startswith(("NUMERIC", "DECIMAL"))
            else f'"{name}"'
            for name, declared in columns.items()
        )

    def batches(
        self,
        query: str,
        batch_size: int,
        declared: dict[str, str] | None = None,
        *,
        key: str | None = None,
        table: str = "",
    ) -> Iterator[pa.Table]:
        """The query's rows as Arrow tables of about ``batch_size`` rows. SQLite stores times
        as text: with ``declared`` (the catalog's types) DATE and TIMESTAMP columns come back
        typed, as connectorx and PostgreSQL give them. With ``key`` (the table's primary key)
        and a server that enforces a statement timeout, the rows are read in key ranges that
        each finish within it (``key_ranges.py``)."""
        try:
            for result in read_ahead(self._read(query, batch_size, key, table)):
                if declared and self.path is not None:
                    result = _sqlite_times(result, declared)
                yield _declared_decimals(result, declared) if declared else result
        except SourceError:
            raise
        except (RuntimeError, OSError, BaseException) as exc:  # connectorx panics: BaseException
            if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
                raise
            mismatch = _type_mismatch(exc, declared or {}, table, self.where)
            if mismatch is not None:
                raise mismatch from None
            raise SourceError(
                f"cannot read source ({first_line(exc)})", where=self.where, fix=self._fix(exc)
            ) from None

    def read(self, query: str, *, key: str | None = None, table: str = "") -> pa.Table:
        tables = list(self.batches(query, 1_000_000, key=key, table=table))
        return pa.concat_tables(tables) if tables else pa.table({})

    def _read(self, query: str, batch_size: int, key: str | None, table: str) -> Iterator[pa.Table]:
        server = self.server
        with self._session() as run:
            if not (key and server and server.statement_timeout_ms):
                yield from run(query, batch_size)
                return
            ranges = KeyRanges(
                query,
                key,
                batch_size,
                server.statement_timeout_ms,
                server.role,
                table or "(query)",
                self.where,
            )
            yield from ranges.read(lambda sql: _whole(run(sql, batch_size)))

    @contextlib.contextmanager
    def _session(self) -> Iterator[RunQuery]:
        """One connection for one read (connectorx: one per query, it connects by itself)."""
        if self.backend == "copy":
            from crm_warehouse.sources.crm_database.copy_csv import copy_batches

            connection = connect(self.url, self.where)
            try:
                yield lambda query, rows: copy_batches(connection, query, rows)
            finally:
                connection.close()
        elif self.backend == "adbc":
            with contextlib.closing(self._adbc_connect()) as connection:
                yield lambda query, rows: self._adbc_batches(connection, query, rows)
        else:
            yield self._connectorx_batches

    def _connectorx_batches(self, query: str, batch_size: int) -> Iterator[pa.Table]:
        import connectorx as cx

        reader = cx.read_sql(
            self.connectorx_url, query, return_type="arrow_stream", batch_size=batch_size
        )
        for batch in reader:
            yield pa.Table.from_batches([batch])

    def _adbc_batches(self, connection: Any, query: str, batch_size: int) -> Iterator[pa.Table]:
        """One query in its own transaction (ADBC opens one; it ends with the query)."""
        try:
            with connection.cursor() as cursor:
                if self.path is not None:
                    cursor.adbc_statement.set_options(
                        **{"adbc.sqlite.query.batch_rows": str(batch_size)}
                    )
                cursor.execute(query)
                pending: list[pa.RecordBatch] = []
                rows = 0
                for batch in cursor.fetch_record_batch():
                    pending.append(batch)
                    rows += batch.num_rows
                    if rows >= batch_size:
                        yield _typed(pa.Table.from_batches(pending))
                        pending, rows = [], 0
                if pending:
                    yield _typed(pa.Table.from_batches(pending))
        finally:
            with contextlib.suppress(Exception):  # a lost connection has no transaction left
                connection.rollback()

    def _adbc_connect(self) -> Any:
        if self.path is not None:
            import adbc_driver_sqlite.dbapi as sqlite_dbapi

            return sqlite_dbapi.connect(f"file:{self.path}?mode=ro")
        import adbc_driver_postgresql.dbapi as pg_dbapi

        return pg_dbapi.connect(_with_connect_timeout(self.url))

    def _fix(self, exc: BaseException) -> str:
        """What to do about a failed read: a missing driver is an installation problem, a
        statement the server timed out needs a longer timeout, a query the server refused is
        about the table, anything else most likely about the connection."""
        if isinstance(exc, ImportError):
            return f"install the project's dependencies (`make venv`); missing module: {exc.name}"
        if self.server and is_statement_timeout(exc):
            return timeout_fix(self.server.role, self.server.statement_timeout_ms)
        if "prepared statement" in str(exc):
            return (
                "use backend 'copy' (the default) or 'adbc': connectorx prepares named "
                "statements, which a connection pooler in transaction mode breaks"
            )
        import psycopg2

        from crm_warehouse.sources.crm_database.copy_csv import CopyError

        refused = (isinstance(exc, CopyError) and not exc.connection_lost) or (
            isinstance(exc, psycopg2.Error)
            and not isinstance(exc, psycopg2.OperationalError | psycopg2.InterfaceError)
        )
        if refused:
            return (
                "check that the table and its columns exist in the source database and that "
                "the user in the source URL may read them"
            )
        return connect_fix(str(exc), self.where)


def _whole(batches: Iterator[pa.Table]) -> pa.Table:
    tables = list(batches)
    return pa.concat_tables(tables) if tables else pa.table({})


_DONE = object()


def read_ahead(batches: Iterator[pa.Table], depth: int = 2) -> Iterator[pa.Table]:
    """Read the next batches in a thread while the caller works on this one: the drivers and
    Arrow release the GIL, so reading overlaps with dlt writing the previous batch. At most
    ``depth`` batches wait in memory."""
    waiting: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                if stop.is_set():
                    return
                waiting.put(batch)
            waiting.put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            waiting.put(exc)
        finally:  # a consumer that stopped early: the read's connection closes now
            close = getattr(batches, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="source-read-ahead", daemon=True)
    worker.start()
    try:
        while (item := waiting.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(queue.Empty):
                waiting.get(timeout=0.05)
        worker.join()


_MISMATCH = (
    re.compile(r"Type mismatch in column (\d+): (expected \S+ but got \S+)"),  # ADBC SQLite
    re.compile(r"InvalidColumnType\((\d+), \"[^\"]*\", (\w+)\)"),  # connectorx SQLite
)


def _type_mismatch(
    exc: BaseException, declared: dict[str, str], table: str | None, where: str
) -> SourceError | None:
    """SQLite keeps any value in any column; the drivers type a column from its first values
    and stop at one of another type. Said with the table and column, never the value."""
    for pattern in _MISMATCH:
        found = pattern.search(str(exc))
        if found is None:
            continue
        columns = list(declared)
        index = int(found[1])
        column = columns[index] if index < len(columns) else f"#{index + 1}"
        detail = found[2] if found[2].startswith("expected") else f"got {found[2]}"
        return SourceError(
            f"a value in column {column} of table {table or '?'} is not of the column's type "
            f"({detail})",
            where=where,
            fix=f"SQLite accepts any value in any column: find the row whose {column} is not "
            f"of type {declared.get(column) or '?'} (typeof({column})) and correct it in the "
            "source",
        )
    return None


def _with_connect_timeout(url: str) -> str:
    return with_params(url, {"connect_timeout": str(CONNECT_TIMEOUT_SECONDS)} | url_params(url))


def _typed(table: pa.Table) -> pa.Table:
    """ADBC hands PostgreSQL ``numeric`` over as text (an opaque extension type): cast it to
    the column's decimal (precision and scale from its type modifier); other opaque types
    (uuid, json, ...) become their text."""
    for index, field in enumerate(table.schema):
        if not isinstance(field.type, pa.BaseExtensionType):
            continue
        column = table.column(index)
        values = pa.chunked_array([c.storage for c in column.chunks], field.type.storage_type)
        if _is_numeric(field):
            # out of decimal128's range: kept as text, conformed to raw's type later
            with contextlib.suppress(pa.ArrowInvalid):
                values = pc.cast(values, _numeric_type(field))
        table = table.set_column(index, pa.field(field.name, values.type), values)
    return table


def _sqlite_times(table: pa.Table, declared: dict[str, str]) -> pa.Table:
    """Text DATE / TIMESTAMP columns of SQLite as Arrow dates and naive timestamps. A column
    with a value that does not parse stays text (the schema contract then decides)."""
    from crm_warehouse.sources.contract import try_cast

    for index, field in enumerate(table.schema):
        kind = declared.get(field.name, "").lower()
        target = (
            pa.date32()
            if kind == "date"
            else pa.timestamp("us")
            if kind.startswith(("timestamp", "datetime"))
            else None
        )
        if target is None or not pa.types.is_string(field.type):
            continue
        column = table.column(index)
        converted = try_cast(column, target)
        if pc.sum(pc.is_valid(converted)).as_py() == pc.sum(pc.is_valid(column)).as_py():
            table = table.set_column(index, pa.field(field.name, target), converted)
    return table


_NUMERIC = re.compile(r"^(?:numeric|decimal)\((\d+),\s*(\d+)\)$")


def _declared_decimals(table: pa.Table, declared: dict[str, str]) -> pa.Table:
    """Decimal columns in the precision and scale the catalog declares (connectorx reads every
    ``numeric(p,s)`` as ``decimal(38,10)``), so raw's types do not depend on the driver. A value
    that does not fit (only possible if the declaration changed) leaves the column as read."""
    for index, field in enumerate(table.schema):
        match = _NUMERIC.match(declared.get(field.name, "").lower())
        if not match or not pa.types.is_decimal(field.type):
            continue
        target = pa.decimal128(int(match[1]), int(match[2]))
        if field.type == target:
            continue
        with contextlib.suppress(pa.ArrowInvalid):
            column = pc.cast(table.column(index), target)
            table = table.set_column(index, pa.field(field.name, target), column)
    return table


def _is_numeric(field: pa.Field) -> bool:
    metadata = field.metadata or {}
    return (
        metadata.get(b"POSTGRESQL:type") == b"numeric"
        or getattr(field.type, "type_name", "") == "numeric"
    )


def _numeric_type(field: pa.Field) -> pa.DataType:
    typmod = int((field.metadata or {}).get(b"POSTGRESQL:typmod", b"-1"))
    if typmod < 4:
        return pa.decimal128(38, 10)  # unconstrained numeric, as connectorx reads it
    precision, scale = (typmod - 4) >> 16, (typmod - 4) & 0xFFFF
    return pa.decimal128(precision, scale)
