"""Quarantine end to end: a batch of dirty database rows and a dirty feed file, mixed with good
rows. Every injected bad row is quarantined with its reason, none reaches the marts, the good
rows of the same batch are published, and the run's summary counts them."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from tests.conftest import REPO, ticket_csv
from tests.quality.observe import last_run, loosen, source

pytestmark = pytest.mark.e2e

BAD_ORDER = 99_999_999  # no such order


def ticket(ticket_id: str, **values: str) -> dict[str, str]:
    row = {
        "Ticket ID": ticket_id,
        "Customer Name": "Dana Test",
        "Customer Email": "dana@test.io",
        "Customer Age": "41",
        "Customer Gender": "Female",
        "Product Purchased": "Nothing",
        "Date of Purchase": "2022-01-20",
        "Ticket Type": "Technical issue",
        "Ticket Subject": "Network problem",
        "Ticket Description": "It stopped.",
        "Ticket Status": "Open",
        "Ticket Priority": "Low",
        "Ticket Channel": "Email",
        "Created At": "2022-02-01 10:00:00",
    }
    return row | values


def closed(ticket_id: str, **values: str) -> dict[str, str]:
    return ticket(
        ticket_id,
        **(
            {
                "Ticket Status": "Closed",
                "Resolution": "Fixed",
                "First Response Time": "2022-02-01 11:00:00",
                "Time to Resolution": "2022-02-01 12:00:00",
                "Customer Satisfaction Rating": "4.0",
            }
            | values
        ),
    )


def write_dirty_feed(project, first_id: int) -> tuple[set[int], dict[str, int]]:
    ids = iter(range(first_id, first_id + 100))
    good = [ticket(str(next(ids))) for _ in range(5)]
    duplicated = [next(ids), next(ids)]
    bad = {
        "null_key": [ticket(""), ticket(" "), ticket("T-17"), ticket("n/a")],
        "duplicate_key": [
            ticket(str(t), **{"Ticket Subject": s})
            for t in duplicated
            for s in ("Battery life", "Refund request")
        ],
        "unparseable_timestamp": [
            ticket(str(next(ids)), **{"Created At": "yesterday"}) for _ in range(3)
        ],
        "unparseable_number": [
            closed(str(next(ids)), **{"Customer Satisfaction Rating": "five"}) for _ in range(3)
        ],
        "out_of_range": [
            closed(str(next(ids)), **{"Customer Satisfaction Rating": "9"}) for _ in range(3)
        ],
        "unknown_value": [ticket(str(next(ids)), **{"Ticket Channel": "Pigeon"}) for _ in range(3)],
        "impossible_duration": [
            *(
                closed(str(next(ids)), **{"First Response Time": "2022-02-01 09:00:00"})
                for _ in range(3)
            ),
            *(
                closed(str(next(ids)), **{"Time to Resolution": "2022-02-01 10:30:00"})
                for _ in range(2)
            ),
        ],
    }
    rows = [row for rows in bad.values() for row in rows] + good
    feed = project.folder / "data" / "feeds" / "helpdesk" / "tickets_2022-02-01_dirty.csv"
    feed.write_text(ticket_csv(rows))
    return {int(r["Ticket ID"]) for r in good}, {k: len(v) for k, v in bad.items()}


def write_dirty_database(project) -> tuple[set[int], dict[str, dict[str, int]]]:
    with source(project) as con:
        for table in ("customers", "products", "orders", "order_items"):
            loosen(con, table)
        later = con.execute(
            "select datetime(max(updated_at), '+1 hour') from ("
            + " union all ".join(
                f"select updated_at from {t}"
                for t in ("customers", "products", "orders", "order_items")
            )
            + ")"
        ).fetchone()[0]
        customer, signup = con.execute(
            "select customer_id, signup_date from customers order by customer_id limit 1"
        ).fetchone()
        product = con.execute("select min(product_id) from products").fetchone()[0]
        order_id, item_id, customer_id, product_id = (
            con.execute(f"select max({key}) + 1 from {table}").fetchone()[0]
            for table, key in (
                ("orders", "order_id"),
                ("order_items", "order_item_id"),
                ("customers", "customer_id"),
                ("products", "product_id"),
            )
        )

        def order(oid: int | None, status: str = "placed", at: str | None = later) -> tuple:
            return (oid, customer, status, at, "GBP", later, later)

        def line(
            iid: int | None,
            oid: int,
            quantity: int = 1,
            price: float = 100.0,
            pid: int | None = product,
        ) -> tuple:
            return (iid, oid, pid, quantity, price, later, later)

        good_orders = [order_id, order_id + 1, order_id + 2]
        con.executemany(
            "insert into orders values (?, ?, ?, ?, ?, ?, ?)",
            [
                *(order(o) for o in good_orders),
                *(order(order_id + 10 + i, at=None) for i in range(3)),  # missing_value
                *(order(order_id + 20 + i, status="lost") for i in range(3)),  # unknown_value
                order(None),
                order(None),  # null_key
            ],
        )
        items = iter(range(item_id, item_id + 100))
        con.executemany(
            "insert into order_items values (?, ?, ?, ?, ?, ?, ?)",
            [
                *(line(next(items), o) for o in good_orders for _ in range(2)),
                *(line(None, good_orders[0]) for _ in range(3)),  # null_key
                *(
                    line(dup, good_orders[1], quantity=q)
                    for dup in (next(items), next(items))
                    for q in (1, 2)
                ),  # duplicate_key: two rows claim one version
                *(line(next(items), good_orders[2], price=-10.0) for _ in range(3)),  # negative
                *(line(next(items), BAD_ORDER) for _ in range(3)),  # unknown_reference
                *(line(next(items), good_orders[0], pid=None) for _ in range(2)),  # missing_value
            ],
        )
        con.executemany(
            "insert into customers values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    customer_id + i,
                    "Old Timer",
                    f"old{i}@test.io",
                    200,
                    "Male",
                    "Leeds",
                    "Low",
                    "2022-01-01",
                    later,
                    later,
                )
                for i in range(3)
            ],
        )  # out_of_range
        con.executemany(
            "insert into products values (?, ?, ?, ?, ?, ?, ?)",
            [
                (product_id, "Broken Price 1", "Acme", "Audio", -5, later, later),
                (product_id + 1, "Broken Price 2", "Acme", "Audio", -5, later, later),
                (product_id + 2, None, "Acme", "Audio", 10, later, later),
                (product_id + 3, None, "Acme", "Audio", 10, later, later),
            ],
        )
    assert signup < later[:10]
    return set(good_orders), {
        "crm_orders": {"missing_value": 3, "unknown_value": 3, "null_key": 2},
        "crm_order_items": {
            "null_key": 3,
            "duplicate_key": 4,
            "negative_amount": 3,
            "unknown_reference": 3,
            "missing_value": 2,
        },
        "crm_customers": {"out_of_range": 3},
        "crm_products": {"negative_amount": 2, "missing_value": 2},
    }


def test_every_bad_row_is_quarantined_and_the_good_rows_are_published(demo_copy):
    project = demo_copy
    kpi = project.folder / "powerbi" / "mtr_kpi_summary.parquet"
    orders_before = duckdb.sql(f"select orders from '{kpi}'").fetchall()[0][0]
    first_ticket = project.sql("select max(ticket_id) from marts.fct_ticketing")[0][0] + 1
    good_tickets, bad_tickets = write_dirty_feed(project, first_ticket)
    good_orders, expected = write_dirty_database(project)
    expected["helpdesk_tickets"] = bad_tickets

    project.cli("run")
    found: dict[str, dict[str, int]] = {}
    for table, reason, rows in project.sql(
        "select source_table, quarantine_reason, count(*) from ("
        + " union all ".join(
            f"select source_table, quarantine_reason from quarantine.{t}"
            for t in (
                "quarantine_crm__customers",
                "quarantine_crm__products",
                "quarantine_crm__orders",
                "quarantine_crm__order_items",
                "quarantine_helpdesk__tickets",
            )
        )
        + ") group by all"
    ):
        found.setdefault(table, {})[reason] = rows
    assert found == expected
    run_id, status, summary = last_run(project)
    assert status == "ok" and summary["quality"]["quarantined"] == expected
    assert project.sql("select distinct run_id from quarantine.quarantine_crm__orders") == [
        (run_id,)
    ]
    assert (
        "Pigeon"
        in project.sql(
            "select raw_row from quarantine.quarantine_helpdesk__tickets "
            "where quarantine_reason = 'unknown_value' limit 1"
        )[0][0]
    )

    # no bad row in the marts ...
    assert project.sql(f"""select
        (select count(*) from marts.fct_order_items where unit_price_gbp < 0 or quantity < 0
            or order_id = {BAD_ORDER} or product_id is null),
        (select count(*) from marts.fct_orders where order_status = 'lost'),
        (select count(*) from marts.dim_customers where age > 150),
        (select count(*) from marts.dim_products where list_price_gbp < 0 or product_name is null),
        (select count(*) from marts.fct_ticketing where ticket_channel = 'Pigeon'
            or csat_rating > 5 or first_response_hours < 0 or resolution_hours < 0)
    """) == [(0, 0, 0, 0, 0)]
    dirty_ids = {
        int(k)
        for (k,) in project.sql(
            "select record_key from quarantine.quarantine_helpdesk__tickets "
            "where record_key is not null"
        )
    }
    assert len(dirty_ids) == 19
    assert not dirty_ids & {t for (t,) in project.sql("select ticket_id from marts.fct_ticketing")}
    # ... and the good rows of the same batch are published
    lines = dict(
        project.sql(
            f"select order_id, count(*) from marts.fct_order_items where "
            f"order_id in ({', '.join(map(str, good_orders))}) group by 1"
        )
    )
    assert lines == dict.fromkeys(good_orders, 2)
    published = {t for (t,) in project.sql("select ticket_id from marts.fct_ticketing")}
    assert good_tickets <= published
    assert duckdb.sql(f"select orders from '{kpi}'").fetchall()[0][0] == orders_before + 3


def test_a_changed_model_is_built_alone_against_production(demo_copy):
    project = demo_copy
    project_dir = project.folder / "transform"
    shutil.copytree(
        REPO / "transform", project_dir, ignore=shutil.ignore_patterns("target", "logs")
    )
    model = project_dir / "models" / "metrics" / "mtr_kpi_summary.sql"
    model.write_text(model.read_text() + "\n-- a development change\n")
    before = project.sql("select * from analytics.mtr_kpi_summary")

    project.cli(
        "transform",
        "--select",
        "state:modified+",
        env={"CRM_WAREHOUSE_TRANSFORM__PROJECT_DIR": str(project_dir)},
    )
    results = json.loads(
        (project.folder / "data" / "dev" / "target" / "run_results.json").read_text()
    )["results"]
    built = {r["unique_id"] for r in results if r["unique_id"].startswith("model.")}
    assert built == {"model.crm_warehouse.mtr_kpi_summary"}
    assert {r["status"] for r in results if not r["unique_id"].startswith("exposure.")} <= {
        "success",
        "pass",
    }
    with duckdb.connect(str(project.folder / "data" / "dev" / "dev.duckdb"), read_only=True) as con:
        assert con.execute("select * from analytics.mtr_kpi_summary").fetchall() == before
        assert con.execute(
            "select count(*) from information_schema.tables where "
            "table_schema = 'marts' and table_catalog = 'dev'"
        ).fetchall() == [(0,)]
    assert project.sql("select * from analytics.mtr_kpi_summary") == before
