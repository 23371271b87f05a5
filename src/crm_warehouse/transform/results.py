"""dbt's results, read once per dbt call from the artifacts it writes: ``run_results.json``
(every node a command ran) and ``sources.json`` (source freshness). Everything downstream - the
runner, the quality gates, the run recorder - reads these objects, never the files.

Each call's artifacts overwrite the last; ``Dbt`` removes them before a call, so a call that
wrote none has no results rather than its predecessor's.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

RUN_RESULTS = "run_results.json"
SOURCES = "sources.json"
FAILED = {"error", "fail", "runtime error"}

_PERIOD_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass
class NodeResult:
    """One node of one dbt call (model, seed, snapshot, test, unit test, source freshness)."""

    unique_id: str
    resource_type: str
    status: str  # success | error | skipped | pass | warn | fail | runtime error
    seconds: float
    rows_affected: int | None = None
    message: str | None = None
    started_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    bytes_processed: int | None = None
    failures: int | None = None

    @property
    def failed(self) -> bool:
        return self.status in FAILED


@dataclass
class FreshnessCheck:
    """One source table's freshness against the SLA its sources yml sets."""

    unique_id: str
    source_name: str
    table_name: str
    status: str  # pass | warn | error | runtime error
    max_loaded_at: dt.datetime | None
    snapshotted_at: dt.datetime | None
    age_seconds: float | None
    warn_after_seconds: float | None
    error_after_seconds: float | None
    error: str | None


@dataclass
class TransformResult:
    """What one dbt call did."""

    command: str
    nodes: list[NodeResult] = field(default_factory=list)
    success: bool = True
    invocation_id: str = ""
    freshness: list[FreshnessCheck] = field(default_factory=list)

    @property
    def failures(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.failed]

    def count(self, resource_type: str, status: str | None = None) -> int:
        return sum(
            1
            for n in self.nodes
            if n.resource_type == resource_type and (status is None or n.status == status)
        )


def read_results(target_path: Path, command: str, *, success: bool = True) -> TransformResult:
    """The results of the dbt call whose artifacts are in ``target_path``."""
    result = TransformResult(command=command, success=success)
    for name in (RUN_RESULTS, SOURCES):
        document = _load(target_path / name)
        if not document:
            continue
        metadata = document.get("metadata", {})
        result.invocation_id = str(
            metadata.get("invocation_id") or metadata.get("generated_at") or target_path / name
        )
        items = document.get("results", [])
        result.nodes += [_node(item) for item in items]
        if name == SOURCES:
            result.freshness += [_freshness(item) for item in items]
    return result


def remove_artifacts(target_path: Path) -> None:
    for name in (RUN_RESULTS, SOURCES):
        (target_path / name).unlink(missing_ok=True)


def _load(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        log.warning("cannot read dbt artifact %s: %s", path, exc)
        return None
    return document if isinstance(document, dict) else None


def _node(item: dict[str, Any]) -> NodeResult:
    unique_id = str(item.get("unique_id", "?"))
    timing = item.get("timing") or []
    response = item.get("adapter_response") or {}
    return NodeResult(
        unique_id=unique_id,
        resource_type=unique_id.split(".", 1)[0],
        status=str(item.get("status", "")).lower(),
        seconds=float(item.get("execution_time") or 0.0),
        rows_affected=_int(response.get("rows_affected")),
        message=item.get("message") or item.get("error"),
        started_at=_timestamp(timing[0].get("started_at")) if timing else None,
        completed_at=_timestamp(timing[-1].get("completed_at")) if timing else None,
        bytes_processed=_int(response.get("bytes_processed")),
        failures=_int(item.get("failures")),
    )


def _freshness(item: dict[str, Any]) -> FreshnessCheck:
    unique_id = str(item.get("unique_id", "?"))
    parts = unique_id.split(".")
    criteria = item.get("criteria") or {}
    return FreshnessCheck(
        unique_id=unique_id,
        source_name=parts[-2] if len(parts) >= 2 else "?",
        table_name=parts[-1],
        status=str(item.get("status", "")).lower(),
        max_loaded_at=_timestamp(item.get("max_loaded_at")),
        snapshotted_at=_timestamp(item.get("snapshotted_at")),
        age_seconds=_float(item.get("max_loaded_at_time_ago_in_s")),
        warn_after_seconds=_threshold(criteria.get("warn_after")),
        error_after_seconds=_threshold(criteria.get("error_after")),
        error=item.get("error"),
    )


def _threshold(rule: dict[str, Any] | None) -> float | None:
    if not rule or rule.get("count") is None or rule.get("period") not in _PERIOD_SECONDS:
        return None
    return float(rule["count"]) * _PERIOD_SECONDS[rule["period"]]


def _timestamp(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
