"""The volume gate: rows per raw table and per fact against the previous published run."""

from __future__ import annotations

import duckdb

from crm_warehouse.quality.gates import PASS, GateResult, judged
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
