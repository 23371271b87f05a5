"""The CRM source through a connection pooler, as Supabase is reached: PgBouncer in transaction
and in session mode in front of the local server (tests/pg.py starts it on a free port).

The pool hands consecutive transactions of one client to its server sessions in turn
(round-robin over sessions opened beforehand), so a reader that kept state from one transaction
to the next - a session ``SET``, a named prepared statement - fails every time, not now and
then."""

from __future__ import annotations

import time

import pytest

from crm_warehouse.demo import generate
from tests.ingest.conftest import sync, warehouse
from tests.pg import execute, pgbouncer, query

pytestmark = pytest.mark.postgres

TABLES = ("customers", "products", "orders", "order_items")


def source_counts(url: str) -> dict[str, int]:
    return {f"crm_{t}": query(url, f"select count(*) from {t}")[0][0] for t in TABLES}


def session_settings(pooler, url: str) -> set[tuple[str, ...]]:
    """The settings of every server session in the pool (each client holds one session)."""
    import psycopg2

    clients = [psycopg2.connect(pooler.url(url)) for _ in range(pooler.pool_size)]
    try:
        found = set()
        for client in clients:
            with client.cursor() as cur:
                cur.execute(
                    "select current_setting('extra_float_digits'), "
                    "current_setting('DateStyle'), current_setting('TimeZone')"
                )
                found.add(cur.fetchone())
        return found
    finally:
        for client in clients:
            client.rollback()
            client.close()


@pytest.mark.parametrize("mode", ["transaction", "session"])
@pytest.mark.parametrize("backend", ["copy", "adbc"])
def test_incremental_syncs_and_deletes_through_pgbouncer(mode, backend, pg_crm, pg_settings):
    name = pg_crm.rsplit("/", 1)[1]
    # Session defaults a read must neither depend on nor leave changed.
    execute(
        pg_crm,
        f"alter database {name} set datestyle = 'SQL, DMY'",
        f"alter database {name} set timezone = 'America/New_York'",
    )
    with pgbouncer(mode) as pooler:
        pooler.spread(pg_crm)
        before = session_settings(pooler, pg_crm)
        settings = pg_settings(pooler.url(pg_crm), backend=backend, batch_size="100")
        first = sync(settings, "first")
        assert first.status == "ok", first.error
        assert {t: first.rows[t] for t in source_counts(pg_crm)} == source_counts(pg_crm)
        ((customer, signup, updated),) = query(
            pg_crm, "select customer_id, signup_date, updated_at from customers order by 1 limit 1"
        )
        assert warehouse(
            settings,
            f"select signup_date, updated_at from raw.crm_customers where customer_id = {customer}",
        ) == [(signup, updated)]

        ((last_order, later),) = query(
            pg_crm, "select max(order_id), max(updated_at) + interval '1 hour' from orders"
        )
        ((deleted_item,),) = query(pg_crm, "select min(order_item_id) from order_items")
        stamp = later.strftime("%Y-%m-%d %H:%M:%S")
        execute(
            pg_crm,
            f"insert into orders values ({last_order + 1}, {customer}, 'placed', '{stamp}', "
            f"'GBP', '{stamp}', '{stamp}')",
            f"update customers set income_bracket = 'High', updated_at = '{stamp}' "
            f"where customer_id = {customer}",
            f"delete from order_items where order_item_id = {deleted_item}",
        )
        delta = sync(settings, "delta")
        assert delta.status == "ok", delta.error
        assert {t: n for t, n in delta.rows.items() if n} == {
            "crm_orders": 1,
            "crm_customers": 1,
            "crm_order_items_deletes": 1,
        }
        assert session_settings(pooler, pg_crm) == before  # nothing left behind in the pool
    assert {(digits, zone) for digits, _, zone in before} == {("1", "America/New_York")}


@pytest.mark.parametrize("mode", ["transaction", "session"])
def test_connectorx_is_refused_through_a_pooler_at_once(mode, pg_crm, pg_settings):
    with pgbouncer(mode) as pooler:
        settings = pg_settings(pooler.url(pg_crm), backend="connectorx")
        load = sync(settings, "t")
    assert load.status == "failed" and "\n" not in load.error
    assert f"connection pooler at 127.0.0.1:{pooler.port}" in load.error
    assert "prepares named statements" in load.error and "backend 'copy'" in load.error
    assert "127.0.0.1:5432" in load.error  # where the server itself listens
    assert warehouse(
        settings, "select count(*) from information_schema.tables where table_name like 'crm_%'"
    ) == [(0,)]


def test_why_connectorx_is_refused_its_statements_break_in_transaction_mode(pg_crm):
    """connectorx prepares named statements: through a transaction pooler the statement is
    prepared in one server session and executed in another (or collides with a name left in
    it). If this ever passes, connectorx may be allowed through poolers again."""
    import connectorx as cx

    failures = []
    with pgbouncer("transaction") as pooler:
        for _ in range(3):
            pooler.spread(pg_crm)
            try:
                cx.read_sql(pooler.url(pg_crm), "select * from orders", return_type="arrow")
            except BaseException as exc:  # connectorx raises RuntimeError, or panics
                failures.append(str(exc))
    assert failures and all("prepared statement" in f for f in failures), failures


@pytest.mark.parametrize("connections", [1, 2])
def test_a_pool_with_few_server_connections_does_not_deadlock_a_run(
    connections, pg_crm, pg_settings, monkeypatch
):
    """Session mode gives each client a server session of its own: a source that opened more
    connections than the pool has would wait for itself (until ``query_wait_timeout``). Small
    CSV blocks make every table several batches, so a table's read holds its connection while
    dlt asks the other tables for rows."""
    monkeypatch.setattr("crm_warehouse.sources.crm_database.copy_csv.BLOCK_BYTES", 2048)
    counts = source_counts(pg_crm)
    with pgbouncer("session", pool_size=connections, query_wait_timeout=3) as pooler:
        settings = pg_settings(
            pooler.url(pg_crm), batch_size="40", max_connections=str(connections)
        )
        first = sync(settings, "first")
        assert first.status == "ok", first.error
        execute(pg_crm, "delete from order_items where order_item_id in (1, 2)")
        second = sync(settings, "second")
        assert second.status == "ok", second.error
    assert {t: first.rows[t] for t in counts} == counts
    assert second.rows["crm_order_items_deletes"] == 2


def test_replication_through_a_pooler_fails_at_once_naming_the_direct_connection(
    pg_crm, pg_settings
):
    with pgbouncer("transaction") as pooler:
        started = time.monotonic()
        load = sync(pg_settings(pooler.url(pg_crm), deletes="replication"), "t")
        took = time.monotonic() - started
    assert load.status == "failed" and "\n" not in load.error and took < 10
    assert f"needs a direct connection to the database, but 127.0.0.1:{pooler.port} is a " in (
        load.error
    )
    assert "set sources.crm.replication.url to the direct connection (127.0.0.1:5432)" in (
        load.error
    )


def test_syncs_through_the_pooler_and_deletes_from_the_slot_over_the_direct_url(
    private_pg, pg_settings, tmp_path
):
    """Supabase's layout: the pooler for reads, the direct connection for the slot."""
    name = f"crm_pooled_{int(time.time() * 1000) % 10**8}"
    execute(private_pg.url(), f"create database {name}")
    direct = private_pg.url(name)
    try:
        generate(direct, tmp_path / "feed", seed=5, scale=0.02)
        with pgbouncer("transaction", server_url=private_pg.url()) as pooler:
            settings = pg_settings(
                pooler.url(direct), deletes="replication", replication__url=direct
            )
            first = sync(settings, "first")
            assert first.status == "ok", first.error
            execute(direct, "delete from order_items where order_item_id in (3, 4)")
            second = sync(settings, "second")
        assert second.status == "ok", second.error
        assert sorted(
            warehouse(settings, "select order_item_id from raw.crm_order_items_deletes")
        ) == [(3,), (4,)]
        slots = "select slot_name from pg_replication_slots where database = current_database()"
        assert query(direct, slots) == [("crm_warehouse_crm",)]
    finally:
        execute(
            private_pg.url(),
            "select pg_drop_replication_slot(slot_name) from pg_replication_slots "
            f"where database = '{name}'",
            f"drop database if exists {name} with (force)",
        )
