"""The demo's three source kinds end to end: the marketing tool reaches the marts and the
efficiency metrics; a source column that disappears stops the staging model that reads it and
nothing is published."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e.test_cli_errors import assert_one_line_error

pytestmark = pytest.mark.e2e


def test_marketing_reaches_marts_and_metrics(demo):
    campaigns, known = demo.sql(
        "select count(*), count(*) filter (where is_known_campaign) from marts.dim_campaigns"
    )[0]
    assert known == 52 and campaigns == 53  # a campaign per channel and quarter, + "no campaign"
    spend_rows, spend = demo.sql("select count(*), sum(spend_gbp) from marts.fct_marketing_spend")[
        0
    ]
    assert spend_rows > 4000 and spend > 0
    attributed, crm = demo.sql(
        "select count(*) filter (where is_marketing_attributed), "
        "count(*) filter (where is_crm_customer) from marts.dim_customers"
    )[0]
    assert crm == 2749 and 0.4 * crm < attributed < 0.7 * crm
    metric = demo.sql(
        "select sum(spend_gbp), sum(acquired_customers), "
        "sum(attributed_revenue_gbp) from analytics.mtr_marketing_efficiency"
    )[0]
    assert metric[0] == spend and metric[1] == attributed
    revenue = demo.sql(
        "select sum(o.order_revenue_gbp) from marts.fct_orders as o inner join "
        "marts.dim_customers as c on c.customer_id = o.customer_id "
        "where c.is_marketing_attributed"
    )[0][0]
    assert metric[2] == revenue
    cac, roas = demo.sql(
        "select cac_gbp, roas from analytics.mtr_marketing_efficiency "
        "where channel = 'Search' and month_start_date = '2020-03-01'"
    )[0]
    month = demo.sql(
        "select sum(spend_gbp), sum(acquired_customers), "
        "sum(attributed_revenue_gbp) from analytics.mtr_marketing_efficiency "
        "where channel = 'Search' and month_start_date = '2020-03-01'"
    )[0]
    assert float(cac) == pytest.approx(float(month[0]) / month[1], abs=0.01)
    assert float(roas) == pytest.approx(float(month[2]) / float(month[0]), abs=0.0001)
    assert (demo.folder / "powerbi" / "mtr_marketing_efficiency.csv").exists()


def test_a_removed_source_column_stops_staging_and_publishes_nothing(demo_copy):
    manifest = (demo_copy.folder / "powerbi" / "manifest.json").read_bytes()
    with sqlite3.connect(demo_copy.folder / "data" / "source" / "crm.sqlite") as con:
        con.execute("alter table customers drop column location")
    result = demo_copy.cli("run", check=False)
    assert result.returncode == 4, result.stdout + result.stderr
    assert (demo_copy.folder / "powerbi" / "manifest.json").read_bytes() == manifest
    # the one line names the model and the source, table and column it can no longer read
    assert_one_line_error(
        result,
        "base_crm__customers",
        "source crm table crm_customers: column location used by base_crm__customers "
        "is no longer sent by the source (removed)",
        "fix: adapt base_crm__customers to the source",
    )
    # the failed run's sync metadata reached production with the run
    run_id, status = demo_copy.sql(
        "select run_id, status from ops.runs order by started_at desc limit 1"
    )[0]
    assert status == "failed"
    assert demo_copy.sql(
        f"select table_name, change from ops.schema_changes where run_id = '{run_id}' "
        "and column_name = 'location'"
    ) == [("crm_customers", "removed")]
    synced = demo_copy.sql(
        f"select source, count(*), bool_and(status = 'ok') from ops.source_syncs "
        f"where run_id = '{run_id}' group by source order by source"
    )
    assert synced == [("crm", 4, True), ("helpdesk", 1, True), ("marketing", 3, True)]
    messages = " ".join(
        m
        for (m,) in demo_copy.sql("select message from ops.dbt_node_results where status = 'error'")
    )
    assert "source crm table crm_customers: column location used by" in messages
    assert "is no longer sent by the source" in messages
