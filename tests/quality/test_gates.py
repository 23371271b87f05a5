"""Gate verdicts, overrides, the volume and freshness gates, and the [quality] settings."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from crm_warehouse.errors import ConfigError, QualityGateError
from crm_warehouse.quality.freshness import freshness_results
from crm_warehouse.quality.gates import Audit, GateResult, Override, judged
from crm_warehouse.quality.volume import count_rows, volume_results
from crm_warehouse.settings.quality import QualityConfig, VolumeGate
from crm_warehouse.transform import Model, Relations


def test_severity_decides_between_warn_and_fail():
    assert judged("null_ratio", "a.b", breached=True, severity="warn").status == "warn"
    assert judged("null_ratio", "a.b", breached=True, severity="error").status == "fail"
    assert judged("null_ratio", "a.b", breached=False, severity="error").status == "pass"


def test_an_override_needs_a_reason_and_a_known_gate():
    with pytest.raises(ConfigError, match="needs --reason"):
        Override(("volume",))
    with pytest.raises(ConfigError, match="unknown gate"):
        Override(("volumes",), "typo")
    assert Override(("null_ratio:stg_crm__customers.email",), "known gap")


def test_overrides_let_only_the_named_gates_through():
    failing = [
        GateResult("volume", "raw.crm_orders", "fail", "-40%"),
        GateResult("null_ratio", "stg_crm__customers.email", "fail", "2% null"),
        GateResult("freshness", "crm", "warn", "50 h"),
    ]
    override = Override(("volume", "null_ratio:stg_crm__customers.email"), "source migration")
    audit = Audit([override.apply(r) for r in failing], override=override)
    assert [r.status for r in audit.results] == ["overridden", "overridden", "warn"]
    assert audit.passed
    summary = audit.summary()
    assert summary["overridden"] == ["volume:raw.crm_orders", "null_ratio:stg_crm__customers.email"]
    assert summary["override"]["reason"] == "source migration"


def test_the_error_names_the_failed_gates_on_one_line():
    audit = Audit([GateResult("volume", f"raw.t{i}", "fail", "-50%") for i in range(5)])
    error = audit.error()
    assert isinstance(error, QualityGateError) and error.exit_code == 6
    line = error.one_line()
    assert "\n" not in line and "5 quality gate(s) failed" in line
    assert "volume:raw.t0 (-50%)" in line and "and 2 more" in line and "--override-gate" in line


def test_volume_gate_drop_growth_and_small_tables():
    gate = VolumeGate()
    previous = {"raw.a": 1000, "raw.b": 1000, "raw.c": 1000, "raw.tiny": 10, "raw.gone": 500}
    current = {"raw.a": 690, "raw.b": 3100, "raw.c": 1500, "raw.tiny": 0, "raw.new": 5}
    results = {r.subject: r for r in volume_results(current, previous, gate)}
    assert results["raw.a"].status == "fail" and "-31%" in results["raw.a"].detail
    assert results["raw.b"].status == "warn" and "3.1x" in results["raw.b"].detail
    assert results["raw.gone"].status == "fail"
    assert set(results) == {"raw.a", "raw.b", "raw.gone"}
    (baseline,) = volume_results(current, None, gate)
    assert baseline.status == "pass" and "baseline" in baseline.detail


def test_count_rows_reads_raw_tables_and_facts_only():
    con = duckdb.connect()
    con.execute("create schema raw; create schema facts; create schema published")
    con.execute("create table raw.crm_orders as select range as id from range(3)")
    con.execute("create table raw._dlt_loads as select 1 as x")
    con.execute("create table facts.fct_orders as select range as id from range(2)")
    con.execute("create table facts.dim_customers as select 1 as x")
    con.execute("create table published.fct_sales as select 1 as x")
    relations = Relations(
        {
            "fct_orders": Model("fct_orders", "facts", "fct_orders", "marts"),
            "fct_lines": Model("fct_lines", "facts", "fct_lines", "marts"),  # not built yet
            "dim_customers": Model("dim_customers", "facts", "dim_customers", "marts"),
            "fct_sales": Model("fct_sales", "published", "fct_sales", "powerbi"),
        }
    )
    assert count_rows(con, relations) == {"raw.crm_orders": 3, "facts.fct_orders": 2}


def test_freshness_per_source_sla(project):
    settings = project(
        "\n[quality.freshness.sources.helpdesk]\nwarn_after_hours = 1\nerror_after_hours = 2\n"
    )
    now = dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)
    con = duckdb.connect()
    con.execute("create schema raw")
    for table, hours in (("crm_orders", 30), ("crm_customers", 60), ("helpdesk_tickets", 3)):
        con.execute(
            f"create table raw.{table} as select ?::timestamptz as _ab_synced_at",
            [now - dt.timedelta(hours=hours)],
        )
    results = {r.subject: r for r in freshness_results(con, settings, now)}
    assert results["crm"].status == "pass" and "30.0 h ago (SLA 48 h)" in results["crm"].detail
    assert results["helpdesk"].status == "fail" and "SLA 2 h" in results["helpdesk"].detail


def test_quality_settings_validate_keys_and_bands(project):
    settings = project(
        '\n[quality.null_ratio.max_ratio]\n"stg_crm__orders.customer_id" = 0\n'
        "\n[quality.distribution.bands.order_value_gbp]\np95 = [100, 900]\n"
    )
    assert settings.quality.null_ratio.max_ratio == {"stg_crm__orders.customer_id": 0}
    assert settings.quality.distribution.bands["order_value_gbp"].p95 == (100, 900)
    with pytest.raises(ConfigError, match=r"model>\.<column"):
        project('\n[quality.null_ratio.max_ratio]\n"email" = 0.1\n')
    with pytest.raises(ConfigError, match="unknown measure"):
        project("\n[quality.distribution.bands.basket_size]\np75 = [1, 2]\n")
    assert QualityConfig().volume.max_drop == 0.30
