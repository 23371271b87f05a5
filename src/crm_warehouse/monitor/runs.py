"""The run recorder: one row per run (``ops.runs``) and per step (``ops.run_steps``), dbt's node
results and source freshness (``ops.dbt_node_results``, ``ops.source_freshness``), and what the
sources' syncs saw (``ops.source_syncs``, ``ops.schema_changes``: ``syncs.py``).

Everything is buffered in memory and written once, into production, when the run finishes: the
recorder never holds the warehouse open while dlt or dbt write to it, and a ``run`` whose staged
warehouse is discarded keeps its sync metadata all the same. Finishing also runs the post-run
monitoring (metrics, alerts, the ops page); nothing there can change or hide the run's own
outcome.
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
from crm_warehouse.ingest.result import SourceLoad
from crm_warehouse.monitor import redact, syncs
from crm_warehouse.monitor.steps import StepRecord, write_steps
from crm_warehouse.settings import Settings
from crm_warehouse.transform.results import NodeResult, TransformResult
from crm_warehouse.warehouse import OPS_SCHEMA as OPS

if TYPE_CHECKING:
    from crm_warehouse.monitor.observe import Observation

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

STAGE = "stage"
__all__ = ["STAGE", "RunRecorder", "StepRecord", "describe", "new_run_id", "stage"]


def new_run_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class RunRecorder:
    settings: Settings
    command: str
    run_id: str = field(default_factory=new_run_id)
    started_at: dt.datetime = field(default_factory=_now)
    steps: list[StepRecord] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    log_file: Path | None = None
    dbt_calls: list[TransformResult] = field(default_factory=list)
    syncs: list[SourceLoad] = field(default_factory=list)
    monitoring: Observation | None = None  # what the post-run monitoring did

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

    def add_syncs(self, loads: list[SourceLoad]) -> None:
        """What the sources' syncs did and saw, written with the run (into production)."""
        self.syncs.extend(loads)

    def add_dbt(self, result: TransformResult) -> None:
        """Keep the results of one dbt call (once, however often it is handed over)."""
        if result.invocation_id and any(
            c.invocation_id == result.invocation_id for c in self.dbt_calls
        ):
            return
        self.dbt_calls.append(result)
        log.info(
            "dbt %s: %d node results, %d freshness checks",
            result.command,
            len(result.nodes),
            len(result.freshness),
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
        timing = {n.unique_id: n for c in self.dbt_calls for n in c.nodes}
        write_steps(con, self.run_id, [_with_dbt_timing(s, timing) for s in self.steps])
        self._write_dbt(con)
        self._write_syncs(con)

    def _write_syncs(self, con: duckdb.DuckDBPyConnection) -> None:
        """Never fails the recording of the run."""
        try:
            syncs.record_syncs(con, self.run_id, self.syncs)
        except Exception as exc:
            log.error("could not write the sync metadata of run %s: %s", self.run_id, exc)

    def _write_dbt(self, con: duckdb.DuckDBPyConnection) -> None:
        nodes = [
            [self.run_id, call.invocation_id, call.command.split()[0], *_node_row(node)]
            for call in self.dbt_calls
            for node in call.nodes
            if node.resource_type != "source"  # source freshness: ops.source_freshness
        ]
        if nodes:
            con.executemany(
                f"insert into {OPS}.dbt_node_results (run_id, invocation_id, command, "
                "unique_id, resource_type, status, started_at, completed_at, "
                "execution_seconds, rows_affected, bytes_processed, failures, message) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                nodes,
            )
        checks = [
            [self.run_id, call.invocation_id, *_redacted(asdict(check)).values()]
            for call in self.dbt_calls
            for check in call.freshness
        ]
        if checks:
            con.executemany(
                f"insert into {OPS}.source_freshness values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                checks,
            )


def _node_row(node: NodeResult) -> list[Any]:
    return [
        node.unique_id,
        node.resource_type,
        node.status,
        node.started_at,
        node.completed_at,
        node.seconds,
        node.rows_affected,
        node.bytes_processed,
        node.failures,
        redact.redact(node.message) if node.message else None,
    ]


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


def _with_dbt_timing(step: StepRecord, timing: dict[str, NodeResult]) -> StepRecord:
    node = timing.get(step.name)
    if step.started_at is not None or node is None or node.started_at is None:
        return step
    return StepRecord(**(asdict(step) | {"started_at": node.started_at}))


def _redacted(values: dict[str, Any]) -> dict[str, Any]:
    return {k: redact.redact(v) if isinstance(v, str) else v for k, v in values.items()}
