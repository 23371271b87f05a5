"""What ingestion returns: per source, what its sync did and saw. Ingestion writes nothing to
``ops``: the run recorder (``monitor``) records these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from crm_warehouse.sources.sync import SyncReport


@dataclass
class SourceLoad:
    """What one source's sync did."""

    source: str
    kind: str
    status: str = "ok"  # ok | failed
    rows: dict[str, int] = field(default_factory=dict)  # raw table -> rows appended
    rows_read: int = 0
    extracted: dict[str, int] = field(default_factory=dict)  # raw table -> rows read
    warnings: list[str] = field(default_factory=list)
    files_quarantined: int = 0  # feed files refused whole (sources/helpdesk_csv)
    error: str | None = None
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    seconds: float = 0.0
    finished_at: dt.datetime | None = None
    # what the source saw: per raw table rows, newest cursor, columns; schema changes
    sync: SyncReport | None = None

    @property
    def rows_loaded(self) -> int:
        return sum(self.rows.values())
