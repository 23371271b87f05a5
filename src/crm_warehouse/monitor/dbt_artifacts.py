"""Read dbt's ``run_results.json`` and ``sources.json`` (source freshness) into rows for ``ops``.

Both files are overwritten by the next dbt call, so the runner imports them right after each
call; the invocation id keeps a file that was already imported from being imported twice.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

RUN_RESULTS = "run_results.json"
SOURCES = "sources.json"

_PERIOD_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass
class NodeRun:
    invocation_id: str
    command: str | None
    unique_id: str
    resource_type: str
    status: str
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    execution_seconds: float
    rows_affected: int | None
    bytes_processed: int | None
    failures: int | None
    message: str | None


@dataclass
class FreshnessCheck:
    invocation_id: str
    unique_id: str
    source_name: str
    table_name: str
    status: str
    max_loaded_at: dt.datetime | None
    snapshotted_at: dt.datetime | None
    age_seconds: float | None
    warn_after_seconds: float | None
    error_after_seconds: float | None
    error: str | None


def read_run_results(path: Path, *, since: dt.datetime | None = None) -> list[NodeRun]:
    """The node results in ``path``, unless the file was written before ``since``."""
    document = _load(path, since)
    if not document:
        return []
    invocation = _invocation(document, path)
    command = (document.get("args") or {}).get("which")
    return [_node_run(invocation, command, item) for item in document.get("results", [])]


def read_freshness(path: Path, *, since: dt.datetime | None = None) -> list[FreshnessCheck]:
    """The freshness checks in ``path``, unless the file was written before ``since``."""
    document = _load(path, since)
    if not document:
        return []
    invocation = _invocation(document, path)
    return [_freshness(invocation, item) for item in document.get("results", [])]


def _invocation(document: dict[str, Any], path: Path) -> str:
    metadata = document.get("metadata", {})
    return str(metadata.get("invocation_id") or metadata.get("generated_at") or path)


def _load(path: Path, since: dt.datetime | None) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        log.warning("cannot read dbt artifact %s: %s", path, exc)
        return None
    if not isinstance(document, dict):
        return None
    generated = _timestamp(document.get("metadata", {}).get("generated_at"))
    if since and (generated is None or generated < since):
        return None  # left by an earlier dbt call
    return document


def _node_run(invocation: str, command: str | None, item: dict[str, Any]) -> NodeRun:
    unique_id = str(item.get("unique_id", "?"))
    timing = item.get("timing") or []
    response = item.get("adapter_response") or {}
    return NodeRun(
        invocation_id=invocation,
        command=command,
        unique_id=unique_id,
        resource_type=unique_id.split(".", 1)[0],
        status=str(item.get("status", "")).lower(),
        started_at=_timestamp(timing[0].get("started_at")) if timing else None,
        completed_at=_timestamp(timing[-1].get("completed_at")) if timing else None,
        execution_seconds=float(item.get("execution_time") or 0.0),
        rows_affected=_int(response.get("rows_affected")),
        bytes_processed=_int(response.get("bytes_processed")),
        failures=_int(item.get("failures")),
        message=item.get("message"),
    )


def _freshness(invocation: str, item: dict[str, Any]) -> FreshnessCheck:
    unique_id = str(item.get("unique_id", "?"))
    parts = unique_id.split(".")
    criteria = item.get("criteria") or {}
    return FreshnessCheck(
        invocation_id=invocation,
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
