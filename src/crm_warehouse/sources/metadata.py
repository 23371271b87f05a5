"""The metadata columns every raw row carries, and the dlt hints that keep raw untransformed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

EXTRACTED_AT = "_ab_extracted_at"
SYNCED_AT = "_ab_synced_at"
SOURCE_FILE_ID = "_source_file_id"
METADATA_COLUMNS = (EXTRACTED_AT, SYNCED_AT, SOURCE_FILE_ID)

_UTC_TS = pa.timestamp("us", tz="UTC")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def stamp(table: pa.Table, *, source_file_id: str, extracted_at: dt.datetime) -> pa.Table:
    """Append the metadata columns. ``_ab_synced_at`` is filled once the load commits."""
    n = table.num_rows
    return (
        table.append_column(EXTRACTED_AT, pa.array([extracted_at] * n, _UTC_TS))
        .append_column(SYNCED_AT, pa.nulls(n, _UTC_TS))
        .append_column(SOURCE_FILE_ID, pa.array([source_file_id] * n, pa.string()))
    )


def column_hints(schema: pa.Schema) -> dict[str, dict[str, Any]]:
    """dlt hints that keep naive source timestamps naive (dlt would otherwise assume UTC)."""
    hints: dict[str, dict[str, Any]] = {}
    for field in schema:
        if pa.types.is_timestamp(field.type) and field.type.tz is None:
            hints[field.name] = {"data_type": "timestamp", "timezone": False}
    hints[SYNCED_AT] = {"data_type": "timestamp", "timezone": True, "nullable": True}
    return hints
