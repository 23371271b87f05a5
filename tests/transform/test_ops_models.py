"""The monitor's metric views (transform/models/ops) built by dbt over a run store the tests
write: the same figures the monitor used to compute in Python, from runs, steps, snapshots and
dbt results recorded here."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import yaml

from crm_warehouse.monitor import StepRecord
from crm_warehouse.monitor.store import FAILED_STATUSES, migrate, view_rows
from crm_warehouse.warehouse import OPS_SCHEMA
from tests.monitor.test_store import ingest, record
from tests.transform.conftest import PROJECT_DIR, DbtWarehouse

VIEWS = (
    "mtr_ingestion_lag",
    "mtr_row_volume_daily",
    "mtr_failed_jobs_daily",
    "mtr_slowest_models",
    "mtr_freshness_sla",
    "mtr_pipeline_health",
)
NOW = dt.datetime.now(dt.UTC).replace(hour=12, minute=0, second=0, microsecond=0)


@pytest.fixture(scope="module")
def built_views(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty run store (the monitor's migration) with the views dbt builds over it."""
    work_dir = tmp_path_factory.mktemp("dbt_ops")
    warehouse = DbtWarehouse(
        path=work_dir / "warehouse.duckdb", work_dir=work_dir, dbt_vars={"ops_schema": OPS_SCHEMA}
    )
    with duckdb.connect(str(warehouse.path)) as con:
        migrate(con)
    warehouse.invoke("build", "--select", "path:models/ops")
    warehouse.query("force checkpoint")  # dbt's connection stays open: write the views to the file
    return warehouse.path


@pytest.fixture
def con(built_views: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A private copy of the built store; same file name, so the views' database name holds."""
    path = tmp_path / built_views.name
    shutil.copyfile(built_views, path)
    with duckdb.connect(str(path)) as connection:
        yield connection


def test_dbt_builds_every_view_into_the_ops_schema(con):
    built = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = ? and table_type = 'VIEW'",
            [OPS_SCHEMA],
        ).fetchall()
    }
    assert built == set(VIEWS)
    assert all(view_rows(con, view) == [] for view in VIEWS)


def test_the_project_counts_the_monitors_failed_statuses():
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    assert tuple(project["vars"]["ops_failed_statuses"]) == FAILED_STATUSES


def test_daily_volume_failed_jobs_and_pipeline_health(con, project):
    settings = project()
    day1, day2 = NOW - dt.timedelta(days=2), NOW - dt.timedelta(days=1)
    record(con, settings, "d1a", day1, "ok", [ingest("crm_orders", 100, day1)])
    record(
        con, settings, "d1b", day1 + dt.timedelta(hours=2), "ok", [ingest("crm_orders", 20, day1)]
    )
    record(
        con,
        settings,
        "d2a",
        day2,
        "failed",
        [
            ingest("crm_orders", 0, day2, "failed"),
            StepRecord("transform", "test.p.not_null_x.ab12", "fail"),
            StepRecord("transform", "model.p.orders", "error"),
            StepRecord("alert", "slack", "failed"),
        ],
    )
    record(
        con, settings, "d2b", day2 + dt.timedelta(hours=1), "ok", [ingest("crm_orders", 90, day2)]
    )

    volume = con.execute(
        "select load_date, rows_loaded, runs, rows_loaded_delta "
        "from ops.mtr_row_volume_daily order by load_date"
    ).fetchall()
    assert volume == [(day1.date(), 120, 2, None), (day2.date(), 90, 1, -30)]
    failed = con.execute(
        "select run_date, runs, failed_runs, failed_source_steps, failed_models, "
        "failed_tests, failed_alert_deliveries from ops.mtr_failed_jobs_daily "
        "order by run_date"
    ).fetchall()
    assert failed == [(day1.date(), 2, 0, 0, 0, 0, 0), (day2.date(), 2, 1, 1, 1, 1, 1)]
    health = con.execute(
        "select component, last_status, last_run_id, failures_last_7_days "
        "from ops.mtr_pipeline_health"
    ).fetchall()
    assert health == [("crm", "ok", "d2b", 1)]


def test_ingestion_lag_reads_the_latest_snapshot_and_last_success(con, project):
    settings = project()
    started = NOW - dt.timedelta(hours=6)
    record(con, settings, "r1", started, "ok", [ingest("crm_orders", 5, started)])
    con.executemany(
        "insert into ops.table_snapshots values (?, ?, 'crm', 'crm_orders', ?, ?, ?)",
        [
            ["r0", NOW - dt.timedelta(days=1), 10, NOW - dt.timedelta(days=1), None],
            ["r1", NOW - dt.timedelta(hours=5), 15, NOW - dt.timedelta(hours=5), started],
        ],
    )
    (lag,) = view_rows(con, "mtr_ingestion_lag")
    assert (lag["table_name"], lag["row_count"]) == ("crm_orders", 15)
    now = dt.datetime.now(dt.UTC)
    synced = NOW - dt.timedelta(hours=5)
    assert lag["sync_lag_seconds"] == pytest.approx((now - synced).total_seconds(), abs=60)
    assert lag["cursor_lag_seconds"] == pytest.approx((now - started).total_seconds(), abs=60)
    assert lag["last_success_at"] == started + dt.timedelta(seconds=5)


def test_slowest_models_and_freshness_keep_the_latest_result(con):
    nodes = [
        ["model.p.a", "model", "success", 2.0, NOW - dt.timedelta(hours=2)],
        ["model.p.a", "model", "success", 4.0, NOW - dt.timedelta(hours=1)],
        ["model.p.b", "model", "success", 3.0, NOW - dt.timedelta(hours=1)],
        ["model.p.b", "model", "error", 9.0, NOW],
        ["test.p.t", "test", "pass", 8.0, NOW],
    ]
    con.executemany(
        "insert into ops.dbt_node_results (run_id, invocation_id, unique_id, resource_type, "
        "status, execution_seconds, completed_at) values ('r', 'i', ?, ?, ?, ?, ?)",
        nodes,
    )
    slowest = con.execute(
        "select slowness_rank, unique_id, last_execution_seconds, avg_execution_seconds, "
        "executions from ops.mtr_slowest_models order by slowness_rank"
    ).fetchall()
    assert slowest == [(1, "model.p.a", 4.0, 3.0, 2), (2, "model.p.b", 3.0, 3.0, 1)]
    checks = [
        ["r1", "source.p.crm.orders", "warn", NOW - dt.timedelta(days=1)],
        ["r2", "source.p.crm.orders", "pass", NOW],
    ]
    con.executemany(
        "insert into ops.source_freshness (run_id, invocation_id, unique_id, source_name, "
        "table_name, status, snapshotted_at) values (?, 'i', ?, 'crm', 'orders', ?, ?)",
        checks,
    )
    fresh = con.execute(
        "select source_name, table_name, status, is_within_sla, run_id from ops.mtr_freshness_sla"
    ).fetchall()
    assert fresh == [("crm", "orders", "pass", True, "r2")]
