"""The CRM database (Supabase/Postgres in production, SQLite in the demo) as a dlt source.

One resource per table, appended to raw as ``<source>_<table>``. Incremental on a cursor
column (``updated_at``) with a lookback window: each sync re-reads rows whose cursor is within
``lookback`` of the newest value seen, so rows committed late are not lost, and skips the row
versions (primary key + cursor value) it already loaded, so raw holds each version once.
Hard deletes are appended as tombstones (``deletes.py``); schema drift follows the source's
contract (``sources/contract.py``). Before reading, the source checks the connection and that
row level security hides no rows from its role (``row_security.py``). At most
``max_connections`` tables are read at once (``Database.connections``): a table waiting for a
connection yields nothing, so dlt moves on to the tables being read and nothing deadlocks.

As a plug-in (``sources/plugin.py``): ``config_model``, ``raw_tables`` and ``build_source``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

import dlt
import pyarrow as pa
import pyarrow.compute as pc
from dlt.sources import DltResource

from crm_warehouse.errors import SourceError
from crm_warehouse.settings.base import SchemaContract
from crm_warehouse.sources.contract import (
    QUARANTINE_TABLE,
    ColumnChange,
    arrow_type_of,
    compare_columns,
    conform,
    enforce,
    not_quarantined_before,
    type_name,
)
from crm_warehouse.sources.crm_database.config import SqlDatabaseSource
from crm_warehouse.sources.crm_database.deletes import (
    DeletePlan,
    missing_keys,
    replicated_tombstones,
    tombstones,
)
from crm_warehouse.sources.crm_database.extract import Database, database_url
from crm_warehouse.sources.crm_database.plan import delete_plan
from crm_warehouse.sources.crm_database.replication import ReplicationError
from crm_warehouse.sources.crm_database.row_security import hidden_rows
from crm_warehouse.sources.metadata import (
    DELETES_SUFFIX,
    UTC_TS,
    raw_item,
    stamp,
    utc_now,
)
from crm_warehouse.sources.plugin import SourceJob
from crm_warehouse.sources.sync import SyncReport

config_model = SqlDatabaseSource

CURSOR_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

RowCounter = Callable[[str, int], None]


@dlt.source(name="crm_database", max_table_nesting=0)
def crm_database(
    source_name: str,
    db: Database,
    tables: dict[str, str],
    *,
    cursor_column: str = "updated_at",
    lookback: dt.timedelta = dt.timedelta(hours=2),
    batch_size: int = 500_000,
    timezone: str = "Europe/London",
    schema_contract: SchemaContract = "quarantine",
    deletes: DeletePlan | None = None,
    sync: SyncReport | None = None,
    on_rows: RowCounter | None = None,
    row_level_security: Literal["refuse", "accept"] = "refuse",
) -> list[DltResource]:
    db.check()
    sync = sync or SyncReport(source_name, "")
    hidden = hidden_rows(db, tables)
    if hidden and row_level_security == "refuse":
        raise hidden.error(f"source {source_name!r}")
    if hidden:
        sync.warnings.append(hidden.warning())
    deletes = deletes or DeletePlan()
    _prepare_deletes(deletes, tables, sync)
    reader = _TableReader(
        source_name,
        db,
        cursor_column,
        lookback,
        batch_size,
        ZoneInfo(timezone),
        schema_contract,
        deletes,
        sync,
        on_rows,
    )
    return [
        dlt.resource(
            reader.rows(table, key), name=f"{source_name}_{table}", write_disposition="append"
        )
        for table, key in tables.items()
    ]


def raw_tables(name: str, config: SqlDatabaseSource) -> list[str]:
    return [f"{name}_{table}" for table in config.tables]


def build_source(job: SourceJob) -> Any:
    config: SqlDatabaseSource = job.config
    url = database_url(config.url.get_secret_value(), root=job.root)
    db = Database(
        url, backend=config.backend, where=job.where, max_connections=config.max_connections
    )
    return crm_database(
        job.name,
        db,
        config.tables,
        cursor_column=config.cursor_column,
        lookback=dt.timedelta(minutes=config.lookback_minutes),
        batch_size=config.batch_size,
        timezone=config.timezone,
        schema_contract=config.schema_contract,
        deletes=delete_plan(job, db, url),
        sync=job.sync,
        on_rows=job.on_rows,
        row_level_security=config.row_level_security,
    )


def _prepare_deletes(plan: DeletePlan, tables: dict[str, str], sync: SyncReport) -> None:
    """Replication: check the slot (create it on first use), confirm what the warehouse's
    committed state says it holds, and peek the deletes since. Leaving replication: drop the
    slot after the load so it stops holding WAL.

    The slot is confirmed only up to the position recorded in the resource state of the last
    load that committed - not right after this load - so a run whose load is later discarded
    (write-audit-publish) reads the same deletes again."""
    stream = plan.stream
    if plan.mode != "replication":
        if plan.slot_in_use and stream is not None:
            sync.after_commit.append(stream.drop_slot)
        return
    assert stream is not None
    stream.check_capability()
    health = stream.health()
    if not health.exists or health.wal_status == "lost":
        if plan.slot_in_use:
            raise ReplicationError(
                f"replication slot {stream.slot!r} is gone ("
                f"{'invalidated: the server removed WAL it needed' if health.exists else 'dropped'}"
                "); deletes since the last sync would be lost",
                where=stream.where,
                fix="run one sync with deletes = 'reconcile' for this source (it finds every "
                "missed delete), then switch back to 'replication' (a new slot is created)",
            )
        if health.exists:  # invalidated and never used by this source: replace it
            stream.drop_slot()
        stream.ensure_publication()
        stream.create_slot()
    elif health.lag_bytes is not None and health.lag_bytes > stream.max_lag_bytes:
        sync.warnings.append(
            f"replication slot {stream.slot!r} is {health.lag_bytes / 2**20:,.0f} MiB behind "
            f"(more than {stream.max_lag_bytes / 2**20:,.0f} MiB): sync more often"
        )
    if plan.confirmed_lsn:
        stream.confirm(plan.confirmed_lsn)
    plan.replicated = stream.read()
    if not plan.slot_in_use:
        # Deletes from before this source used the slot are unknown: reconcile every table once.
        plan.replicated.truncated |= set(tables)


class _TableReader:
    """Reads one table per sync: changed rows, quarantined rows, then its deletes."""

    def __init__(
        self,
        source: str,
        db: Database,
        cursor_column: str,
        lookback: dt.timedelta,
        batch_size: int,
        zone: ZoneInfo,
        mode: SchemaContract,
        deletes: DeletePlan,
        sync: SyncReport,
        on_rows: RowCounter | None,
    ) -> None:
        self.source, self.db, self.cursor_column = source, db, cursor_column
        self.lookback, self.batch_size, self.zone, self.mode = lookback, batch_size, zone, mode
        self.deletes, self.sync, self.on_rows = deletes, sync, on_rows

    def rows(self, table: str, key: str) -> Iterator[Any]:
        """The table's items, read once one of the source's connections is free (``None``
        while waiting: dlt then asks the other tables)."""
        while not self.db.connections.acquire(blocking=False):
            yield None
        try:
            yield from self._rows(table, key)
        finally:
            self.db.connections.release()

    def _rows(self, table: str, key: str) -> Iterator[Any]:
        state = dlt.current.resource_state()
        raw_table = f"{self.source}_{table}"
        where = f"source {self.source!r} table {table}"
        report = self.sync.table(raw_table)
        known: dict[str, str] = state.setdefault("columns", {})
        catalog = self.db.columns(table)
        if not catalog:
            raise SourceError(
                f"table {table} does not exist",
                where=f"source {self.source!r}",
                fix=f"create it, or remove it from sources.{self.source}.tables",
            )
        self._check_names(raw_table, known, catalog, where)
        utc_cursor = "with time zone" in catalog.get(self.cursor_column, "")
        window = _VersionWindow.from_state(state, self.lookback)
        extracted: list[pa.Array] = []
        source_file_id = f"{self.source}.{table}@{self.sync.run_id}"
        query = self._query(table, catalog, window, utc_cursor)
        batches = _Batches(table, key, raw_table, source_file_id, where, window, state)
        for batch in self.db.batches(query, self.batch_size, catalog, key=key, table=table):
            report.rows_extracted += batch.num_rows
            local = _local_times(batch, self.zone)
            yield from self._load_batch(local, batches, known, extracted)
        window.save(state)
        self.sync.newest(raw_table, self._utc(window.cursor))
        report.columns = dict(known)
        _remember_slot(state, self.deletes)
        key_type = arrow_type_of(_declared_type(catalog.get(key, "")))
        yield from self._deleted(table, key, key_type, raw_table, extracted, source_file_id)

    def _check_names(
        self, raw_table: str, known: dict[str, str], catalog: dict[str, str], where: str
    ) -> None:
        if not known:
            return
        current = {
            name: known.get(name) or _declared_type(declared) for name, declared in catalog.items()
        }
        changes = compare_columns(raw_table, known, current)
        enforce(self.mode, changes, where=where)
        self.sync.changes.extend(changes)
        for change in changes:
            if change.change in {"removed", "renamed"}:
                known.pop(change.column, None)

    def _query(
        self, table: str, catalog: dict[str, str], window: _VersionWindow, utc_cursor: bool
    ) -> str:
        query = f"select {self.db.select_list(catalog)} from {table}"
        if window.cursor is not None:
            since = window.cursor - self.lookback  # naive local time in the source's zone
            literal = (
                since.replace(tzinfo=self.zone).isoformat(sep=" ")
                if utc_cursor
                else since.strftime("%Y-%m-%d %H:%M:%S")
            )
            query += f" where {self.cursor_column} >= '{literal}'"
        return query

    def _load_batch(
        self, batch: pa.Table, at: _Batches, known: dict[str, str], extracted: list[pa.Array]
    ) -> Iterator[Any]:
        """Conform a batch to raw, drop the versions raw holds, yield rows and quarantine."""
        if batch.num_rows == 0:
            return
        first_batch = not known
        result = conform(batch, at.raw_table, known, self.mode, where=at.where)
        self._learn(at.raw_table, known, result.rows.schema, report_new=not first_batch)
        self.sync.changes.extend(result.changes)
        entry = self.sync.table(at.raw_table)
        entry.drifted |= result.drifted
        fresh = at.window.drop_seen(result.rows, at.key, self.cursor_column)
        at.window.remember(fresh, at.key, self.cursor_column)
        if self.on_rows:
            self.on_rows(at.table, fresh.num_rows)
        if self._tracks_extracted(at.table):
            extracted.append(fresh.column(at.key).combine_chunks())
        extracted_at = utc_now()
        if fresh.num_rows:
            yield raw_item(
                stamp(fresh, source_file_id=at.source_file_id, extracted_at=extracted_at),
                at.raw_table,
            )
        quarantined = not_quarantined_before(result.quarantined, at.state)
        if quarantined is not None:
            entry.rows_quarantined += quarantined.num_rows
            stamped = stamp(
                quarantined, source_file_id=at.source_file_id, extracted_at=extracted_at
            )
            yield raw_item(stamped, f"{self.source}_{QUARANTINE_TABLE}")

    def _learn(
        self, raw_table: str, known: dict[str, str], schema: pa.Schema, *, report_new: bool
    ) -> None:
        for field in schema:
            if field.name in known or field.name.endswith("__v_text"):
                continue
            known[field.name] = type_name(field.type)
            if report_new and not any(
                c.column == field.name and c.change == "added"
                for c in self.sync.changes
                if c.table == raw_table
            ):
                self.sync.changes.append(
                    ColumnChange(raw_table, "added", field.name, None, known[field.name])
                )

    def _tracks_extracted(self, table: str) -> bool:
        replicated = self.deletes.replicated
        return replicated is not None and bool(replicated.keys.get(table))

    def _deleted(
        self,
        table: str,
        key: str,
        key_type: pa.DataType,
        raw_table: str,
        extracted: list[pa.Array],
        source_file_id: str,
    ) -> Iterator[Any]:
        if self.deletes.mode == "none":
            return
        found = self._find_deleted(table, key, extracted)
        if found is None and table in self.deletes.deletes_tables:
            return
        if found is None:  # first sync: create the (empty) deletes table staging reads
            found = pa.table({key: pa.array([], key_type), "__deleted_at": pa.array([], UTC_TS)})
        self.sync.table(raw_table).rows_deleted += found.num_rows
        deleted_at = found.column("__deleted_at").combine_chunks()
        rows = found.drop_columns(["__deleted_at"])
        stamped = stamp(
            rows,
            source_file_id=f"{source_file_id}#deletes",
            extracted_at=utc_now(),
            deleted_at=deleted_at,
        )
        yield raw_item(stamped, raw_table + DELETES_SUFFIX)

    def _find_deleted(self, table: str, key: str, extracted: list[pa.Array]) -> pa.Table | None:
        live = self.deletes.live_keys.get(table)
        if live is None or len(live) == 0:
            return None
        if self.deletes.reconciles(table):
            source_keys = self.db.read(f"select {key} from {table}", key=key, table=table)
            gone = missing_keys(
                live,
                source_keys.column(key).combine_chunks()
                if source_keys.num_rows
                else pa.array([], live.type),
            )
            return tombstones(key, gone, utc_now()) if len(gone) else None
        if self.deletes.replicated is None:
            return None
        seen = pa.concat_arrays(extracted) if extracted else pa.array([], live.type)
        return replicated_tombstones(key, self.deletes.replicated.keys.get(table, []), live, seen)

    def _utc(self, cursor: dt.datetime | None) -> dt.datetime | None:
        """The cursor (naive local time in the source's zone) as a UTC instant."""
        return cursor.replace(tzinfo=self.zone).astimezone(dt.UTC) if cursor else None


def _local_times(batch: pa.Table, zone: ZoneInfo) -> pa.Table:
    """``timestamptz`` columns as naive wall-clock time in the source's zone, the contract's
    form, so raw, staging and the cursor treat every source timestamp alike. Exact for
    ``timezone = "UTC"``; in a zone with summer time the hour repeated when clocks go back
    becomes ambiguous (docs/sources.md recommends UTC for such sources)."""
    for index, field in enumerate(batch.schema):
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            zoned = pc.cast(batch.column(index), pa.timestamp(field.type.unit, tz=zone.key))
            local = pc.local_timestamp(zoned)
            batch = batch.set_column(index, pa.field(field.name, local.type), local)
    return batch


def _declared_type(declared: str) -> str:
    """A catalog type's raw type family (only used to tell a rename from a drop and an add)."""
    text = declared.lower()
    if "int" in text or text in {"serial", "bigserial"}:
        return "bigint"
    if text.startswith(("numeric", "decimal")):
        return "decimal(38,10)"
    if text in {"real", "double precision", "float", "double"}:
        return "double"
    if "timestamp" in text or text == "datetime":
        return "timestamp"  # timestamptz arrives as local time (_local_times)
    if text == "date":
        return "date"
    if text.startswith("bool"):
        return "bool"
    return "text"


def _remember_slot(state: dict[str, Any], plan: DeletePlan) -> None:
    """For the next sync (read back by ``plan.slot_position``): that this source reads the
    slot, and the position up to which this load holds its deletes."""
    if plan.mode == "replication" and plan.stream is not None and plan.replicated is not None:
        state["replication_slot"] = plan.stream.slot
        state["replication_lsn"] = plan.replicated.upto_lsn
    else:
        state.pop("replication_slot", None)
        state.pop("replication_lsn", None)


@dataclass
class _Batches:
    """What every batch of one table's sync shares."""

    table: str
    key: str
    raw_table: str
    source_file_id: str
    where: str
    window: _VersionWindow
    state: dict[str, Any]


class _VersionWindow:
    """Row versions (key, cursor) already loaded whose cursor lies within the lookback window.

    ``seen`` holds the versions earlier syncs loaded; the rows of this sync are kept as Arrow
    arrays, pruned to the window as the newest cursor grows, and written as versions once, when
    the window is saved: a table read in many batches (or key ranges) costs no Python work per
    row that leaves the window before the end."""

    def __init__(self, cursor: dt.datetime | None, seen: set[str], lookback: dt.timedelta):
        self.cursor = cursor
        self.seen = seen
        self.lookback = lookback
        self._max = cursor
        self._read: list[tuple[pa.Array, pa.Array]] = []  # (keys, cursors) near the newest

    @classmethod
    def from_state(cls, state: dict[str, Any], lookback: dt.timedelta) -> _VersionWindow:
        raw_cursor = state.get("cursor")
        cursor = dt.datetime.strptime(raw_cursor, CURSOR_FORMAT) if raw_cursor else None
        return cls(cursor, set(state.get("window", [])), lookback)

    def drop_seen(self, batch: pa.Table, key: str, cursor_column: str) -> pa.Table:
        if self.cursor is None or not self.seen or batch.num_rows == 0:
            return batch
        cursor_values = batch.column(cursor_column)
        maybe_seen = pc.less_equal(cursor_values, pa.scalar(self.cursor, cursor_values.type))
        if not pc.any(maybe_seen).as_py():
            return batch
        keep = [
            not (old and _version(k, c) in self.seen)
            for old, k, c in zip(
                maybe_seen.to_pylist(),
                batch.column(key).to_pylist(),
                cursor_values.to_pylist(),
                strict=True,
            )
        ]
        return batch.filter(pa.array(keep))

    def remember(self, batch: pa.Table, key: str, cursor_column: str) -> None:
        if batch.num_rows == 0:
            return
        cursor_values = batch.column(cursor_column).combine_chunks()
        batch_max = pc.max(cursor_values).as_py()
        if batch_max is None:
            return
        if self._max is None or batch_max > self._max:
            self._max = batch_max
            self._read = [self._recent(*read) for read in self._read]  # the window moved on
        self._read.append(self._recent(batch.column(key).combine_chunks(), cursor_values))

    def _recent(self, keys: pa.Array, cursors: pa.Array) -> tuple[pa.Array, pa.Array]:
        assert self._max is not None
        recent = pc.greater_equal(cursors, pa.scalar(self._max - self.lookback, cursors.type))
        return keys.filter(recent), cursors.filter(recent)

    def save(self, state: dict[str, Any]) -> None:
        if self._max is None:
            return
        floor = self._max - self.lookback
        window = {v for v in self.seen if _cursor_of(v) >= floor}
        for keys, cursors in self._read:
            kept_keys, kept_cursors = self._recent(keys, cursors)
            window.update(
                _version(k, c)
                for k, c in zip(kept_keys.to_pylist(), kept_cursors.to_pylist(), strict=True)
            )
        state["cursor"] = self._max.strftime(CURSOR_FORMAT)
        state["window"] = sorted(window)
        self.cursor, self.seen, self._read = self._max, window, []


def _version(key: Any, cursor: dt.datetime) -> str:
    return f"{key}|{cursor.strftime(CURSOR_FORMAT)}"


def _cursor_of(version: str) -> dt.datetime:
    return dt.datetime.strptime(version.rsplit("|", 1)[1], CURSOR_FORMAT)
