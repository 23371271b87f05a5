"""Where the warehouse lives: the dlt destination and a SQL connection for the pipeline's own
reads and writes (metadata, exports). DuckDB is the embedded default."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from crm_warehouse.errors import ConfigError
from crm_warehouse.settings import Settings

RAW_SCHEMA = "raw"
OPS_SCHEMA = "ops"


def dlt_destination(settings: Settings) -> Any:
    import dlt

    if settings.warehouse.target == "duckdb":
        from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

        settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        # raw is append-only and read with ORDER BY where order matters: DuckDB need not keep
        # the files' row order, so it loads their row groups in parallel.
        credentials = DuckDbCredentials(
            str(settings.duckdb_path), global_config={"preserve_insertion_order": False}
        )
        return dlt.destinations.duckdb(credentials)
    if settings.warehouse.target == "postgres":
        return dlt.destinations.postgres()  # credentials: DESTINATION__POSTGRES__CREDENTIALS
    return dlt.destinations.bigquery()  # credentials: DESTINATION__BIGQUERY__CREDENTIALS__*


def require_duckdb(settings: Settings, what: str) -> None:
    if settings.warehouse.target != "duckdb":
        raise ConfigError(
            f"{what} supports only the duckdb warehouse target so far",
            where=f"warehouse.target = {settings.warehouse.target!r}",
            fix="set warehouse.target = 'duckdb' (postgres/bigquery targets are dbt-only)",
        )


@contextmanager
def connect(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection to the DuckDB warehouse file. Another process reading the file
    (Power BI, a notebook) locks it for a moment: wait for it rather than fail."""
    require_duckdb(settings, "the pipeline's own warehouse access")
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    con = _open_waiting(settings.duckdb_path)
    try:
        yield con
    finally:
        con.close()


def _open_waiting(path: Path, *, seconds: float = 30.0) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])
