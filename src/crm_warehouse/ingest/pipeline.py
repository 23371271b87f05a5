"""Load every configured source into ``raw`` (append-only), one dlt pipeline per source.

A failing source is reported and recorded; the other sources still load in the same run.
After each load commits, its rows get ``_ab_synced_at`` = the time dlt recorded the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dlt
from dlt.pipeline.exceptions import PipelineStepFailed

from crm_warehouse.config import HelpdeskCsvSource, Settings, SourceConfig, SqlDatabaseSource
from crm_warehouse.errors import PipelineError, SourceError
from crm_warehouse.sources.crm_database import crm_database
from crm_warehouse.sources.crm_database.extract import connectorx_url
from crm_warehouse.sources.helpdesk_csv import helpdesk_csv
from crm_warehouse.sources.metadata import SYNCED_AT
from crm_warehouse.warehouse import RAW_SCHEMA, dlt_destination

log = logging.getLogger(__name__)

Progress = Callable[[str, str, int], None]  # (source, table or file, rows read)


@dataclass
class SourceLoad:
    """What one source's sync did."""

    source: str
    kind: str
    status: str = "ok"  # ok | failed
    rows: dict[str, int] = field(default_factory=dict)  # raw table -> rows appended
    rows_read: int = 0
    error: str | None = None
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    seconds: float = 0.0

    @property
    def rows_loaded(self) -> int:
        return sum(self.rows.values())


def configure_dlt() -> None:
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
    # Arrow batches get dlt's load id, so each raw row can be traced to its load.
    os.environ["NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID"] = "true"


def ingest(
    settings: Settings,
    run_id: str,
    *,
    only: list[str] | None = None,
    progress: Progress | None = None,
) -> list[SourceLoad]:
    configure_dlt()
    selected = {n: s for n, s in settings.sources.items() if not only or n in only}
    unknown = set(only or []) - set(settings.sources)
    if unknown:
        raise SourceError(f"unknown source(s) {', '.join(sorted(unknown))}",
                          fix=f"choose from: {', '.join(settings.sources)}")
    return [_load_source(settings, name, src, run_id, progress) for name, src in selected.items()]


def _load_source(
    settings: Settings, name: str, src: SourceConfig, run_id: str, progress: Progress | None
) -> SourceLoad:
    result = SourceLoad(source=name, kind=src.kind)
    started = time.perf_counter()

    def on_rows(table: str, rows: int) -> None:
        result.rows_read += rows
        if progress:
            progress(name, table, rows)

    try:
        pipeline = dlt.pipeline(
            pipeline_name=f"crm_warehouse_{name}",
            destination=dlt_destination(settings),
            dataset_name=RAW_SCHEMA,
            pipelines_dir=str(settings.data_path / "dlt"),
        )
        source = _dlt_source(settings, name, src, run_id, on_rows)
        info = pipeline.run(source)
        counts = pipeline.last_trace.last_normalize_info.row_counts if info.loads_ids else {}
        result.rows = {t: counts.get(t, 0) for t in _raw_tables(name, src)}
        _stamp_synced_at(pipeline, info.loads_ids, list(result.rows))
    except Exception as exc:  # noqa: BLE001 - reported per source, the run goes on
        error = _user_error(exc)
        if error is None:
            raise
        result.status, result.error = "failed", error.one_line()
        log.error("source %s failed: %s", name, result.error)
    result.seconds = time.perf_counter() - started
    return result


def _dlt_source(
    settings: Settings, name: str, src: SourceConfig, run_id: str, on_rows: Callable[[str, int], None]
) -> Any:
    if isinstance(src, SqlDatabaseSource):
        return crm_database(
            name,
            connectorx_url(src.url.get_secret_value(), root=settings.root),
            src.tables,
            cursor_column=src.cursor_column,
            lookback=dt.timedelta(minutes=src.lookback_minutes),
            batch_size=src.batch_size,
            sync_id=run_id,
            on_rows=on_rows,
        )
    assert isinstance(src, HelpdeskCsvSource)
    return helpdesk_csv(name, settings.resolve(src.feed_dir), pattern=src.pattern, on_rows=on_rows)


def _raw_tables(name: str, src: SourceConfig) -> list[str]:
    if isinstance(src, SqlDatabaseSource):
        return [f"{name}_{table}" for table in src.tables]
    return [f"{name}_tickets"]


def _stamp_synced_at(pipeline: dlt.Pipeline, load_ids: list[str], tables: list[str]) -> None:
    if not load_ids:
        return
    with pipeline.sql_client() as client:
        loads = client.make_qualified_table_name("_dlt_loads")
        for table in tables:
            if not client.has_dataset() or not _has_table(client, table):
                continue
            qualified = client.make_qualified_table_name(table)
            for load_id in load_ids:
                client.execute_sql(
                    f"update {qualified} set {SYNCED_AT} = "  # noqa: S608
                    f"(select inserted_at from {loads} where load_id = %s) "
                    f"where _dlt_load_id = %s and {SYNCED_AT} is null",
                    load_id, load_id,
                )


def _has_table(client: Any, table: str) -> bool:
    rows = client.execute_sql(
        "select count(*) from information_schema.tables where table_schema = %s "
        "and table_name = %s", client.dataset_name, table,
    )
    return bool(rows and rows[0][0])


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
        first = str(exc.exception).strip().splitlines()[0] if str(exc.exception).strip() else ""
        return SourceError(f"dlt {exc.step} step failed ({first})",
                           fix="see data/logs for details")
    return None
