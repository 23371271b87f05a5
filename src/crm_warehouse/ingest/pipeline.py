"""Load every configured source into ``raw`` (append-only), one dlt pipeline per source.

A failing source is reported; the other sources still load in the same run. After each load
commits, its rows get ``_ab_synced_at`` = the time dlt recorded the commit and the source's
post-commit steps run (dropping a replication slot no longer used). What each sync did and saw
(rows, newest cursor, schema changes, columns) is returned in its ``SourceLoad``; ingestion
writes nothing to ``ops``.

Sources are plug-ins (``registry.py``); a source may need a service while it syncs (the demo's
mock API): ``services`` maps its name to a context manager that yields the settings the service
supplies (e.g. ``base_url``), applied to the source's configuration for that sync.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

import dlt
from dlt.pipeline.exceptions import PipelineStepFailed

from crm_warehouse.errors import PipelineError, SourceError, cause
from crm_warehouse.ingest.registry import plugin_for
from crm_warehouse.ingest.result import SourceLoad
from crm_warehouse.settings import Settings, SourceSettings
from crm_warehouse.sources.metadata import SYNCED_AT, has_raw_table
from crm_warehouse.sources.plugin import SourceJob
from crm_warehouse.sources.sync import SyncReport
from crm_warehouse.warehouse import RAW_SCHEMA, dlt_destination

log = logging.getLogger(__name__)

Progress = Callable[[str, str, int], None]  # (source, table or file, rows read)


SourceService = Callable[[], AbstractContextManager[Mapping[str, Any]]]


def configure_dlt() -> None:
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
    # Arrow batches get dlt's load id, so each raw row can be traced to its load.
    os.environ["NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID"] = "true"
    # The parquet files between extract and load are read once, locally: compressing them
    # costs more time than it saves.
    os.environ.setdefault("DATA_WRITER__COMPRESSION", "none")
    # Once loaded, a package's data files are a second copy of raw: dlt keeps them unless told
    # otherwise (1.7 GB at 10M order lines, copied again by every write-audit-publish run).
    os.environ.setdefault("LOAD__DELETE_COMPLETED_JOBS", "true")


def ingest(
    settings: Settings,
    run_id: str,
    *,
    only: list[str] | None = None,
    progress: Progress | None = None,
    services: Mapping[str, SourceService] | None = None,
) -> list[SourceLoad]:
    configure_dlt()
    selected = {n: s for n, s in settings.sources.items() if not only or n in only}
    unknown = set(only or []) - set(settings.sources)
    if unknown:
        raise SourceError(
            f"unknown source(s) {', '.join(sorted(unknown))}",
            fix=f"choose from: {', '.join(settings.sources)}",
        )
    services = services or {}
    return [
        _load_source(settings, name, src, run_id, progress, services.get(name))
        for name, src in selected.items()
    ]


def _load_source(
    settings: Settings,
    name: str,
    src: SourceSettings,
    run_id: str,
    progress: Progress | None,
    service: SourceService | None,
) -> SourceLoad:
    sync = SyncReport(name, run_id)
    result = SourceLoad(source=name, kind=src.kind, sync=sync)
    plugin = plugin_for(src.kind)
    started = time.perf_counter()

    def on_rows(table: str, rows: int) -> None:
        result.rows_read += rows
        if progress:
            progress(name, table, rows)

    try:
        pipeline = dlt.pipeline(
            pipeline_name=pipeline_name(name),
            destination=dlt_destination(settings),
            dataset_name=RAW_SCHEMA,
            pipelines_dir=str(settings.data_path / "dlt"),
        )
        with _served(src, service) as config:
            job = SourceJob(name, config, pipeline, sync, settings.root, on_rows)
            info = pipeline.run(plugin.build_source(job))
        counts = pipeline.last_trace.last_normalize_info.row_counts if info.loads_ids else {}
        known = plugin.raw_tables(name, src)
        extra = sorted(t for t in counts if t not in known and not t.startswith("_dlt"))
        result.rows = {t: counts.get(t, 0) for t in [*known, *extra]}
        _stamp_synced_at(pipeline, info.loads_ids, list(result.rows))
        for step in sync.after_commit:
            step()
    except Exception as exc:
        error = _user_error(exc)
        if error is None:
            raise
        result.status, result.error = "failed", error.one_line()
        log.error("source %s failed: %s", name, result.error)
    result.seconds = time.perf_counter() - started
    result.extracted = {t: e.rows_extracted for t, e in sync.tables.items()}
    result.warnings = list(sync.warnings)
    result.files_quarantined = sum(t.files_quarantined for t in sync.tables.values())
    for warning in sync.warnings:
        log.warning("source %s: %s", name, warning)
    result.finished_at = dt.datetime.now(dt.UTC)
    return result


def pipeline_name(source: str) -> str:
    """The dlt pipeline of a source: its folder in the dlt state and its ``pipeline_name`` in
    ``raw._dlt_pipeline_state``."""
    return f"crm_warehouse_{source}"


@contextmanager
def _served(src: SourceSettings, service: SourceService | None) -> Iterator[SourceSettings]:
    """The source's configuration, with what its service supplies while the service runs."""
    with service() if service else nullcontext({}) as supplied:
        yield src.model_copy(update=dict(supplied)) if supplied else src


def _stamp_synced_at(pipeline: dlt.Pipeline, load_ids: list[str], tables: list[str]) -> None:
    if not load_ids:
        return
    with pipeline.sql_client() as client:
        loads = client.make_qualified_table_name("_dlt_loads")
        for table in tables:
            if not client.has_dataset() or not has_raw_table(client, table):
                continue
            qualified = client.make_qualified_table_name(table)
            for load_id in load_ids:
                client.execute_sql(
                    f"update {qualified} set {SYNCED_AT} = "
                    f"(select inserted_at from {loads} where load_id = %s) "
                    f"where _dlt_load_id = %s and {SYNCED_AT} is null",
                    load_id,
                    load_id,
                )


def _user_error(exc: BaseException) -> PipelineError | None:
    """The PipelineError behind dlt's wrappers, or None for a bug."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, PipelineError):
            return current
        if isinstance(current, PipelineStepFailed) and current.exception is not current:
            current = current.exception
            continue
        current = current.__cause__ or current.__context__
    if isinstance(exc, PipelineStepFailed):
        return SourceError(
            f"dlt {exc.step} step failed ({cause(exc.exception)})", fix="see data/logs for details"
        )
    return None
