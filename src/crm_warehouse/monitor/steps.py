"""One recorded step of a run (``ops.run_steps``): a stage, a source table, a dbt node, an
export, a quality gate or an alert channel."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import duckdb

from crm_warehouse.monitor import redact
from crm_warehouse.warehouse import OPS_SCHEMA as OPS


@dataclass
class StepRecord:
    step: str  # stage | ingest | transform | freshness | publish | alert ...
    name: str  # raw table, dbt unique id, export, stage or channel name
    status: str  # ok | failed | skipped | warn | pass | error | success ...
    started_at: dt.datetime | None = None
    seconds: float | None = None
    rows_read: int | None = None
    rows_written: int | None = None
    error: str | None = None
    source: str | None = None  # the source a step read, for ingest steps

    @property
    def finished_at(self) -> dt.datetime | None:
        if self.started_at is None or self.seconds is None:
            return None
        return self.started_at + dt.timedelta(seconds=self.seconds)


def write_steps(con: duckdb.DuckDBPyConnection, run_id: str, steps: list[StepRecord]) -> None:
    if not steps:
        return
    con.executemany(
        f"insert into {OPS}.run_steps (run_id, step, name, status, started_at, seconds, "
        "rows_read, rows_written, error, source, finished_at) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[run_id, *_redacted(asdict(s)).values(), s.finished_at] for s in steps],
    )


def _redacted(values: dict[str, Any]) -> dict[str, Any]:
    return {k: redact.redact(v) if isinstance(v, str) else v for k, v in values.items()}
