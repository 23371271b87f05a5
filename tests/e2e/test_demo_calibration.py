"""`crm-warehouse demo` at the default scale reproduces the seed's Key Metrics and Findings.

Every figure is read back from the published Power BI exports (powerbi/*.parquet), i.e. after
ingestion, dbt, tests and publish - not from the generator's own bookkeeping.
"""

from __future__ import annotations

import json

import duckdb
import pytest

pytestmark = pytest.mark.e2e


def published(demo, table: str, where: str = "", columns: str = "*") -> list[dict]:
    path = demo.folder / "powerbi" / f"{table}.parquet"
    rel = duckdb.sql(f"select {columns} from '{path}' {where}")
    names = rel.columns
    return [dict(zip(names, row, strict=True)) for row in rel.fetchall()]


@pytest.fixture(scope="module")
def kpi(demo) -> dict:
    (row,) = published(demo, "mtr_kpi_summary")
    return {
        k: float(v) if isinstance(v, int | float) or hasattr(v, "as_tuple") else v
        for k, v in row.items()
    }


def test_demo_leaves_exports_manifest_and_key_figures(demo):
    exports = demo.folder / "powerbi"
    manifest = json.loads((exports / "manifest.json").read_text())
    tables = set(manifest["tables"])
    assert {
        "mtr_revenue_by_month",
        "mtr_customer_segment_summary",
        "mtr_support_performance",
        "mtr_kpi_summary",
    } <= tables
    row_tables = {"fct_sales", "fct_tickets", "dim_customer", "dim_product"}
    assert row_tables <= tables  # every file Power BI reads is in the manifested set
    for name, entry in manifest["tables"].items():
        formats = ["parquet"] if name in row_tables else ["csv", "parquet"]
        assert entry["files"] == {fmt: f"{name}.{fmt}" for fmt in formats}
        assert all((exports / file).exists() for file in entry["files"].values())
        parquet = exports / entry["files"]["parquet"]
        assert entry["rows"] == duckdb.sql(f"select count(*) from '{parquet}'").fetchall()[0][0]
        assert entry["columns"] and entry["run_id"] == manifest["run_id"]
    assert "Total revenue" in demo.first_output and "GBP 5.61M" in demo.first_output
    assert (demo.folder / "site" / "dbt-docs" / "static_index.html").exists()


def test_revenue_total_and_yearly_shape(demo, kpi):
    assert kpi["total_revenue_gbp"] == pytest.approx(5.61e6, rel=0.01)
    years = {r["calendar_year"]: r for r in published(demo, "mtr_revenue_by_year")}
    assert sorted(years) == [2019, 2020, 2021, 2022]
    revenue = {y: float(r["revenue_gbp"]) for y, r in years.items()}
    assert revenue[2020] / revenue[2019] == pytest.approx(2.3, abs=0.05)
    assert revenue[2021] / revenue[2020] == pytest.approx(0.65, abs=0.02)
    assert revenue[2022] / kpi["total_revenue_gbp"] == pytest.approx(0.0106, abs=0.002)
    assert float(years[2020]["revenue_yoy_pct"]) == pytest.approx(129.3, abs=1.0)
    assert float(years[2021]["revenue_yoy_pct"]) == pytest.approx(-35.1, abs=1.0)
    assert years[2022]["is_partial_year"] and years[2022]["months_covered"] == 1
    assert not years[2021]["is_partial_year"]


def test_orders_aov_units_products(demo, kpi):
    assert kpi["orders"] == pytest.approx(8950, rel=0.02)
    assert kpi["aov_gbp"] == pytest.approx(626.80, rel=0.02)
    assert kpi["units"] == pytest.approx(13000, rel=0.02)
    assert kpi["arpc_gbp"] == pytest.approx(2000, rel=0.03)
    products = published(demo, "mtr_product_performance")
    assert len(products) == 42
    top10 = sum(float(p["revenue_share_pct"]) for p in products if p["revenue_rank"] <= 10)
    assert top10 > 50  # revenue is concentrated in a few products


def test_customers_brackets_and_gender(demo, kpi):
    assert kpi["customers"] == 2749
    brackets = {r["income_bracket"]: r for r in published(demo, "mtr_customer_segment_summary")}
    assert {k: v["customers"] for k, v in brackets.items()} == {
        "Low": 792,
        "Medium": 1413,
        "High": 544,
    }
    for bracket, target in {"Low": 1.64e6, "Medium": 2.85e6, "High": 1.11e6}.items():
        assert float(brackets[bracket]["revenue_gbp"]) == pytest.approx(target, rel=0.03)
    genders: dict[str, int] = {}
    for row in published(demo, "mtr_customer_demographics"):
        genders[row["gender"]] = genders.get(row["gender"], 0) + row["customers"]
    assert abs(genders["Male"] - genders["Female"]) / 2749 < 0.05


def test_support_overall(demo, kpi):
    assert kpi["closed_tickets"] == 1566
    assert kpi["avg_first_response_hours"] == pytest.approx(2.0, rel=0.02)
    assert kpi["avg_resolution_hours"] == pytest.approx(1.6, rel=0.02)
    assert kpi["csat_positive_pct"] == pytest.approx(40.9, abs=0.5)


@pytest.mark.parametrize(
    ("channel", "frt", "csat"),
    [
        ("Social media", 1.57, 3.04),
        ("Chat", 1.58, 3.17),
        ("Email", 1.61, 2.99),
        ("Phone", 3.92, 2.92),
    ],
)
def test_support_by_channel(demo, channel, frt, csat):
    (row,) = published(demo, "mtr_support_performance", f"where ticket_channel = '{channel}'")
    assert float(row["mean_first_response_hours"]) == pytest.approx(frt, rel=0.02)
    assert float(row["mean_csat_rating"]) == pytest.approx(csat, abs=0.03)
    assert float(row["median_first_response_hours"]) < float(row["mean_first_response_hours"])
    assert float(row["p95_first_response_hours"]) > float(row["p75_first_response_hours"])


def test_top_issue_subjects(demo):
    subjects = published(
        demo,
        "mtr_ticket_issue_types",
        "where issue_dimension = 'subject' order by issue_rank limit 3",
    )
    assert [(s["issue_name"], s["closed_tickets"]) for s in subjects] == [
        ("Network problem", 119),
        ("Product compatibility", 117),
        ("Product recommendation", 109),
    ]
