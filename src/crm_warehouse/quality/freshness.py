"""Freshness, judged in one place:

* the freshness gate: how old each source's newest loaded row is (``_ab_synced_at``) against
  ``[quality.freshness]`` (``freshness_results``; ``run`` publishes only within it);
* dbt's source freshness (the SLA per source table in the staging ``_*__sources.yml``, checked
  by the transform step): which of its results count as a breach at the alert level configured
  (``freshness_breached``), and how to describe one; the monitor raises an incident for each
  breach.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import duckdb

from crm_warehouse.quality.gates import GateResult, judged
from crm_warehouse.settings import Settings
from crm_warehouse.sources.metadata import SYNCED_AT
from crm_warehouse.warehouse import RAW_SCHEMA

KIND = "freshness"


def newest_synced(con: duckdb.DuckDBPyConnection, source: str) -> dt.datetime | None:
    """The newest ``_ab_synced_at`` over the source's raw tables (``<source>_<table>``)."""
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.columns where table_schema = ? "
            "and column_name = ? and starts_with(table_name, ?)",
            [RAW_SCHEMA, SYNCED_AT, f"{source}_"],
        ).fetchall()
    ]
    newest = [
        con.execute(f'select max({SYNCED_AT}) from {RAW_SCHEMA}."{t}"').fetchall()[0][0]
        for t in tables
    ]
    return max((n for n in newest if n is not None), default=None)


def freshness_results(
    con: duckdb.DuckDBPyConnection, settings: Settings, now: dt.datetime
) -> list[GateResult]:
    results = []
    for source in sorted(settings.sources):
        sla = settings.quality.freshness.sla(source)
        newest = newest_synced(con, source)
        if newest is None:
            results.append(
                judged(KIND, source, breached=True, severity="error", detail="no rows loaded yet")
            )
            continue
        hours = (now - newest).total_seconds() / 3600
        level = (
            "error"
            if hours > sla.error_after_hours
            else "warn"
            if hours > sla.warn_after_hours
            else None
        )
        limit = sla.error_after_hours if level == "error" else sla.warn_after_hours
        results.append(
            judged(
                KIND,
                source,
                breached=level is not None,
                severity=level or "error",
                detail=f"newest row loaded {hours:,.1f} h ago (SLA {limit:g} h)",
            )
        )
    return results


def freshness_breached(status: str, level: str) -> bool:
    """Whether a dbt source freshness result is a breach: an error, or with ``level = "warn"``
    a warning too."""
    return status in {"error", "runtime error"} or (level == "warn" and status == "warn")


def freshness_detail(result: Mapping[str, Any]) -> str:
    """A dbt source freshness result in words: newest row, its age, the SLA."""
    if result.get("error"):
        return str(result["error"])
    parts = []
    if result.get("max_loaded_at"):
        parts.append(f"newest row loaded at {result['max_loaded_at']:%Y-%m-%d %H:%M} UTC")
    if result.get("age_seconds") is not None:
        parts.append(f"{result['age_seconds'] / 3600:.1f} h old")
    if result.get("error_after_seconds"):
        parts.append(f"SLA {result['error_after_seconds'] / 3600:.0f} h")
    return ", ".join(parts)
