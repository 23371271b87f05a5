"""The metadata columns every raw row carries, and the dlt hints that keep raw untransformed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

EXTRACTED_AT = "_ab_extracted_at"
SYNCED_AT = "_ab_synced_at"
SOURCE_FILE_ID = "_source_file_id"
DELETED_AT = "_ab_deleted_at"
METADATA_COLUMNS = (EXTRACTED_AT, SYNCED_AT, SOURCE_FILE_ID, DELETED_AT)
DELETES_SUFFIX = "_deletes"  # raw.<source>_<table>_deletes: one row per hard delete seen

UTC_TS = pa.timestamp("us", tz="UTC")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def is_metadata(column: str) -> bool:
    """The pipeline's and dlt's own columns (not source data)."""
    return column in METADATA_COLUMNS or column.startswith("_dlt_")


def stamp(
    table: pa.Table,
    *,
    source_file_id: str,
    extracted_at: dt.datetime,
    deleted_at: pa.Array | None = None,
) -> pa.Table:
    """Append the metadata columns. ``_ab_synced_at`` is filled once the load commits;
    ``_ab_deleted_at`` only exists in the ``<table>_deletes`` tables that record hard deletes."""
    n = table.num_rows
    if any(not f.nullable for f in table.schema):  # NOT NULL in the source: raw stays lenient
        table = table.cast(pa.schema([f.with_nullable(True) for f in table.schema]))
    if deleted_at is not None:
        table = table.append_column(DELETED_AT, deleted_at)
    return (
        table.append_column(EXTRACTED_AT, pa.repeat(pa.scalar(extracted_at, UTC_TS), n))
        .append_column(SYNCED_AT, pa.nulls(n, UTC_TS))
        .append_column(SOURCE_FILE_ID, _constant_text(source_file_id, n))
    )


def _constant_text(value: str, n: int) -> pa.DictionaryArray:
    """One value on every row, dictionary-encoded: no copy per row, and parquet keeps it once."""
    indices = pa.repeat(pa.scalar(0, pa.int32()), n)
    return pa.DictionaryArray.from_arrays(indices, pa.array([value], pa.string()))


def column_hints(schema: pa.Schema) -> dict[str, dict[str, Any]]:
    """dlt hints that keep naive source timestamps naive (dlt would otherwise assume UTC)."""
    hints: dict[str, dict[str, Any]] = {}
    for field in schema:
        if pa.types.is_timestamp(field.type) and field.type.tz is None:
            hints[field.name] = {"data_type": "timestamp", "timezone": False}
    hints[SYNCED_AT] = {"data_type": "timestamp", "timezone": True, "nullable": True}
    return hints


def raw_item(table: pa.Table, table_name: str) -> Any:
    """A stamped Arrow table for dlt, bound for ``raw.<table_name>`` with the column hints
    above. Each table gets its own hints (a table variant), so a resource that also writes
    deletes or quarantined rows does not spread one table's columns to the other."""
    import dlt

    hints = dlt.mark.make_hints(table_name=table_name, columns=column_hints(table.schema))
    return dlt.mark.with_hints(table, hints, create_table_variant=True)


def has_raw_table(client: Any, table: str) -> bool:
    """Whether ``table`` exists in the dataset of a dlt SQL client (raw)."""
    rows = client.execute_sql(
        "select count(*) from information_schema.tables where table_schema = %s "
        "and table_name = %s",
        client.dataset_name,
        table,
    )
    return bool(rows and rows[0][0])
