"""The CRM database (Supabase/Postgres in production, SQLite in the demo) as a dlt source.

One resource per table, appended to raw as ``<source>_<table>``. Incremental on a cursor
column (``updated_at``) with a lookback window: each sync re-reads rows whose cursor is within
``lookback`` of the newest value seen, so rows committed late are not lost, and skips the row
versions (primary key + cursor value) it already loaded, so raw holds each version once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc
from dlt.sources import DltResource

from crm_warehouse.sources.crm_database.extract import (
    check_connection,
    read_batches,
    select_list,
)
from crm_warehouse.sources.metadata import column_hints, stamp, utc_now

CURSOR_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

RowCounter = Callable[[str, int], None]


@dlt.source(name="crm_database", max_table_nesting=0)
def crm_database(
    source_name: str,
    url: str,
    tables: dict[str, str],
    *,
    cursor_column: str = "updated_at",
    lookback: dt.timedelta = dt.timedelta(hours=2),
    batch_size: int = 500_000,
    sync_id: str = "",
    on_rows: RowCounter | None = None,
) -> list[DltResource]:
    check_connection(url, where=f"source {source_name!r}")
    return [
        dlt.resource(
            _table_rows(
                url, table, primary_key, cursor_column, lookback, batch_size,
                source_file_id=f"{source_name}.{table}@{sync_id}",
                where=f"source {source_name!r} table {table}",
                on_rows=on_rows,
            ),
            name=f"{source_name}_{table}",
            write_disposition="append",
        )
        for table, primary_key in tables.items()
    ]


def _table_rows(
    url: str,
    table: str,
    primary_key: str,
    cursor_column: str,
    lookback: dt.timedelta,
    batch_size: int,
    *,
    source_file_id: str,
    where: str,
    on_rows: RowCounter | None,
) -> Iterator[Any]:
    state = dlt.current.resource_state()
    window = _VersionWindow.from_state(state, lookback)
    query = f"select {select_list(url, table)} from {table}"  # noqa: S608 - validated config
    if window.cursor is not None:
        since = (window.cursor - lookback).strftime("%Y-%m-%d %H:%M:%S")
        query += f" where {cursor_column} >= '{since}'"
    for batch in read_batches(url, query, batch_size, where=where):
        fresh = window.drop_seen(batch, primary_key, cursor_column)
        window.remember(fresh, primary_key, cursor_column)
        if on_rows:
            on_rows(table, fresh.num_rows)
        if fresh.num_rows:
            stamped = stamp(fresh, source_file_id=source_file_id, extracted_at=utc_now())
            yield dlt.mark.with_hints(
                stamped, dlt.mark.make_hints(columns=column_hints(stamped.schema))
            )
    window.save(state)


class _VersionWindow:
    """Row versions (key, cursor) already loaded whose cursor lies within the lookback window."""

    def __init__(self, cursor: dt.datetime | None, seen: set[str], lookback: dt.timedelta):
        self.cursor = cursor
        self.seen = seen
        self.lookback = lookback
        self._max = cursor

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
        keep = [
            not (old and _version(k, c) in self.seen)
            for old, k, c in zip(
                maybe_seen.to_pylist(), batch.column(key).to_pylist(), cursor_values.to_pylist(),
                strict=True,
            )
        ] if pc.any(maybe_seen).as_py() else None
        return batch if keep is None else batch.filter(pa.array(keep))

    def remember(self, batch: pa.Table, key: str, cursor_column: str) -> None:
        if batch.num_rows == 0:
            return
        batch_max = pc.max(batch.column(cursor_column)).as_py()
        if self._max is None or batch_max > self._max:
            self._max = batch_max
        floor = self._max - self.lookback
        cursor_values = batch.column(cursor_column)
        recent = batch.filter(
            pc.greater_equal(cursor_values, pa.scalar(floor, cursor_values.type))
        )
        self.seen.update(
            _version(k, c)
            for k, c in zip(
                recent.column(key).to_pylist(), recent.column(cursor_column).to_pylist(),
                strict=True,
            )
        )

    def save(self, state: dict[str, Any]) -> None:
        if self._max is None:
            return
        floor = self._max - self.lookback
        state["cursor"] = self._max.strftime(CURSOR_FORMAT)
        state["window"] = sorted(
            v for v in self.seen if _cursor_of(v) >= floor
        )


def _version(key: Any, cursor: dt.datetime) -> str:
    return f"{key}|{cursor.strftime(CURSOR_FORMAT)}"


def _cursor_of(version: str) -> dt.datetime:
    return dt.datetime.strptime(version.rsplit("|", 1)[1], CURSOR_FORMAT)
