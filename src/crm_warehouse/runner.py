"""The pipeline's steps, in the order data flows: ingest -> transform -> publish.

Each step records what it did on the run's recorder; ``run`` chains them and stops at the first
failing step, so nothing is published from a run whose data did not build and test cleanly.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from crm_warehouse.config import Settings
from crm_warehouse.errors import PipelineError, SourceError, TransformError
from crm_warehouse.ingest import SourceLoad, ingest
from crm_warehouse.monitor import RunRecorder
from crm_warehouse.monitor.runs import StepRecord, stage
from crm_warehouse.publish import ExportedTable, export_metric_tables
from crm_warehouse.publish.docs import copy_dbt_docs
from crm_warehouse.publish.figures import Figure, key_figures
from crm_warehouse.publish.powerbi.run import generate_all
from crm_warehouse.transform import Dbt, TransformResult
from crm_warehouse.warehouse import connect

log = logging.getLogger(__name__)

Say = Callable[[str], None]


@dataclass
class Progress:
    """Callbacks the CLI passes in to show long steps; all optional."""

    say: Say = lambda _message: None
    source_rows: Callable[[str, str, int], None] | None = None
    dbt_node: Callable[[str, str], None] | None = None


@dataclass
class RunOutcome:
    loads: list[SourceLoad] = field(default_factory=list)
    transform: TransformResult | None = None
    freshness: TransformResult | None = None
    exported: list[ExportedTable] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@stage("ingest")
def step_ingest(
    settings: Settings, recorder: RunRecorder, progress: Progress, *, only: list[str] | None = None
) -> list[SourceLoad]:
    progress.say("ingest: loading sources into raw")
    loads = ingest(settings, recorder.run_id, only=only, progress=progress.source_rows)
    for load in loads:
        for table, rows in (load.rows or {f"{load.source}": 0}).items():
            recorder.add(StepRecord("ingest", table, load.status, load.started_at, load.seconds,
                                    rows_read=None, rows_written=rows, error=load.error,
                                    source=load.source))
        recorder.summary.setdefault("rows_loaded", {})[load.source] = load.rows_loaded
    failed = [load for load in loads if load.status != "ok"]
    if failed:
        first = failed[0]
        raise SourceError(f"{len(failed)} source(s) failed: {first.error}"
                          if len(failed) > 1 else first.error or "source failed")
    return loads


@stage("transform")
def step_transform(
    settings: Settings, recorder: RunRecorder, progress: Progress, dbt: Dbt,
    *, select: str | None = None,
) -> tuple[TransformResult, TransformResult | None]:
    progress.say("transform: dbt build (seeds, snapshots, models, tests)")
    extra = ("--select", select) if select else ()
    result = dbt.build(*extra)
    _record_nodes(recorder, "transform", result)
    recorder.import_dbt_artifacts(dbt.target_path)
    if not result.success:
        raise TransformError(_describe_failures(result),
                             fix="inspect with `crm-warehouse status`; details in "
                                 f"{dbt.log_path / 'dbt.log'}")
    freshness = None
    if not select:
        progress.say("transform: source freshness")
        freshness = dbt.source_freshness()
        _record_nodes(recorder, "freshness", freshness)
        recorder.import_dbt_artifacts(dbt.target_path)
        if not freshness.success and settings.transform.fail_on_freshness:
            raise TransformError(_describe_failures(freshness, "source freshness"),
                                 fix="load fresh data or relax the freshness thresholds in "
                                     "transform/models/staging/*/_*__sources.yml")
    recorder.summary["dbt"] = {
        "models": result.count("model"), "tests": result.count("test"),
        "tests_failed": result.count("test", "fail"), "unit_tests": result.count("unit_test"),
    }
    return result, freshness


@stage("publish")
def step_publish(
    settings: Settings, recorder: RunRecorder, progress: Progress, dbt: Dbt | None
) -> tuple[list[ExportedTable], list[Figure]]:
    progress.say(f"publish: exporting metric tables to {settings.export_path}")
    started, clock = _now(), time.perf_counter()
    with connect(settings) as con:
        exported = export_metric_tables(con, settings.export_path, run_id=recorder.run_id)
        figures = key_figures(con)
        generated = generate_all(settings, con, progress.say)
    for table in exported:
        recorder.add(StepRecord("publish", table.name, "ok", started,
                                time.perf_counter() - clock, rows_written=table.rows))
    if settings.publish.generate_docs and dbt is not None:
        progress.say(f"publish: dbt docs generate -> {settings.docs_path}")
        copy_dbt_docs(dbt.docs_generate(), settings.docs_path)
    recorder.summary["published_tables"] = len(exported)
    recorder.summary["powerbi"] = {"row_tables": generated.row_tables,
                                   "screenshots": len(generated.screenshots)}
    return exported, figures


def run_all(settings: Settings, recorder: RunRecorder, progress: Progress) -> RunOutcome:
    outcome = RunOutcome()
    outcome.loads = step_ingest(settings, recorder, progress)
    dbt = Dbt(settings, progress=progress.dbt_node)
    outcome.transform, outcome.freshness = step_transform(settings, recorder, progress, dbt)
    outcome.exported, outcome.figures = step_publish(settings, recorder, progress, dbt)
    return outcome


def finish(recorder: RunRecorder, error: PipelineError | None) -> None:
    recorder.finish("failed" if error else "ok", error.one_line() if error else None)


def _record_nodes(recorder: RunRecorder, step: str, result: TransformResult) -> None:
    for node in result.nodes:
        recorder.add(StepRecord(step, node.unique_id, node.status, None, node.seconds,
                                rows_written=node.rows_affected,
                                error=node.message if node.failed else None))


def _describe_failures(result: TransformResult, what: str = "dbt build") -> str:
    failures = result.failures
    if not failures:
        return f"{what} failed"
    names = ", ".join(f.unique_id.split(".")[-1] for f in failures[:3])
    more = f" and {len(failures) - 3} more" if len(failures) > 3 else ""
    return f"{what}: {len(failures)} node(s) failed: {names}{more}"
