"""Streaming extraction into Arrow batches through connectorx (SQLite and Postgres alike).

connectorx reads a query straight into Arrow without Python row objects; ``arrow_stream``
hands it back batch by batch so a 10M-row table never sits in memory whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import connectorx as cx
import pyarrow as pa

from crm_warehouse.errors import SourceError


def connectorx_url(url: str, *, root: Path | None = None) -> str:
    """Translate a SQLAlchemy-style URL into the form connectorx expects.

    ``sqlite:///relative.db`` is resolved against ``root``; ``postgresql+psycopg2://`` loses
    its driver suffix.
    """
    scheme, rest = url.split("://", 1)
    dialect = scheme.split("+", 1)[0]
    if dialect == "sqlite":
        path = Path(rest[1:] if rest.startswith("/") else rest)
        if not path.is_absolute():
            path = (root or Path.cwd()) / path
        return f"sqlite://{path}"
    if dialect in {"postgres", "postgresql"}:
        return f"postgresql://{rest}"
    raise SourceError(f"unsupported database URL scheme {scheme!r}",
                      fix="use sqlite:///path or postgresql://user:password@host:5432/db")


def describe_url(url: str) -> str:
    """The URL without credentials, safe for logs and error messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def sqlite_path(cx_url: str) -> Path | None:
    return Path(cx_url.removeprefix("sqlite://")) if cx_url.startswith("sqlite://") else None


def read_batches(
    cx_url: str, query: str, batch_size: int, *, where: str
) -> Iterator[pa.Table]:
    path = sqlite_path(cx_url)
    if path is not None and not path.exists():
        raise SourceError(f"source database file {path} does not exist", where=where,
                          fix="run `crm-warehouse demo` or correct sources.<name>.url")
    try:
        reader = cx.read_sql(cx_url, query, return_type="arrow_stream", batch_size=batch_size)
        for batch in reader:
            yield pa.Table.from_batches([batch])
    except (RuntimeError, OSError, BaseException) as exc:  # connectorx panics are BaseException
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceError(f"cannot read source ({reason})", where=where,
                          fix="check that the database is reachable and the URL, user and "
                              "password are right") from None


def check_connection(cx_url: str, *, where: str, timeout_seconds: int = 10) -> None:
    """Fail fast, with the server's reason, before connectorx's 30 s pool timeout would."""
    if not cx_url.startswith("postgresql://"):
        return
    import psycopg2

    try:
        psycopg2.connect(cx_url, connect_timeout=timeout_seconds).close()
    except psycopg2.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceError(f"cannot connect to the database ({reason})", where=where,
                          fix="check host, port, database name, user and password in the "
                              "source URL, and that the server accepts connections") from None


def select_list(cx_url: str, table: str) -> str:
    """Columns to select. SQLite's NUMERIC affinity stores 499.00 as the integer 499, so one
    column mixes integers and reals and connectorx (which types a column from its values)
    fails; those columns are read as REAL. Other databases: ``*``."""
    path = sqlite_path(cx_url)
    if path is None or not path.exists():
        return "*"
    import sqlite3

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        columns = con.execute(f"pragma table_info('{table}')").fetchall()
    if not columns:
        return "*"
    return ", ".join(
        f'cast("{name}" as real) as "{name}"'
        if declared.upper().startswith(("NUMERIC", "DECIMAL")) else f'"{name}"'
        for _, name, declared, *_ in columns
    )
