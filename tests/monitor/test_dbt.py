"""dbt results reach monitoring through the runner: a real (tiny) dbt project, built in-process,
with a failing model, a failing test and a stale source; each alerts once and recovers once."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import typer
from tests.conftest import REPO
from tests.monitor.conftest import channels_toml

from crm_warehouse import cli
from crm_warehouse.cli import load_config
from crm_warehouse.runner import Progress, step_transform
from crm_warehouse.transform import Dbt

LAST_RUN = "(select run_id from ops.runs order by started_at desc limit 1)"

MODELS_YML = """
sources:
  - name: crm
    schema: raw
    config:
      loaded_at_field: _ab_synced_at
      freshness:
        warn_after: {count: 1, period: day}
        error_after: {count: 2, period: day}
    tables:
      - name: crm_orders
models:
  - name: orders_clean
    columns:
      - name: amount
        data_tests:
          - not_null
"""


@pytest.fixture
def tiny_dbt(project, http_receiver, tmp_path):
    """A project whose transform is a two-model dbt project over raw.crm_orders."""
    folder = tmp_path / "dbt"
    (folder / "models").mkdir(parents=True)
    (folder / "dbt_project.yml").write_text(
        'name: tiny\nversion: "1.0.0"\nprofile: crm_warehouse\nmodel-paths: ["models"]\n'
    )
    (folder / "profiles.yml").write_text((REPO / "transform" / "profiles.yml").read_text())
    (folder / "models" / "_models.yml").write_text(MODELS_YML)
    (folder / "models" / "orders_clean.sql").write_text(
        "select order_id, amount from {{ source('crm', 'crm_orders') }}\n"
    )
    (folder / "models" / "orders_by_channel.sql").write_text(
        "select channel, count(*) as orders from {{ source('crm', 'crm_orders') }} "
        "group by channel\n"
    )
    settings = project(channels_toml(http_receiver))
    config = Path(settings.config_path)
    config.write_text(config.read_text().replace(f'"{REPO / "transform"}"', '"dbt"'))
    settings = load_config(config)
    settings.duckdb_path.parent.mkdir(parents=True)
    warehouse(
        settings,
        """
        create schema raw;
        create table raw.crm_orders (order_id int, amount double, _ab_synced_at timestamptz);
        insert into raw.crm_orders values
            (1, 10, now() - interval 3 day), (2, null, now() - interval 3 day);
    """,
    )
    return settings, Dbt(settings)


def warehouse(settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.duckdb_path)) as con:
        return con.execute(sql).fetchall()


def transform(settings, dbt: Dbt) -> str:
    """One recorded `transform` run, as the CLI runs it; returns its status."""
    try:
        cli._recorded(
            settings, "transform", lambda rec: step_transform(settings, rec, Progress(), dbt)
        )
    except typer.Exit:
        return "failed"
    return "ok"


def test_dbt_failures_alert_once_and_recover(tiny_dbt, http_receiver):
    settings, dbt = tiny_dbt
    assert transform(settings, dbt) == "failed"
    assert transform(settings, dbt) == "failed"
    alerts = [r.json for r in http_receiver.to("/hook")]
    assert sorted((a["kind"], a["subject"]) for a in alerts) == [
        ("model_failed", "model.tiny.orders_by_channel"),
        ("test_failed", next(a["subject"] for a in alerts if a["kind"] == "test_failed")),
    ]
    test_alert = next(a for a in alerts if a["kind"] == "test_failed")
    assert test_alert["subject"].startswith("test.tiny.not_null_orders_clean_amount.")
    assert test_alert["title"] == "dbt test not_null_orders_clean_amount failed"
    assert test_alert["message"] == "Got 1 result, configured to fail if != 0"
    model_alert = next(a for a in alerts if a["kind"] == "model_failed")
    assert "channel" in model_alert["message"]  # dbt's error names the missing column
    assert model_alert["location"] == "model.tiny.orders_by_channel (transform)"

    warehouse(
        settings,
        "update raw.crm_orders set amount = 5 where amount is null; "
        "alter table raw.crm_orders add column channel varchar;",
    )
    assert transform(settings, dbt) == "failed"  # now the build passes, the source is stale
    statuses = [(r.json["kind"], r.json["status"]) for r in http_receiver.to("/hook")][2:]
    assert sorted(statuses) == [
        ("freshness_breach", "failing"),
        ("model_failed", "recovered"),
        ("test_failed", "recovered"),
    ]
    stale = next(r.json for r in http_receiver.to("/hook") if r.json["kind"] == "freshness_breach")
    assert stale["subject"] == "crm.crm_orders"
    assert stale["title"] == "source crm.crm_orders is stale (freshness error)"
    assert ", 72.0 h old, SLA 48 h" in stale["message"]

    warehouse(settings, "update raw.crm_orders set _ab_synced_at = now()")
    assert transform(settings, dbt) == "ok"
    last = http_receiver.to("/hook")[-1].json
    assert (last["kind"], last["status"]) == ("freshness_breach", "recovered")
    assert len(http_receiver.to("/hook")) == 6
    _assert_dbt_results_stored(settings)


def _assert_dbt_results_stored(settings) -> None:
    """The last, passing run kept dbt's per-node results and the freshness check."""
    nodes = warehouse(
        settings,
        "select unique_id, status, execution_seconds, started_at, completed_at "
        f"from ops.dbt_node_results where run_id = {LAST_RUN} order by unique_id",
    )
    assert [n[:2] for n in nodes][:2] == [
        ("model.tiny.orders_by_channel", "success"),
        ("model.tiny.orders_clean", "success"),
    ]
    assert nodes[2][0].startswith("test.tiny.not_null_orders_clean_amount.")
    assert all(n[2] > 0 and n[3] <= n[4] for n in nodes)
    steps = warehouse(
        settings,
        "select count(*) from ops.run_steps where step = 'transform' "
        f"and started_at is not null and run_id = {LAST_RUN}",
    )
    assert steps == [(3,)]  # the timing of each node came from run_results.json
    fresh = warehouse(
        settings,
        "select source_name, table_name, status, warn_after_seconds, error_after_seconds, "
        f"age_seconds < 60 from ops.source_freshness where run_id = {LAST_RUN}",
    )
    assert fresh == [("crm", "crm_orders", "pass", 86400.0, 172800.0, True)]
    built = warehouse(
        settings,
        "select distinct unique_id from ops.dbt_node_results "
        "where resource_type = 'model' and status = 'success'",
    )
    assert sorted(s[0] for s in built) == [
        "model.tiny.orders_by_channel",
        "model.tiny.orders_clean",
    ]
    stages = warehouse(
        settings,
        f"select name, status from ops.run_steps where step = 'stage' and run_id = {LAST_RUN}",
    )
    assert stages == [("transform", "ok")]
