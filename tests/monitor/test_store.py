"""The ops schema: an idempotent migration from the first release, and retention. The metric
views over it are dbt models: tests/transform/test_ops_models.py."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from crm_warehouse.monitor import RunRecorder, StepRecord
from crm_warehouse.monitor.store import migrate, prune

FIRST_RELEASE_DDL = """
create schema ops;
create table ops.runs (run_id varchar primary key, command varchar not null,
    status varchar not null, started_at timestamptz not null, finished_at timestamptz,
    seconds double, error varchar, summary json);
create table ops.run_steps (run_id varchar not null, step varchar not null,
    name varchar not null, status varchar not null, started_at timestamptz, seconds double,
    rows_read bigint, rows_written bigint, error varchar);
insert into ops.runs values ('old-run', 'run', 'ok', '2026-01-01 00:00:00+00',
    '2026-01-01 00:01:00+00', 60, null, '{}');
insert into ops.run_steps values ('old-run', 'ingest', 'crm_orders', 'ok',
    '2026-01-01 00:00:00+00', 10, null, 7, null);
"""

NOW = dt.datetime.now(dt.UTC).replace(hour=12, minute=0, second=0, microsecond=0)


@pytest.fixture
def con():
    with duckdb.connect() as con:
        migrate(con)
        yield con


def record(
    con, settings, run_id: str, started: dt.datetime, status: str, steps: list[StepRecord]
) -> None:
    recorder = RunRecorder(settings, "run", run_id=run_id, started_at=started)
    for step in steps:
        recorder.add(step)
    recorder.save(con, status, None if status == "ok" else "failed", started + dt.timedelta(1 / 24))


def ingest(table: str, rows: int, started: dt.datetime, status: str = "ok") -> StepRecord:
    return StepRecord("ingest", table, status, started, 5.0, rows_written=rows, source="crm")


def test_migration_from_the_first_release_is_idempotent():
    with duckdb.connect() as con:
        con.execute(FIRST_RELEASE_DDL)
        migrate(con)
        migrate(con)
        assert con.execute("select run_id, log_file from ops.runs").fetchall() == [
            ("old-run", None)
        ]
        assert con.execute(
            "select name, rows_written, source, finished_at from ops.run_steps"
        ).fetchall() == [("crm_orders", 7, None, None)]


def test_retention_drops_old_runs_with_their_rows(con, project):
    settings = project()
    old, recent = NOW - dt.timedelta(days=100), NOW - dt.timedelta(days=5)
    record(con, settings, "old", old, "ok", [ingest("crm_orders", 1, old)])
    record(con, settings, "recent", recent, "ok", [ingest("crm_orders", 2, recent)])
    con.execute(
        "insert into ops.incidents (incident_id, kind, subject, status, title, "
        "opened_at, opened_run_id, last_seen_at, last_seen_run_id, occurrences, "
        "resolved_at) values ('i1', 'source_failed', 'crm', 'resolved', 't', ?, 'old', "
        "?, 'old', 1, ?), ('i2', 'source_failed', 'x', 'open', 't', ?, 'old', ?, 'old', "
        "1, null)",
        [old, old, old, old, old],
    )

    assert prune(con, 90, NOW) == 1
    assert con.execute("select run_id from ops.runs").fetchall() == [("recent",)]
    assert con.execute("select run_id from ops.run_steps").fetchall() == [("recent",)]
    assert con.execute("select incident_id from ops.incidents").fetchall() == [("i2",)]
