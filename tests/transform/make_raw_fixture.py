"""A small, hand-made raw layer for building the dbt project without ingestion.

It follows the ingestion contract (schema ``raw``, append-only history, ``_ab_*`` metadata)
and carries the cases the models must get right: duplicate row versions, an order whose
status changes, a price correction on an order line, a ticket closed in a later feed file,
a ticket whose email and product match nothing, emails that differ in case and whitespace,
and timestamps on both sides of a daylight-saving change.

The rows arrive in syncs. ``SYNCS[0]`` is the initial load; ``SYNCS[1]`` and ``SYNCS[2]``
are later syncs used to test incremental behaviour (a changed order, a new order from an
unknown customer, a customer who moved, a ticket closure, a late row inside the lookback
window and one outside it).

Usage::

    python tests/transform/make_raw_fixture.py data/fixture.duckdb [--syncs 1]
    python tests/transform/make_raw_fixture.py --postgres "dbname=crm_dbt_check host=127.0.0.1"
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

METADATA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_ab_extracted_at", "timestamptz"),
    ("_ab_synced_at", "timestamptz"),
    ("_source_file_id", "varchar"),
    ("_dlt_load_id", "varchar"),
)

HELPDESK_TEXT_COLUMNS: tuple[str, ...] = (
    "ticket_id",
    "customer_name",
    "customer_email",
    "customer_age",
    "customer_gender",
    "product_purchased",
    "date_of_purchase",
    "ticket_type",
    "ticket_subject",
    "ticket_description",
    "ticket_status",
    "resolution",
    "ticket_priority",
    "ticket_channel",
    "first_response_time",
    "time_to_resolution",
    "customer_satisfaction_rating",
    "created_at",
)

RAW_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "crm_customers": (
        ("customer_id", "bigint"),
        ("full_name", "varchar"),
        ("email", "varchar"),
        ("age", "bigint"),
        ("gender", "varchar"),
        ("location", "varchar"),
        ("income_bracket", "varchar"),
        ("signup_date", "date"),
        ("created_at", "timestamp"),
        ("updated_at", "timestamp"),
    ),
    "crm_products": (
        ("product_id", "bigint"),
        ("product_name", "varchar"),
        ("brand", "varchar"),
        ("category", "varchar"),
        ("list_price", "double"),
        ("created_at", "timestamp"),
        ("updated_at", "timestamp"),
    ),
    "crm_orders": (
        ("order_id", "bigint"),
        ("customer_id", "bigint"),
        ("status", "varchar"),
        ("ordered_at", "timestamp"),
        ("currency", "varchar"),
        ("created_at", "timestamp"),
        ("updated_at", "timestamp"),
    ),
    "crm_order_items": (
        ("order_item_id", "bigint"),
        ("order_id", "bigint"),
        ("product_id", "bigint"),
        ("quantity", "bigint"),
        ("unit_price", "double"),
        ("created_at", "timestamp"),
        ("updated_at", "timestamp"),
    ),
    "helpdesk_tickets": (
        *((name, "varchar") for name in HELPDESK_TEXT_COLUMNS),
        ("_source_row_number", "bigint"),
    ),
}

POSTGRES_TYPES = {
    "bigint": "bigint",
    "varchar": "varchar",
    "double": "double precision",
    "date": "date",
    "timestamp": "timestamp",
    "timestamptz": "timestamp with time zone",
}


def ts(text: str) -> dt.datetime:
    """A naive source timestamp ('YYYY-MM-DD HH:MM')."""
    return dt.datetime.fromisoformat(text)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@dataclass
class Sync:
    """One ingestion run: the rows it appended and when it read them (hours before now)."""

    hours_ago: float
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    file_ids: dict[str, str] = field(default_factory=dict)


def _customer(
    cid: int,
    name: str,
    email: str,
    age: int,
    gender: str,
    location: str,
    bracket: str,
    signup: str,
    updated: str,
) -> dict[str, Any]:
    return {
        "customer_id": cid,
        "full_name": name,
        "email": email,
        "age": age,
        "gender": gender,
        "location": location,
        "income_bracket": bracket,
        "signup_date": day(signup),
        "created_at": ts(f"{signup} 09:00"),
        "updated_at": ts(updated),
    }


def _product(
    pid: int, name: str, brand: str, category: str, price: float, updated: str
) -> dict[str, Any]:
    return {
        "product_id": pid,
        "product_name": name,
        "brand": brand,
        "category": category,
        "list_price": price,
        "created_at": ts("2018-12-01 09:00"),
        "updated_at": ts(updated),
    }


def _order(oid: int, cid: int, status: str, ordered: str, updated: str) -> dict[str, Any]:
    return {
        "order_id": oid,
        "customer_id": cid,
        "status": status,
        "ordered_at": ts(ordered),
        "currency": "GBP",
        "created_at": ts(ordered),
        "updated_at": ts(updated),
    }


def _line(lid: int, oid: int, pid: int, qty: int, price: float, updated: str) -> dict[str, Any]:
    return {
        "order_item_id": lid,
        "order_id": oid,
        "product_id": pid,
        "quantity": qty,
        "unit_price": price,
        "created_at": ts(updated),
        "updated_at": ts(updated),
    }


def _ticket(**values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(HELPDESK_TEXT_COLUMNS, "")
    row.update(values)
    return row


# fmt: off
TICKET_1_OPEN = _ticket(
    ticket_id="1", customer_name=" Alice Smith", customer_email="  ALICE@example.com ",
    customer_age="34", customer_gender="Female", product_purchased="GoPro Hero",
    date_of_purchase="2019-12-31", ticket_type="Technical issue",
    ticket_subject="Network problem",
    ticket_description="My camera drops the Wi-Fi.\nI tried rebooting, twice.",
    ticket_status="Open", ticket_priority="High", ticket_channel="Email",
    first_response_time="2021-07-01 14:00:00", created_at="2021-07-01 12:00:00",
)
TICKET_1_CLOSED = {
    **TICKET_1_OPEN,
    "ticket_status": "Closed", "resolution": "Reset the network settings.",
    "time_to_resolution": "2021-07-01 15:30:00", "customer_satisfaction_rating": "5.0",
}
TICKET_4_PENDING = _ticket(
    ticket_id="4", customer_name="Chloe Brown", customer_email="Chloe@Example.com",
    customer_age="27", customer_gender="Female", product_purchased="apple airpods ",
    date_of_purchase="2021-06-19", ticket_type="Technical issue",
    ticket_subject="Network problem", ticket_description="Pairing fails.",
    ticket_status="Pending Customer Response", ticket_priority="Medium", ticket_channel="Chat",
    first_response_time="2021-11-02 10:00:00", created_at="",
)

INITIAL_SYNC = Sync(
    hours_ago=3,
    file_ids={
        "crm_customers": "crm.customers/sync-1",
        "crm_products": "crm.products/sync-1",
        "crm_orders": "crm.orders/sync-1",
        "crm_order_items": "crm.order_items/sync-1",
    },
    rows={
        "crm_customers": [
            _customer(1, " Alice Smith ", " Alice@Example.COM ", 34, "Female", "London", "Low",
                      "2019-01-10", "2019-01-10 09:00"),
            # the same version read twice (an overlapping lookback)
            _customer(1, " Alice Smith ", " Alice@Example.COM ", 34, "Female", "London", "Low",
                      "2019-01-10", "2019-01-10 09:00"),
            _customer(1, "Alice Smith", "alice@example.com", 34, "Female", "London", "Medium",
                      "2019-01-10", "2020-06-01 10:00"),
            _customer(2, "Bob Jones", "bob@example.com", 45, "Male", "Manchester", "High",
                      "2019-03-05", "2019-03-05 09:00"),
            _customer(3, "Chloe Brown", "chloe@example.com", 27, "Female", "Leeds", "Low",
                      "2020-02-14", "2020-02-14 09:00"),
            _customer(4, "Dev Patel", "dev@example.com", 61, "Other", "Birmingham", "Medium",
                      "2021-11-20", "2021-11-20 09:00"),
            _customer(5, "Eve Adams", "eve@example.com", 19, "Female", "Bristol", "High",
                      "2021-12-15", "2021-12-15 09:00"),
        ],
        "crm_products": [
            _product(10, "GoPro Hero", "GoPro", "Cameras", 300.0, "2018-12-01 09:00"),
            _product(11, "Apple AirPods", "Apple", "Audio", 150.0, "2018-12-01 09:00"),
            _product(11, "Apple AirPods", "Apple", "Audio", 140.0, "2021-05-01 09:00"),
            _product(12, "Dell XPS", "Dell", "Laptops", 1200.0, "2018-12-01 09:00"),
            _product(13, "Nintendo Switch", "Nintendo", "Gaming consoles", 280.0,
                     "2018-12-01 09:00"),
        ],
        "crm_orders": [
            # 23:30 on New Year's Eve in winter: still 2019 in UTC
            _order(100, 1, "delivered", "2019-12-31 23:30", "2020-01-03 10:00"),
            _order(101, 1, "placed", "2020-07-15 09:00", "2020-07-15 09:00"),
            _order(101, 1, "shipped", "2020-07-15 09:00", "2020-07-16 12:00"),
            _order(101, 1, "delivered", "2020-07-15 09:00", "2020-07-18 15:00"),
            _order(102, 2, "cancelled", "2020-03-01 10:00", "2020-03-02 10:00"),
            _order(103, 2, "returned", "2021-02-10 14:00", "2021-02-20 10:00"),
            # 00:30 British Summer Time is 23:30 UTC the day before
            _order(104, 2, "delivered", "2021-06-20 00:30", "2021-06-25 10:00"),
            _order(105, 3, "shipped", "2022-01-05 16:00", "2022-01-05 16:00"),
        ],
        "crm_order_items": [
            _line(1000, 100, 10, 2, 300.0, "2019-12-31 23:30"),
            _line(1001, 100, 11, 1, 150.0, "2019-12-31 23:30"),
            _line(1002, 101, 12, 1, 1200.0, "2020-07-15 09:00"),
            _line(1003, 102, 10, 1, 300.0, "2020-03-01 10:00"),
            _line(1004, 103, 11, 2, 150.0, "2021-02-10 14:00"),
            _line(1005, 104, 11, 1, 140.0, "2021-06-20 00:30"),
            _line(1006, 104, 10, 1, 300.0, "2021-06-20 00:30"),
            # a price correction the next day: the latest version (280) wins
            _line(1006, 104, 10, 1, 280.0, "2021-06-21 08:00"),
            _line(1007, 105, 12, 1, 1100.0, "2022-01-05 16:00"),
        ],
        "helpdesk_tickets": [
            {**TICKET_1_OPEN, "_file": "helpdesk/tickets_2021-12-31.csv", "_source_row_number": 1},
            {
                **_ticket(
                    ticket_id=" 2 ", customer_name="Bob Jones", customer_email="bob@example.com",
                    customer_age="45", customer_gender="Male", product_purchased="Dell XPS",
                    date_of_purchase="2020-07-15", ticket_type="Billing inquiry",
                    ticket_subject="Payment issue", ticket_description="Charged twice.",
                    ticket_status="Closed", resolution="Refund issued.",
                    ticket_priority="Critical", ticket_channel="Phone",
                    first_response_time="2021-01-01 16:00:00",
                    time_to_resolution="2021-01-01 17:00:00",
                    created_at="2021-01-01 12:00:00", customer_satisfaction_rating="2.0",
                ),
                "_file": "helpdesk/tickets_2021-12-31.csv", "_source_row_number": 2,
            },
            {
                # matches no customer and no product; clocks went forward at 01:00 that night
                **_ticket(
                    ticket_id="3", customer_name="Sam Stranger",
                    customer_email="stranger@nowhere.test", customer_age="29",
                    customer_gender="Male", product_purchased="Unknown Gadget",
                    date_of_purchase="2021-03-01", ticket_type="Product inquiry",
                    ticket_subject="Product compatibility",
                    ticket_description="Does it work with my TV?", ticket_status="Closed",
                    resolution="Explained compatibility.", ticket_priority="Low",
                    ticket_channel="Chat", first_response_time="2021-03-28 03:30:00",
                    time_to_resolution="2021-03-28 04:00:00", created_at="2021-03-28 00:30:00",
                    customer_satisfaction_rating="4.0",
                ),
                "_file": "helpdesk/tickets_2021-12-31.csv", "_source_row_number": 3,
            },
            {**TICKET_4_PENDING, "_file": "helpdesk/tickets_2021-12-31.csv",
             "_source_row_number": 4},
            {
                **_ticket(
                    ticket_id="5", customer_name="Dev Patel", customer_email=" dev@example.com ",
                    customer_age="61", customer_gender="Other",
                    product_purchased=" GoPro Hero ", ticket_type="Refund request",
                    ticket_subject="Battery life", ticket_description="Battery drains.",
                    ticket_status="Open", ticket_priority="Low",
                    ticket_channel="Social media",
                    created_at=None, customer_satisfaction_rating=None,
                ),
                "_file": "helpdesk/tickets_2021-12-31.csv", "_source_row_number": 5,
            },
            {
                **_ticket(
                    ticket_id="6", customer_name="Eve Adams", customer_email="eve@example.com",
                    customer_age="19", customer_gender="Female",
                    product_purchased="Nintendo Switch", date_of_purchase="2021-12-20",
                    ticket_type="Technical issue", ticket_subject="Software bug",
                    ticket_description="Crashes on start.", ticket_status="Closed",
                    resolution="Patched.", ticket_priority="Medium", ticket_channel="Email",
                    first_response_time="2021-11-15 11:00:00",
                    time_to_resolution="2021-11-15 13:00:00", created_at="2021-11-15 10:00:00",
                    customer_satisfaction_rating="3.0",
                ),
                "_file": "helpdesk/tickets_2021-12-31.csv", "_source_row_number": 6,
            },
            # the next day's export carries ticket 1 again, now closed
            {**TICKET_1_CLOSED, "_file": "helpdesk/tickets_2022-01-01.csv",
             "_source_row_number": 1, "_extracted_offset_minutes": 5},
        ],
    },
)

UPDATE_SYNC = Sync(
    hours_ago=2,
    file_ids={
        "crm_customers": "crm.customers/sync-2",
        "crm_orders": "crm.orders/sync-2",
        "crm_order_items": "crm.order_items/sync-2",
    },
    rows={
        "crm_customers": [
            _customer(3, "Chloe Brown", "chloe@example.com", 27, "Female", "York", "Medium",
                      "2020-02-14", "2022-01-10 09:00"),
        ],
        "crm_orders": [
            _order(101, 1, "returned", "2020-07-15 09:00", "2022-01-10 12:00"),
            _order(107, 99, "placed", "2022-01-09 10:00", "2022-01-09 10:00"),
        ],
        "crm_order_items": [
            _line(1008, 107, 13, 1, 280.0, "2022-01-09 10:00"),
        ],
        "helpdesk_tickets": [
            {
                **TICKET_4_PENDING, "ticket_status": "Closed", "resolution": "New pair sent.",
                "time_to_resolution": "2021-11-02 12:00:00",
                "customer_satisfaction_rating": "1.0",
                "_file": "helpdesk/tickets_2022-01-10.csv", "_source_row_number": 1,
            },
        ],
    },
)

LATE_SYNC = Sync(
    hours_ago=1,
    file_ids={
        "crm_orders": "crm.orders/sync-3",
        "crm_order_items": "crm.order_items/sync-3",
    },
    rows={
        "crm_orders": [
            # committed late, but inside the 3-day lookback of the 2022-01-10 12:00 watermark
            _order(108, 5, "delivered", "2022-01-08 10:00", "2022-01-08 10:00"),
            # committed very late: outside the lookback, only a full refresh picks it up
            _order(109, 4, "delivered", "2021-12-01 10:00", "2021-12-01 10:00"),
        ],
        "crm_order_items": [
            _line(1009, 108, 11, 1, 150.0, "2022-01-08 10:00"),
            _line(1010, 109, 10, 1, 300.0, "2021-12-01 10:00"),
        ],
    },
)
# fmt: on

SYNCS: tuple[Sync, ...] = (INITIAL_SYNC, UPDATE_SYNC, LATE_SYNC)


def raw_records(sync: Sync, sync_number: int, now: dt.datetime) -> dict[str, list[tuple]]:
    """The rows of one sync as tuples in RAW_COLUMNS order, metadata columns included."""
    extracted_base = now - dt.timedelta(hours=sync.hours_ago)
    records: dict[str, list[tuple]] = {}
    for table, rows in sync.rows.items():
        columns = [name for name, _ in RAW_COLUMNS[table]]
        out = []
        for index, row in enumerate(rows):
            extracted = extracted_base + dt.timedelta(
                minutes=row.get("_extracted_offset_minutes", 0), seconds=index
            )
            file_id = row.get("_file") or sync.file_ids[table]
            metadata = (
                extracted,
                extracted + dt.timedelta(minutes=1),
                file_id,
                f"load-{sync_number}",
            )
            out.append(tuple(row.get(name) for name in columns) + metadata)
        records[table] = out
    return records


def _ddl(table: str, type_map: dict[str, str] | None = None) -> str:
    columns = (*RAW_COLUMNS[table], *METADATA_COLUMNS)
    rendered = ", ".join(f"{name} {type_map[kind] if type_map else kind}" for name, kind in columns)
    return f"create table if not exists raw.{table} ({rendered})"


def _insert_sql(table: str) -> str:
    count = len(RAW_COLUMNS[table]) + len(METADATA_COLUMNS)
    return f"insert into raw.{table} values ({', '.join(['%s'] * count)})"


def _selected(syncs: Iterable[int] | None) -> Sequence[int]:
    return list(syncs) if syncs is not None else [0]


def write_duckdb(
    path: Path | str, syncs: Iterable[int] | None = None, now: dt.datetime | None = None
) -> Path:
    """Create (or append to) the raw tables in a DuckDB file; returns its path."""
    import duckdb

    now = now or dt.datetime.now(dt.UTC)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as connection:
        connection.execute("set TimeZone = 'UTC'")
        connection.execute("create schema if not exists raw")
        for table in RAW_COLUMNS:
            connection.execute(_ddl(table))
        for number in _selected(syncs):
            for table, records in raw_records(SYNCS[number], number + 1, now).items():
                connection.executemany(_insert_sql(table).replace("%s", "?"), records)
    return path


def write_postgres(
    dsn: str, syncs: Iterable[int] | None = None, now: dt.datetime | None = None
) -> None:
    """Create (or append to) the raw tables in a PostgreSQL database."""
    import psycopg2

    now = now or dt.datetime.now(dt.UTC)
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute("create schema if not exists raw")
        for table in RAW_COLUMNS:
            cursor.execute(_ddl(table, POSTGRES_TYPES))
        for number in _selected(syncs):
            for table, records in raw_records(SYNCS[number], number + 1, now).items():
                cursor.executemany(_insert_sql(table), records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("duckdb_path", nargs="?", help="DuckDB file to create or append to")
    parser.add_argument("--postgres", metavar="DSN", help="load into PostgreSQL instead")
    parser.add_argument(
        "--syncs",
        type=int,
        default=1,
        choices=range(1, len(SYNCS) + 1),
        help="how many syncs to load, starting with the initial one (default 1)",
    )
    args = parser.parse_args()
    syncs = range(args.syncs)
    if args.postgres:
        write_postgres(args.postgres, syncs)
    elif args.duckdb_path:
        write_duckdb(args.duckdb_path, syncs)
    else:
        parser.error("give a DuckDB path or --postgres DSN")


if __name__ == "__main__":
    main()
