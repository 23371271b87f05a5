"""Row volume, judged in one place:

* the volume gate: rows per raw table and per fact against the previous published run
  (``volume_results``; ``run`` publishes only within its limits);
* the daily load check: rows loaded per raw table today against the median day of the recent
  history (``load_volume``); the monitor raises an incident for each anomaly it reports.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

import duckdb

from crm_warehouse.quality.gates import PASS, GateResult, judged
from crm_warehouse.settings.monitor import VolumeCheck
from crm_warehouse.settings.quality import VolumeGate
from crm_warehouse.transform import Relations
from crm_warehouse.warehouse import RAW_SCHEMA, table_exists

KIND = "volume"


def count_rows(con: duckdb.DuckDBPyConnection, relations: Relations) -> dict[str, int]:
    """Rows now in every raw table (dlt's bookkeeping aside) and every fact of the marts."""
    raw = con.execute(
        "select table_name from information_schema.tables where table_type = 'BASE TABLE' "
        "and table_schema = ? and table_name not like '\\_dlt%' escape '\\'",
        [RAW_SCHEMA],
    ).fetchall()
    facts = [m for m in relations.layer("marts") if m.name.startswith("fct_")]
    found = [(RAW_SCHEMA, table) for (table,) in raw] + [
        (m.schema, m.identifier) for m in facts if table_exists(con, m.schema, m.identifier)
    ]
    counts = {}
    for schema, table in sorted(found):
        (rows,) = con.execute(f'select count(*) from {schema}."{table}"').fetchall()[0]
        counts[f"{schema}.{table}"] = int(rows)
    return counts


def volume_results(
    current: dict[str, int], previous: dict[str, int] | None, gate: VolumeGate
) -> list[GateResult]:
    if previous is None:
        return [GateResult(KIND, "tables", PASS, "no published run yet: this run is the baseline")]
    results = []
    for relation, before in sorted(previous.items()):
        if before < gate.min_rows:
            continue
        now = current.get(relation, 0)
        if now < before * (1 - gate.max_drop):
            results.append(
                judged(
                    KIND,
                    relation,
                    breached=True,
                    severity=gate.drop_severity,
                    detail=f"{before:,} -> {now:,} rows "
                    f"({now / before - 1:+.0%}, limit -{gate.max_drop:.0%})",
                )
            )
        elif now > before * gate.max_growth:
            results.append(
                judged(
                    KIND,
                    relation,
                    breached=True,
                    severity=gate.growth_severity,
                    detail=f"{before:,} -> {now:,} rows ({now / before:.1f}x, "
                    f"limit {gate.max_growth:g}x)",
                )
            )
    return results or [
        GateResult(KIND, "tables", PASS, f"{len(current)} tables within limits of the previous run")
    ]


@dataclass(frozen=True)
class LoadVolume:
    """Rows loaded into one raw table today (UTC) against the median of the previous days."""

    table: str
    loaded: int
    baseline: float
    days: int  # previous days with loads
    anomalous: bool
    direction: str  # drop (below the drop ratio) | spike

    @property
    def ratio(self) -> float:
        return self.loaded / self.baseline

    def detail(self) -> str:
        return (
            f"{self.loaded:,} rows loaded today (UTC) vs a median of {self.baseline:,.0f} per "
            f"day over the previous {self.days} days with loads ({self.ratio:.0%})"
        )


def load_volume(
    daily: dict[str, dict[dt.date, int]], tables: list[str], today: dt.date, rule: VolumeCheck
) -> list[LoadVolume]:
    """Each of ``tables`` with enough history (``daily``: table -> day -> rows loaded)."""
    found = []
    for table in tables:
        history = [n for day, n in daily.get(table, {}).items() if day < today]
        if len(history) < rule.min_history_days:
            continue
        baseline = statistics.median(history)
        if baseline < rule.min_rows:
            continue
        loaded = daily.get(table, {}).get(today, 0)
        ratio = loaded / baseline
        anomalous = not rule.drop_ratio <= ratio <= rule.spike_ratio
        direction = "drop" if ratio < rule.drop_ratio else "spike"
        found.append(LoadVolume(table, loaded, baseline, len(history), anomalous, direction))
    return found
