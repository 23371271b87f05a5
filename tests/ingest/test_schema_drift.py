"""Schema drift on a database source: new, removed and renamed columns are recorded; values
of the wrong type follow the source's schema contract (quarantine, evolve, freeze); hard
deletes found by primary-key reconciliation."""

from __future__ import annotations

import sqlite3

import pytest

from tests.ingest.conftest import sync, warehouse
from tests.ingest.test_crm_database import add_customer


@pytest.fixture
def crm(crm_db: sqlite3.Connection) -> sqlite3.Connection:
    for cid in (1, 2, 3):
        add_customer(crm_db, cid, f"2021-06-01 1{cid}:00:00")
    return crm_db


def changes(settings, run_id: str) -> list[tuple]:
    return warehouse(
        settings,
        "select table_name, column_name, change, old_type, new_type, "
        f"detail from ops.schema_changes where run_id = '{run_id}' "
        "order by column_name, change",
    )


def touch(crm: sqlite3.Connection, sql: str, cid: int, at: str = "2021-06-02 09:00:00") -> None:
    crm.execute(sql)
    crm.execute("update customers set updated_at = ? where customer_id = ?", (at, cid))
    crm.commit()


def test_new_column_flows_into_raw_and_is_recorded(crm, project):
    settings = project()
    assert sync(settings, "base").status == "ok"
    touch(crm, "alter table customers add column loyalty_tier text", 1)
    crm.execute("update customers set loyalty_tier = 'gold' where customer_id = 1")
    crm.commit()
    load = sync(settings, "added")
    assert load.status == "ok" and load.rows["crm_customers"] == 1
    assert warehouse(
        settings, "select loyalty_tier from raw.crm_customers where loyalty_tier is not null"
    ) == [("gold",)]
    assert changes(settings, "added") == [
        ("crm_customers", "loyalty_tier", "added", None, "text", None)
    ]
    assert warehouse(
        settings, "select status from ops.source_columns where column_name = 'loyalty_tier'"
    ) == [("present",)]
    assert changes(settings, "quiet") == [] and sync(settings, "quiet").rows_loaded == 0


def test_removed_and_renamed_columns_are_recorded(crm, project):
    settings = project()
    assert sync(settings, "base").status == "ok"
    touch(crm, "alter table customers drop column location", 2)
    assert sync(settings, "removed").status == "ok"
    assert changes(settings, "removed") == [
        ("crm_customers", "location", "removed", "text", None, None)
    ]
    assert warehouse(
        settings, "select location from raw.crm_customers where customer_id = 2 order by updated_at"
    ) == [("Leeds",), (None,)]

    touch(
        crm, "alter table customers rename column email to email_address", 3, "2021-06-03 09:00:00"
    )
    assert sync(settings, "renamed").status == "ok"
    assert changes(settings, "renamed") == [
        ("crm_customers", "email", "renamed", "text", "text", "renamed to email_address"),
        ("crm_customers", "email_address", "added", None, "text", "renamed from email"),
    ]
    registry = dict(
        warehouse(
            settings,
            "select column_name, status from ops.source_columns where table_name = 'crm_customers'",
        )
    )
    assert registry["location"] == registry["email"] == "removed"
    assert registry["email_address"] == "present"


def drift_ages(crm: sqlite3.Connection) -> None:
    crm.execute(
        "update customers set age = 'forty-one', updated_at = '2021-06-02 09:00:00' "
        "where customer_id = 1"
    )
    crm.execute(
        "update customers set age = '42', updated_at = '2021-06-02 09:00:00' where customer_id = 2"
    )
    crm.execute("update customers set updated_at = '2021-13-02 09:00:00' where customer_id = 3")
    crm.commit()


def test_type_drift_quarantines_what_does_not_convert(crm, project):
    settings = project()
    assert sync(settings, "base").status == "ok"
    drift_ages(crm)
    load = sync(settings, "drift")
    assert load.status == "ok", load.error
    assert load.rows["crm_customers"] == 1 and load.rows["crm_quarantine"] == 2
    assert warehouse(
        settings, "select age from raw.crm_customers where customer_id = 2 order by updated_at"
    ) == [(30,), (42,)]
    quarantined = warehouse(
        settings,
        "select table_name, column_name, value, reason, "
        "record like '%\"customer_id\": 1%' from "
        "raw.crm_quarantine order by column_name",
    )
    assert [q[:3] for q in quarantined] == [
        ("crm_customers", "age", "forty-one"),
        ("crm_customers", "updated_at", "2021-13-02 09:00:00"),
    ]
    assert quarantined[0][3] == "column age is not a valid bigint"  # the value is in value
    assert quarantined[0][4] is True
    kinds = {(c[1], c[2]) for c in changes(settings, "drift")}
    assert {("age", "type_changed"), ("updated_at", "type_changed")} <= kinds
    recorded = warehouse(
        settings,
        "select rows_quarantined from ops.source_syncs "
        "where run_id = 'drift' and table_name = 'crm_customers'",
    )
    assert recorded == [(2,)]


def test_evolve_keeps_the_value_as_text_beside_the_column(crm, project, monkeypatch):
    monkeypatch.setenv("CRM_WAREHOUSE_SOURCES__CRM__SCHEMA_CONTRACT", "evolve")
    settings = project()
    assert sync(settings, "base").status == "ok"
    drift_ages(crm)
    assert sync(settings, "drift").status == "ok"
    assert warehouse(
        settings,
        "select age, age__v_text from raw.crm_customers where "
        "customer_id = 1 order by _ab_extracted_at",
    ) == [(30, None), (None, "forty-one")]


def test_freeze_fails_the_source_and_loads_nothing(crm, project, monkeypatch):
    monkeypatch.setenv("CRM_WAREHOUSE_SOURCES__CRM__SCHEMA_CONTRACT", "freeze")
    settings = project()
    assert sync(settings, "base").status == "ok"
    drift_ages(crm)
    load = sync(settings, "frozen")
    assert load.status == "failed"
    assert "column age of crm_customers was type changed (bigint -> text)" in load.error
    assert "source 'crm' table customers" in load.error
    assert warehouse(settings, "select count(*) from raw.crm_customers") == [(3,)]


def test_hard_delete_is_found_by_reconciliation(crm, project):
    settings = project()
    assert sync(settings, "base").status == "ok"
    crm.execute("delete from customers where customer_id = 2")
    crm.commit()
    load = sync(settings, "deleted")
    assert load.rows["crm_customers_deletes"] == 1
    assert warehouse(settings, "select customer_id from raw.crm_customers_deletes") == [(2,)]
    assert warehouse(settings, "select count(*) from raw.crm_customers") == [(3,)]
    assert sync(settings, "again").rows_loaded == 0
    add_customer(crm, 2, "2021-06-05 10:00:00")  # the key comes back: alive again
    assert sync(settings, "back").rows["crm_customers"] == 1
    crm.execute("delete from customers where customer_id = 2")
    crm.commit()
    assert sync(settings, "twice").rows["crm_customers_deletes"] == 1
