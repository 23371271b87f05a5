"""generate(): determinism, scaling, refusal to overwrite, the CSV layout and the clock rules."""

from __future__ import annotations

import csv
import hashlib
import sqlite3
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow.csv as pacsv
import pytest

from crm_warehouse.demo import DemoSummary, generate
from crm_warehouse.demo.calibration import CALIBRATION as CAL
from crm_warehouse.demo.clock import CLOCK_CHANGE_DAYS, day_index
from crm_warehouse.errors import PipelineError
from tests.demo.conftest import Sources, feed_files, feed_rows, latest_tickets, make_sources

HEADER = (
    "Ticket ID,Customer Name,Customer Email,Customer Age,Customer Gender,Product Purchased,"
    "Date of Purchase,Ticket Type,Ticket Subject,Ticket Description,Ticket Status,Resolution,"
    "Ticket Priority,Ticket Channel,First Response Time,Time to Resolution,"
    "Customer Satisfaction Rating,Created At"
)


def digest(sources: Sources) -> dict[str, str]:
    """sha256 of every feed file and of the database's SQL dump."""
    digests = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(sources.feed.iterdir())
    }
    with sqlite3.connect(sources.db_path) as con:
        dump = "\n".join(con.iterdump())
    digests["crm.sqlite (dump)"] = hashlib.sha256(dump.encode()).hexdigest()
    return digests


def test_same_seed_gives_identical_output(tmp_path: Path, demo_small: Sources) -> None:
    again = make_sources(tmp_path / "again", seed=42, scale=0.1)
    first = digest(demo_small)
    assert len(first) > 100
    assert digest(again) == first
    assert again.db_path.read_bytes() == demo_small.db_path.read_bytes()


def test_another_seed_gives_other_data(tmp_path: Path, demo_small: Sources) -> None:
    other = make_sources(tmp_path / "other", seed=7, scale=0.1)
    assert digest(other)["crm.sqlite (dump)"] != digest(demo_small)["crm.sqlite (dump)"]
    # The calibrated counts do not depend on the seed.
    assert other.scalar("SELECT count(*) FROM customers") == demo_small.scalar(
        "SELECT count(*) FROM customers"
    )


def test_scale_multiplies_counts(demo_small: Sources, demo1: Sources) -> None:
    for table in ("customers", "orders", "order_items"):
        small = demo_small.scalar(f"SELECT count(*) FROM {table}")
        full = demo1.scalar(f"SELECT count(*) FROM {table}")
        assert 0.09 < small / full < 0.11, table
    assert demo_small.scalar("SELECT count(*) FROM products") == CAL.products
    brackets = dict(demo_small.sql("SELECT income_bracket, count(*) FROM customers GROUP BY 1"))
    assert brackets == {"Low": 79, "Medium": 141, "High": 55}
    closed = sum(t["Ticket Status"] == "Closed" for t in latest_tickets(demo_small.feed).values())
    assert closed == round(CAL.closed_tickets * 0.1)
    revenue = demo_small.scalar("""
        SELECT sum(i.quantity * i.unit_price) FROM orders o
        JOIN order_items i ON i.order_id = o.order_id
        WHERE o.status NOT IN ('cancelled', 'returned')""")
    assert abs(revenue / (CAL.revenue_total * 0.1) - 1) < 0.03


def test_small_scale_is_fast(tmp_path: Path) -> None:
    started = time.perf_counter()
    summary = make_sources(tmp_path / "fast", scale=0.1).summary
    assert time.perf_counter() - started < 5
    assert summary.inserted["orders"] > 800


def test_summary_counts_what_was_written(demo_small: Sources) -> None:
    summary: DemoSummary = demo_small.summary
    for table, n in summary.inserted.items():
        assert demo_small.scalar(f"SELECT count(*) FROM {table}") == n, table
    assert sorted(summary.files) == sorted(p.name for p in feed_files(demo_small.feed))
    assert summary.ticket_rows == len(feed_rows(demo_small.feed))
    assert summary.tickets == len(latest_tickets(demo_small.feed))
    assert (summary.first_day, summary.last_day) == (date(2019, 1, 1), date(2022, 1, 31))
    assert "orders" in str(summary)


def test_progress_is_reported(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    make_sources(tmp_path / "p", scale=0.05, progress=lambda *a: calls.append(a))
    orders = [c for c in calls if c[0] == "orders"]
    assert len(orders) >= 3
    assert orders[-1][1] == orders[-1][2] > 0
    assert [c[1] for c in orders] == sorted(c[1] for c in orders)


def test_refuses_existing_tables(tmp_path: Path) -> None:
    db = tmp_path / "crm.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE orders (order_id INTEGER PRIMARY KEY)")
    with pytest.raises(PipelineError, match="already has demo tables"):
        generate(f"sqlite:///{db}", tmp_path / "feed", scale=0.05)
    with sqlite3.connect(db) as con:  # untouched
        assert con.execute("SELECT name FROM sqlite_master").fetchall() == [("orders",)]
    assert not list((tmp_path).glob("feed/*.csv"))


def test_refuses_a_feed_folder_with_tickets(tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "tickets_2022-01-01.csv").write_text(HEADER + "\n")
    with pytest.raises(PipelineError, match="already has ticket files"):
        generate(f"sqlite:///{tmp_path / 'crm.sqlite'}", feed, scale=0.05)
    assert not (tmp_path / "crm.sqlite").exists()


def test_rejects_unsupported_urls(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match="cannot write"):
        generate("mysql://u:secret@host/db", tmp_path, scale=0.05)
    with pytest.raises(PipelineError, match="out of range"):
        generate(f"sqlite:///{tmp_path / 'x.sqlite'}", tmp_path, scale=0)


def test_csv_layout_and_round_trip(demo1: Sources) -> None:
    files = feed_files(demo1.feed)
    assert all(f.read_text(encoding="utf-8").split("\n", 1)[0] == HEADER for f in files)
    assert any(f.name.endswith("_2.csv") for f in files)
    rows = feed_rows(demo1.feed)
    # An independent CSV parser agrees on the number of records despite embedded newlines.
    options = pacsv.ParseOptions(newlines_in_values=True)
    arrow_rows = sum(pacsv.read_csv(f, parse_options=options).num_rows for f in files)
    assert arrow_rows == len(rows)
    physical_lines = sum(f.read_text(encoding="utf-8").count("\n") - 1 for f in files)
    assert physical_lines > 3 * len(rows)  # descriptions really span lines
    descriptions = [r["Ticket Description"] for r in rows]
    assert all("\n" in d for d in descriptions)
    assert any('"' in d for d in descriptions) and any("," in d for d in descriptions)
    with files[0].open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == HEADER.split(",")


def test_csv_values(demo_small: Sources) -> None:
    rows = feed_rows(demo_small.feed)
    allowed = {
        "Ticket Type": {
            "Technical issue",
            "Billing inquiry",
            "Refund request",
            "Cancellation request",
            "Product inquiry",
        },
        "Ticket Status": {"Open", "Pending Customer Response", "Closed"},
        "Ticket Priority": {"Low", "Medium", "High", "Critical"},
        "Ticket Channel": {"Email", "Phone", "Chat", "Social media"},
        "Customer Satisfaction Rating": {"", "1.0", "2.0", "3.0", "4.0", "5.0"},
        "Customer Gender": {"Male", "Female", "Other"},
    }
    for column, values in allowed.items():
        assert {r[column] for r in rows} <= values, column
    assert len({r["Ticket Subject"] for r in rows}) == 16
    for r in rows:
        int(r["Ticket ID"])
        date.fromisoformat(r["Date of Purchase"])
        assert len(r["Created At"]) == 19
        assert 18 <= int(r["Customer Age"]) <= 80


def test_later_states_are_new_rows_in_later_files(demo_small: Sources) -> None:
    """Tickets whose state changed on a later day appear again in that day's file."""
    seen: dict[str, tuple[str, str]] = {}
    repeated = 0
    for path in feed_files(demo_small.feed):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                previous = seen.get(row["Ticket ID"])
                if previous:
                    repeated += 1
                    assert previous[0] < path.name  # a later file
                    assert row["Ticket Status"] != previous[1]
                seen[row["Ticket ID"]] = (path.name, row["Ticket Status"])
    assert repeated > 5


def test_clock_change_days_are_londons() -> None:
    london = ZoneInfo("Europe/London")
    for year in range(2019, 2024):
        for month, day in ((3, 1), (10, 1)):
            d = date(year, month, day)
            changes = []
            while d.month == month:
                before = datetime(d.year, d.month, d.day, 0, 30, tzinfo=london).utcoffset()
                after = datetime(d.year, d.month, d.day, 3, 0, tzinfo=london).utcoffset()
                if before != after:
                    changes.append(d)
                d += timedelta(days=1)
            assert len(changes) == 1
            assert day_index(changes[0]) in CLOCK_CHANGE_DAYS
