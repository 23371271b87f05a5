"""What one sync of one source saw, filled in by the source while dlt extracts it and read by
ingestion afterwards (rows per table, newest cursor, schema changes, deletes, quarantine)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a type only: reading a report must not import dlt (contract.py does)
    from crm_warehouse.sources.contract import ColumnChange


@dataclass
class TableSync:
    """One raw table's share of a sync."""

    table: str  # raw table, e.g. crm_customers
    rows_extracted: int = 0  # rows read from the source (lookback re-reads included)
    rows_deleted: int = 0  # tombstones appended for hard deletes
    rows_quarantined: int = 0
    files_quarantined: int = 0  # feed files refused whole (helpdesk_csv)
    newest_cursor: dt.datetime | None = None  # UTC
    columns: dict[str, str] = field(default_factory=dict)  # current source columns -> type
    drifted: set[str] = field(default_factory=set)  # columns whose staging use must stop


@dataclass
class SyncReport:
    """Collected during extraction; ``after_commit`` callbacks run once the load committed
    (e.g. confirming a replication slot), never before."""

    source: str
    run_id: str
    tables: dict[str, TableSync] = field(default_factory=dict)
    changes: list[ColumnChange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def table(self, raw_table: str) -> TableSync:
        return self.tables.setdefault(raw_table, TableSync(raw_table))

    def newest(self, raw_table: str, cursor: dt.datetime | None) -> None:
        entry = self.table(raw_table)
        if cursor is not None and (entry.newest_cursor is None or cursor > entry.newest_cursor):
            entry.newest_cursor = cursor
