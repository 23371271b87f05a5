"""A ``statement_timeout`` shorter than a full read, set on the loader's role as Supabase does:
the first full sync reads the table in primary-key ranges that each finish within it, and a
table that cannot be read that way fails with the timeout to raise and how."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from crm_warehouse.sources.crm_database.extract import Database
from tests.ingest.conftest import sync, warehouse
from tests.pg import as_user, database, execute, login_role

pytestmark = pytest.mark.postgres

ROWS = 400_000
TIMEOUT_MS = 80


@pytest.fixture(scope="module")
def short_timeout():
    """``order_items`` with ROWS rows (indexed as the contract asks) and ``events``, a view
    whose key no index serves; the loader role's statement_timeout is TIMEOUT_MS in this
    database. Yields (admin URL, loader role). The full sync test changes two rows last."""
    with login_role(prefix="crm_short") as loader, database() as url:
        name = url.rsplit("/", 1)[1]
        execute(
            url,
            "create table order_items (order_item_id integer primary key, order_id integer, "
            "quantity integer, unit_price numeric(12,2), updated_at timestamp not null)",
            "insert into order_items select g, g / 3, 1 + g % 5, (g % 1000) / 10.0, "
            "'2021-01-01'::timestamp + g * interval '1 second' "
            f"from generate_series(1, {ROWS}) g",
            "create index ix_order_items_updated_at on order_items (updated_at)",
            "create view events as select md5(order_item_id::text) as event_key, updated_at "
            "from order_items",
            "analyze order_items",
            f"grant select on order_items, events to {loader}",
            f"alter role {loader} in database {name} set statement_timeout = '{TIMEOUT_MS}ms'",
        )
        yield url, loader


def read_whole_table(url: str) -> None:
    import psycopg2

    with psycopg2.connect(url) as con, con.cursor() as cur:
        cur.copy_expert("copy (select * from order_items) to stdout", io.BytesIO())


@pytest.mark.parametrize("backend", ["copy", "adbc", "connectorx"])
def test_each_reader_reads_a_table_too_large_for_one_statement_in_key_ranges(
    backend, short_timeout
):
    import psycopg2

    url, loader = short_timeout
    with pytest.raises(psycopg2.errors.QueryCanceled, match="statement timeout"):
        read_whole_table(as_user(url, loader))  # the premise: one statement cannot read it all
    db = Database(as_user(url, loader), backend=backend)
    db.check()
    assert db.server is not None and db.server.statement_timeout_ms == TIMEOUT_MS
    batches = list(db.batches("select * from order_items", 500_000, key="order_item_id", table="t"))
    keys = pa.chunked_array([b.column("order_item_id") for b in batches])
    assert len(keys) == ROWS and pc.count_distinct(keys).as_py() == ROWS
    assert len(batches) > 1  # more than one statement


def test_the_first_full_sync_and_the_next_finish_within_the_timeout(short_timeout, pg_settings):
    url, loader = short_timeout
    settings = pg_settings(as_user(url, loader), tables={"order_items": "order_item_id"})
    first = sync(settings, "first")
    assert first.status == "ok", first.error
    assert first.rows["crm_order_items"] == ROWS
    assert warehouse(
        settings, "select count(distinct order_item_id), sum(quantity) from raw.crm_order_items"
    ) == [(ROWS, sum(1 + g % 5 for g in range(1, ROWS + 1)))]

    execute(
        url,
        "update order_items set quantity = 9, updated_at = '2030-01-01' where order_item_id = 8",
        "delete from order_items where order_item_id = 7",
    )
    second = sync(settings, "second")  # the cursor's range and every key, within the timeout
    assert second.status == "ok", second.error
    assert {t: n for t, n in second.rows.items() if n} == {
        "crm_order_items": 1,
        "crm_order_items_deletes": 1,
    }


def test_a_table_no_key_range_can_read_in_time_names_the_timeout_to_raise(
    short_timeout, pg_settings
):
    url, loader = short_timeout
    settings = pg_settings(as_user(url, loader), tables={"events": "event_key"})
    load = sync(settings, "t")
    assert load.status == "failed" and "\n" not in load.error
    assert "reading table events runs into the statement timeout even 500 rows at a time" in (
        load.error
    )
    assert f"raise the statement_timeout of role {loader} ({TIMEOUT_MS} ms now)" in load.error
    assert f"alter role {loader} set statement_timeout = '10min'" in load.error
