"""Incremental extraction from the CRM database into append-only raw."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest

from crm_warehouse.ingest import ingest


def add_customer(con: sqlite3.Connection, cid: int, updated_at: str, bracket: str = "Low") -> None:
    con.execute(
        "insert or replace into customers values (?, 'Ann Lee', 'ann@example.com', 30, 'Female',"
        " 'Leeds', ?, '2019-01-01', '2019-01-01 09:00:00', ?)",
        (cid, bracket, updated_at),
    )
    con.commit()


def raw(settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.duckdb_path)) as con:
        return con.execute(sql).fetchall()


def crm_only(settings):
    return ingest(settings, "t", only=["crm"])[0]


@pytest.fixture
def settings(project, crm_db, feed_dir):
    add_customer(crm_db, 1, "2021-06-01 10:00:00")
    add_customer(crm_db, 2, "2021-06-01 11:00:00")
    return project()


def test_first_sync_loads_every_row_with_metadata(settings):
    load = crm_only(settings)
    assert load.status == "ok"
    assert load.rows["crm_customers"] == 2
    rows = raw(
        settings,
        "select customer_id, updated_at, _ab_extracted_at, _ab_synced_at, "
        "_source_file_id, _dlt_load_id from raw.crm_customers order by 1",
    )
    assert [r[0] for r in rows] == [1, 2]
    # Source timestamps stay naive local time: raw is untransformed.
    assert str(rows[0][1]) == "2021-06-01 10:00:00"
    assert all(r[2] is not None and r[3] is not None and r[3] >= r[2] for r in rows)
    assert rows[0][4] == "crm.customers@t"
    committed = raw(
        settings, f"select inserted_at from raw._dlt_loads where load_id = '{rows[0][5]}'"
    )
    assert committed[0][0] == rows[0][3]


def test_loaded_packages_keep_no_second_copy_of_the_data(settings):
    assert crm_only(settings).rows["crm_customers"] == 2
    dlt_folder = settings.data_path / "dlt" / "crm_warehouse_crm"
    assert list(dlt_folder.rglob("load/loaded/*/schema.json"))  # the package is recorded
    assert not list(dlt_folder.rglob("*.parquet"))  # its data files are gone once loaded


def test_rerun_without_change_appends_nothing(settings):
    crm_only(settings)
    again = crm_only(settings)
    assert again.rows_loaded == 0
    assert raw(settings, "select count(*) from raw.crm_customers")[0][0] == 2


def test_update_appends_a_new_version_and_keeps_the_old(settings, crm_db):
    crm_only(settings)
    add_customer(crm_db, 1, "2021-06-02 08:00:00", bracket="High")
    load = crm_only(settings)
    assert load.rows["crm_customers"] == 1
    versions = raw(
        settings,
        "select income_bracket from raw.crm_customers where customer_id = 1 order by updated_at",
    )
    assert versions == [("Low",), ("High",)]


def test_late_row_inside_lookback_is_picked_up_once(settings, crm_db):
    crm_only(settings)  # cursor is now 2021-06-01 11:00
    add_customer(crm_db, 3, "2021-06-01 09:30:00")  # committed late, 90 min behind the cursor
    add_customer(crm_db, 4, "2021-06-01 07:00:00")  # 4 h behind: outside the 120 min lookback
    load = crm_only(settings)
    assert load.rows["crm_customers"] == 1
    assert raw(
        settings, "select customer_id from raw.crm_customers where customer_id in (3, 4)"
    ) == [(3,)]
    assert crm_only(settings).rows_loaded == 0  # the re-read window is not appended twice
    distinct = raw(
        settings,
        "select count(*), count(distinct (customer_id, updated_at)) from raw.crm_customers",
    )[0]
    assert distinct[0] == distinct[1] == 3


def test_missing_source_file_fails_that_source_only(project, feed_dir, tmp_path):
    (feed_dir / "tickets_2021-01-01.csv").write_text(
        "Ticket ID,Customer Name,Customer Email,Customer Age,Customer Gender,Product Purchased,"
        "Date of Purchase,Ticket Type,Ticket Subject,Ticket Description,Ticket Status,Resolution,"
        "Ticket Priority,Ticket Channel,First Response Time,Time to Resolution,"
        "Customer Satisfaction Rating\n"
    )
    loads = {load.source: load for load in ingest(project(), "t")}
    assert loads["crm"].status == "failed"
    assert "does not exist" in loads["crm"].error and "crm.sqlite" in loads["crm"].error
    assert loads["helpdesk"].status == "ok"
