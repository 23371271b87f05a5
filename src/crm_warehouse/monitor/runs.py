"""The run metadata store: one row per run (``ops.runs``) and per step (``ops.run_steps``).

Steps are buffered in memory and written when the run finishes, so the recorder never holds the
warehouse open while dlt or dbt write to it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from crm_warehouse.config import Settings
from crm_warehouse.warehouse import OPS_SCHEMA, connect

log = logging.getLogger(__name__)

DDL = f"""
create schema if not exists {OPS_SCHEMA};
create table if not exists {OPS_SCHEMA}.runs (
    run_id varchar primary key,
    command varchar not null,
    status varchar not null,
    started_at timestamptz not null,
    finished_at timestamptz,
    seconds double,
    error varchar,
    summary json
);
create table if not exists {OPS_SCHEMA}.run_steps (
    run_id varchar not null,
    step varchar not null,
    name varchar not null,
    status varchar not null,
    started_at timestamptz,
    seconds double,
    rows_read bigint,
    rows_written bigint,
    error varchar
);
"""


def new_run_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


@dataclass
class StepRecord:
    step: str  # ingest | transform | publish | ...
    name: str  # source.table, dbt unique id, export file
    status: str  # ok | failed | skipped | warn | pass | error | success ...
    started_at: dt.datetime | None = None
    seconds: float | None = None
    rows_read: int | None = None
    rows_written: int | None = None
    error: str | None = None


@dataclass
class RunRecorder:
    settings: Settings
    command: str
    run_id: str = field(default_factory=new_run_id)
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    steps: list[StepRecord] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def add(self, record: StepRecord) -> None:
        self.steps.append(record)

    def finish(self, status: str, error: str | None = None) -> None:
        finished = dt.datetime.now(dt.UTC)
        seconds = (finished - self.started_at).total_seconds()
        try:
            with connect(self.settings) as con:
                con.execute(DDL)
                con.execute(
                    f"insert or replace into {OPS_SCHEMA}.runs values (?, ?, ?, ?, ?, ?, ?, ?)",
                    [self.run_id, self.command, status, self.started_at, finished, seconds,
                     error, json.dumps(self.summary, default=str)],
                )
                if self.steps:
                    con.executemany(
                        f"insert into {OPS_SCHEMA}.run_steps values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [[self.run_id, *asdict(s).values()] for s in self.steps],
                    )
        except Exception as exc:  # noqa: BLE001 - recording must never hide the run's outcome
            log.error("could not record run %s in the warehouse: %s", self.run_id, exc)
