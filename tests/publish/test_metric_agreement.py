"""One definition per metric: the mtr_ tables that certify a metric and an independent SQL
recomputation of what its DAX measure computes agree on the demo data (the dashboard joins in
test_dashboard_browser.py)."""

from __future__ import annotations

import duckdb
import pytest

from crm_warehouse.publish.powerbi.spec import load_metric_spec
from tests.conftest import REPO
from tests.publish.recompute import RATIOS, SQL, Recompute

pytestmark = pytest.mark.e2e

SPEC = load_metric_spec(REPO / "transform")
CERTIFIED = [(m.name, c) for m in SPEC.metrics for c in m.certified_in]


@pytest.fixture(scope="module")
def recompute(built) -> Recompute:
    return Recompute(built.folder / "powerbi")


def test_every_measure_has_an_independent_recomputation():
    assert set(SQL) | set(RATIOS) | {"revenue_yoy_pct"} == {m.name for m in SPEC.metrics}


def test_most_metrics_are_certified_by_an_mtr_table():
    uncertified = {m.name for m in SPEC.metrics if not m.certified_in}
    assert uncertified == {
        "median_order_value",
        "p95_order_value",
        "positive_csat_tickets",
        "sla_breached_tickets",
        "revenue_at_risk",
    }


@pytest.mark.parametrize(
    ("metric", "cert"), CERTIFIED, ids=[f"{m}-{c.model}.{c.column}" for m, c in CERTIFIED]
)
def test_certified_mtr_column_equals_the_recomputed_measure(built, recompute, metric, cert):
    path = built.folder / "powerbi" / f"{cert.model}.parquet"
    key = cert.by or "'All'"
    rows = duckdb.sql(f"select {key}, {cert.column} from '{path}'").fetchall()
    recomputed = recompute.values(metric, cert.by)
    if cert.by == "ticket_channel":
        recomputed |= recompute.values(metric)
    counts = SPEC.metric(metric).format == "integer"
    assert rows
    for group, certified in rows:
        expected = recomputed.get(group, 0.0 if counts else None)
        if certified is None or expected is None:
            assert certified is None and expected is None, (group, certified, expected)
        else:
            assert float(certified) == pytest.approx(expected, abs=0.006), group


def test_new_customers_over_a_year_are_the_sum_of_its_months(built, recompute):
    """A year's new customers are the months' new customers summed (first orders are unique)."""
    path = built.folder / "powerbi" / "mtr_customer_signups.parquet"
    ((monthly,),) = duckdb.sql(
        f"select sum(new_customers) from '{path}' where calendar_year = 2021"
    ).fetchall()
    assert recompute.total("new_customers", since="2021-01-01", until="2021-12-31") == monthly
