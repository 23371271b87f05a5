"""What the sources' syncs saw, recorded in ``ops`` from ingestion's results (``SourceLoad``):

* ``ops.source_syncs``: one row per run, source and raw table - rows extracted, loaded,
  deleted (tombstones) and quarantined, the newest source cursor seen (UTC) and the lag (end
  of the sync minus that cursor); a failed sync that read no table has one row named after
  the source, with the error;
* ``ops.schema_changes``: the column changes each sync detected; the monitor turns the changes
  of a table into one alert and closes the incident at the next run without changes;
* ``ops.source_columns``: the columns each source currently sends per raw table, and the ones
  it stopped sending (``removed``). The staging models' pre-hook (``check_source_columns``)
  fails a model that reads a removed column, so the runner records them in the warehouse dbt
  is about to build, right after ingestion.

The tables are defined in ``store.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

import duckdb

from crm_warehouse.ingest.result import SourceLoad
from crm_warehouse.monitor import store
from crm_warehouse.monitor.redact import redact
from crm_warehouse.warehouse import OPS_SCHEMA as OPS

Change = Literal["added", "removed", "renamed", "type_changed"]


@dataclass(frozen=True)
class SchemaChange:
    table_name: str  # the raw table, e.g. crm_customers
    change: Change
    column_name: str | None = None
    old_type: str | None = None
    new_type: str | None = None
    detail: str | None = None  # e.g. "renamed from email_address"
    source: str | None = None
    run_id: str | None = None
    detected_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def record_schema_changes(con: duckdb.DuckDBPyConnection, changes: list[SchemaChange]) -> None:
    """Record changes in the warehouse (on the caller's connection)."""
    if not changes:
        return
    store.migrate(con)
    con.executemany(
        f"insert into {OPS}.schema_changes (detected_at, run_id, source, table_name, "
        "column_name, change, old_type, new_type, detail) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                c.detected_at,
                c.run_id,
                c.source,
                c.table_name,
                c.column_name,
                c.change,
                c.old_type,
                c.new_type,
                c.detail,
            ]
            for c in changes
        ],
    )


def record_syncs(con: duckdb.DuckDBPyConnection, run_id: str, loads: list[SourceLoad]) -> None:
    """Each source's sync of the run and the schema changes it saw (failed syncs too: what
    they saw up to the failure); ops tables migrated by the caller."""
    for load in loads:
        _record_tables(con, run_id, load)
        record_schema_changes(con, _schema_changes(run_id, load))


def record_source_columns(con: duckdb.DuckDBPyConnection, loads: list[SourceLoad]) -> None:
    """The columns the sources that loaded send now, and those they stopped sending."""
    store.migrate(con)
    for load in loads:
        if load.status == "ok" and load.sync is not None:
            _record_columns(con, load)


def _finished(load: SourceLoad) -> dt.datetime:
    return load.finished_at or load.started_at + dt.timedelta(seconds=load.seconds)


def _schema_changes(run_id: str, load: SourceLoad) -> list[SchemaChange]:
    if load.sync is None:
        return []
    return [
        SchemaChange(
            table_name=c.table,
            change=c.change,
            column_name=c.column,
            old_type=c.old_type,
            new_type=c.new_type,
            detail=c.detail,
            source=load.source,
            run_id=run_id,
            detected_at=_finished(load),
        )
        for c in load.sync.changes
    ]


def _record_tables(con: duckdb.DuckDBPyConnection, run_id: str, load: SourceLoad) -> None:
    tables = load.sync.tables if load.sync else {}
    names = sorted(set(tables) | set(load.rows)) or [load.source]
    warning = redact("; ".join(load.warnings)) or None
    error = redact(load.error) if load.error else None
    finished = _finished(load)
    rows = []
    for name in names:
        entry = tables.get(name)
        newest = entry.newest_cursor if entry else None
        rows.append(
            [
                run_id,
                load.source,
                load.kind,
                name,
                load.status,
                load.started_at,
                finished,
                entry.rows_extracted if entry else 0,
                load.rows.get(name, 0),
                entry.rows_deleted if entry else 0,
                entry.rows_quarantined if entry else 0,
                newest,
                (finished - newest).total_seconds() if newest else None,
                warning,
                error,
            ]
        )
    con.executemany(
        f"insert into {OPS}.source_syncs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def _record_columns(con: duckdb.DuckDBPyConnection, load: SourceLoad) -> None:
    assert load.sync is not None
    at, run_id = _finished(load), load.sync.run_id
    for entry in load.sync.tables.values():
        for column, data_type in entry.columns.items():
            _upsert_column(con, load.source, run_id, entry.table, column, data_type, None, at)
    for change in load.sync.changes:
        if change.change in {"removed", "renamed"}:
            _upsert_column(
                con,
                load.source,
                run_id,
                change.table,
                change.column,
                change.old_type,
                change.detail,
                at,
                status="removed",
            )


def _upsert_column(
    con: duckdb.DuckDBPyConnection,
    source: str,
    run_id: str,
    table: str,
    column: str,
    data_type: str | None,
    detail: str | None,
    at: dt.datetime,
    *,
    status: str = "present",
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
        [source, table, column, data_type, status, at, run_id, detail],
    )
