"""Row level security between the loader's role and the CRM tables (Supabase turns it on for
tables its API exposes): a real policy hides rows from a test role on the local server. The
sync says so before loading and refuses, unless the source accepts it knowingly."""

from __future__ import annotations

import pytest

from crm_warehouse.sources.crm_database.extract import Database
from crm_warehouse.sources.crm_database.row_security import hidden_rows
from tests.ingest.conftest import sync, warehouse
from tests.pg import as_user, database, execute, login_role

pytestmark = pytest.mark.postgres

TABLES = {"customers": "customer_id", "products": "product_id"}


@pytest.fixture
def rls_crm():
    """Ten customers, of which a policy shows the loader role the five with an even key, and
    four products without row level security; yields (admin URL, loader role)."""
    with login_role(prefix="crm_loader") as loader, database() as url:
        execute(
            url,
            "create table customers (customer_id integer primary key, email text, "
            "updated_at timestamp not null)",
            "insert into customers select g, 'c' || g || '@example.com', "
            "'2021-06-01'::timestamp + g * interval '1 minute' from generate_series(1, 10) g",
            "create table products (product_id integer primary key, product_name text, "
            "updated_at timestamp not null)",
            "insert into products select g, 'p' || g, '2021-06-01' from generate_series(1, 4) g",
            f"grant select on customers, products to {loader}",
            "alter table customers enable row level security",
            f"create policy even_customers on customers for select to {loader} "
            "using (customer_id % 2 = 0)",
        )
        yield url, loader


def raw_tables(settings) -> list[str]:
    return [
        name
        for (name,) in warehouse(
            settings,
            "select table_name from information_schema.tables where table_schema = 'raw' "
            "and table_name like 'crm%' order by 1",
        )
    ]


def test_rows_hidden_by_row_level_security_stop_the_sync_before_loading(rls_crm, pg_settings):
    url, loader = rls_crm
    settings = pg_settings(as_user(url, loader), tables=TABLES)
    load = sync(settings, "t")
    assert load.status == "failed" and "\n" not in load.error
    assert (
        f"row level security hides rows of customers from role '{loader}', so a sync would "
        "load only the rows it may see in source 'crm'" in load.error
    )
    assert f"alter role {loader} bypassrls" in load.error
    assert f"create policy ... for select to {loader} using (true)" in load.error
    assert "set sources.crm.row_level_security = 'accept'" in load.error
    assert raw_tables(settings) == []  # products, which it may read whole, did not load either


def test_accepting_it_loads_what_the_role_sees_and_records_the_warning(rls_crm, pg_settings):
    url, loader = rls_crm
    settings = pg_settings(as_user(url, loader), tables=TABLES, row_level_security="accept")
    load = sync(settings, "t")
    assert load.status == "ok", load.error
    assert load.rows["crm_customers"] == 5 and load.rows["crm_products"] == 4
    assert warehouse(settings, "select customer_id from raw.crm_customers order by 1") == [
        (2,),
        (4,),
        (6,),
        (8,),
        (10,),
    ]
    expected = f"row level security hides rows of customers from role '{loader}'"
    assert any(expected in warning for warning in load.warnings)
    recorded = warehouse(
        settings, "select warning from ops.source_syncs where table_name = 'crm_customers'"
    )
    assert expected in recorded[0][0]


def test_a_policy_that_shows_every_row_or_bypassrls_clears_the_check(rls_crm, pg_settings):
    url, loader = rls_crm
    db = Database(as_user(url, loader))
    db.check()
    found = hidden_rows(db, TABLES)
    assert found is not None and (found.role, found.tables) == (loader, ["customers"])

    execute(url, f"create policy every_customer on customers for select to {loader} using (true)")
    assert hidden_rows(db, TABLES) is None
    execute(
        url,
        f"create policy with_email on customers as restrictive for select to {loader} "
        "using (email is not null)",
    )
    assert hidden_rows(db, TABLES).tables == ["customers"]  # a restrictive policy may hide rows

    execute(
        url,
        "drop policy with_email on customers",
        "drop policy every_customer on customers",
        f"alter role {loader} bypassrls",
    )
    assert hidden_rows(db, TABLES) is None
    load = sync(pg_settings(as_user(url, loader), tables=TABLES), "t")
    assert load.status == "ok", load.error
    assert load.rows["crm_customers"] == 10
