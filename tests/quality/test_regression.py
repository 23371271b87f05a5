"""The regression gate on hand-made metric snapshots."""

from __future__ import annotations

import pytest

from crm_warehouse.quality.gates import Override
from crm_warehouse.quality.history import Snapshot, dimensions_json
from crm_warehouse.quality.regression import regression_results
from crm_warehouse.settings.quality import RegressionGate

GATE = RegressionGate()
REVENUE = "mtr_revenue_by_month.revenue_gbp"
ORDERS = "mtr_revenue_by_month.orders"
TOTAL = "mtr_kpi_summary.total_revenue_gbp"
SUPPORT = "mtr_support_trend"


def month(day: str) -> str:
    return dimensions_json({"month_start_date": day})


def snapshot(revenue: dict[str, float], *, total: float | None = None) -> Snapshot:
    snap: Snapshot = {(REVENUE, month(m)): v for m, v in revenue.items()}
    snap |= {(ORDERS, month(m)): v / 100 for m, v in revenue.items()}
    snap[(TOTAL, dimensions_json({}))] = sum(revenue.values()) if total is None else total
    return snap


BEFORE = snapshot({"2021-01-01": 1000.0, "2021-06-01": 2000.0, "2021-12-01": 500.0})


def failed(results) -> list[str]:
    return [r.name for r in results if r.status == "fail"]


def test_no_previous_snapshot_is_the_baseline():
    (result,) = regression_results(None, BEFORE, GATE)
    assert result.status == "pass" and "baseline" in result.detail


def test_unchanged_metrics_pass():
    (result,) = regression_results(("r1", BEFORE), dict(BEFORE), GATE)
    assert result.status == "pass" and "within tolerance of run r1" in result.detail


def test_a_moved_closed_month_fails_and_names_the_month():
    after = snapshot({"2021-01-01": 900.0, "2021-06-01": 2000.0, "2021-12-01": 500.0})
    assert failed(regression_results(("r1", BEFORE), after, GATE)) == [
        f"regression:{ORDERS}[2021-01-01]",
        f"regression:{REVENUE}[2021-01-01]",
    ]


def test_a_change_within_tolerance_passes():
    after = snapshot({"2021-01-01": 1004.0, "2021-06-01": 2000.0, "2021-12-01": 500.0})
    after[(ORDERS, month("2021-01-01"))] = 10.0
    assert not failed(regression_results(("r1", BEFORE), after, GATE))


def test_new_months_and_the_open_month_may_move_and_totals_follow():
    after = snapshot(
        {"2021-01-01": 1000.0, "2021-06-01": 2000.0, "2021-12-01": 800.0, "2022-01-01": 90.0}
    )
    assert not failed(regression_results(("r1", BEFORE), after, GATE))


def test_a_month_is_closed_only_long_enough_before_the_latest_month():
    after = snapshot({"2021-01-01": 1000.0, "2021-06-01": 2000.0, "2021-12-01": 500.0})
    after[(REVENUE, month("2021-06-01"))] = 1000.0  # ends 2021-07-01 + 45 d < 2021-12-01
    assert f"regression:{REVENUE}[2021-06-01]" in failed(
        regression_results(("r1", BEFORE), after, GATE)
    )
    late = RegressionGate(closed_after_days=200)
    assert f"regression:{REVENUE}[2021-06-01]" not in failed(
        regression_results(("r1", BEFORE), after, late)
    )


def test_a_missing_closed_month_fails():
    after = {k: v for k, v in BEFORE.items() if k[1] != month("2021-01-01")}
    results = regression_results(("r1", BEFORE), after, GATE)
    assert f"regression:{REVENUE}[2021-01-01]" in failed(results)
    assert any("missing" in r.detail for r in results)


def test_totals_may_grow_with_new_periods_but_not_beyond():
    grown = snapshot(
        {"2021-01-01": 1000.0, "2021-06-01": 2000.0, "2021-12-01": 500.0, "2022-01-01": 350.0}
    )  # orders +10%: the total may move 5% + 10%
    assert not failed(regression_results(("r1", BEFORE), grown, GATE))
    grown[(TOTAL, dimensions_json({}))] = 3500.0 * 1.5
    assert failed(regression_results(("r1", BEFORE), grown, GATE)) == [f"regression:{TOTAL}"]


def test_totals_may_not_move_when_no_period_changed():
    after = dict(BEFORE)
    after[(TOTAL, dimensions_json({}))] = 3500.0 * 1.01
    assert failed(regression_results(("r1", BEFORE), after, GATE)) == [f"regression:{TOTAL}"]


def test_support_months_close_only_when_every_ticket_is_closed():
    def support(tickets: float, closed: float, median: float) -> Snapshot:
        dims = month("2021-01-01")
        return {
            (f"{SUPPORT}.tickets", dims): tickets,
            (f"{SUPPORT}.closed_tickets", dims): closed,
            (f"{SUPPORT}.median_resolution_hours", dims): median,
            (REVENUE, month("2021-12-01")): 1.0,
        }

    pending = support(40, 37, 1.5)
    assert not failed(regression_results(("r1", pending), support(40, 40, 9.0), GATE))
    settled = support(40, 40, 1.5)
    assert failed(regression_results(("r1", settled), support(40, 40, 9.0), GATE)) == [
        f"regression:{SUPPORT}.median_resolution_hours[2021-01-01]"
    ]


def test_per_metric_tolerance():
    after = snapshot({"2021-01-01": 1040.0, "2021-06-01": 2000.0, "2021-12-01": 500.0})
    after[(ORDERS, month("2021-01-01"))] = 10.0
    loose = RegressionGate(tolerances={REVENUE: 0.05})
    assert not failed(regression_results(("r1", BEFORE), after, loose))


@pytest.mark.parametrize(
    ("override", "status"),
    [
        (Override(approve_restatement=True), "approved"),
        (Override(("regression",), "expected"), "overridden"),
        (Override(("volume",), "unrelated"), "fail"),
    ],
)
def test_approved_restatements_and_overrides(override, status):
    after = snapshot({"2021-01-01": 900.0, "2021-06-01": 2000.0, "2021-12-01": 500.0})
    results = [override.apply(r) for r in regression_results(("r1", BEFORE), after, GATE)]
    assert {r.status for r in results} == {status}
