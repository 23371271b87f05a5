"""Writing the CRM source database: SQLite (stdlib) and PostgreSQL (psycopg2, COPY).

The generator and ``advance`` only talk to a ``SourceWriter``. SQL passed to ``query`` and
``execute_many`` uses ``?`` placeholders and portable SQL; the PostgreSQL writer translates the
placeholders. Values read back are normalised by the callers (timestamps may come back as text
or as ``datetime``, money as float or ``Decimal``).
"""

from __future__ import annotations

import csv
import io
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from crm_warehouse.demo import schema
from crm_warehouse.errors import PipelineError, SourceError


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest.split("/", 1)[0]:
        credentials, _, host = rest.partition("@")
        user = credentials.split(":", 1)[0]
        return f"{scheme}{sep}{user}:***@{host}"
    return url


class SourceWriter(ABC):
    """A CRM database the demo can create, fill and update."""

    url: str

    @abstractmethod
    def existing_tables(self) -> set[str]:
        """Which of the contract's tables already exist."""

    @abstractmethod
    def create_tables(self) -> None: ...

    @abstractmethod
    def create_indexes(self) -> None: ...

    @abstractmethod
    def insert(self, table: str, rows: Sequence[Sequence[Any]]) -> None:
        """Append rows (all columns of ``table``, in contract order)."""

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    @abstractmethod
    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def close(self, *, success: bool) -> None:
        """Finish: keep the data if ``success``, otherwise discard what this writer created."""


class SqliteWriter(SourceWriter):
    """SQLite through the stdlib driver, in large transactions.

    A new database is written to ``<file>.partial`` with journalling off (fast, and nothing to
    recover: a failed run leaves no half-written database) and renamed into place on success.
    """

    def __init__(self, url: str, path: Path, *, bulk: bool) -> None:
        self.url = url
        self.path = path
        self._fresh = bulk and not path.exists()
        self._work_path = path.with_name(path.name + ".partial") if self._fresh else path
        if self._fresh:
            self._work_path.unlink(missing_ok=True)
        if not path.parent.is_dir():
            raise SourceError(
                f"folder {path.parent} does not exist",
                where=url,
                fix="create the folder or correct [sources.crm] url",
            )
        if not bulk and not path.exists():
            raise SourceError(
                f"the CRM database {path} does not exist",
                where=url,
                fix="generate the demo first, or correct [sources.crm] url",
            )
        self.conn = sqlite3.connect(self._work_path, isolation_level=None)
        if self._fresh:
            self.conn.execute("PRAGMA journal_mode=OFF")
            self.conn.execute("PRAGMA synchronous=OFF")
        else:
            self.conn.execute("PRAGMA busy_timeout=30000")
        self.conn.execute("BEGIN")

    def existing_tables(self) -> set[str]:
        rows = self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows} & set(schema.TABLES)

    def create_tables(self) -> None:
        for table in schema.TABLES:
            self.conn.execute(schema.create_table_sql(table))

    def create_indexes(self) -> None:
        for sql in schema.create_index_sql():
            self.conn.execute(sql)

    def insert(self, table: str, rows: Sequence[Sequence[Any]]) -> None:
        marks = ", ".join("?" * len(schema.TABLES[table]))
        self.conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()

    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def commit(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("BEGIN")

    def close(self, *, success: bool) -> None:
        try:
            self.conn.execute("COMMIT" if success else "ROLLBACK")
        finally:
            self.conn.close()
        if self._fresh:
            if success:
                self._work_path.replace(self.path)
            else:
                self._work_path.unlink(missing_ok=True)


class PostgresWriter(SourceWriter):
    """PostgreSQL (e.g. Supabase) through psycopg2; bulk rows go in with COPY.

    Generation runs in one transaction (it never calls ``commit``), so a failed run leaves no
    tables behind; ``advance`` commits once per day.
    """

    def __init__(self, url: str) -> None:
        import psycopg2  # only needed for PostgreSQL sources

        self.url = url
        scheme, _, rest = url.partition("://")
        dsn = f"postgresql://{rest}" if scheme.startswith("postgres") else url
        try:
            self.conn = psycopg2.connect(dsn)
        except psycopg2.Error as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc)
            raise SourceError(
                f"cannot connect to the CRM database: {first_line}",
                where=redact(url),
                fix="check [sources.crm] url",
            ) from None
        self.cur = self.conn.cursor()

    def existing_tables(self) -> set[str]:
        self.cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        return {name for (name,) in self.cur.fetchall()} & set(schema.TABLES)

    def create_tables(self) -> None:
        for table in schema.TABLES:
            self.cur.execute(schema.create_table_sql(table))

    def create_indexes(self) -> None:
        for sql in schema.create_index_sql():
            self.cur.execute(sql)

    def insert(self, table: str, rows: Sequence[Sequence[Any]]) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerows(rows)
        buffer.seek(0)
        cols = ", ".join(schema.columns(table))
        self.cur.copy_expert(f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv)", buffer)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.cur.execute(sql.replace("?", "%s"), tuple(params))
        return self.cur.fetchall()

    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.cur.executemany(sql.replace("?", "%s"), [tuple(row) for row in rows])

    def commit(self) -> None:
        self.conn.commit()

    def close(self, *, success: bool) -> None:
        try:
            if success:
                self.conn.commit()
            else:
                self.conn.rollback()
        finally:
            self.conn.close()


def open_writer(source_url: str, *, bulk: bool = False) -> SourceWriter:
    """A writer for ``sqlite:////abs/path.sqlite`` or ``postgresql://user:pw@host/db``."""
    scheme = source_url.split("://", 1)[0].split("+", 1)[0].lower()
    if scheme == "sqlite":
        path_text = source_url.split("://", 1)[1].removeprefix("/")
        if not path_text or path_text == ":memory:":
            raise PipelineError(
                "the demo needs an SQLite file, not an in-memory database",
                where=source_url,
                fix="use sqlite:////abs/path/crm.sqlite",
            )
        return SqliteWriter(source_url, Path(path_text.split("?", 1)[0]), bulk=bulk)
    if scheme in ("postgresql", "postgres"):
        return PostgresWriter(source_url)
    raise PipelineError(
        f"the demo cannot write a {scheme!r} database",
        where=redact(source_url),
        fix="use a sqlite:/// or postgresql:// URL",
    )
