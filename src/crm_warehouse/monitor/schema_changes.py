"""Schema change events (``ops.schema_changes``), fed by whoever detects them (ingestion, #3).

The monitor turns the changes recorded for a table into one alert at the end of the run; the
incident closes silently at the next run without new changes for that table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

import duckdb

from crm_warehouse.monitor import store
from crm_warehouse.warehouse import OPS_SCHEMA as OPS

Change = Literal["added", "removed", "renamed", "type_changed"]


@dataclass(frozen=True)
class SchemaChange:
    table_name: str  # the raw table, e.g. crm_customers
    change: Change
    column_name: str | None = None
    old_type: str | None = None
    new_type: str | None = None
    detail: str | None = None  # e.g. "renamed from email_address"
    source: str | None = None
    run_id: str | None = None
    detected_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def record_schema_changes(con: duckdb.DuckDBPyConnection, changes: list[SchemaChange]) -> None:
    """Record changes in the warehouse (on the caller's connection, e.g. inside its load)."""
    if not changes:
        return
    store.migrate(con)
    con.executemany(
        f"insert into {OPS}.schema_changes (detected_at, run_id, source, table_name, "
        "column_name, change, old_type, new_type, detail) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                c.detected_at,
                c.run_id,
                c.source,
                c.table_name,
                c.column_name,
                c.change,
                c.old_type,
                c.new_type,
                c.detail,
            ]
            for c in changes
        ],
    )
