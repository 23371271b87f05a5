"""The dbt project built on the hand-made raw fixture: the values the models must produce."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.transform.conftest import DbtWarehouse

UTC = dt.UTC


def test_layers_build_into_their_own_named_schemas(built_warehouse: DbtWarehouse) -> None:
    schemas = {
        row[0]
        for row in built_warehouse.query(
            "select distinct table_schema from information_schema.tables"
        )
    }
    assert {"raw", "staging", "marts", "analytics", "snapshots", "reference"} <= schemas
    # generate_schema_name uses the layer name as is: nothing lands in the target schema
    assert "main" not in schemas
    assert not any(schema.startswith("main_") for schema in schemas)


def test_staging_keeps_the_latest_version_of_each_key(built_warehouse: DbtWarehouse) -> None:
    customer = built_warehouse.one(
        "select full_name, email, income_bracket from staging.stg_crm__customers "
        "where customer_id = 1"
    )
    # three raw versions (one a duplicate re-read); the 2020 update moved Alice to Medium
    assert customer == {
        "full_name": "Alice Smith",
        "email": "alice@example.com",
        "income_bracket": "Medium",
    }
    assert built_warehouse.one(
        "select order_status from staging.stg_crm__orders where order_id = 101"
    ) == {"order_status": "delivered"}
    assert built_warehouse.one(
        "select unit_price_gbp from staging.stg_crm__order_items where order_item_id = 1006"
    ) == {"unit_price_gbp": Decimal("280.00")}
    duplicates = built_warehouse.query(
        "select customer_id from staging.stg_crm__customers group by 1 having count(*) > 1"
    )
    assert duplicates == []


def test_local_times_are_stored_in_utc_across_daylight_saving(
    built_warehouse: DbtWarehouse,
) -> None:
    orders = {
        row["order_id"]: row
        for row in built_warehouse.query_dicts(
            "select order_id, ordered_at, ordered_date from marts.fct_orders"
        )
    }
    # 00:30 BST on 20 June is 23:30 UTC on 19 June; 23:30 GMT on New Year's Eve stays 2019
    assert orders[104]["ordered_at"] == dt.datetime(2021, 6, 19, 23, 30, tzinfo=UTC)
    assert orders[104]["ordered_date"] == dt.date(2021, 6, 19)
    assert orders[100]["ordered_at"] == dt.datetime(2019, 12, 31, 23, 30, tzinfo=UTC)
    ticket = built_warehouse.one(
        "select created_at, first_response_at, first_response_hours "
        "from marts.fct_ticketing where ticket_id = 3"
    )
    # 00:30 GMT -> 03:30 BST on the night the clocks went forward: 2 hours, not 3
    assert ticket == {
        "created_at": dt.datetime(2021, 3, 28, 0, 30, tzinfo=UTC),
        "first_response_at": dt.datetime(2021, 3, 28, 2, 30, tzinfo=UTC),
        "first_response_hours": Decimal("2.0000"),
    }


def test_revenue_counts_only_orders_not_cancelled_or_returned(
    built_warehouse: DbtWarehouse,
) -> None:
    kpi = built_warehouse.one("select * from analytics.mtr_kpi_summary")
    # revenue orders: 100 (750), 101 (1200), 104 (420), 105 (1100); 102 cancelled, 103 returned
    assert kpi["total_revenue_gbp"] == Decimal("3470.00")
    assert kpi["orders"] == 4
    assert kpi["units"] == 7
    assert kpi["aov_gbp"] == Decimal("867.50")
    assert kpi["customers"] == 5
    assert kpi["arpc_gbp"] == Decimal("694.00")
    assert kpi["avg_price_per_unit_gbp"] == Decimal("495.71")
    assert kpi["first_order_date"] == dt.date(2019, 12, 31)
    assert kpi["last_order_date"] == dt.date(2022, 1, 5)


def test_yearly_revenue_and_year_on_year_change(built_warehouse: DbtWarehouse) -> None:
    years = built_warehouse.query(
        "select calendar_year, revenue_gbp, revenue_yoy_pct "
        "from analytics.mtr_revenue_by_year order by calendar_year"
    )
    assert years == [
        (2019, Decimal("750.00"), None),
        (2020, Decimal("1200.00"), Decimal("60.0000")),
        (2021, Decimal("420.00"), Decimal("-65.0000")),
        (2022, Decimal("1100.00"), Decimal("161.9048")),
    ]


def test_income_segments(built_warehouse: DbtWarehouse) -> None:
    segments = built_warehouse.query(
        "select income_bracket, customers, revenue_gbp, orders, arpc_gbp, aov_gbp "
        "from analytics.mtr_customer_segment_summary order by display_order"
    )
    assert segments == [
        ("Low", 1, Decimal("1100.00"), 1, Decimal("1100.00"), Decimal("1100.00")),
        ("Medium", 2, Decimal("1950.00"), 2, Decimal("975.00"), Decimal("975.00")),
        ("High", 2, Decimal("420.00"), 1, Decimal("210.00"), Decimal("420.00")),
    ]


def test_unmatched_ticket_is_kept_and_flagged(built_warehouse: DbtWarehouse) -> None:
    tickets = {
        row["ticket_id"]: row
        for row in built_warehouse.query_dicts(
            "select ticket_id, customer_key, is_customer_matched, product_key, "
            "is_product_matched from marts.fct_ticketing"
        )
    }
    assert sorted(tickets) == [1, 2, 3, 4, 5, 6]
    assert tickets[3] == {
        "ticket_id": 3,
        "customer_key": -1,
        "is_customer_matched": False,
        "product_key": -1,
        "is_product_matched": False,
    }
    # emails and product names match whatever their case and whitespace
    assert all(tickets[t]["is_customer_matched"] for t in (1, 2, 4, 5, 6))
    assert all(tickets[t]["is_product_matched"] for t in (1, 2, 4, 5, 6))
    unknown = built_warehouse.one(
        "select full_name, is_crm_customer from marts.dim_customers where customer_key = -1"
    )
    assert unknown == {"full_name": "Unknown customer", "is_crm_customer": False}
    assert built_warehouse.one("select unmatched_tickets from analytics.mtr_kpi_summary") == {
        "unmatched_tickets": 1
    }


def test_ticket_takes_its_state_from_the_latest_feed_file(built_warehouse: DbtWarehouse) -> None:
    assert built_warehouse.one(
        "select ticket_status, is_closed, csat_rating, resolution_hours "
        "from marts.fct_ticketing where ticket_id = 1"
    ) == {
        "ticket_status": "Closed",
        "is_closed": True,
        "csat_rating": 5,
        "resolution_hours": Decimal("1.5000"),
    }


def test_support_performance_over_closed_tickets(built_warehouse: DbtWarehouse) -> None:
    rows = {
        row["ticket_channel"]: row
        for row in built_warehouse.query_dicts("select * from analytics.mtr_support_performance")
    }
    assert set(rows) == {"All", "Email", "Phone", "Chat", "Social media"}
    total = rows["All"]
    # closed tickets 1, 2, 3, 6: FRT 2, 4, 2, 1 h; TTR 1.5, 1, 0.5, 2 h; CSAT 5, 2, 4, 3
    assert total["closed_tickets"] == 4
    assert total["mean_first_response_hours"] == Decimal("2.2500")
    assert total["median_first_response_hours"] == Decimal("2.0000")
    assert total["p75_first_response_hours"] == Decimal("2.5000")
    assert total["mean_resolution_hours"] == Decimal("1.2500")
    assert total["mean_csat_rating"] == Decimal("3.5000")
    assert total["csat_positive_pct"] == Decimal("50.0000")
    assert rows["Phone"]["mean_first_response_hours"] == Decimal("4.0000")
    assert rows["Social media"]["closed_tickets"] == 0
    kpi = built_warehouse.one(
        "select closed_tickets, avg_first_response_hours, avg_resolution_hours, "
        "csat_positive_pct from analytics.mtr_kpi_summary"
    )
    assert kpi == {
        "closed_tickets": 4,
        "avg_first_response_hours": Decimal("2.2500"),
        "avg_resolution_hours": Decimal("1.2500"),
        "csat_positive_pct": Decimal("50.0000"),
    }


def test_product_ranking_and_concentration(built_warehouse: DbtWarehouse) -> None:
    products = built_warehouse.query(
        "select product_name, revenue_gbp, units, revenue_rank, cumulative_revenue_share_pct "
        "from analytics.mtr_product_performance order by revenue_rank, product_id"
    )
    assert products == [
        ("Dell XPS", Decimal("2300.00"), 2, 1, Decimal("66.2824")),
        ("GoPro Hero", Decimal("880.00"), 3, 2, Decimal("91.6427")),
        ("Apple AirPods", Decimal("290.00"), 2, 3, Decimal("100.0000")),
        ("Nintendo Switch", Decimal("0.00"), 0, 4, Decimal("100.0000")),
    ]


def test_new_and_returning_customers(built_warehouse: DbtWarehouse) -> None:
    months = {
        row[0]: row[1:]
        for row in built_warehouse.query(
            "select month_start_date, signups, new_customers, returning_customers "
            "from analytics.mtr_customer_signups"
        )
    }
    assert months[dt.date(2019, 1, 1)] == (1, 0, 0)
    assert months[dt.date(2019, 12, 1)] == (0, 1, 0)  # Alice's first order
    assert months[dt.date(2020, 7, 1)] == (0, 0, 1)  # Alice again
    assert months[dt.date(2021, 6, 1)] == (0, 1, 0)  # Bob: cancelled/returned orders don't count


def test_customer_history_comes_from_the_snapshot(built_warehouse: DbtWarehouse) -> None:
    history = built_warehouse.query(
        "select customer_id, income_bracket, is_current from marts.dim_customers_history "
        "order by customer_id"
    )
    assert [row[0] for row in history] == [1, 2, 3, 4, 5]
    assert all(row[2] for row in history)


def test_power_bi_row_tables_are_the_marts_without_pii(built_warehouse: DbtWarehouse) -> None:
    sales = built_warehouse.one(
        "select count(*) as lines, sum(revenue_gbp) as revenue from analytics.fct_sales"
    )
    lines = built_warehouse.one(
        "select count(*) as lines from marts.fct_order_items where is_revenue_order"
    )
    kpi = built_warehouse.one("select total_revenue_gbp from analytics.mtr_kpi_summary")
    assert sales == {"lines": lines["lines"], "revenue": kpi["total_revenue_gbp"]}
    members = built_warehouse.query(
        "select (select count(*) from analytics.dim_customer), "
        "(select count(*) from marts.dim_customers), "
        "(select count(*) from analytics.dim_product), (select count(*) from marts.dim_products)"
    )
    assert members[0][0] == members[0][1] and members[0][2] == members[0][3]
    columns = {
        name
        for (name,) in built_warehouse.query(
            "select column_name from information_schema.columns where table_schema = 'analytics' "
            "and table_name in ('dim_customer', 'dim_product', 'fct_sales', 'fct_tickets')"
        )
    }
    assert not columns & {"full_name", "email", "customer_name", "customer_email"}


def test_sla_breaches_use_the_targets_seed(built_warehouse: DbtWarehouse) -> None:
    breached = built_warehouse.query(
        "select t.ticket_key, t.first_response_hours > s.sla_first_response_hours "
        "from marts.fct_ticketing as t left join reference.ref_ticket_sla_targets as s "
        "on t.ticket_priority = s.ticket_priority where t.first_response_hours is not null"
    )
    flags = dict(
        built_warehouse.query(
            "select ticket_key, is_sla_breached from analytics.fct_tickets "
            "where first_response_hours is not null"
        )
    )
    assert breached and {key: bool(late) for key, late in breached} == flags
    assert any(flags.values())
