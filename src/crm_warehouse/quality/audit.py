"""Audit a staged build: evaluate every gate, then (if the run may publish) record its metrics.

The gates read the staged warehouse only; nothing here touches production.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from crm_warehouse.quality import history
from crm_warehouse.quality.dbt_gates import dbt_gate_results
from crm_warehouse.quality.freshness import freshness_results
from crm_warehouse.quality.gates import Audit, Override
from crm_warehouse.quality.quarantine import quarantine_counts
from crm_warehouse.quality.regression import regression_results
from crm_warehouse.quality.volume import count_rows, volume_results
from crm_warehouse.settings import Settings
from crm_warehouse.transform import TransformResult, read_relations


def audit(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    *,
    built: TransformResult,
    target_path: Path,
    override: Override,
    now: dt.datetime,
) -> tuple[Audit, history.Snapshot, dict[str, int]]:
    """Every gate's result (overrides applied; the dbt gates read from the build ``built``
    whose manifest is in ``target_path``), plus the metrics and row counts measured, which
    the run records once it publishes."""
    quality = settings.quality
    relations = read_relations(target_path / "manifest.json")
    snapshot, counts = history.take_snapshot(con, relations), count_rows(con, relations)
    results = [
        *dbt_gate_results(con, quality, built, target_path),
        *volume_results(counts, history.previous_counts(con), quality.volume),
        *regression_results(history.previous_snapshot(con), snapshot, quality.regression),
        *freshness_results(con, settings, now),
    ]
    found = Audit(
        results=[override.apply(r) for r in results],
        quarantined=quarantine_counts(con, relations),
        override=override,
    )
    return found, snapshot, counts
