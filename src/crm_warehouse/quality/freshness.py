"""The freshness gate: how old each source's newest loaded row is (``_ab_synced_at``)."""

from __future__ import annotations

import datetime as dt

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
