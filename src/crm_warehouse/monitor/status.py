"""Read back what recent runs did and how the sources stand, as the typed ``StatusReport``
(``report.py``) that ``crm-warehouse status`` (and ``--json``) and the ops page show."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb

from crm_warehouse.errors import ConfigError
from crm_warehouse.monitor import store
from crm_warehouse.monitor.report import (
    AlertFailure,
    DailyVolume,
    FailedJobs,
    FailingCheck,
    GateReport,
    GateRow,
    Incident,
    RunStage,
    RunSummary,
    SlowModel,
    SourceStatus,
    StatusReport,
    StepRow,
    SyncRow,
    typed,
)
from crm_warehouse.monitor.snapshots import measure_tables
from crm_warehouse.monitor.store import FAILED_STATUSES, rows, view_rows
from crm_warehouse.settings import Settings
from crm_warehouse.warehouse import OPS_SCHEMA as OPS
from crm_warehouse.warehouse import connect

_STEP_ORDER = (
    "case step when 'stage' then 0 when 'ingest' then 1 when 'transform' then 2 "
    "when 'freshness' then 3 when 'publish' then 4 else 5 end"
)


_GATE_ORDER = {"fail": 0, "warn": 1, "overridden": 2, "approved": 3, "pass": 4}


def read_status(settings: Settings, *, last: int = 10) -> StatusReport:
    if not settings.duckdb_path.exists():
        raise ConfigError(
            f"no warehouse at {settings.duckdb_path}",
            fix="run `crm-warehouse run` (or `make demo`) first",
        )
    with connect(settings) as con:
        store.migrate(con)
        return report(con, settings, last=last)


def report(
    con: duckdb.DuckDBPyConnection, settings: Settings, *, last: int, now: dt.datetime | None = None
) -> StatusReport:
    """Everything `status` and the ops page show, read on ``con`` (ops tables migrated)."""
    now = now or dt.datetime.now(dt.UTC)
    runs = _runs(con, last)
    last_run = runs[0].run_id if runs else None
    steps = _steps(con, last_run)
    return StatusReport(
        generated_at=now,
        runs=runs,
        last_run_steps=steps,
        sources=_sources(con, settings, last_run, now),
        last_run_syncs=last_run_syncs(con, last_run),
        failures=[s for s in steps if s.status in FAILED_STATUSES],
        failing_checks=_failing_checks(con, steps),
        incidents=typed(
            Incident,
            rows(con, f"select * from {OPS}.incidents where status = 'open' order by opened_at"),
        ),
        recent_incidents=typed(
            Incident, rows(con, f"select * from {OPS}.incidents order by opened_at desc limit 20")
        ),
        alert_failures=typed(
            AlertFailure,
            rows(
                con,
                f"select channel, channel_kind, count(*) as failures, "
                f"max(attempted_at) as last_failure_at, arg_max(error, attempted_at) "
                f"as last_error from {OPS}.alert_deliveries where status = 'failed' "
                f"and attempted_at >= ? group by all order by channel",
                [now - dt.timedelta(days=1)],
            ),
        ),
        slowest_models=typed(
            SlowModel,
            view_rows(
                con,
                "mtr_slowest_models",
                "where slowness_rank <= ? order by slowness_rank",
                [settings.monitor.slowest_models],
            ),
        ),
        row_volume=typed(
            DailyVolume,
            view_rows(
                con,
                "mtr_row_volume_daily",
                "where load_date >= ? order by load_date, table_name",
                [(now - dt.timedelta(days=14)).date()],
            ),
        ),
        failed_jobs=typed(
            FailedJobs,
            view_rows(con, "mtr_failed_jobs_daily", "order by run_date desc limit 14"),
        ),
        quality=gate_report(con),
    )


def _runs(con: duckdb.DuckDBPyConnection, last: int) -> list[RunSummary]:
    runs = rows(
        con,
        f"select run_id, command, status, started_at, finished_at, seconds, error, "
        f"log_file from {OPS}.runs order by started_at desc limit ?",
        [last],
    )
    stages: dict[str, list[dict[str, Any]]] = {}
    for step in rows(
        con,
        f"select run_id, step, name, status, seconds, error from {OPS}.run_steps where "
        f"run_id in (select unnest(?::varchar[])) and step = 'stage' order by started_at",
        [[r["run_id"] for r in runs]],
    ):
        stages.setdefault(step.pop("run_id"), []).append(step)
    for run in runs:
        run["stages"] = typed(RunStage, stages.get(run["run_id"], []))
    return typed(RunSummary, runs)


def _steps(con: duckdb.DuckDBPyConnection, run_id: str | None) -> list[StepRow]:
    if run_id is None:
        return []
    found = rows(
        con,
        f"select step, name, source, status, started_at, seconds, rows_written, "
        f"error from {OPS}.run_steps where run_id = ? "
        f"order by {_STEP_ORDER}, started_at nulls last, name",
        [run_id],
    )
    return typed(StepRow, found)


def _sources(
    con: duckdb.DuckDBPyConnection, settings: Settings, last_run: str | None, now: dt.datetime
) -> list[SourceStatus]:
    """Per raw table: size and lag measured now, last run's rows, freshness, last success."""
    last_rows = dict(
        con.execute(
            f"select name, rows_written from {OPS}.run_steps where run_id = ? and step = 'ingest'",
            [last_run],
        ).fetchall()
    )
    freshness = {r["table_name"]: r for r in view_rows(con, "mtr_freshness_sla")}
    last_ok = dict(
        con.execute(
            f"select name, max(coalesce(finished_at, started_at)) from {OPS}.run_steps "
            f"where step = 'ingest' and status = 'ok' group by name"
        ).fetchall()
    )
    syncs = latest_syncs(con)
    found = []
    for stats in measure_tables(con, settings):
        fresh = freshness.get(stats.table_name, {})
        synced = syncs.get(stats.table_name, {})
        newest_cursor = synced.get("newest_cursor_at") or stats.newest_cursor_at
        found.append(
            SourceStatus(
                source=stats.source,
                table=stats.table_name,
                rows=stats.row_count,
                last_run_rows=last_rows.get(stats.table_name) or 0,
                last_synced_at=stats.newest_synced_at,
                sync_lag_seconds=_age(now, stats.newest_synced_at),
                rows_extracted=synced.get("rows_extracted"),
                newest_cursor_at=newest_cursor,
                cursor_lag_seconds=_age(now, newest_cursor),
                sync_warning=synced.get("warning"),
                last_success_at=last_ok.get(stats.table_name),
                freshness_status=fresh.get("status"),
                freshness_checked_at=fresh.get("checked_at"),
            )
        )
    return found


def last_run_syncs(con: duckdb.DuckDBPyConnection, run_id: str | None) -> list[SyncRow]:
    """What each source's sync in the run did, per table, as ingestion recorded it
    (ops.source_syncs), failed syncs included: a source that failed before it read a table has
    one line named after the source, with the error."""
    if run_id is None:
        return []
    found = rows(
        con,
        f"select source, table_name, status, rows_extracted, rows_loaded, rows_deleted, "
        f"rows_quarantined, newest_cursor_at, lag_seconds, warning, error "
        f"from {OPS}.source_syncs where run_id = ? order by source, table_name",
        [run_id],
    )
    return typed(SyncRow, found)


def latest_syncs(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Per raw table, its latest sync as ingestion recorded it (ops.source_syncs): rows
    extracted, newest source cursor seen (any source kind), warnings such as a lagging slot."""
    return {
        r["table_name"]: r
        for r in rows(
            con,
            f"select * from {OPS}.source_syncs qualify row_number() over "
            "(partition by table_name order by finished_at desc) = 1",
        )
    }


def _failing_checks(con: duckdb.DuckDBPyConnection, steps: list[StepRow]) -> list[FailingCheck]:
    """Failed steps and tests of the last run (stages aside: they repeat their step's error),
    and every source whose latest freshness check did not pass."""
    failing = [
        FailingCheck(f"{s.step}: {s.name}", s.status, s.error or "")
        for s in steps
        if s.status in FAILED_STATUSES and s.step not in {"stage", "freshness"}
    ]
    failing += [
        FailingCheck(
            f"freshness: {r['source_name']}.{r['table_name']}",
            r["status"],
            f"newest row {r['max_loaded_at']:%Y-%m-%d %H:%M} UTC" if r["max_loaded_at"] else "",
        )
        for r in view_rows(
            con, "mtr_freshness_sla", "where status <> 'pass' order by source_name, table_name"
        )
    ]
    return failing


def gate_report(con: duckdb.DuckDBPyConnection) -> GateReport | None:
    """The latest run that evaluated gates: its id and outcome, each gate, what it quarantined
    and any override; None before the first."""
    latest = con.execute(
        f"select runs.run_id, runs.status, runs.started_at, runs.summary from {OPS}.runs "
        f"as runs where exists (select 1 from {OPS}.run_steps as steps where "
        "steps.run_id = runs.run_id and steps.step = 'gate') "
        "order by runs.started_at desc limit 1"
    ).fetchall()
    if not latest:
        return None
    run_id, status, started_at, summary = latest[0]
    gates = con.execute(
        f"select name, status, error from {OPS}.run_steps where run_id = ? and step = 'gate'",
        [run_id],
    ).fetchall()
    quality = (json.loads(summary) if summary else {}).get("quality", {})
    return GateReport(
        run_id=run_id,
        run_status=status,
        started_at=started_at,
        gates=[
            GateRow(name, gate_status, detail or "")
            for name, gate_status, detail in sorted(
                gates, key=lambda g: (_GATE_ORDER.get(g[1], 5), g[0])
            )
        ],
        quarantined=quality.get("quarantined", {}),
        override=quality.get("override"),
    )


def _age(now: dt.datetime, then: dt.datetime | None) -> float | None:
    return (now - then).total_seconds() if then else None
