"""The ``ops`` schema: every ops table's definition (this module is their only owner), their
idempotent migration, the metric views and retention. Every statement here is safe to run on
every run. The dbt project reads ``ops.source_columns`` (its staging pre-hook) and declares the
ops tables it reads as dbt sources.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from crm_warehouse.warehouse import OPS_SCHEMA as OPS

FAILED_STATUSES = ("failed", "error", "fail", "runtime error")
_FAILED_SQL = "('failed', 'error', 'fail', 'runtime error')"

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

VIEWS = {
    "mtr_ingestion_lag": f"""
        -- one row per raw table: its newest data and how far behind now it is
        with latest as (
            select *, row_number() over (
                partition by table_name order by observed_at desc) as recency
            from {OPS}.table_snapshots
        ),
        last_success as (
            select name as table_name, max(coalesce(finished_at, started_at)) as last_success_at
            from {OPS}.run_steps
            where step = 'ingest' and status = 'ok'
            group by name
        )
        select
            latest.source,
            latest.table_name,
            latest.row_count,
            latest.newest_synced_at,
            latest.newest_cursor_at,
            epoch(now() - latest.newest_synced_at) as sync_lag_seconds,
            epoch(now() - latest.newest_cursor_at) as cursor_lag_seconds,
            last_success.last_success_at,
            latest.observed_at
        from latest
        left join last_success on last_success.table_name = latest.table_name
        where latest.recency = 1
    """,
    "mtr_row_volume_daily": f"""
        -- one row per raw table and UTC day with a successful load: rows loaded, delta vs the
        -- previous day with loads, and the table's size at the end of the day
        with loads as (
            select
                cast(timezone('UTC', runs.started_at) as date) as load_date,
                steps.name as table_name,
                any_value(steps.source) as source,
                sum(coalesce(steps.rows_written, 0)) as rows_loaded,
                count(distinct steps.run_id) as runs
            from {OPS}.run_steps as steps
            inner join {OPS}.runs as runs on runs.run_id = steps.run_id
            where steps.step = 'ingest' and steps.status = 'ok'
            group by all
        ),
        sizes as (
            select
                cast(timezone('UTC', observed_at) as date) as load_date,
                table_name,
                arg_max(row_count, observed_at) as total_rows
            from {OPS}.table_snapshots
            group by all
        )
        select
            loads.load_date,
            loads.source,
            loads.table_name,
            loads.runs,
            loads.rows_loaded,
            loads.rows_loaded - lag(loads.rows_loaded) over (
                partition by loads.table_name order by loads.load_date) as rows_loaded_delta,
            sizes.total_rows
        from loads
        left join sizes
            on sizes.load_date = loads.load_date and sizes.table_name = loads.table_name
    """,
    "mtr_failed_jobs_daily": f"""
        -- one row per UTC day with runs: runs, failed runs, and failed steps by kind
        with runs as (
            select run_id, status, cast(timezone('UTC', started_at) as date) as run_date
            from {OPS}.runs
        ),
        steps as (
            select
                runs.run_date,
                count(*) filter (where steps.step = 'ingest') as failed_source_steps,
                count(*) filter (
                    where steps.step in ('transform', 'freshness')
                    and split_part(steps.name, '.', 1) in ('model', 'snapshot', 'seed')
                ) as failed_models,
                count(*) filter (
                    where split_part(steps.name, '.', 1) in ('test', 'unit_test')
                ) as failed_tests,
                count(*) filter (where steps.step = 'freshness') as failed_freshness_checks,
                count(*) filter (where steps.step = 'alert') as failed_alert_deliveries
            from {OPS}.run_steps as steps
            inner join runs on runs.run_id = steps.run_id
            where steps.status in {_FAILED_SQL}
            group by runs.run_date
        )
        select
            runs.run_date,
            count(*) as runs,
            count(*) filter (where runs.status = 'failed') as failed_runs,
            coalesce(any_value(steps.failed_source_steps), 0) as failed_source_steps,
            coalesce(any_value(steps.failed_models), 0) as failed_models,
            coalesce(any_value(steps.failed_tests), 0) as failed_tests,
            coalesce(any_value(steps.failed_freshness_checks), 0) as failed_freshness_checks,
            coalesce(any_value(steps.failed_alert_deliveries), 0) as failed_alert_deliveries
        from runs
        left join steps on steps.run_date = runs.run_date
        group by runs.run_date
    """,
    "mtr_slowest_models": f"""
        -- one row per dbt model, snapshot or seed: latest and average execution time (and
        -- bytes processed where the adapter reports them), ranked slowest first
        with nodes as (
            select * from {OPS}.dbt_node_results
            where resource_type in ('model', 'snapshot', 'seed') and status = 'success'
        )
        select
            row_number() over (
                order by arg_max(execution_seconds, completed_at) desc, unique_id
            ) as slowness_rank,
            unique_id,
            any_value(resource_type) as resource_type,
            arg_max(execution_seconds, completed_at) as last_execution_seconds,
            avg(execution_seconds) as avg_execution_seconds,
            max(execution_seconds) as max_execution_seconds,
            arg_max(bytes_processed, completed_at) as last_bytes_processed,
            count(*) as executions,
            max(completed_at) as last_completed_at
        from nodes
        group by unique_id
    """,
    "mtr_freshness_sla": f"""
        -- one row per dbt source table: the latest freshness check against its SLA
        select
            source_name,
            table_name,
            status,
            status = 'pass' as is_within_sla,
            max_loaded_at,
            age_seconds,
            warn_after_seconds,
            error_after_seconds,
            snapshotted_at as checked_at,
            run_id
        from {OPS}.source_freshness
        qualify row_number() over (
            partition by unique_id order by snapshotted_at desc nulls last, run_id desc) = 1
    """,
    "mtr_pipeline_health": f"""
        -- one row per source and per pipeline stage: last outcome, last success, recent failures
        with outcomes as (
            select
                'source' as component_type,
                steps.source as component,
                steps.run_id,
                any_value(runs.started_at) as started_at,
                case when bool_or(steps.status in {_FAILED_SQL}) then 'failed' else 'ok' end
                    as status
            from {OPS}.run_steps as steps
            inner join {OPS}.runs as runs on runs.run_id = steps.run_id
            where steps.step = 'ingest' and steps.source is not null
            group by steps.source, steps.run_id
            union all
            select 'stage', steps.name, steps.run_id, runs.started_at, steps.status
            from {OPS}.run_steps as steps
            inner join {OPS}.runs as runs on runs.run_id = steps.run_id
            where steps.step = 'stage'
        ),
        open_incidents as (
            select subject, count(*) as open_incidents
            from {OPS}.incidents
            where status = 'open'
            group by subject
        )
        select
            outcomes.component_type,
            outcomes.component,
            arg_max(outcomes.status, outcomes.started_at) as last_status,
            arg_max(outcomes.run_id, outcomes.started_at) as last_run_id,
            max(outcomes.started_at) as last_run_at,
            max(outcomes.started_at) filter (where outcomes.status = 'ok') as last_success_at,
            count(*) filter (
                where outcomes.status <> 'ok' and outcomes.started_at >= now() - interval 7 day
            ) as failures_last_7_days,
            coalesce(any_value(open_incidents.open_incidents), 0) as open_incidents
        from outcomes
        left join open_incidents on open_incidents.subject = outcomes.component
        group by outcomes.component_type, outcomes.component
    """,
}

# Deleted together with their run once the run is older than the retention.
_PER_RUN_TABLES = (
    "run_steps",
    "dbt_node_results",
    "source_freshness",
    "table_snapshots",
    "alert_deliveries",
)


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create or upgrade every ops table and view; safe to run on every run."""
    con.execute(TABLES)
    for table, column, sql_type in MIGRATIONS:
        con.execute(f"alter table {OPS}.{table} add column if not exists {column} {sql_type}")
    for name, sql in VIEWS.items():
        con.execute(f"create or replace view {OPS}.{name} as {sql}")


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
