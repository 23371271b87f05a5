"""The web dashboard in headless Chromium: every tab renders without console errors, every
chart has data, the KPIs shown equal the metric tables (and the independent recomputation),
the filters recompute them, and publish wrote a screenshot of each tab."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import duckdb
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from crm_warehouse.publish.dashboard.screenshots import CHROMIUM_ARGS
from crm_warehouse.publish.powerbi.layout import PAGES, page
from crm_warehouse.publish.powerbi.spec import load_metric_spec
from tests.conftest import REPO
from tests.publish.conftest import CHROMIUM, require_tool
from tests.publish.recompute import Recompute

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

SPEC = load_metric_spec(REPO / "transform")
ALL_TIME = {"from": "1900-01-01", "to": "2999-12-31", "income": "", "channel": "", "preds": []}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_tool(CHROMIUM.exists(), f"{CHROMIUM} missing (run `make chromium`)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def recompute(built) -> Recompute:
    return Recompute(built.folder / "powerbi")


def published(built, table: str, where: str = "") -> list[dict]:
    rel = duckdb.sql(f"select * from '{built.folder / 'powerbi' / (table + '.parquet')}' {where}")
    return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]


def open_tab(browser: Browser, built, key: str) -> tuple[Page, list[str]]:
    tab = browser.new_page(viewport={"width": 1440, "height": 1000})
    errors: list[str] = []
    tab.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto((built.folder / "site" / "dashboard" / f"{key}.html").as_uri())
    tab.wait_for_function("window.CRM_READY === true", timeout=60_000)
    return tab, errors


def cards(tab: Page) -> dict[str, float]:
    values = tab.eval_on_selector_all(
        ".card", "els => els.map(e => [e.dataset.metric, e.dataset.value])"
    )
    return {metric: float(value) for metric, value in values}


@pytest.mark.parametrize("key", ["index", *(p.key for p in PAGES)])
def test_tab_renders_without_console_errors_and_every_chart_has_data(browser, built, key):
    tab, errors = open_tab(browser, built, key)
    if key != "index":
        layout = page(key)
        points = tab.eval_on_selector_all(".plot", "els => els.map(e => Number(e.dataset.points))")
        assert len(points) == len(layout.charts)
        assert all(n > 0 for n in points), points
        assert len(cards(tab)) == len(layout.visuals) - len(layout.charts)
        assert tab.locator(".plot .main-svg").count() >= len(layout.charts)
    assert tab.locator('nav a[href$="ops/index.html"]').count() == 1
    assert errors == []
    tab.close()


def test_kpis_shown_equal_the_metric_tables(browser, built, recompute):
    (kpi,) = published(built, "mtr_kpi_summary")
    checked = 0
    for key in ("revenue", "customers", "support"):
        tab, _ = open_tab(browser, built, key)
        for metric, shown in cards(tab).items():
            cert = [c for c in SPEC.metric(metric).certified_in if c.model == "mtr_kpi_summary"]
            if cert:
                assert shown == pytest.approx(float(kpi[cert[0].column]), abs=0.006), metric
                checked += 1
            else:  # the latest-full-year cards
                assert shown == recompute.total(metric, since="2021-01-01", until="2021-12-31")
        tab.close()
    assert checked == 11


def test_weekly_ops_kpis_equal_the_recomputation_over_the_last_26_weeks(browser, built, recompute):
    ((last,),) = duckdb.sql(
        f"select max(created_date) from '{built.folder / 'powerbi' / 'fct_tickets.parquet'}'"
    ).fetchall()
    since = (last - dt.timedelta(days=last.weekday()) - dt.timedelta(weeks=25)).isoformat()
    tab, _ = open_tab(browser, built, "weekly_ops")
    for metric, shown in cards(tab).items():
        assert shown == pytest.approx(recompute.total(metric, since=since), abs=0.006), metric
    tab.close()


def test_the_dashboard_computes_every_metric_like_the_recomputation(browser, built, recompute):
    tab, _ = open_tab(browser, built, "index")
    for metric in SPEC.metrics:
        shown = tab.evaluate("([m, ctx]) => CRM.evaluate(m, ctx)", [metric.name, ALL_TIME])
        if metric.name == "revenue_yoy_pct":
            ctx = {**ALL_TIME, "from": "2021-01-01", "to": "2021-12-31"}
            shown = tab.evaluate("([m, ctx]) => CRM.evaluate(m, ctx)", [metric.name, ctx])
            expected = recompute.values(metric.name, "calendar_year")[2021]
        else:
            expected = recompute.total(metric.name)
        assert shown == pytest.approx(expected, abs=1e-6), metric.name
    tab.close()


def select(tab: Page, selector: str, value: str) -> None:
    tab.select_option(selector, value)
    tab.wait_for_function("window.CRM_READY === true")


def test_filters_recompute_the_kpis(browser, built):
    tab, errors = open_tab(browser, built, "revenue")
    select(tab, "#filter-income", "High")
    (high,) = published(built, "mtr_customer_segment_summary", "where income_bracket = 'High'")
    assert cards(tab)["total_revenue"] == pytest.approx(float(high["revenue_gbp"]), abs=0.006)
    select(tab, "#filter-income", "")
    tab.fill("#filter-from", "2020-01-01")
    tab.fill("#filter-to", "2020-12-31")
    tab.dispatch_event("#filter-to", "change")
    tab.wait_for_function("window.CRM_READY === true")
    (year,) = published(built, "mtr_revenue_by_year", "where calendar_year = 2020")
    assert cards(tab)["total_revenue"] == pytest.approx(float(year["revenue_gbp"]), abs=0.006)
    tab.close()
    tab, more = open_tab(browser, built, "support")
    select(tab, "#filter-channel", "Phone")
    (phone,) = published(built, "mtr_support_performance", "where ticket_channel = 'Phone'")
    shown = cards(tab)
    assert shown["avg_first_response_hours"] == pytest.approx(
        float(phone["mean_first_response_hours"]), abs=1e-4
    )
    assert shown["csat_positive_pct"] == pytest.approx(float(phone["csat_positive_pct"]), abs=1e-4)
    assert errors + more == []
    tab.close()


def test_publish_wrote_a_screenshot_of_each_tab(built):
    # publish takes the screenshots with Chromium; without it there are none to check
    require_tool(CHROMIUM.exists(), f"{CHROMIUM} missing (run `make chromium`)")
    for tab in PAGES:
        path = built.folder / "screenshots" / tab.screenshot
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(data[16:20], "big") == 1440  # the viewport width
        assert len(data) > 50_000, path.name  # charts drawn, not a blank page
    assert sorted(p.name for p in (built.folder / "screenshots").glob("*.png")) == sorted(
        [
            "revenue_product_performance_tab1.png",
            "customer_insight_segmentation_tab2.png",
            "support_customer_satisfaction_tab3.png",
            "weekly_ops_tab4.png",
        ]
    )
