"""The same project built on PostgreSQL (the `postgres` target): same figures as on DuckDB."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.transform import make_raw_fixture
from tests.transform.conftest import DbtWarehouse

pytestmark = pytest.mark.postgres

PG = {
    "host": os.environ.get("CRM_WAREHOUSE_PG_HOST", "127.0.0.1"),
    "port": os.environ.get("CRM_WAREHOUSE_PG_PORT", "5432"),
    "user": os.environ.get("CRM_WAREHOUSE_PG_USER", "postgres"),
    "password": os.environ.get("CRM_WAREHOUSE_PG_PASSWORD", ""),
}


def _dsn(dbname: str) -> str:
    return " ".join(f"{key}={value}" for key, value in {**PG, "dbname": dbname}.items() if value)


def _admin(sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(_dsn("postgres"), connect_timeout=5)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


@pytest.fixture(scope="module")
def postgres_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DbtWarehouse]:
    import psycopg2

    dbname = f"crm_dbt_check_{uuid.uuid4().hex[:8]}"
    try:
        _admin(f"create database {dbname}")
    except psycopg2.OperationalError as error:
        pytest.skip(f"no PostgreSQL server at {PG['host']}:{PG['port']} ({error})".strip())
    work_dir: Path = tmp_path_factory.mktemp("dbt_postgres")
    warehouse = DbtWarehouse(
        path=work_dir / "unused.duckdb",
        work_dir=work_dir,
        target="postgres",
        extra_env={"CRM_WAREHOUSE_PG_DBNAME": dbname},
    )
    try:
        make_raw_fixture.write_postgres(_dsn(dbname), syncs=[0])
        warehouse.invoke("build")
        yield warehouse
    finally:
        _admin(f"drop database if exists {dbname} with (force)")


def _one(warehouse: DbtWarehouse, sql: str) -> dict[str, Any]:
    import psycopg2
    import psycopg2.extras

    dbname = (warehouse.extra_env or {})["CRM_WAREHOUSE_PG_DBNAME"]
    with (
        psycopg2.connect(_dsn(str(dbname))) as connection,
        connection.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor,
    ):
        cursor.execute(sql)
        rows = cursor.fetchall()
    assert len(rows) == 1
    return dict(rows[0])


def test_postgres_build_matches_the_duckdb_figures(
    postgres_warehouse: DbtWarehouse, built_warehouse: DbtWarehouse
) -> None:
    columns = (
        "total_revenue_gbp, orders, units, aov_gbp, arpc_gbp, customers, closed_tickets, "
        "avg_first_response_hours, avg_resolution_hours, csat_positive_pct, unmatched_tickets"
    )
    on_postgres = _one(postgres_warehouse, f"select {columns} from analytics.mtr_kpi_summary")
    on_duckdb = built_warehouse.one(f"select {columns} from analytics.mtr_kpi_summary")
    assert on_postgres == on_duckdb
    assert on_postgres["total_revenue_gbp"] == Decimal("3470.00")
    # surrogate keys are the same hash on every adapter
    key_sql = "select customer_key from marts.dim_customers where customer_id = 1"
    assert _one(postgres_warehouse, key_sql) == built_warehouse.one(key_sql)


def test_postgres_incremental_run_and_snapshot(postgres_warehouse: DbtWarehouse) -> None:
    dbname = str((postgres_warehouse.extra_env or {})["CRM_WAREHOUSE_PG_DBNAME"])
    make_raw_fixture.write_postgres(_dsn(dbname), syncs=[1])
    postgres_warehouse.invoke("build")
    assert _one(postgres_warehouse, "select total_revenue_gbp from analytics.mtr_kpi_summary") == {
        "total_revenue_gbp": Decimal("2550.00")
    }
    assert _one(
        postgres_warehouse,
        "select count(*) as versions from marts.dim_customers_history where customer_id = 3",
    ) == {"versions": 2}
