"""The ``ops`` schema: every ops table's definition (this module is their only owner), their
idempotent migration and retention. Every statement here is safe to run on every run. The dbt
project declares the ops tables it reads as dbt sources (``ops.source_columns`` for its
staging pre-hook); the metric views over them (``ops.mtr_*``) are dbt models
(``transform/models/ops``), built into this schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from crm_warehouse.warehouse import OPS_SCHEMA as OPS
from crm_warehouse.warehouse import table_exists

# The dbt project counts the same statuses as failures (var ops_failed_statuses).
FAILED_STATUSES = ("failed", "error", "fail", "runtime error")

TABLES = f"""
create schema if not exists {OPS};
create table if not exists {OPS}.runs (
    run_id varchar primary key,
    command varchar not null,
    status varchar not null,
    started_at timestamptz not null,
    finished_at timestamptz,
    seconds double,
    error varchar,
    summary json
);
create table if not exists {OPS}.run_steps (
    run_id varchar not null,
    step varchar not null,
    name varchar not null,
    status varchar not null,
    started_at timestamptz,
    seconds double,
    rows_read bigint,
    rows_written bigint,
    error varchar
);
create table if not exists {OPS}.dbt_node_results (
    run_id varchar not null,
    invocation_id varchar not null,
    command varchar,
    unique_id varchar not null,
    resource_type varchar not null,
    status varchar not null,
    started_at timestamptz,
    completed_at timestamptz,
    execution_seconds double,
    rows_affected bigint,
    bytes_processed bigint,
    failures bigint,
    message varchar
);
create table if not exists {OPS}.source_freshness (
    run_id varchar not null,
    invocation_id varchar not null,
    unique_id varchar not null,
    source_name varchar not null,
    table_name varchar not null,
    status varchar not null,
    max_loaded_at timestamptz,
    snapshotted_at timestamptz,
    age_seconds double,
    warn_after_seconds double,
    error_after_seconds double,
    error varchar
);
create table if not exists {OPS}.table_snapshots (
    run_id varchar not null,
    observed_at timestamptz not null,
    source varchar,
    table_name varchar not null,
    row_count bigint not null,
    newest_synced_at timestamptz,
    newest_cursor_at timestamptz
);
create table if not exists {OPS}.incidents (
    incident_id varchar primary key,
    kind varchar not null,
    subject varchar not null,
    status varchar not null,
    title varchar not null,
    location varchar,
    message varchar,
    hint varchar,
    log_file varchar,
    opened_at timestamptz not null,
    opened_run_id varchar not null,
    last_seen_at timestamptz not null,
    last_seen_run_id varchar not null,
    occurrences integer not null,
    resolved_at timestamptz,
    resolved_run_id varchar
);
create table if not exists {OPS}.incident_events (
    event_id varchar primary key,
    incident_id varchar not null,
    event varchar not null,
    run_id varchar not null,
    event_at timestamptz not null
);
create table if not exists {OPS}.alert_deliveries (
    event_id varchar not null,
    channel varchar not null,
    channel_kind varchar not null,
    status varchar not null,
    attempted_at timestamptz not null,
    run_id varchar not null,
    error varchar
);
create table if not exists {OPS}.schema_changes (
    detected_at timestamptz not null,
    run_id varchar,
    source varchar,
    table_name varchar not null,
    column_name varchar,
    change varchar not null,
    old_type varchar,
    new_type varchar,
    detail varchar,
    incident_id varchar
);
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

# Columns added after a table first shipped: (table, column, type).
MIGRATIONS = (
    ("runs", "log_file", "varchar"),
    ("run_steps", "finished_at", "timestamptz"),
    ("run_steps", "source", "varchar"),
)

# Deleted together with their run once the run is older than the retention.
_PER_RUN_TABLES = (
    "run_steps",
    "dbt_node_results",
    "source_freshness",
    "table_snapshots",
    "alert_deliveries",
)


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create or upgrade every ops table; safe to run on every run."""
    con.execute(TABLES)
    for table, column, sql_type in MIGRATIONS:
        con.execute(f"alter table {OPS}.{table} add column if not exists {column} {sql_type}")


def prune(con: duckdb.DuckDBPyConnection, retention_days: int, now: dt.datetime) -> int:
    """Drop runs older than the retention with everything recorded for them; resolved incidents
    too. Returns the number of runs dropped."""
    cutoff = now - dt.timedelta(days=retention_days)
    old = [
        r[0]
        for r in con.execute(
            f"select run_id from {OPS}.runs where started_at < ?", [cutoff]
        ).fetchall()
    ]
    if old:
        for table in _PER_RUN_TABLES:
            con.execute(
                f"delete from {OPS}.{table} where run_id in (select unnest(?::varchar[]))", [old]
            )
        con.execute(f"delete from {OPS}.runs where run_id in (select unnest(?::varchar[]))", [old])
    con.execute(f"delete from {OPS}.schema_changes where detected_at < ?", [cutoff])
    con.execute(
        f"delete from {OPS}.incident_events where incident_id in (select incident_id from "
        f"{OPS}.incidents where status = 'resolved' and resolved_at < ?)",
        [cutoff],
    )
    con.execute(
        f"delete from {OPS}.incidents where status = 'resolved' and resolved_at < ?", [cutoff]
    )
    return len(old)


def rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def view_rows(
    con: duckdb.DuckDBPyConnection, view: str, clause: str = "", params: list[Any] | None = None
) -> list[dict[str, Any]]:
    """``select * from ops.<view> <clause>``: a metric view dbt builds (transform/models/ops);
    none before the first build that made it."""
    if not table_exists(con, OPS, view):
        return []
    return rows(con, f"select * from {OPS}.{view} {clause}", params)
