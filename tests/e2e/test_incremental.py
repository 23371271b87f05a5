"""Incremental behaviour of the whole pipeline, on a private copy of the built demo."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import sqlite3
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.e2e

CRM_TABLES = ("customers", "products", "orders", "order_items")


def raw_counts(project) -> dict[str, int]:
    rows = project.sql(
        "select table_name from information_schema.tables where table_schema = 'raw' "
        "and table_name not like '\\_dlt%' escape '\\'"
    )
    return {t: project.sql(f'select count(*) from raw."{t}"')[0][0] for (t,) in rows}


def source(project) -> sqlite3.Connection:
    return sqlite3.connect(project.folder / "data" / "source" / "crm.sqlite")


def test_second_demo_loads_nothing_and_succeeds(demo_copy):
    before = raw_counts(demo_copy)
    result = demo_copy.cli("demo")
    assert "not regenerating" in result.stdout
    assert raw_counts(demo_copy) == before
    assert "GBP 5.61M" in result.stdout


def test_advance_loads_only_the_delta_and_updates_reach_the_marts(demo_copy):
    before = raw_counts(demo_copy)
    cursors = {
        t: demo_copy.sql(f"select max(updated_at) from raw.crm_{t}")[0][0] for t in CRM_TABLES
    }
    feed = demo_copy.folder / "data" / "feeds" / "helpdesk"
    files_before = {p.name for p in feed.glob("*.csv")}
    statuses_before = dict(demo_copy.sql("select order_id, order_status from marts.fct_orders"))

    demo_copy.cli("demo", "--advance", "1", "--generate-only")
    with source(demo_copy) as con:
        expected = {
            f"crm_{t}": con.execute(
                f"select count(*) from {t} where updated_at > ?", [str(cursors[t])]
            ).fetchone()[0]
            for t in CRM_TABLES
        }
        changed = dict(
            con.execute(
                "select order_id, status from orders where updated_at > ? and created_at <= ?",
                [str(cursors["orders"]), str(cursors["orders"])],
            ).fetchall()
        )
    new_files = sorted(p for p in feed.glob("*.csv") if p.name not in files_before)
    expected["helpdesk_tickets"] = sum(
        sum(1 for _ in csv.DictReader(p.open(newline=""))) for p in new_files
    )
    assert new_files and expected["crm_orders"] > 0 and changed

    demo_copy.cli("run")
    after = raw_counts(demo_copy)
    assert {t: after[t] - before[t] for t in expected} == expected
    statuses_after = dict(demo_copy.sql("select order_id, order_status from marts.fct_orders"))
    moved = {o: s for o, s in changed.items() if statuses_before.get(o) != s}
    assert moved, "the advance should move some existing orders to a new status"
    assert all(statuses_after[o] == s for o, s in moved.items())
    assert len(statuses_after) > len(statuses_before)


def test_timestamps_are_normalised_to_utc(demo):
    """Source timestamps are London local time: BST (summer) is UTC+1, GMT (winter) UTC+0."""
    with sqlite3.connect(demo.folder / "data" / "source" / "crm.sqlite") as con:
        summer = con.execute(
            "select order_id, ordered_at from orders where ordered_at like '2020-07-%' limit 1"
        ).fetchone()
        winter = con.execute(
            "select order_id, ordered_at from orders where ordered_at like '2020-01-%' limit 1"
        ).fetchone()
    london = ZoneInfo("Europe/London")
    for order_id, local in (summer, winter):
        (utc,) = demo.sql(
            f"select ordered_at from staging.stg_crm__orders where order_id = {order_id}"
        )[0]
        naive = dt.datetime.fromisoformat(local)
        assert utc == naive.replace(tzinfo=london).astimezone(dt.UTC)
    assert (
        demo.sql(f"select ordered_at from staging.stg_crm__orders where order_id = {summer[0]}")[0][
            0
        ]
        .astimezone(dt.UTC)
        .hour
        == (dt.datetime.fromisoformat(summer[1]) - dt.timedelta(hours=1)).hour
    )


def test_unmatched_tickets_are_kept_and_flagged(demo):
    with sqlite3.connect(demo.folder / "data" / "source" / "crm.sqlite") as con:
        emails = {e for (e,) in con.execute("select lower(trim(email)) from customers")}
    latest: dict[str, str] = {}
    for path in sorted((demo.folder / "data" / "feeds" / "helpdesk").glob("*.csv")):
        for row in csv.DictReader(path.open(newline="")):
            latest[row["Ticket ID"]] = row["Customer Email"].strip().lower()
    unmatched = {t for t, e in latest.items() if e not in emails}
    assert unmatched
    flagged = demo.sql(
        "select ticket_id, customer_key from marts.fct_ticketing where not is_customer_matched"
    )
    assert {str(t) for t, _ in flagged} == unmatched
    assert {k for _, k in flagged} == {-1}
    assert demo.sql("select count(*) from marts.fct_ticketing")[0][0] == len(latest)


def test_publish_skips_the_dashboard_above_its_row_limit(demo_copy):
    dashboard = demo_copy.folder / "site" / "dashboard"
    shutil.rmtree(dashboard)
    result = demo_copy.cli(
        "publish", env={"CRM_WAREHOUSE_PUBLISH__POWERBI__DASHBOARD_MAX_ROWS": "1000"}
    )
    assert "web dashboard and screenshots skipped" in result.stdout
    assert "dashboard_max_rows = 1,000" in result.stdout
    assert not dashboard.exists()
    assert (demo_copy.folder / "powerbi" / "CRM-Warehouse.pbip").exists()
    assert (demo_copy.folder / "powerbi" / "fct_sales.parquet").exists()
