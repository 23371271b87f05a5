"""Hard deletes through logical replication (pgoutput), on a private cluster with
wal_level = logical: deletes arrive with their commit time, the slot advances only after the
load, a lagging slot is reported and a dropped slot stops the source instead of restarting."""

from __future__ import annotations

import time

import pytest

from crm_warehouse.demo import generate
from tests.ingest.conftest import sync, warehouse
from tests.pg import execute, query

pytestmark = pytest.mark.postgres

SLOT = "crm_warehouse_crm"


@pytest.fixture
def replicated_crm(private_pg, tmp_path):
    name = f"crm_repl_{int(time.time() * 1000) % 10**8}"
    execute(private_pg.url(), f"create database {name}")
    url = private_pg.url(name)
    generate(url, tmp_path / "feed-pg", seed=3, scale=0.02)
    try:
        yield url
    finally:
        execute(
            private_pg.url(),
            f"select pg_drop_replication_slot(slot_name) from "
            f"pg_replication_slots where database = '{name}'",
            f"drop database if exists {name} with (force)",
        )


def slot_lsn(url: str) -> str | None:
    rows = query(
        url,
        f"select confirmed_flush_lsn::text from pg_replication_slots where slot_name = '{SLOT}'",
    )
    return rows[0][0] if rows else None


def test_deletes_come_from_the_slot_with_their_commit_time(replicated_crm, pg_settings):
    url = replicated_crm
    settings = pg_settings(url, deletes="replication")
    first = sync(settings, "first")
    assert first.status == "ok", first.error
    created_at = slot_lsn(url)
    assert created_at is not None

    execute(
        url,
        "delete from order_items where order_item_id in (1, 2)",
        "delete from customers where customer_id = 3",
    )
    ((after_deletes,),) = query(url, "select pg_current_wal_lsn()::text")
    deleted_before = time.time()
    time.sleep(1.2)
    load = sync(settings, "deletes")
    assert load.status == "ok", load.error
    assert load.rows["crm_order_items_deletes"] == 2 and load.rows["crm_customers_deletes"] == 1
    rows = warehouse(
        settings,
        "select order_item_id, epoch(_ab_deleted_at), "
        "epoch(_ab_extracted_at) from raw.crm_order_items_deletes "
        "order by 1",
    )
    assert [r[0] for r in rows] == [1, 2]
    for _, deleted_at, extracted_at in rows:  # the commit time from the WAL, not the sync's
        assert deleted_at <= deleted_before + 0.5 and extracted_at - deleted_at >= 1.0

    # confirmed only once a later sync finds the load committed (write-audit-publish may
    # still discard a load after it committed to its staging copy)
    def confirmed_past_deletes() -> bool:
        return query(url, f"select '{slot_lsn(url)}'::pg_lsn >= '{after_deletes}'::pg_lsn")[0][0]

    assert not confirmed_past_deletes()
    assert sync(settings, "again").rows_loaded == 0
    assert confirmed_past_deletes()


def test_lagging_slot_is_reported(replicated_crm, pg_settings):
    url = replicated_crm
    settings = pg_settings(url, deletes="replication")
    assert sync(settings, "first").status == "ok"
    execute(
        url,
        "create table filler as select g, repeat('x', 100) as pad "
        "from generate_series(1, 30000) as g",
    )
    lagging = pg_settings(url, deletes="replication", replication__max_lag_mb="1")
    load = sync(lagging, "lagging")
    assert load.status == "ok"
    assert load.warnings and "MiB behind" in load.warnings[0] and SLOT in load.warnings[0]
    recorded = warehouse(
        lagging, "select distinct warning from ops.source_syncs where run_id = 'lagging'"
    )
    assert recorded == [(load.warnings[0],)]


def test_dropped_slot_stops_the_source_until_a_reconciliation(replicated_crm, pg_settings):
    url = replicated_crm
    settings = pg_settings(url, deletes="replication")
    assert sync(settings, "first").status == "ok"
    execute(
        url, f"select pg_drop_replication_slot('{SLOT}')", "delete from orders where order_id = 4"
    )

    failed = sync(settings, "dropped")
    assert failed.status == "failed"
    assert f"replication slot '{SLOT}' is gone (dropped)" in failed.error
    assert "deletes = 'reconcile'" in failed.error
    assert slot_lsn(url) is None  # not silently recreated

    reconciled = sync(pg_settings(url, deletes="reconcile"), "reconcile")
    assert reconciled.status == "ok" and reconciled.rows["crm_orders_deletes"] == 1
    back = sync(pg_settings(url, deletes="replication"), "back")
    assert back.status == "ok" and slot_lsn(url) is not None
