"""Per-run snapshot of every raw table: rows, newest ``_ab_synced_at``, newest source cursor.

The snapshots give ingestion lag (now minus the newest data seen) and table sizes over time
without scanning raw again when the metrics are read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import astuple, dataclass

import duckdb

from crm_warehouse.settings import Settings
from crm_warehouse.sources.metadata import SYNCED_AT
from crm_warehouse.warehouse import OPS_SCHEMA as OPS
from crm_warehouse.warehouse import RAW_SCHEMA


def raw_tables(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Raw table -> its columns and their types (dlt's own bookkeeping tables left out)."""
    found: dict[str, dict[str, str]] = {}
    for table, column, data_type in con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name not like '\\_dlt%' escape '\\'",
        [RAW_SCHEMA],
    ).fetchall():
        found.setdefault(table, {})[column] = data_type
    return found


def source_of(settings: Settings, table: str) -> str | None:
    """The configured source a raw table belongs to (raw tables are ``<source>_<table>``)."""
    matches = [name for name in settings.sources if table.startswith(f"{name}_")]
    return max(matches, key=len) if matches else None


@dataclass(frozen=True)
class TableStats:
    source: str | None
    table_name: str
    row_count: int
    newest_synced_at: dt.datetime | None
    newest_cursor_at: dt.datetime | None


def measure_tables(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[TableStats]:
    measured = []
    for table, columns in sorted(raw_tables(con).items()):
        source = source_of(settings, table)
        synced = f"max({SYNCED_AT})" if SYNCED_AT in columns else "null"
        cursor = _cursor_expression(settings, source, columns)
        row_count, newest_synced, newest_cursor = con.execute(
            f'select count(*), {synced}, {cursor} from {RAW_SCHEMA}."{table}"'
        ).fetchone() or (0, None, None)
        measured.append(TableStats(source, table, row_count, newest_synced, newest_cursor))
    return measured


def snapshot_tables(
    con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, now: dt.datetime
) -> list[TableStats]:
    measured = measure_tables(con, settings)
    if measured:
        con.executemany(
            f"insert into {OPS}.table_snapshots values (?, ?, ?, ?, ?, ?, ?)",
            [[run_id, now, *astuple(stats)] for stats in measured],
        )
    return measured


def _cursor_expression(settings: Settings, source: str | None, columns: dict[str, str]) -> str:
    """The newest source cursor as UTC: naive source timestamps are local time in the source's
    zone (see docs/decisions.md)."""
    config = settings.sources.get(source) if source else None
    cursor_column = config.raw_cursor_column() if config else None
    if cursor_column is None or cursor_column not in columns:
        return "null"
    column = f'max("{cursor_column}")'
    if columns[cursor_column].upper().startswith("TIMESTAMP WITH"):
        return column
    zone = config.timezone.replace("'", "")
    return f"timezone('{zone}', {column}::timestamp)"
