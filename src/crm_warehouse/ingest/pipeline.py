"""Load every configured source into ``raw`` (append-only), one dlt pipeline per source.

A failing source is reported and recorded; the other sources still load in the same run.
After each load commits, its rows get ``_ab_synced_at`` = the time dlt recorded the commit,
the source's post-commit steps run (dropping a replication slot no longer used), and the
sync's metadata (rows, newest cursor, lag, schema changes) goes to ``ops`` (``sync_log.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
from dlt.pipeline.exceptions import PipelineStepFailed

from crm_warehouse.errors import PipelineError, SourceError
from crm_warehouse.ingest import sync_log
from crm_warehouse.settings import (
    HelpdeskCsvSource,
    MarketingApiSource,
    Settings,
    SourceConfig,
    SqlDatabaseSource,
)
from crm_warehouse.sources.crm_database import crm_database
from crm_warehouse.sources.crm_database.deletes import DeletePlan
from crm_warehouse.sources.crm_database.extract import Database, database_url
from crm_warehouse.sources.crm_database.replication import DeleteStream
from crm_warehouse.sources.helpdesk_csv import helpdesk_csv
from crm_warehouse.sources.marketing_api import marketing_api
from crm_warehouse.sources.metadata import DELETES_SUFFIX, EXTRACTED_AT, SYNCED_AT
from crm_warehouse.sources.sync import SyncReport
from crm_warehouse.warehouse import RAW_SCHEMA, connect, dlt_destination

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
    extracted: dict[str, int] = field(default_factory=dict)  # raw table -> rows read
    warnings: list[str] = field(default_factory=list)
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
) -> list[SourceLoad]:
    configure_dlt()
    selected = {n: s for n, s in settings.sources.items() if not only or n in only}
    unknown = set(only or []) - set(settings.sources)
    if unknown:
        raise SourceError(
            f"unknown source(s) {', '.join(sorted(unknown))}",
            fix=f"choose from: {', '.join(settings.sources)}",
        )
    return [_load_source(settings, name, src, run_id, progress) for name, src in selected.items()]


def _load_source(
    settings: Settings, name: str, src: SourceConfig, run_id: str, progress: Progress | None
) -> SourceLoad:
    result = SourceLoad(source=name, kind=src.kind)
    sync = SyncReport(name, run_id)
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
        with _dlt_source(settings, name, src, pipeline, sync, on_rows) as source:
            info = pipeline.run(source)
        counts = pipeline.last_trace.last_normalize_info.row_counts if info.loads_ids else {}
        known = _raw_tables(name, src)
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
    for warning in sync.warnings:
        log.warning("source %s: %s", name, warning)
    _record(settings, result, sync)
    return result


def pipeline_name(source: str) -> str:
    """The dlt pipeline of a source: its folder in the dlt state and its ``pipeline_name`` in
    ``raw._dlt_pipeline_state``."""
    return f"crm_warehouse_{source}"


@contextmanager
def _dlt_source(
    settings: Settings,
    name: str,
    src: SourceConfig,
    pipeline: dlt.Pipeline,
    sync: SyncReport,
    on_rows: Callable[[str, int], None],
) -> Iterator[Any]:
    if isinstance(src, SqlDatabaseSource):
        yield _crm_source(settings, name, src, pipeline, sync, on_rows)
    elif isinstance(src, MarketingApiSource):
        with _marketing_endpoint(settings, name, src) as (base_url, token):
            yield marketing_api(name, base_url, token, src, sync=sync, on_rows=on_rows)
    else:
        assert isinstance(src, HelpdeskCsvSource)
        yield helpdesk_csv(
            name, settings.resolve(src.feed_dir), pattern=src.pattern, on_rows=on_rows, sync=sync
        )


def _crm_source(
    settings: Settings,
    name: str,
    src: SqlDatabaseSource,
    pipeline: dlt.Pipeline,
    sync: SyncReport,
    on_rows: Callable[[str, int], None],
) -> Any:
    where = f"source {name!r}"
    url = database_url(src.url.get_secret_value(), root=settings.root)
    db = Database(url, backend=src.backend, where=where, max_connections=src.max_connections)
    plan = DeletePlan(mode=src.deletes)
    if src.deletes != "none":
        plan.live_keys, plan.deletes_tables = live_keys(pipeline, name, src.tables)
    plan.slot_in_use, plan.confirmed_lsn = slot_position(pipeline)
    if db.is_postgres:
        slot = src.replication.slot_name or f"crm_warehouse_{name}"
        direct = src.replication.url  # the slot's direct connection when url is a pooler
        plan.stream = DeleteStream(
            database_url(direct.get_secret_value(), root=settings.root) if direct else url,
            list(src.tables),
            slot=slot,
            publication=src.replication.publication or slot,
            where=where,
            max_lag_mb=src.replication.max_lag_mb,
        )
    elif src.deletes == "replication":
        raise SourceError(
            "logical replication needs a PostgreSQL source",
            where=where,
            fix="set deletes = 'reconcile' for this source",
        )
    return crm_database(
        name,
        db,
        src.tables,
        cursor_column=src.cursor_column,
        lookback=dt.timedelta(minutes=src.lookback_minutes),
        batch_size=src.batch_size,
        timezone=src.timezone,
        schema_contract=src.schema_contract,
        deletes=plan,
        sync=sync,
        on_rows=on_rows,
        row_level_security=src.row_level_security,
    )


@contextmanager
def _marketing_endpoint(
    settings: Settings, name: str, src: MarketingApiSource
) -> Iterator[tuple[str, str]]:
    """The API root and token; a ``mock://`` source gets the demo's mock server for the sync."""
    if not src.is_mock:
        assert src.token is not None
        yield src.base_url, src.token.get_secret_value()
        return
    from crm_warehouse.demo.marketing.server import serve_folder

    folder = settings.resolve(Path(src.base_url.removeprefix("mock://")))
    if not folder.is_dir():
        raise SourceError(
            f"marketing mock folder {folder} does not exist",
            where=f"source {name!r}",
            fix=f"run `crm-warehouse demo` (it writes the mock's files), or point "
            f"sources.{name}.base_url at the marketing API",
        )
    with serve_folder(folder) as server:
        yield server.base_url, server.token


def slot_position(pipeline: dlt.Pipeline) -> tuple[bool, str | None]:
    """Whether the last committed sync read a replication slot, and up to which position its
    load holds the slot's deletes (resource state)."""
    resources = pipeline.state.get("sources", {}).get("crm_database", {}).get("resources", {})
    states = [s for s in resources.values() if s.get("replication_slot")]
    positions = [s["replication_lsn"] for s in states if s.get("replication_lsn")]
    return bool(states), min(positions, key=_lsn) if positions else None


def _lsn(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def live_keys(
    pipeline: dlt.Pipeline, source: str, tables: dict[str, str]
) -> tuple[dict[str, pa.Array], set[str]]:
    """Per source table, the primary keys whose newest version in raw is newer than their
    newest recorded delete; and the tables whose ``_deletes`` table exists."""
    found: dict[str, pa.Array] = {}
    with_deletes: set[str] = set()
    try:
        with pipeline.sql_client() as client:
            if not client.has_dataset():
                return found, with_deletes
            for table, key in tables.items():
                raw_table = f"{source}_{table}"
                if not _has_table(client, raw_table):
                    continue
                has_deletes = _has_table(client, raw_table + DELETES_SUFFIX)
                if has_deletes:
                    with_deletes.add(table)
                found[table] = _live(client, raw_table, key, has_deletes)
    except PipelineError:
        raise
    except Exception as exc:
        log.debug("no live keys for %s: %s", source, exc)
    return found, with_deletes


def _live(client: Any, raw_table: str, key: str, has_deletes: bool) -> pa.Array:
    versions = client.make_qualified_table_name(raw_table)
    sql = f"select {key}, max({EXTRACTED_AT}) as seen_at from {versions} group by {key}"
    if has_deletes:
        deletes = client.make_qualified_table_name(raw_table + DELETES_SUFFIX)
        sql = (
            f"select kept.{key} from ({sql}) as kept left join (select {key}, "
            f"max({EXTRACTED_AT}) as deleted_seen_at from {deletes} group by {key}) as gone "
            f"on gone.{key} = kept.{key} "
            f"where gone.deleted_seen_at is null or gone.deleted_seen_at < kept.seen_at"
        )
    rows = client.execute_sql(sql) or []
    return pa.array([row[0] for row in rows], pa.int64())


def _raw_tables(name: str, src: SourceConfig) -> list[str]:
    if isinstance(src, SqlDatabaseSource):
        return [f"{name}_{table}" for table in src.tables]
    if isinstance(src, MarketingApiSource):
        return [f"{name}_{endpoint}" for endpoint in src.endpoints]
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
                    f"update {qualified} set {SYNCED_AT} = "
                    f"(select inserted_at from {loads} where load_id = %s) "
                    f"where _dlt_load_id = %s and {SYNCED_AT} is null",
                    load_id,
                    load_id,
                )


def _has_table(client: Any, table: str) -> bool:
    rows = client.execute_sql(
        "select count(*) from information_schema.tables where table_schema = %s "
        "and table_name = %s",
        client.dataset_name,
        table,
    )
    return bool(rows and rows[0][0])


def _record(settings: Settings, result: SourceLoad, sync: SyncReport) -> None:
    """Sync metadata into ops (DuckDB warehouse only, like the rest of ops)."""
    if settings.warehouse.target != "duckdb":
        return
    try:
        with connect(settings) as con:
            sync_log.record_sync(con, result, sync, dt.datetime.now(dt.UTC))
    except Exception as exc:
        log.error("could not record the sync of source %s: %s", result.source, exc)


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
        return SourceError(f"dlt {exc.step} step failed ({first})", fix="see data/logs for details")
    return None
