"""Incremental facts and the customer snapshot across later syncs of the raw fixture."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.transform.conftest import DbtWarehouse

UTC = dt.UTC


@dataclass
class Runs:
    """What the warehouse held after each step of the sequence."""

    initial: dict[str, Any]
    after_update: dict[str, Any]
    after_late_rows: dict[str, Any]
    after_full_refresh: dict[str, Any]


def _state(warehouse: DbtWarehouse) -> dict[str, Any]:
    return {
        "orders": {
            row["order_id"]: row
            for row in warehouse.query_dicts(
                "select order_id, customer_key, order_status, is_revenue_order, line_count, "
                "order_revenue_gbp from marts.fct_orders"
            )
        },
        "order_items": {
            row[0] for row in warehouse.query("select order_item_id from marts.fct_order_items")
        },
        "staged_orders": {
            row[0] for row in warehouse.query("select order_id from staging.stg_crm__orders")
        },
        "customers": {
            row["customer_id"]: row
            for row in warehouse.query_dicts(
                "select customer_id, customer_key, full_name, income_bracket, is_crm_customer "
                "from marts.dim_customers"
            )
        },
        "history": warehouse.query_dicts(
            "select customer_id, location, income_bracket, valid_from, valid_to, is_current "
            "from marts.dim_customers_history order by customer_id, valid_from"
        ),
        "kpi": warehouse.one("select * from analytics.mtr_kpi_summary"),
        "ticket_4": warehouse.one(
            "select is_closed, csat_rating, resolution_hours from marts.fct_ticketing "
            "where ticket_id = 4"
        ),
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    work_dir: Path = tmp_path_factory.mktemp("dbt_incremental")
    warehouse = DbtWarehouse(path=work_dir / "warehouse.duckdb", work_dir=work_dir)
    warehouse.append_sync(0)
    warehouse.invoke("build")
    initial = _state(warehouse)
    # A sentinel: an incremental run must leave rows outside its window as they are.
    warehouse.query("update marts.fct_orders set line_count = 99 where order_id = 100")

    warehouse.append_sync(1)
    warehouse.invoke("build")
    after_update = _state(warehouse)

    warehouse.append_sync(2)
    warehouse.invoke("build")
    after_late_rows = _state(warehouse)

    warehouse.invoke("build", "--full-refresh", "--select", "fct_orders+", "fct_order_items+")
    return Runs(initial, after_update, after_late_rows, _state(warehouse))


def test_a_changed_order_is_rebuilt_and_others_are_left_alone(runs: Runs) -> None:
    before, after = runs.initial["orders"][101], runs.after_update["orders"][101]
    assert (before["order_status"], before["order_revenue_gbp"]) == ("delivered", Decimal("1200"))
    assert after["order_status"] == "returned"
    assert after["is_revenue_order"] is False
    assert after["order_revenue_gbp"] == Decimal("0.00")
    assert runs.after_update["orders"][100]["line_count"] == 99  # not re-read
    assert runs.after_full_refresh["orders"][100]["line_count"] == 2


def test_metrics_follow_the_incremental_facts(runs: Runs) -> None:
    # order 101 (1200) returned; new order 107 (280, placed) counts
    assert runs.initial["kpi"]["total_revenue_gbp"] == Decimal("3470.00")
    assert runs.after_update["kpi"]["total_revenue_gbp"] == Decimal("2550.00")
    assert runs.after_update["kpi"]["orders"] == 4


def test_order_from_a_customer_missing_in_the_crm_gets_an_inferred_member(runs: Runs) -> None:
    order = runs.after_update["orders"][107]
    member = runs.after_update["customers"][99]
    assert order["customer_key"] == member["customer_key"] != -1
    assert member["is_crm_customer"] is False
    assert member["full_name"] == "Customer not in CRM"
    # ARPC counts CRM customers only
    assert runs.after_update["kpi"]["customers"] == 5


def test_a_late_row_inside_the_lookback_is_picked_up(runs: Runs) -> None:
    state = runs.after_late_rows
    assert {108, 109} <= state["staged_orders"]
    assert 108 in state["orders"]
    assert 1009 in state["order_items"]
    # committed more than incremental_lookback_days behind the watermark: only a full
    # refresh reads it
    assert 109 not in state["orders"]
    assert 1010 not in state["order_items"]
    assert 109 in runs.after_full_refresh["orders"]
    assert 1010 in runs.after_full_refresh["order_items"]


def test_snapshot_keeps_the_customer_s_previous_location_and_bracket(runs: Runs) -> None:
    chloe = [row for row in runs.after_update["history"] if row["customer_id"] == 3]
    assert [(r["location"], r["income_bracket"], r["is_current"]) for r in chloe] == [
        ("Leeds", "Low", False),
        ("York", "Medium", True),
    ]
    # the old version ends when the new one (2022-01-10 09:00 GMT) starts
    assert (
        chloe[0]["valid_to"] == chloe[1]["valid_from"] == dt.datetime(2022, 1, 10, 9, 0, tzinfo=UTC)
    )
    assert runs.after_update["customers"][3]["income_bracket"] == "Medium"


def test_a_ticket_closed_in_a_later_file_updates_support_metrics(runs: Runs) -> None:
    assert runs.initial["ticket_4"]["is_closed"] is False
    assert runs.after_update["ticket_4"] == {
        "is_closed": True,
        "csat_rating": 1,
        "resolution_hours": Decimal("2.0000"),
    }
    kpi = runs.after_update["kpi"]
    assert kpi["closed_tickets"] == 5
    assert kpi["csat_positive_pct"] == Decimal("40.0000")  # 2 of 5 rated 4-5
