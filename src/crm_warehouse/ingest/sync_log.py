"""Sync metadata in the warehouse's ``ops`` schema, written after each source's load.

* ``ops.source_syncs``: one row per run, source and raw table - rows extracted, loaded,
  deleted (tombstones) and quarantined, the newest source cursor seen (UTC) and the lag (end
  of the sync minus that cursor). ``crm-warehouse status`` reads it (monitor owns rendering).
* ``ops.source_columns``: the columns each source currently sends per raw table, and the ones
  it stopped sending (``removed``); the staging models' pre-hook (``check_source_columns``)
  fails a model that reads a removed column.
* schema changes go to the monitor's ``ops.schema_changes``, which alerts on them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import duckdb

from crm_warehouse.monitor.schema_changes import SchemaChange, record_schema_changes
from crm_warehouse.sources.sync import SyncReport
from crm_warehouse.warehouse import OPS_SCHEMA as OPS

if TYPE_CHECKING:
    from crm_warehouse.ingest.pipeline import SourceLoad

TABLES = f"""
create schema if not exists {OPS};
create table if not exists {OPS}.source_syncs (
    run_id varchar not null,
    source varchar not null,
    kind varchar not null,
    table_name varchar not null,
    status varchar not null,
    started_at timestamptz,
    finished_at timestamptz,
    rows_extracted bigint,
    rows_loaded bigint,
    rows_deleted bigint,
    rows_quarantined bigint,
    newest_cursor_at timestamptz,
    lag_seconds double,
    warning varchar,
    error varchar
);
create table if not exists {OPS}.source_columns (
    source varchar not null,
    table_name varchar not null,
    column_name varchar not null,
    data_type varchar,
    status varchar not null,
    changed_at timestamptz not null,
    run_id varchar,
    detail varchar,
    primary key (table_name, column_name)
);
"""


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(TABLES)


def record_sync(
    con: duckdb.DuckDBPyConnection, load: SourceLoad, sync: SyncReport, finished_at: dt.datetime
) -> None:
    """Record one source's sync (also when it failed: what it saw up to the failure)."""
    migrate(con)
    _record_tables(con, load, sync, finished_at)
    if load.status == "ok":
        _record_columns(con, sync, finished_at)
    record_schema_changes(
        con,
        [
            SchemaChange(
                table_name=c.table,
                change=c.change,
                column_name=c.column,
                old_type=c.old_type,
                new_type=c.new_type,
                detail=c.detail,
                source=sync.source,
                run_id=sync.run_id,
                detected_at=finished_at,
            )
            for c in sync.changes
        ],
    )


def _record_tables(
    con: duckdb.DuckDBPyConnection, load: SourceLoad, sync: SyncReport, finished_at: dt.datetime
) -> None:
    names = sorted(set(sync.tables) | set(load.rows)) or [load.source]
    warning = "; ".join(sync.warnings) or None
    rows = []
    for name in names:
        entry = sync.tables.get(name)
        newest = entry.newest_cursor if entry else None
        rows.append(
            [
                sync.run_id,
                sync.source,
                load.kind,
                name,
                load.status,
                load.started_at,
                finished_at,
                entry.rows_extracted if entry else 0,
                load.rows.get(name, 0),
                entry.rows_deleted if entry else 0,
                entry.rows_quarantined if entry else 0,
                newest,
                (finished_at - newest).total_seconds() if newest else None,
                warning,
                load.error,
            ]
        )
    con.executemany(
        f"insert into {OPS}.source_syncs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def _record_columns(con: duckdb.DuckDBPyConnection, sync: SyncReport, at: dt.datetime) -> None:
    for entry in sync.tables.values():
        for column, data_type in entry.columns.items():
            _upsert_column(con, sync, entry.table, column, data_type, "present", None, at)
    for change in sync.changes:
        if change.change in {"removed", "renamed"}:
            _upsert_column(
                con,
                sync,
                change.table,
                change.column,
                change.old_type,
                "removed",
                change.detail,
                at,
            )


def _upsert_column(
    con: duckdb.DuckDBPyConnection,
    sync: SyncReport,
    table: str,
    column: str,
    data_type: str | None,
    status: str,
    detail: str | None,
    at: dt.datetime,
) -> None:
    con.execute(
        f"insert into {OPS}.source_columns values (?, ?, ?, ?, ?, ?, ?, ?) "
        "on conflict (table_name, column_name) do update set "
        "data_type = coalesce(excluded.data_type, source_columns.data_type), "
        "changed_at = case when source_columns.status = excluded.status "
        "then source_columns.changed_at else excluded.changed_at end, "
        "run_id = case when source_columns.status = excluded.status "
        "then source_columns.run_id else excluded.run_id end, "
        "status = excluded.status, detail = excluded.detail",
        [sync.source, table, column, data_type, status, at, sync.run_id, detail],
    )


def newest_cursors(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, dt.datetime]:
    """The newest cursor recorded so far per raw table of ``source``."""
    migrate(con)
    return dict(
        con.execute(
            f"select table_name, max(newest_cursor_at) from {OPS}.source_syncs "
            "where source = ? and newest_cursor_at is not null group by table_name",
            [source],
        ).fetchall()
    )
