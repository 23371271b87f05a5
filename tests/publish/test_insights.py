"""The insights report reproduces the seed's findings from the published tables, words its
priorities and cautions by rules on the numbers, and carries the generated metric dictionary."""

from __future__ import annotations

import dataclasses

import duckdb
import pytest

from crm_warehouse.publish.insights import read_findings
from crm_warehouse.publish.insights.render import render_markdown
from crm_warehouse.publish.powerbi.spec import load_metric_spec
from tests.conftest import REPO

pytestmark = pytest.mark.e2e

SPEC = load_metric_spec(REPO / "transform")


@pytest.fixture(scope="module")
def report(built) -> str:
    return (built.folder / "powerbi" / "insights.md").read_text()


def one(built, query: str) -> tuple:
    return duckdb.sql(query.replace("@", str(built.folder / "powerbi") + "/")).fetchall()[0]


def test_key_metrics_and_findings_are_computed(built, report):
    revenue, units, aov, closed = one(
        built,
        "select total_revenue_gbp, units, aov_gbp, closed_tickets from '@mtr_kpi_summary.parquet'",
    )
    assert f"Total revenue: **GBP {float(revenue) / 1e6:.2f}M**" in report
    assert f"Units sold: **{units:,}**" in report
    assert f"AOV: **GBP {float(aov):,.2f}**" in report
    assert f"Closed tickets: **{closed:,}**" in report
    for year, yoy in duckdb.sql(
        f"select calendar_year, revenue_yoy_pct from "
        f"'{built.folder / 'powerbi' / 'mtr_revenue_by_year.parquet'}' "
        "where revenue_yoy_pct is not null"
    ).fetchall():
        assert f"| {year} | " in report and f"{float(yoy):+.1f}%" in report
    assert (
        "| 2022 | GBP 60k | -96.6% | 1 | partial year (1 of 12 months): not comparable |" in report
    )
    assert "Low 792, Medium 1,413, High 544" in report
    assert "Network problem 119, Product compatibility 117, Product recommendation 109" in report
    assert "| Phone | 277 | 3.92 |" in report  # means beside medians and P75/P95 per channel


def test_priorities_and_cautions_follow_the_seed(report):
    assert "1. Fix phone routing and SLA enforcement" in report
    assert "2. Audit email response templates" in report
    assert "3. Triage product fixes for the top issue types" in report
    assert "4. Report medians with P75 and P95 bands" in report
    assert "5. Run the Weekly Ops page every week" in report
    assert "2022 revenue is partial (1 of 12 months" in report
    assert "customers who submitted tickets" in report and "1,566 closed tickets" in report
    assert "CSAT comes from the 1,566 closed tickets with a rating" in report


def test_rules_name_the_channels_from_the_data(built):
    findings = read_findings(built.folder / "powerbi")
    swapped = []
    for channel in findings.channels:  # make email the slow one and chat the unhappy one
        label = channel["channel_label"]
        changed = dict(channel)
        if label == "Email":
            changed |= {"median_first_response_hours": 9.0, "p95_first_response_hours": 20.0}
        if label == "Phone":
            changed |= {"median_first_response_hours": 1.2}
        if label == "Chat":
            changed |= {"mean_csat_rating": 2.1}
        swapped.append(changed)
    text = render_markdown(dataclasses.replace(findings, channels=swapped), SPEC)
    assert "1. Fix email routing and SLA enforcement: its median first response is 9.00 h" in text
    assert "2. Audit chat response templates" in text


def test_metric_dictionary_is_generated_from_the_definitions(built, report):
    dictionary = report.split("## Metric dictionary", 1)[1]
    for metric in SPEC.metrics:
        assert f"### {metric.label}\n" in dictionary
        assert f"- Definition: {metric.description}" in dictionary
    assert "`mtr_support_performance.median_first_response_hours` by ticket_channel" in dictionary
    html = (built.folder / "powerbi" / "insights.html").read_text()
    assert "<h2>Metric dictionary</h2>" in html and "<table>" in html
