"""Rows the last build held back in the quarantine models' tables, by table and reason."""

from __future__ import annotations

import duckdb

from crm_warehouse.transform import Relations
from crm_warehouse.warehouse import table_exists


def quarantine_counts(
    con: duckdb.DuckDBPyConnection, relations: Relations
) -> dict[str, dict[str, int]]:
    """{source table: {reason: rows}} over every quarantine table (empty ones left out)."""
    counts: dict[str, dict[str, int]] = {}
    for model in relations.layer("quarantine"):
        if not table_exists(con, model.schema, model.identifier):
            continue
        for source_table, reason, rows in con.execute(
            f"select source_table, quarantine_reason, count(*) from {model.relation}"
            " group by all order by all"
        ).fetchall():
            counts.setdefault(source_table, {})[reason] = int(rows)
    return counts
