"""What a finished run tells about each monitored subject: failing or passing.

A check is only produced for what the run actually looked at: an ``ingest --source crm`` run says
nothing about the helpdesk feed, and a model that dbt skipped is not a pass. Incidents open on a
failing check and clear only on a passing check of the same kind and subject.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from crm_warehouse.monitor.snapshots import source_of
from crm_warehouse.monitor.store import FAILED_STATUSES, rows
from crm_warehouse.quality.freshness import freshness_breached, freshness_detail
from crm_warehouse.quality.volume import load_volume
from crm_warehouse.settings import Settings
from crm_warehouse.warehouse import OPS_SCHEMA as OPS

SOURCE_FAILED = "source_failed"
MODEL_FAILED = "model_failed"
TEST_FAILED = "test_failed"
PUBLISH_BLOCKED = "publish_blocked"
FRESHNESS_BREACH = "freshness_breach"
VOLUME_ANOMALY = "volume_anomaly"
SCHEMA_CHANGE = "schema_change"
GATE_FAILED = "gate_failed"

PUBLISHING_COMMANDS = frozenset({"run", "demo", "publish"})
_PASSING_DBT = frozenset({"success", "pass", "warn"})
_MODEL_TYPES = frozenset({"model", "snapshot", "seed"})
_TEST_TYPES = frozenset({"test", "unit_test"})


@dataclass(frozen=True)
class Check:
    kind: str
    subject: str
    failing: bool
    title: str = ""  # what failed, one line
    location: str = ""  # where: source, model, gate
    message: str = ""  # the error or the figures behind it
    hint: str = ""  # what to do, one line
    event: bool = False  # an event (schema change) rather than a state: no recovery message


def evaluate(
    con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, now: dt.datetime
) -> list[Check]:
    run = rows(con, f"select * from {OPS}.runs where run_id = ?", [run_id])
    if not run:
        return []
    steps = rows(con, f"select * from {OPS}.run_steps where run_id = ?", [run_id])
    dbt_log = settings.data_path / "logs" / "dbt" / "dbt.log"
    return [
        *_source_checks(settings, steps),
        *_gate_checks(steps),
        *_dbt_checks(steps, dbt_log),
        *_freshness_checks(con, settings, run_id, steps),
        *_publish_checks(run[0], steps),
        *_volume_checks(con, settings, steps, now),
        *_schema_change_checks(con),
    ]


def _source_checks(settings: Settings, steps: list[dict[str, Any]]) -> list[Check]:
    by_source: dict[str, list[dict[str, Any]]] = {}
    for step in steps:
        if step["step"] == "ingest":
            source = step["source"] or source_of(settings, step["name"]) or step["name"]
            by_source.setdefault(source, []).append(step)
    checks = []
    for source, source_steps in sorted(by_source.items()):
        failed = [s for s in source_steps if s["status"] in FAILED_STATUSES]
        error = failed[0]["error"] if failed else ""
        what, fix = _split_fix(error or "")
        checks.append(
            Check(
                SOURCE_FAILED,
                source,
                bool(failed),
                title=f"source {source} failed to load",
                location=f"source {source} (ingest)",
                message=what,
                hint=fix
                or f"check sources.{source} in the config, then "
                f"`crm-warehouse ingest --source {source} -v`",
            )
        )
    return checks


def _gate_checks(steps: list[dict[str, Any]]) -> list[Check]:
    """Quality gates record one ``gate`` step each (status ok / warn / failed)."""
    return [
        Check(
            GATE_FAILED,
            step["name"],
            step["status"] in FAILED_STATUSES,
            title=f"quality gate {step['name']} failed",
            location=f"gate {step['name']}",
            message=_split_fix(step["error"] or "")[0],
            hint=_split_fix(step["error"] or "")[1]
            or "see `crm-warehouse status`; the gate's thresholds are in the config",
        )
        for step in steps
        if step["step"] == "gate" and step["status"] != "skipped"
    ]


def _dbt_checks(steps: list[dict[str, Any]], dbt_log: Path) -> list[Check]:
    checks = []
    for step in steps:
        if step["step"] != "transform":
            continue
        resource_type = step["name"].split(".", 1)[0]
        failing = step["status"] in FAILED_STATUSES
        if not failing and step["status"] not in _PASSING_DBT:
            continue  # skipped: not looked at
        short = node_name(step["name"])
        if resource_type in _MODEL_TYPES:
            kind, what = MODEL_FAILED, resource_type
            hint = f"fix the {resource_type}, then `crm-warehouse transform --select {short}+`"
        elif resource_type in _TEST_TYPES:
            kind, what = TEST_FAILED, resource_type.replace("_", " ")
            hint = f"fix the data or the model, then `crm-warehouse transform --select {short}`"
        else:
            continue
        checks.append(
            Check(
                kind,
                step["name"],
                failing,
                title=f"dbt {what} {short} failed",
                location=f"{step['name']} (transform)",
                message=step["error"] or "",
                hint=f"{hint}; dbt log: {dbt_log}",
            )
        )
    return checks


def _freshness_checks(
    con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, steps: list[dict[str, Any]]
) -> list[Check]:
    level = settings.monitor.alerts.freshness_level
    results = rows(con, f"select * from {OPS}.source_freshness where run_id = ?", [run_id])
    if not results:  # dbt artifacts not imported: fall back on the recorded nodes
        results = [
            {
                "unique_id": s["name"],
                "status": s["status"],
                "error": s["error"],
                "max_loaded_at": None,
                "age_seconds": None,
                "error_after_seconds": None,
            }
            for s in steps
            if s["step"] == "freshness"
        ]
    checks = []
    for result in results:
        subject = ".".join(result["unique_id"].split(".")[-2:])
        checks.append(
            Check(
                FRESHNESS_BREACH,
                subject,
                freshness_breached(result["status"], level),
                title=f"source {subject} is stale (freshness {result['status']})",
                location=f"source {subject} (freshness SLA)",
                message=freshness_detail(result),
                hint="check that the connector or feed still delivers; the SLA is set in "
                "transform/models/staging/*/_*__sources.yml",
            )
        )
    return checks


def _publish_checks(run: dict[str, Any], steps: list[dict[str, Any]]) -> list[Check]:
    if run["command"] not in PUBLISHING_COMMANDS:
        return []
    stages = sorted(
        (s for s in steps if s["step"] == "stage"),
        key=lambda s: (s["started_at"] is None, s["started_at"] or 0),
    )
    # a run can fail after it published (a source failed, the others were published)
    published = any(s["name"] == "publish" and s["status"] == "ok" for s in stages)
    # the stage that stopped the run: the last one that failed (ingest fails and the run goes
    # on when only some sources failed)
    failed_stages = [s for s in stages if s["status"] in FAILED_STATUSES]
    where = failed_stages[-1]["name"] if failed_stages else None
    if where is None:
        location = "run"
    else:
        location = "publish" if where == "publish" else f"{where} (before publish)"
    return [
        Check(
            PUBLISH_BLOCKED,
            "publish",
            run["status"] != "ok" and not published,
            title="publish blocked: the run failed" + (f" at {where}" if where else ""),
            location=location,
            message=_split_fix(run["error"] or "")[0],
            hint="Power BI keeps the previous export; fix the failure, then `crm-warehouse run`",
        )
    ]


def _volume_checks(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    steps: list[dict[str, Any]],
    now: dt.datetime,
) -> list[Check]:
    tables = sorted({s["name"] for s in steps if s["step"] == "ingest" and s["status"] == "ok"})
    if not tables:
        return []
    rule = settings.monitor.volume
    today = now.astimezone(dt.UTC).date()
    daily = _daily_rows(con, tables, today - dt.timedelta(days=rule.history_days))
    return [
        Check(
            VOLUME_ANOMALY,
            volume.table,
            volume.anomalous,
            title=f"row volume {volume.direction} in {volume.table}",
            location=f"raw table {volume.table} (ingest)",
            message=volume.detail(),
            hint="compare with the source system; thresholds are monitor.volume.drop_ratio "
            "and spike_ratio",
        )
        for volume in load_volume(daily, tables, today, rule)
    ]


def _daily_rows(
    con: duckdb.DuckDBPyConnection, tables: list[str], since: dt.date
) -> dict[str, dict[dt.date, int]]:
    daily: dict[str, dict[dt.date, int]] = {}
    for table, day, loaded in con.execute(
        f"select steps.name, cast(timezone('UTC', runs.started_at) as date), "
        f"sum(coalesce(steps.rows_written, 0)) "
        f"from {OPS}.run_steps as steps inner join {OPS}.runs as runs "
        f"on runs.run_id = steps.run_id "
        f"where steps.step = 'ingest' and steps.status = 'ok' "
        f"and steps.name in (select unnest(?::varchar[])) "
        f"and cast(timezone('UTC', runs.started_at) as date) >= ? group by all",
        [tables, since],
    ).fetchall():
        daily.setdefault(table, {})[day] = int(loaded)
    return daily


def _schema_change_checks(con: duckdb.DuckDBPyConnection) -> list[Check]:
    pending: dict[str, list[dict[str, Any]]] = {}
    for change in rows(
        con, f"select * from {OPS}.schema_changes where incident_id is null order by detected_at"
    ):
        pending.setdefault(change["table_name"], []).append(change)
    opened = [
        r[0]
        for r in con.execute(
            f"select subject from {OPS}.incidents where kind = ? and status = 'open'",
            [SCHEMA_CHANGE],
        ).fetchall()
    ]
    checks = [
        Check(SCHEMA_CHANGE, table, False, event=True) for table in opened if table not in pending
    ]
    for table, changes in sorted(pending.items()):
        described = "; ".join(_describe_change(c) for c in changes[:10])
        more = f" (+{len(changes) - 10} more)" if len(changes) > 10 else ""
        checks.append(
            Check(
                SCHEMA_CHANGE,
                table,
                True,
                event=True,
                title=f"schema change in {table}: {len(changes)} column change(s)",
                location=f"raw table {table}"
                + (f" (source {changes[0]['source']})" if changes[0]["source"] else ""),
                message=described + more,
                hint="review the staging model and its sources yml for the changed columns",
            )
        )
    return checks


def _describe_change(change: dict[str, Any]) -> str:
    column = change["column_name"] or "?"
    if change["change"] == "type_changed":
        return f"{column} {change['old_type']} -> {change['new_type']}"
    detail = f" ({change['detail']})" if change["detail"] else ""
    return f"{column} {change['change']}{detail}"


def node_name(unique_id: str) -> str:
    """dbt's name for a node: ``test.project.not_null_x.5f3a`` -> ``not_null_x``."""
    parts = unique_id.split(".")
    if parts[0] == "unit_test":
        return ".".join(parts[2:])
    return parts[2] if len(parts) > 2 else parts[-1]


def _split_fix(error: str) -> tuple[str, str]:
    """A PipelineError's one line is ``what [in where] - fix: fix``."""
    what, _, fix = error.partition(" - fix: ")
    return what, fix
