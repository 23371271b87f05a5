"""The monitoring figures as OpenMetrics text, rendered by ``prometheus-client`` (a registry
of gauge families and its OpenMetrics writer): written to
``<data_dir>/metrics/crm_warehouse.prom`` after each run for a node_exporter textfile collector
or any scraper, and printed by ``crm-warehouse metrics``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.openmetrics.exposition import generate_latest

from crm_warehouse.monitor.store import FAILED_STATUSES, rows, view_rows
from crm_warehouse.settings import Settings
from crm_warehouse.warehouse import OPS_SCHEMA as OPS

PREFIX = "crm_warehouse"


@dataclass
class Family:
    name: str
    help: str
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)

    def add(self, value: float | int | None, **labels: Any) -> None:
        if value is not None:
            self.samples.append(({k: str(v) for k, v in labels.items()}, float(value)))


def metrics_path(settings: Settings) -> Path:
    configured = settings.monitor.metrics_file
    return (
        settings.resolve(configured)
        if configured
        else settings.data_path / "metrics" / f"{PREFIX}.prom"
    )


def render(con: duckdb.DuckDBPyConnection, settings: Settings, now: dt.datetime) -> str:
    families = [
        *_run_families(con, now),
        *_ingest_families(con, now),
        *_dbt_families(con, settings),
        *_incident_families(con, now),
    ]
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(families))
    return generate_latest(registry).decode()


class _Families:
    """The families as a prometheus-client collector (one gauge family each)."""

    def __init__(self, families: list[Family]) -> None:
        self.families = families

    def collect(self) -> list[GaugeMetricFamily]:
        collected = []
        for family in self.families:
            names = list(family.samples[0][0]) if family.samples else []
            gauge = GaugeMetricFamily(f"{PREFIX}_{family.name}", family.help, labels=names)
            for labels, value in family.samples:
                gauge.add_metric([labels[name] for name in names], value)
            collected.append(gauge)
        return collected


def write_atomically(text: str, path: Path) -> Path:
    """Replace the file in one step, so a scraper or a browser never reads half of it
    (prometheus-client's ``write_to_textfile`` does the same, but in the older text format,
    without OpenMetrics' ``# EOF``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
    return path


def _run_families(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> list[Family]:
    last_run = Family("last_run_timestamp_seconds", "Start of the latest run (Unix time).")
    success = Family("last_run_success", "1 if the latest run succeeded, else 0.")
    duration = Family("last_run_duration_seconds", "Wall time of the latest run.")
    last_ok = Family("last_success_timestamp_seconds", "Start of the latest successful run.")
    stage = Family("stage_duration_seconds", "Duration of each stage in the latest run.")
    stage_ok = Family("stage_success", "1 if the stage completed in the latest run, else 0.")
    runs = Family("runs_last_24h", "Runs started in the last 24 hours, by outcome.")
    failed_steps = Family("failed_steps_last_24h", "Failed steps in the last 24 hours, by step.")
    latest = rows(con, f"select * from {OPS}.runs order by started_at desc limit 1")
    if latest:
        run = latest[0]
        last_run.add(run["started_at"].timestamp(), command=run["command"])
        success.add(int(run["status"] == "ok"), command=run["command"])
        duration.add(run["seconds"], command=run["command"])
        for step in rows(
            con,
            f"select name, status, seconds from {OPS}.run_steps "
            f"where run_id = ? and step = 'stage'",
            [run["run_id"]],
        ):
            stage.add(step["seconds"], stage=step["name"])
            stage_ok.add(int(step["status"] == "ok"), stage=step["name"])
    ok_at = con.execute(f"select max(started_at) from {OPS}.runs where status = 'ok'").fetchone()
    if ok_at and ok_at[0]:
        last_ok.add(ok_at[0].timestamp())
    since = now - dt.timedelta(hours=24)
    counts = dict(
        con.execute(
            f"select status, count(*) from {OPS}.runs where started_at >= ? group by status",
            [since],
        ).fetchall()
    )
    for status in ("ok", "failed"):
        runs.add(counts.get(status, 0), status=status)
    for step, n in con.execute(
        f"select steps.step, count(*) from {OPS}.run_steps as steps inner join {OPS}.runs "
        f"as runs on runs.run_id = steps.run_id where runs.started_at >= ? and steps.status in "
        f"(select unnest(?::varchar[])) group by steps.step order by steps.step",
        [since, list(FAILED_STATUSES)],
    ).fetchall():
        failed_steps.add(n, step=step)
    return [last_run, success, duration, last_ok, stage, stage_ok, runs, failed_steps]


def _ingest_families(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> list[Family]:
    lag = Family(
        "ingestion_lag_seconds",
        "Now minus the newest _ab_synced_at in the raw table (time since new data).",
    )
    cursor_lag = Family(
        "source_cursor_lag_seconds",
        "Now minus the newest source cursor (updated_at) in the raw table.",
    )
    since_ok = Family(
        "source_last_success_timestamp_seconds",
        "Last successful sync of the raw table (Unix time).",
    )
    size = Family("raw_table_rows", "Rows in the raw table (all versions).")
    loaded = Family("rows_loaded_today", "Rows appended to the raw table today (UTC).")
    delta = Family("rows_loaded_delta", "Rows loaded on the latest load day minus the day before.")
    for row in view_rows(con, "mtr_ingestion_lag", "order by table_name"):
        labels = {"source": row["source"] or "", "table": row["table_name"]}
        lag.add(row["sync_lag_seconds"], **labels)
        cursor_lag.add(row["cursor_lag_seconds"], **labels)
        if row["last_success_at"]:
            since_ok.add(row["last_success_at"].timestamp(), **labels)
        size.add(row["row_count"], **labels)
    today = now.astimezone(dt.UTC).date()
    for row in view_rows(
        con,
        "mtr_row_volume_daily",
        "qualify row_number() over (partition by table_name order by load_date desc) = 1 "
        "order by table_name",
    ):
        labels = {"source": row["source"] or "", "table": row["table_name"]}
        loaded.add(row["rows_loaded"] if row["load_date"] == today else 0, **labels)
        delta.add(row["rows_loaded_delta"], **labels)
    return [lag, cursor_lag, since_ok, size, loaded, delta]


def _dbt_families(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[Family]:
    age = Family("source_freshness_age_seconds", "Age of the newest row per dbt source table.")
    met = Family("source_freshness_sla_met", "1 if the source table passed its freshness SLA.")
    model = Family("model_execution_seconds", "Latest execution time of the slowest dbt models.")
    scanned = Family(
        "model_bytes_processed",
        "Bytes processed by the latest build of a model (where the adapter says).",
    )
    for row in view_rows(con, "mtr_freshness_sla", "order by source_name, table_name"):
        labels = {"source": row["source_name"], "table": row["table_name"]}
        age.add(row["age_seconds"], **labels)
        met.add(int(row["is_within_sla"]), **labels)
    for row in view_rows(
        con,
        "mtr_slowest_models",
        "where slowness_rank <= ? order by slowness_rank",
        [settings.monitor.slowest_models],
    ):
        model.add(row["last_execution_seconds"], model=row["unique_id"])
        scanned.add(row["last_bytes_processed"], model=row["unique_id"])
    return [age, met, model, scanned]


def _incident_families(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> list[Family]:
    incidents = Family("open_incidents", "Open incidents (alerts not yet recovered), by kind.")
    failures = Family(
        "alert_delivery_failures_last_24h", "Alert messages a channel refused in the last 24 hours."
    )
    for kind, n in con.execute(
        f"select kind, count(*) from {OPS}.incidents where status = "
        f"'open' group by kind order by kind"
    ).fetchall():
        incidents.add(n, kind=kind)
    for channel, n in con.execute(
        f"select channel, count(*) filter (where status = 'failed') from {OPS}.alert_deliveries "
        f"where attempted_at >= ? group by channel order by channel",
        [now - dt.timedelta(hours=24)],
    ).fetchall():
        failures.add(n, channel=channel)
    return [incidents, failures]
