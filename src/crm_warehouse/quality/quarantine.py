"""Rows the last build held back in the ``quarantine`` schema, by table and reason."""

from __future__ import annotations

import duckdb

QUARANTINE_SCHEMA = "quarantine"


def quarantine_counts(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, int]]:
    """{source table: {reason: rows}} over every quarantine table (empty ones left out)."""
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? "
            "order by table_name",
            [QUARANTINE_SCHEMA],
        ).fetchall()
    ]
    counts: dict[str, dict[str, int]] = {}
    for table in tables:
        for source_table, reason, rows in con.execute(
            f'select source_table, quarantine_reason, count(*) from {QUARANTINE_SCHEMA}."{table}"'
            " group by all order by all"
        ).fetchall():
            counts.setdefault(source_table, {})[reason] = int(rows)
    return counts
