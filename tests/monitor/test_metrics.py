"""Seeing it: the Prometheus file and `crm-warehouse metrics`, `status` (text and JSON), the ops
page - all with the real figures of the runs that were recorded."""

from __future__ import annotations

import json
import re

import duckdb
import pytest
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families
from tests.monitor.conftest import build_ops_views, write_tickets

from crm_warehouse.monitor import RunRecorder, StepRecord
from crm_warehouse.transform.results import read_results

SAMPLE_LINE = re.compile(r'^[a-z_][a-z0-9_]*(\{([a-z_]+="([^"\\]|\\.)*",?)+\})? -?[0-9.e+]+$')

BIGQUERY_RUN_RESULTS = {
    "metadata": {"invocation_id": "bq-1", "generated_at": "2999-01-01T00:00:00Z"},
    "args": {"which": "build"},
    "results": [
        {
            "unique_id": "model.crm_warehouse.fct_orders",
            "status": "success",
            "execution_time": 12.5,
            "message": "CREATE TABLE (8.9k rows, 1.2 GiB processed)",
            "timing": [
                {
                    "name": "execute",
                    "started_at": "2999-01-01T00:00:00Z",
                    "completed_at": "2999-01-01T00:00:12.5Z",
                }
            ],
            "adapter_response": {
                "_message": "CREATE TABLE",
                "rows_affected": 8950,
                "bytes_processed": 1288490188,
                "bytes_billed": 1289748480,
            },
        },
        {
            "unique_id": "model.crm_warehouse.dim_products",
            "status": "success",
            "execution_time": 1.5,
            "timing": [],
            "adapter_response": {"rows_affected": 42},
        },
    ],
}


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.fixture
def ingested(project, cli, feed_dir):
    """Two recorded ingests of the helpdesk feed: one failing (no feed folder), one loading;
    the monitor's metric views built beforehand, as a transform builds them."""
    settings = project()
    build_ops_views(settings)
    feed_dir.rmdir()
    run = cli(settings)
    assert run("ingest", "--source", "helpdesk").exit_code == 3
    write_tickets(feed_dir, "tickets.csv", 3)
    assert run("ingest", "--source", "helpdesk").exit_code == 0
    return settings


def test_prometheus_file_is_valid_and_carries_the_run(ingested, cli):
    text = (ingested.data_path / "metrics" / "crm_warehouse.prom").read_text()
    assert text.endswith("# EOF\n")
    declared = set()
    for line in text.splitlines()[:-1]:
        if line.startswith("# HELP "):
            declared.add(line.split()[2])
        elif line.startswith("# TYPE "):
            assert line.split()[3] == "gauge"
        else:
            assert SAMPLE_LINE.match(line), line
            assert line.split("{")[0].split(" ")[0] in declared, line
    assert len(list(openmetrics_families(text))) == len(declared)  # strict parser agrees

    values = samples(text)
    table = (("source", "helpdesk"), ("table", "helpdesk_tickets"))
    assert values[("crm_warehouse_rows_loaded_today", table)] == 3
    assert values[("crm_warehouse_raw_table_rows", table)] == 3
    assert 0 <= values[("crm_warehouse_ingestion_lag_seconds", table)] < 120
    assert values[("crm_warehouse_last_run_success", (("command", "ingest"),))] == 1
    assert values[("crm_warehouse_runs_last_24h", (("status", "failed"),))] == 1
    assert values[("crm_warehouse_runs_last_24h", (("status", "ok"),))] == 1
    assert values[("crm_warehouse_failed_steps_last_24h", (("step", "ingest"),))] == 1
    assert values[("crm_warehouse_stage_success", (("stage", "ingest"),))] == 1

    printed = cli(ingested)("metrics")
    assert printed.exit_code == 0
    assert set(samples(printed.output)) == set(values)


def test_bigquery_bytes_are_stored_per_model_and_exported(project, tmp_path):
    settings = project()
    build_ops_views(settings)
    target = tmp_path / "target"
    target.mkdir()
    (target / "run_results.json").write_text(json.dumps(BIGQUERY_RUN_RESULTS))
    recorder = RunRecorder(settings, "transform")
    recorder.add_dbt(read_results(target, "build"))
    recorder.add_dbt(read_results(target, "build"))  # the same invocation is kept once
    recorder.finish("ok")

    with duckdb.connect(str(settings.duckdb_path)) as con:
        stored = con.execute(
            "select unique_id, bytes_processed, rows_affected, execution_seconds "
            "from ops.dbt_node_results order by unique_id"
        ).fetchall()
    assert stored == [
        ("model.crm_warehouse.dim_products", None, 42, 1.5),
        ("model.crm_warehouse.fct_orders", 1288490188, 8950, 12.5),
    ]
    values = samples((settings.data_path / "metrics" / "crm_warehouse.prom").read_text())
    fct = (("model", "model.crm_warehouse.fct_orders"),)
    assert values[("crm_warehouse_model_bytes_processed", fct)] == 1288490188
    assert values[("crm_warehouse_model_execution_seconds", fct)] == 12.5
    assert (
        "crm_warehouse_model_bytes_processed",
        (("model", "model.crm_warehouse.dim_products"),),
    ) not in values


def test_status_json_shows_runs_steps_sources_and_incidents(ingested, cli, feed_dir):
    (feed_dir / "tickets.csv").unlink()
    feed_dir.rmdir()
    assert cli(ingested)("ingest", "--source", "helpdesk").exit_code == 3

    result = cli(ingested)("status", "--json", "--runs", "2")
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert [r["status"] for r in report["runs"]] == ["failed", "ok"]
    assert report["runs"][0]["stages"][0]["name"] == "ingest"
    assert report["runs"][0]["stages"][0]["status"] == "failed"
    assert [(s["step"], s["name"], s["status"]) for s in report["last_run_steps"]] == [
        ("stage", "ingest", "failed"),
        ("ingest", "helpdesk", "failed"),
    ]
    source = report["sources"][0]
    assert (source["source"], source["table"], source["rows"]) == (
        "helpdesk",
        "helpdesk_tickets",
        3,
    )
    assert source["sync_lag_seconds"] < 120
    assert [(i["kind"], i["subject"], i["occurrences"]) for i in report["incidents"]] == [
        ("source_failed", "helpdesk", 1)
    ]
    assert report["failing_checks"][0]["check"] == "ingest: helpdesk"

    text = cli(ingested)("status")
    assert text.exit_code == 0
    assert "Open incidents" in text.output and "source_failed" in text.output
    assert "helpdesk_tickets" in text.output


def test_ops_page_is_standalone_and_shows_history(ingested):
    page = (ingested.root / "site" / "ops" / "index.html").read_text()
    with duckdb.connect(str(ingested.duckdb_path)) as con:
        run_ids = [r[0] for r in con.execute("select run_id from ops.runs").fetchall()]
    assert all(run_id in page for run_id in run_ids)
    assert "<svg" in page and "Rows loaded per source table per day" in page
    assert "helpdesk_tickets" in page
    assert "no open incidents" in page  # the failure of the first run has recovered
    assert "<script" not in page
    assert not re.search(r'(src|href)\s*=\s*["\']?https?:', page)


def test_ops_page_path_is_configurable(project, cli):
    settings = project('\n[monitor]\nops_page = "public/ops.html"\n')
    cli(settings)("ingest", "--source", "helpdesk")
    page = settings.root / "public" / "ops.html"
    assert "source helpdesk failed to load" in page.read_text()


def test_monitoring_failure_does_not_change_the_run(project, monkeypatch):
    settings = project()
    recorder = RunRecorder(settings, "ingest")
    recorder.add(StepRecord("ingest", "helpdesk", "failed", error="boom", source="helpdesk"))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("crm_warehouse.monitor.prometheus.render", broken)
    recorder.finish("failed", "boom")
    assert recorder.monitoring.problems == ["could not write metrics file: disk full"]
    assert recorder.monitoring.opened == 1
    with duckdb.connect(str(settings.duckdb_path)) as con:
        assert con.execute("select status, error from ops.runs").fetchall() == [("failed", "boom")]
