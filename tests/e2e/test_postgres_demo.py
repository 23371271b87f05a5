"""The pipeline on a PostgreSQL CRM: `demo --source-url` writes the demo into the server; a row
deleted there becomes a soft delete in staging and leaves the marts."""

from __future__ import annotations

import pytest

from tests.conftest import Project, write_config
from tests.pg import database, execute, query

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


def test_demo_on_postgres_and_a_hard_delete_becomes_a_soft_delete(tmp_path):
    with database(prefix="crm_demo_e2e") as url:
        config = write_config(tmp_path)
        config.write_text(config.read_text().replace("scale = 1.0", "scale = 0.05"))
        project = Project(tmp_path, config)
        first = project.cli("demo", "--source-url", url, "--generate-only")
        assert "generated demo sources" in first.stdout
        assert not (tmp_path / "data" / "source" / "crm.sqlite").exists()
        env = {
            "CRM_WAREHOUSE_SOURCES__CRM__KIND": "postgres",
            "CRM_WAREHOUSE_SOURCES__CRM__URL": url,
        }
        project.cli("ingest", env=env)
        project.cli("transform", env=env)  # publishing is not what this test is about
        for table in ("customers", "orders", "order_items"):
            (source,) = query(url, f"select count(*) from {table}")[0]
            assert project.sql(f"select count(*) from raw.crm_{table}") == [(source,)]

        ((order_id,),) = query(url, "select min(order_id) from orders where status = 'delivered'")
        assert project.sql(
            f"select count(*) from marts.fct_orders where order_id = {order_id}"
        ) == [(1,)]
        execute(
            url,
            f"delete from order_items where order_id = {order_id}",
            f"delete from orders where order_id = {order_id}",
        )
        project.cli("ingest", env=env)
        incremental = "stg_crm__orders stg_crm__order_items fct_orders+ fct_order_items+"
        project.cli("transform", "--select", incremental, env=env)  # after the full build

        assert project.sql(
            "select is_deleted, deleted_at is not null from "
            f"staging.stg_crm__orders where order_id = {order_id}"
        ) == [(True, True)]
        assert project.sql(
            f"select count(*) from marts.fct_orders where order_id = {order_id}"
        ) == [(0,)]
        assert project.sql(
            f"select count(*) from marts.fct_order_items where order_id = {order_id}"
        ) == [(0,)]
        assert project.sql(f"select count(*) from raw.crm_orders where order_id = {order_id}") == [
            (1,)
        ]  # raw keeps every version
        assert project.sql("select order_id from raw.crm_orders_deletes") == [(order_id,)]
