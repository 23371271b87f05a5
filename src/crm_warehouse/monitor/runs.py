"""The run metadata store: one row per run (``ops.runs``) and per step (``ops.run_steps``), plus
dbt's node results and source freshness (``ops.dbt_node_results``, ``ops.source_freshness``).

Steps are buffered in memory and written when the run finishes, so the recorder never holds the
warehouse open while dlt or dbt write to it. The sync metadata ingestion writes into a ``run``'s
staged warehouse (``ops.source_syncs``, ``ops.schema_changes``) is kept the same way and written
with the run when the staged copy was discarded, so a failed run keeps it too. Finishing also
runs the post-run monitoring (metrics, alerts, the ops page); nothing there can change or hide
the run's own outcome.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import duckdb

from crm_warehouse.errors import PipelineError
from crm_warehouse.monitor import redact
from crm_warehouse.monitor.dbt_artifacts import (
    RUN_RESULTS,
    SOURCES,
    FreshnessCheck,
    NodeRun,
    read_freshness,
    read_run_results,
)
from crm_warehouse.monitor.store import rows
from crm_warehouse.settings import Settings
from crm_warehouse.warehouse import OPS_SCHEMA as OPS

if TYPE_CHECKING:
    from crm_warehouse.monitor.observe import Observation

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

STAGE = "stage"
# What ingestion records per run in the warehouse it loads (ingest/sync_log.py)
KEPT_OPS_TABLES = ("source_syncs", "schema_changes")


def new_run_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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


@dataclass
class RunRecorder:
    settings: Settings
    command: str
    run_id: str = field(default_factory=new_run_id)
    started_at: dt.datetime = field(default_factory=_now)
    steps: list[StepRecord] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    log_file: Path | None = None
    dbt_nodes: list[NodeRun] = field(default_factory=list)
    freshness: list[FreshnessCheck] = field(default_factory=list)
    monitoring: Observation | None = None  # what the post-run monitoring did
    # ops rows ingestion wrote into a staged warehouse (table -> rows), written with the run
    # unless the staged file became production (write-audit-publish)
    sync_log: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        redact.register_settings(self.settings)
        redact.install_log_redaction()

    def add(self, record: StepRecord) -> None:
        self.steps.append(record)

    def mark_stage(self, name: str, status: str, error: str | None = None) -> None:
        """Change the outcome of a stage already recorded: ``run`` goes on after an ingest
        stage in which some sources failed, which is recorded as failed all the same."""
        for step in reversed(self.steps):
            if step.step == STAGE and step.name == name:
                step.status, step.error = status, error
                return

    def keep_sync_log(self, staged: Settings) -> None:
        """Read what ingestion recorded for this run in the staged warehouse (sync metadata,
        schema changes) before the staging copy may be discarded; ``save`` writes it to
        production unless production already holds it (the staged file was promoted)."""
        path = staged.duckdb_path
        if not path.exists():
            return
        try:
            with duckdb.connect(str(path)) as con:
                for table in KEPT_OPS_TABLES:
                    if _has_table(con, OPS, table):
                        self.sync_log[table] = rows(
                            con, f"select * from {OPS}.{table} where run_id = ?", [self.run_id]
                        )
        except Exception as exc:  # called on the way out of a failing run: never mask it
            log.error(
                "could not read the sync metadata of run %s in %s: %s", self.run_id, path, exc
            )

    def import_dbt_artifacts(self, target_path: Path) -> None:
        """Keep the results of the dbt call that just ran (its artifacts are overwritten by the
        next call)."""
        seen = {n.invocation_id for n in self.dbt_nodes} | {f.invocation_id for f in self.freshness}
        since = self.started_at
        nodes = [
            n
            for n in read_run_results(target_path / RUN_RESULTS, since=since)
            if n.invocation_id not in seen
        ]
        checks = [
            f
            for f in read_freshness(target_path / SOURCES, since=since)
            if f.invocation_id not in seen
        ]
        self.dbt_nodes.extend(nodes)
        self.freshness.extend(checks)
        log.info(
            "imported dbt artifacts: %d node results, %d freshness checks", len(nodes), len(checks)
        )

    def finish(self, status: str, error: str | None = None) -> None:
        """Record the run, then watch it (alerts, metrics, ops page); never raises."""
        from crm_warehouse.monitor.observe import observe

        finished = _now()
        self.monitoring = observe(
            self.settings,
            self.run_id,
            record=lambda con: self.save(con, status, error, finished),
            log_file=self.log_file,
        )

    def save(
        self, con: duckdb.DuckDBPyConnection, status: str, error: str | None, finished: dt.datetime
    ) -> None:
        """Write the run, its steps and its dbt results on ``con`` (ops tables migrated)."""
        seconds = (finished - self.started_at).total_seconds()
        con.execute(
            f"insert or replace into {OPS}.runs (run_id, command, status, started_at, "
            "finished_at, seconds, error, summary, log_file) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.run_id,
                self.command,
                status,
                self.started_at,
                finished,
                seconds,
                redact.redact(error or "") or None,
                json.dumps(redact.redact_any(self.summary), default=str),
                str(self.log_file) if self.log_file else None,
            ],
        )
        timing = {n.unique_id: n for n in self.dbt_nodes}
        write_steps(con, self.run_id, [_with_dbt_timing(s, timing) for s in self.steps])
        self._write_dbt(con)
        self._write_sync_log(con)

    def _write_sync_log(self, con: duckdb.DuckDBPyConnection) -> None:
        """The kept sync metadata, into the tables production has (a failed ``run`` discarded
        the staged warehouse that held it). Never fails the recording of the run."""
        if not any(self.sync_log.values()):
            return
        from crm_warehouse.ingest import sync_log

        try:
            sync_log.migrate(con)
            for table, found in self.sync_log.items():
                if not found:
                    continue
                held = con.execute(
                    f"select count(*) from {OPS}.{table} where run_id = ?", [self.run_id]
                ).fetchone()
                if held and held[0]:
                    continue  # production has it: the staged file was promoted
                present = _columns(con, OPS, table)
                columns = [c for c in found[0] if c in present]
                con.executemany(
                    f"insert into {OPS}.{table} ({', '.join(columns)}) "
                    f"values ({', '.join('?' for _ in columns)})",
                    [[_redacted(row)[c] for c in columns] for row in found],
                )
        except Exception as exc:
            log.error("could not write the sync metadata of run %s: %s", self.run_id, exc)

    def _write_dbt(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.dbt_nodes:
            con.executemany(
                f"insert into {OPS}.dbt_node_results values "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[self.run_id, *_redacted(asdict(n)).values()] for n in self.dbt_nodes],
            )
        if self.freshness:
            con.executemany(
                f"insert into {OPS}.source_freshness values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[self.run_id, *_redacted(asdict(f)).values()] for f in self.freshness],
            )


def write_steps(con: duckdb.DuckDBPyConnection, run_id: str, steps: list[StepRecord]) -> None:
    if not steps:
        return
    con.executemany(
        f"insert into {OPS}.run_steps (run_id, step, name, status, started_at, seconds, "
        "rows_read, rows_written, error, source, finished_at) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[run_id, *_redacted(asdict(s)).values(), s.finished_at] for s in steps],
    )


def stage(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Record a pipeline stage (ingest, transform, gate, publish) as one ``stage`` step: its
    duration and whether it completed, so a failed run shows where it stopped."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            recorder = next(
                (a for a in (*args, *kwargs.values()) if isinstance(a, RunRecorder)), None
            )
            if recorder is None:
                return function(*args, **kwargs)
            started, clock = _now(), time.perf_counter()
            try:
                result = function(*args, **kwargs)
            except Exception as error:
                seconds = time.perf_counter() - clock
                recorder.add(
                    StepRecord(STAGE, name, "failed", started, seconds, error=describe(error))
                )
                raise
            recorder.add(StepRecord(STAGE, name, "ok", started, time.perf_counter() - clock))
            return result

        return wrapper

    return decorate


def describe(error: BaseException) -> str:
    """One line for the run log: a PipelineError's own line, or what a bug raised."""
    if isinstance(error, PipelineError):
        return error.one_line()
    text = str(error).strip().splitlines()
    return f"unexpected {type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def _with_dbt_timing(step: StepRecord, timing: dict[str, NodeRun]) -> StepRecord:
    node = timing.get(step.name)
    if step.started_at is not None or node is None or node.started_at is None:
        return step
    return StepRecord(**(asdict(step) | {"started_at": node.started_at}))


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(_columns(con, schema, table))


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]


def _redacted(values: dict[str, Any]) -> dict[str, Any]:
    return {k: redact.redact(v) if isinstance(v, str) else v for k, v in values.items()}
