"""The status report, typed: what ``crm-warehouse status`` prints, ``status --json`` dumps
(``as_json``) and the ops page renders. ``status.py`` reads it from ``ops``."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunStage:
    step: str
    name: str
    status: str
    seconds: float | None
    error: str | None


@dataclass
class RunSummary:
    run_id: str
    command: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    seconds: float | None
    error: str | None
    log_file: str | None
    stages: list[RunStage] = field(default_factory=list)


@dataclass
class StepRow:
    step: str
    name: str
    source: str | None
    status: str
    started_at: dt.datetime | None
    seconds: float | None
    rows_written: int | None
    error: str | None


@dataclass
class SourceStatus:
    """One raw table: size and lag measured now, the last run's rows, freshness."""

    source: str | None
    table: str
    rows: int
    last_run_rows: int
    last_synced_at: dt.datetime | None
    sync_lag_seconds: float | None
    rows_extracted: int | None
    newest_cursor_at: dt.datetime | None
    cursor_lag_seconds: float | None
    sync_warning: str | None
    last_success_at: dt.datetime | None
    freshness_status: str | None
    freshness_checked_at: dt.datetime | None


@dataclass
class SyncRow:
    """One raw table's share of a source's sync in a run (``ops.source_syncs``)."""

    source: str
    table_name: str
    status: str
    rows_extracted: int | None
    rows_loaded: int | None
    rows_deleted: int | None
    rows_quarantined: int | None
    newest_cursor_at: dt.datetime | None
    lag_seconds: float | None
    warning: str | None
    error: str | None


@dataclass
class FailingCheck:
    check: str
    status: str
    detail: str


@dataclass
class Incident:
    incident_id: str
    kind: str
    subject: str
    status: str
    title: str
    location: str | None
    message: str | None
    hint: str | None
    log_file: str | None
    opened_at: dt.datetime
    opened_run_id: str
    last_seen_at: dt.datetime
    last_seen_run_id: str
    occurrences: int
    resolved_at: dt.datetime | None
    resolved_run_id: str | None


@dataclass
class AlertFailure:
    channel: str
    channel_kind: str
    failures: int
    last_failure_at: dt.datetime | None
    last_error: str | None


@dataclass
class SlowModel:
    slowness_rank: int
    unique_id: str
    resource_type: str
    last_execution_seconds: float | None
    avg_execution_seconds: float | None
    max_execution_seconds: float | None
    last_bytes_processed: int | None
    executions: int
    last_completed_at: dt.datetime | None


@dataclass
class DailyVolume:
    load_date: dt.date
    source: str | None
    table_name: str
    runs: int
    rows_loaded: int
    rows_loaded_delta: int | None
    total_rows: int | None


@dataclass
class FailedJobs:
    run_date: dt.date
    runs: int
    failed_runs: int
    failed_source_steps: int
    failed_models: int
    failed_tests: int
    failed_freshness_checks: int
    failed_alert_deliveries: int


@dataclass
class GateRow:
    gate: str
    status: str
    detail: str


@dataclass
class GateReport:
    """The latest run that evaluated the quality gates."""

    run_id: str
    run_status: str
    started_at: dt.datetime
    gates: list[GateRow]
    quarantined: dict[str, dict[str, int]]
    override: dict[str, Any] | None


@dataclass
class StatusReport:
    generated_at: dt.datetime
    runs: list[RunSummary]
    last_run_steps: list[StepRow]
    sources: list[SourceStatus]
    last_run_syncs: list[SyncRow]
    failures: list[StepRow]
    failing_checks: list[FailingCheck]
    incidents: list[Incident]
    recent_incidents: list[Incident]
    alert_failures: list[AlertFailure]
    slowest_models: list[SlowModel]
    row_volume: list[DailyVolume]
    failed_jobs: list[FailedJobs]
    quality: GateReport | None = None

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def typed(cls: type[Any], rows: list[dict[str, Any]]) -> list[Any]:
    """Rows read from ``ops`` as ``cls`` (whose fields are the columns read)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return [cls(**{k: v for k, v in row.items() if k in names}) for row in rows]
