"""The CRM source against the real local PostgreSQL server: initial load, types, incremental
delta, updates, hard deletes, timestamptz cursors and connection failures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import ingest_recorded
from tests.ingest.conftest import sync, warehouse
from tests.pg import database, execute, query

pytestmark = pytest.mark.postgres

TABLES = ("customers", "products", "orders", "order_items")
LONDON = ZoneInfo("Europe/London")


def source_counts(url: str) -> dict[str, int]:
    return {f"crm_{t}": query(url, f"select count(*) from {t}")[0][0] for t in TABLES}


@pytest.mark.parametrize("backend", ["copy", "connectorx", "adbc"])
def test_initial_load_keeps_types_and_a_rerun_loads_nothing(backend, pg_crm, pg_settings):
    settings = pg_settings(pg_crm, backend=backend)
    load = sync(settings, "first")
    assert load.status == "ok", load.error
    assert {t: load.rows[t] for t in source_counts(pg_crm)} == source_counts(pg_crm)

    types = dict(
        warehouse(
            settings,
            "select column_name, data_type from "
            "information_schema.columns where table_schema = 'raw' "
            "and table_name = 'crm_order_items'",
        )
    )
    assert types["unit_price"] == "DECIMAL(12,2)"  # numeric(12,2) stays exact
    assert types["updated_at"] == "TIMESTAMP"  # naive, as the contract says
    ((item_id, price, updated),) = query(
        pg_crm, "select order_item_id, unit_price, updated_at from order_items order by 1 limit 1"
    )
    assert warehouse(
        settings,
        f"select unit_price, updated_at from raw.crm_order_items where order_item_id = {item_id}",
    ) == [(price, updated)]
    assert isinstance(price, Decimal)

    newest = query(pg_crm, "select max(updated_at) from orders")[0][0]
    recorded = warehouse(
        settings,
        "select newest_cursor_at, rows_extracted, lag_seconds from "
        "ops.source_syncs where run_id = 'first' and "
        "table_name = 'crm_orders'",
    )[0]
    assert recorded[0] == newest.replace(tzinfo=LONDON).astimezone(dt.UTC)
    assert recorded[1] == source_counts(pg_crm)["crm_orders"] and recorded[2] > 0

    again = sync(settings, "second")
    assert again.status == "ok" and again.rows_loaded == 0


def test_delta_update_and_hard_delete(pg_crm, pg_settings):
    settings = pg_settings(pg_crm)
    sync(settings, "first")
    ((last_order, last_item, later),) = query(
        pg_crm,
        "select (select max(order_id) from orders), (select max(order_item_id) from "
        "order_items), (select max(updated_at) from orders) + interval '1 hour'",
    )
    stamp = later.strftime("%Y-%m-%d %H:%M:%S")
    ((deleted_item, its_order),) = query(
        pg_crm, "select order_item_id, order_id from order_items order by 1 limit 1"
    )
    execute(
        pg_crm,
        f"insert into orders values ({last_order + 1}, 1, 'placed', '{stamp}', 'GBP', "
        f"'{stamp}', '{stamp}')",
        f"insert into order_items values ({last_item + 1}, {last_order + 1}, 1, 2, 19.99, "
        f"'{stamp}', '{stamp}'), ({last_item + 2}, {last_order + 1}, 2, 1, 5.00, '{stamp}', "
        f"'{stamp}')",
        f"update customers set income_bracket = 'High', updated_at = '{stamp}' "
        "where customer_id = 1",
        f"delete from order_items where order_item_id = {deleted_item}",
    )
    load = sync(settings, "delta")
    assert load.status == "ok", load.error
    assert {t: n for t, n in load.rows.items() if n} == {
        "crm_orders": 1,
        "crm_order_items": 2,
        "crm_customers": 1,
        "crm_order_items_deletes": 1,
    }
    assert warehouse(
        settings,
        "select income_bracket from raw.crm_customers where customer_id = 1 order by updated_at",
    )[-1] == ("High",)
    assert len(warehouse(settings, "select * from raw.crm_customers where customer_id = 1")) == 2
    # raw keeps every version of the deleted line and records the delete beside it
    assert warehouse(
        settings, f"select count(*) from raw.crm_order_items where order_item_id = {deleted_item}"
    ) == [(1,)]
    assert warehouse(settings, "select order_item_id from raw.crm_order_items_deletes") == [
        (deleted_item,)
    ]
    assert its_order  # the order itself stays
    assert sync(settings, "quiet").rows_loaded == 0  # the delete is recorded once


def test_timestamptz_arrives_as_local_time_and_increments(pg_settings):
    with database() as url:
        execute(
            url,
            "create table customers (customer_id integer primary key, email text, "
            "updated_at timestamptz not null)",
            "insert into customers values (1, 'a@example.com', '2021-06-01 10:00:00+00'), "
            "(2, 'b@example.com', '2021-01-01 11:00:00+00')",
        )
        settings = pg_settings(url, tables={"customers": "customer_id"})
        load = sync(settings, "first")
        assert load.status == "ok", load.error
        # naive wall-clock time in the source's zone (Europe/London), as the contract has it
        assert warehouse(
            settings,
            "select customer_id, updated_at, typeof(updated_at) from raw.crm_customers order by 1",
        ) == [
            (1, dt.datetime(2021, 6, 1, 11), "TIMESTAMP"),
            (2, dt.datetime(2021, 1, 1, 11), "TIMESTAMP"),
        ]
        newest = warehouse(
            settings,
            "select newest_cursor_at from ops.source_syncs "
            "where run_id = 'first' and table_name = 'crm_customers'",
        )
        assert newest == [(dt.datetime(2021, 6, 1, 10, tzinfo=dt.UTC),)]
        assert sync(settings, "again").rows_loaded == 0
        execute(
            url,
            "update customers set email = 'c@example.com', "
            "updated_at = '2021-06-01 12:30:00+01' where customer_id = 2",
        )
        assert sync(settings, "update").rows["crm_customers"] == 1


@pytest.mark.parametrize("case", ["wrong password", "host down", "database missing"])
def test_connection_failure_names_the_source_and_other_sources_load(
    case, pg_settings, private_pg, feed_dir
):
    from tests.conftest import ticket_csv

    (feed_dir / "tickets_2021-06-01.csv").write_text(ticket_csv([{"Ticket ID": "1"}]))
    url, reason = {
        "wrong password": (
            private_pg.reader_url("postgres", "not-the-password"),
            "password authentication failed",
        ),
        "host down": ("postgresql://crm:pw@127.0.0.1:1/crm", "Connection refused"),
        "database missing": (
            "postgresql://postgres@127.0.0.1:5432/crm_no_such_db",
            'database "crm_no_such_db" does not exist',
        ),
    }[case]
    settings = pg_settings(url)
    loads = {load.source: load for load in ingest_recorded(settings, "t")}
    crm = loads["crm"]
    assert crm.status == "failed"
    assert "\n" not in crm.error and "source 'crm'" in crm.error and reason in crm.error
    assert "not-the-password" not in crm.error
    assert loads["helpdesk"].status == "ok" and loads["helpdesk"].rows_loaded == 1


def test_cli_run_exits_non_zero_on_a_failed_source(pg_settings, private_pg, feed_dir):
    import subprocess
    import sys
    from pathlib import Path

    settings = pg_settings(private_pg.reader_url("postgres", "wrong-pw"))
    cli = str(Path(sys.executable).with_name("crm-warehouse"))
    result = subprocess.run(
        [cli, "--config", str(settings.config_path), "ingest"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 3
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "source 'crm'" in lines[0] and "wrong-pw" not in result.stderr
    statuses = dict(warehouse(settings, "select source, status from ops.source_syncs"))
    assert statuses["crm"] == "failed" and statuses["helpdesk"] == "ok"


def test_replication_needs_logical_wal_level(pg_crm, pg_settings):
    ((level,),) = query(pg_crm, "show wal_level")
    if level == "logical":
        pytest.skip("the local server has wal_level = logical")
    load = sync(pg_settings(pg_crm, deletes="replication"), "t")
    assert load.status == "failed"
    assert f"wal_level is '{level}'" in load.error and "deletes = 'reconcile'" in load.error
