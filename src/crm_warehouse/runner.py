"""The pipeline's steps, in the order data flows: ingest -> transform -> gate -> publish.

Each step records what it did on the run's recorder. ``run`` is write-audit-publish
(docs/quality.md): it ingests and builds into a staging copy of the warehouse, audits the copy
with every quality gate, and only when they pass promotes it to production and publishes. A run
that fails anywhere leaves production, the exports and the docs as they were. The single steps
(``ingest``, ``transform``, ``publish``) work on production directly, for operators and
development.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_warehouse.errors import PipelineError, SourceError, TransformError
from crm_warehouse.ingest import SourceLoad
from crm_warehouse.monitor import RunRecorder, store
from crm_warehouse.monitor.runs import StepRecord, stage
from crm_warehouse.monitor.syncs import record_source_columns
from crm_warehouse.publish import ExportedTable
from crm_warehouse.publish.docs import copy_dbt_docs
from crm_warehouse.publish.exports import PreparedExport, prepare_export, published_tables
from crm_warehouse.publish.figures import Figure, key_figures
from crm_warehouse.publish.powerbi.run import generate_all
from crm_warehouse.quality import history, wap
from crm_warehouse.quality.audit import audit
from crm_warehouse.quality.gates import Audit, Override
from crm_warehouse.settings import Settings
from crm_warehouse.transform import Dbt, NodeResult, Relations, TransformResult, dev
from crm_warehouse.warehouse import connect, require_duckdb

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
    audit: Audit | None = None
    exported: list[ExportedTable] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Measured:
    """What the gate step measured on the staged warehouse, recorded once the run publishes."""

    snapshot: history.Snapshot
    row_counts: dict[str, int]


@dataclass
class PreparedPublish:
    """Exports and docs built from the staged warehouse, put in place after promotion, and
    where the build put the tables."""

    export: PreparedExport
    docs_target: Path | None
    relations: Relations


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@stage("ingest")
def step_ingest(
    settings: Settings,
    recorder: RunRecorder,
    progress: Progress,
    *,
    only: list[str] | None = None,
    keep_going: bool = False,
    services: Mapping[str, Any] | None = None,
) -> list[SourceLoad]:
    """Load every source. A failed source raises ``SourceError`` naming it, after the others
    loaded; with ``keep_going`` (``run``) it returns instead when at least one source loaded.
    What the syncs saw goes to the recorder; the columns the sources send go to the warehouse
    that was loaded (``ops.source_columns``: the staging models' pre-hook reads it there).
    ``services``: what some sources need while they sync (``ingest.pipeline``)."""
    from crm_warehouse.ingest import ingest

    progress.say("ingest: loading sources into raw")
    loads = ingest(
        settings, recorder.run_id, only=only, progress=progress.source_rows, services=services
    )
    recorder.add_syncs(loads)
    if settings.warehouse.target == "duckdb":
        with connect(settings) as con:
            record_source_columns(con, loads)
    for load in loads:
        for table, rows in (load.rows or {f"{load.source}": 0}).items():
            recorder.add(
                StepRecord(
                    "ingest",
                    table,
                    load.status,
                    load.started_at,
                    load.seconds,
                    rows_read=None,
                    rows_written=rows,
                    error=load.error,
                    source=load.source,
                )
            )
        recorder.summary.setdefault("rows_loaded", {})[load.source] = load.rows_loaded
        if load.files_quarantined:
            recorder.summary.setdefault("files_quarantined", {})[load.source] = (
                load.files_quarantined
            )
    failed = [load for load in loads if load.status != "ok"]
    if failed and not (keep_going and len(failed) < len(loads)):
        raise sources_failed(failed)
    return loads


def sources_failed(failed: list[SourceLoad]) -> SourceError:
    """One line for the sources that failed: each named, with the first one's reason."""
    first = failed[0]
    reason = first.error or "source failed"
    if len(failed) > 1:
        names = ", ".join(load.source for load in failed)
        return SourceError(f"{len(failed)} source(s) failed ({names}): {reason}")
    if not re.search(rf"\b{re.escape(first.source)}\b", reason.partition(" - fix: ")[0]):
        reason = f"source '{first.source}' failed: {reason}"  # the error did not name it
    return SourceError(reason)


@stage("transform")
def step_transform(
    settings: Settings,
    recorder: RunRecorder,
    progress: Progress,
    dbt: Dbt,
    *,
    select: str | None = None,
    fail_on_freshness: bool | None = None,
    extra: tuple[str, ...] = (),
) -> tuple[TransformResult, TransformResult | None]:
    progress.say("transform: dbt build (seeds, snapshots, models, tests)")
    _prepare_run_store(settings)
    selection = ("--select", select) if select else ()
    result = dbt.build(*selection, *extra)
    _record_nodes(recorder, "transform", result)
    recorder.add_dbt(result)
    if not result.success:
        what, node_fix = _describe_failures(result)
        fix = f"inspect with `crm-warehouse status`; details in {dbt.log_path / 'dbt.log'}"
        raise TransformError(what, fix=f"{node_fix}; {fix}" if node_fix else fix)
    freshness = None
    if not select:
        progress.say("transform: source freshness")
        freshness = dbt.source_freshness()
        _record_nodes(recorder, "freshness", freshness)
        recorder.add_dbt(freshness)
        if fail_on_freshness is None:
            fail_on_freshness = settings.transform.fail_on_freshness
        if not freshness.success and fail_on_freshness:
            raise TransformError(
                _describe_failures(freshness, "source freshness")[0],
                fix="load fresh data or relax the freshness thresholds in "
                "transform/models/staging/*/_*__sources.yml",
            )
    recorder.summary["dbt"] = {
        "models": result.count("model"),
        "tests": result.count("test"),
        "tests_failed": result.count("test", "fail"),
        "unit_tests": result.count("unit_test"),
    }
    return result, freshness


def _prepare_run_store(settings: Settings) -> None:
    """The ops tables the monitor's metric views (dbt models, models/ops) read must exist
    before dbt builds them: on a new warehouse nothing has recorded a run yet."""
    if settings.warehouse.target == "duckdb":
        with connect(settings) as con:
            store.migrate(con)


def step_transform_changed(
    settings: Settings, recorder: RunRecorder, progress: Progress, select: str
) -> tuple[TransformResult, TransformResult | None]:
    """``transform --select state:...``: build what changed since the last production run into
    the dev database, reading everything else from production (transform/dev.py)."""
    env = dev.prepare(settings)
    progress.say(f"transform: {select} against the last production run -> {env.database}")
    dbt = Dbt(settings, progress=progress.dbt_node, target=dev.TARGET, target_path=env.target_path)
    try:
        return step_transform(
            settings, recorder, progress, dbt, select=select, extra=env.dbt_args()
        )
    finally:
        dbt.release()  # the dev target attached production: let go of it


@stage("gate")
def step_gate(
    staged: Settings,
    recorder: RunRecorder,
    progress: Progress,
    dbt: Dbt,
    built: TransformResult,
    override: Override,
) -> tuple[Audit, Measured]:
    """Every quality gate on the staged warehouse; a failing ``error`` gate stops the run."""
    progress.say("gate: quality gates on the staged warehouse")
    with connect(staged) as con:
        found, snapshot, counts = audit(
            con,
            staged,
            built=built,
            target_path=dbt.target_path,
            override=override,
            now=_now(),
        )
    for result in found.results:
        recorder.add(StepRecord("gate", result.name, result.status, error=result.detail or None))
    recorder.summary["quality"] = found.summary()
    if not found.passed:
        raise found.error()
    return found, Measured(snapshot, counts)


@stage("promote")
def step_promote(
    env: wap.StagingEnvironment,
    recorder: RunRecorder,
    progress: Progress,
    dbt: Dbt,
    measured: Measured,
) -> PreparedPublish:
    """Record the run's metrics, build its exports and docs from the staged warehouse, then
    make the staged warehouse production in one rename."""
    progress.say("promote: staged warehouse -> production")
    relations = dbt.relations()
    with connect(env.staged) as con:
        history.record_published(
            con, recorder.run_id, measured.snapshot, measured.row_counts, _now()
        )
        export = prepare_export(
            con,
            env.production.export_path,
            run_id=recorder.run_id,
            tables=published_tables(relations),
        )
    try:
        docs = dbt.docs_generate() if env.production.publish.generate_docs else None
        dbt.release()
        wap.promote(env)
    except BaseException:
        export.discard()
        raise
    return PreparedPublish(export, docs, relations)


@stage("publish")
def step_publish(
    settings: Settings,
    recorder: RunRecorder,
    progress: Progress,
    dbt: Dbt | None,
    *,
    prepared: PreparedPublish | None = None,
) -> tuple[list[ExportedTable], list[Figure]]:
    progress.say(f"publish: exporting the published tables to {settings.export_path}")
    started, clock = _now(), time.perf_counter()
    relations = prepared.relations if prepared else _relations(dbt)
    with connect(settings) as con:
        export = (
            prepared.export
            if prepared
            else prepare_export(
                con,
                settings.export_path,
                run_id=recorder.run_id,
                tables=published_tables(relations),
            )
        )
        exported = export.publish()
        figures = key_figures(con, relations)
        generated = generate_all(settings, con, exported, relations, progress.say)
    for table in exported:
        recorder.add(
            StepRecord(
                "publish",
                table.name,
                "ok",
                started,
                time.perf_counter() - clock,
                rows_written=table.rows,
            )
        )
    docs_target = prepared.docs_target if prepared else None
    if docs_target is None and settings.publish.generate_docs and dbt is not None:
        docs_target = dbt.docs_generate()
    if docs_target is not None:
        progress.say(f"publish: dbt docs -> {settings.docs_path}")
        copy_dbt_docs(docs_target, settings.docs_path)
    recorder.summary["published_tables"] = len(exported)
    recorder.summary["powerbi"] = {
        "row_tables": generated.row_tables,
        "screenshots": len(generated.screenshots),
    }
    return exported, figures


def _relations(dbt: Dbt | None) -> Relations:
    if dbt is None:
        raise TransformError("publish needs the dbt project", fix="pass the run's dbt project")
    return dbt.relations()


class SourcesFailedError(SourceError):
    """Some sources failed in a ``run`` that went on with the others: what the run published is
    in ``outcome``; the run still fails, naming the sources (docs/quality.md)."""

    def __init__(self, error: SourceError, outcome: RunOutcome) -> None:
        super().__init__(error.what, where=error.where, fix=error.fix)
        self.outcome = outcome


def run_all(
    settings: Settings,
    recorder: RunRecorder,
    progress: Progress,
    override: Override | None = None,
    services: Mapping[str, Any] | None = None,
) -> RunOutcome:
    """Write-audit-publish: build into staging copies, audit them, promote, then publish.

    A source that fails is put back as production has it (raw rows and dlt state); the run goes
    on with the sources that loaded and raises ``SourcesFailedError`` once it has published.
    The sync metadata reaches production either way: the recorder writes it there."""
    from crm_warehouse.ingest import pipeline_name

    require_duckdb(settings, "write-audit-publish")
    outcome = RunOutcome()
    with wap.run_lock(settings), wap.staging(settings) as env:
        staged = env.staged
        outcome.loads = step_ingest(staged, recorder, progress, keep_going=True, services=services)
        failed = [load for load in outcome.loads if load.status != "ok"]
        source_error = sources_failed(failed) if failed else None
        if source_error is not None:
            recorder.mark_stage("ingest", "failed", source_error.one_line())
            for load in failed:
                wap.revert_source(
                    env,
                    pipeline_name(load.source),
                    load.started_at,
                    load.started_at + dt.timedelta(seconds=load.seconds),
                )
            progress.say(f"ingest: {source_error.one_line()}; going on with the other sources")
        dbt = Dbt(staged, progress=progress.dbt_node, run_id=recorder.run_id)
        outcome.transform, outcome.freshness = step_transform(
            staged, recorder, progress, dbt, fail_on_freshness=False
        )
        outcome.audit, measured = step_gate(
            staged, recorder, progress, dbt, outcome.transform, override or Override()
        )
        prepared = step_promote(env, recorder, progress, dbt, measured)
    outcome.exported, outcome.figures = step_publish(
        settings, recorder, progress, None, prepared=prepared
    )
    if source_error is not None:
        raise SourcesFailedError(source_error, outcome)
    return outcome


def finish(recorder: RunRecorder, error: PipelineError | None) -> None:
    recorder.finish("failed" if error else "ok", error.one_line() if error else None)


def _record_nodes(recorder: RunRecorder, step: str, result: TransformResult) -> None:
    for node in result.nodes:
        recorder.add(
            StepRecord(
                step,
                node.unique_id,
                node.status,
                None,
                node.seconds,
                rows_written=node.rows_affected,
                error=node.message if node.failed else None,
            )
        )


def _describe_failures(result: TransformResult, what: str = "dbt build") -> tuple[str, str | None]:
    """What failed, on one line, and the fix a failing node's own message gives, if any: a
    staging model stopped by a source column that is gone or drifted
    (``transform/macros/sources/check_source_columns.sql``) names source, table and column."""
    failures = result.failures
    if not failures:
        return f"{what} failed", None
    names = ", ".join(f.unique_id.split(".")[-1] for f in failures[:3])
    more = f" and {len(failures) - 3} more" if len(failures) > 3 else ""
    line = f"{what}: {len(failures)} node(s) failed: {names}{more}"
    problem = next((p for p in map(_source_column_problem, failures) if p), None)
    if problem is None:
        return line, None
    described, _, fix = problem.partition(" - fix: ")
    return f"{line}; {described}", fix or None


_SOURCE_COLUMN_PROBLEM = re.compile(r"^\s*(source \S+ table \S+: column \S+ used by \S+ .+)$", re.M)


def _source_column_problem(node: NodeResult) -> str | None:
    """The line of a node's dbt message that names a source column it can no longer read."""
    found = _SOURCE_COLUMN_PROBLEM.search(node.message or "")
    return found.group(1).strip() if found else None
