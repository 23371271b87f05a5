"""Schema drift: what a source sends compared with what raw already holds, and the source's
contract for it (``schema_contract`` = ``evolve`` | ``quarantine`` | ``freeze``).

* New column: flows into raw (``evolve``/``quarantine``) and is reported; ``freeze`` fails.
* Removed or renamed column: reported; raw keeps the old column (null from now on) and the
  staging models that read it stop with a message naming it (``ops.source_columns``);
  ``freeze`` fails the source.
* Type drift (a value that is not of the column's established type, e.g. a number sent as
  text): values that convert exactly are converted and the drift is reported. Values that do
  not convert: ``quarantine`` moves the row to ``raw.<source>_quarantine`` with the reason;
  ``evolve`` keeps the row and the value as text in ``<column>__v_text`` (and staging stops on
  the column, as for a removed one); ``freeze`` fails the source. Never a silent drop or null.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from dlt.common.libs.pyarrow import get_column_type_from_py_arrow

from crm_warehouse.errors import SourceError
from crm_warehouse.settings.base import SchemaContract
from crm_warehouse.sources.metadata import is_metadata

ChangeKind = Literal["added", "removed", "renamed", "type_changed"]
VARIANT_SUFFIX = "__v_text"
QUARANTINE_TABLE = "quarantine"  # raw.<source>_quarantine

QUARANTINE_SCHEMA = pa.schema(
    [
        ("table_name", pa.string()),
        ("column_name", pa.string()),
        ("value", pa.string()),
        ("reason", pa.string()),
        ("record", pa.string()),
    ]
)


@dataclass(frozen=True)
class ColumnChange:
    """One schema change of one raw table, as detected at extraction."""

    table: str
    change: ChangeKind
    column: str
    old_type: str | None = None
    new_type: str | None = None
    detail: str | None = None


@dataclass
class Conformed:
    """A batch made to match raw: the rows to load, the rows quarantined, what drifted."""

    rows: pa.Table
    quarantined: pa.Table | None = None
    changes: list[ColumnChange] = field(default_factory=list)
    drifted: set[str] = field(default_factory=set)  # columns whose staging use must stop


class ContractViolationError(SourceError):
    """A change that the source's ``freeze`` contract does not allow."""


def type_name(data_type: pa.DataType) -> str:
    """The raw (dlt) type of an Arrow type: bigint, double, decimal(12,2), text, timestamp,
    timestamptz, date, bool, ..."""
    hint = get_column_type_from_py_arrow(data_type)
    name = str(hint["data_type"])
    if name == "decimal":
        return f"decimal({hint.get('precision')},{hint.get('scale')})"
    if name == "timestamp" and hint.get("timezone", True):
        return "timestamptz"
    return name


def family(name: str) -> str:
    return name.split("(", 1)[0]


def compare_columns(
    table: str, known: dict[str, str], current: dict[str, str]
) -> list[ColumnChange]:
    """Added, removed (or renamed: one removed and one added of the same type) and retyped
    columns between the column types raw knows and the ones the source now has."""
    added = {c: t for c, t in current.items() if c not in known}
    removed = {c: t for c, t in known.items() if c not in current}
    changes: list[ColumnChange] = []
    if len(added) == len(removed) == 1:
        (new, new_type), (old, old_type) = next(iter(added.items())), next(iter(removed.items()))
        if family(new_type) == family(old_type):
            return [
                ColumnChange(table, "renamed", old, old_type, new_type, f"renamed to {new}"),
                ColumnChange(table, "added", new, None, new_type, f"renamed from {old}"),
            ]
    changes += [ColumnChange(table, "added", c, None, t) for c, t in sorted(added.items())]
    changes += [ColumnChange(table, "removed", c, t, None) for c, t in sorted(removed.items())]
    changes += [
        ColumnChange(table, "type_changed", c, known[c], t)
        for c, t in sorted(current.items())
        if c in known and family(known[c]) != family(t)
    ]
    return changes


def enforce(mode: SchemaContract, changes: Iterable[ColumnChange], *, where: str) -> None:
    """Under ``freeze``, any change fails the source with one line naming it."""
    changes = list(changes)
    if mode != "freeze" or not changes:
        return
    first = changes[0]
    what = f"column {first.column} of {first.table} was {first.change.replace('_', ' ')}"
    if first.change == "type_changed":
        what += f" ({first.old_type} -> {first.new_type})"
    more = f" (+{len(changes) - 1} more)" if len(changes) > 1 else ""
    raise ContractViolationError(
        f"schema change not allowed by schema_contract = 'freeze': {what}{more}",
        where=where,
        fix="restore the source schema, or set schema_contract = 'evolve' or 'quarantine' "
        "for this source and adapt the staging model",
    )


def conform(
    batch: pa.Table, table: str, established: dict[str, str], mode: SchemaContract, *, where: str
) -> Conformed:
    """Make ``batch`` match the established raw types of its table (name -> ``type_name``).

    Columns raw does not know pass through (new columns evolve raw); a column of the same type
    family passes as it is (dlt widens int32 to bigint, decimal precisions, ...)."""
    result = Conformed(batch)
    bad_rows = pa.repeat(pa.scalar(False), batch.num_rows)
    reasons: list[tuple[str, pa.Array]] = []
    for name in batch.column_names:
        want_name = established.get(name)
        column = batch.column(name)
        if want_name is None or is_metadata(name) or pa.types.is_null(column.type):
            continue
        have_name = type_name(column.type)
        if family(have_name) == family(want_name):
            continue
        change = ColumnChange(table, "type_changed", name, want_name, have_name)
        enforce(mode, [change], where=where)
        converted = try_cast(column, arrow_type_of(want_name))
        failed = pc.and_(pc.is_valid(column), pc.is_null(converted))
        result.changes.append(change)
        result.rows = _replace(result.rows, name, converted)
        if not pc.any(failed).as_py():
            continue
        if mode == "evolve":
            text = pc.if_else(failed, _as_text(column), pa.nulls(len(column), pa.string()))
            result.rows = result.rows.append_column(name + VARIANT_SUFFIX, text)
            result.drifted.add(name)
        else:
            bad_rows = pc.or_(bad_rows, failed)
            reasons.append((name, failed))
    if reasons:
        result.quarantined = _quarantine_rows(batch, table, established, reasons)
        result.rows = result.rows.filter(pc.invert(bad_rows))
    return result


def try_cast(column: pa.ChunkedArray | pa.Array, want: pa.DataType) -> pa.ChunkedArray:
    """Element-wise strict conversion: a value that does not convert becomes null (the caller
    compares with the input to find it). Text is trimmed first; DuckDB parses."""
    source = (
        column
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
        else _as_text(column)
    )
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        con.register("drifted_values", pa.table({"v": source}))
        out = con.sql(
            f"select try_cast(nullif(trim(v), '') as {_duckdb_type(want)}) as v from drifted_values"
        ).to_arrow_table()
    finally:
        con.close()
    return pc.cast(out.column("v"), want, safe=False)


def _duckdb_type(data_type: pa.DataType) -> str:
    if pa.types.is_integer(data_type):
        return "BIGINT"
    if pa.types.is_floating(data_type):
        return "DOUBLE"
    if pa.types.is_decimal(data_type):
        return f"DECIMAL({min(data_type.precision, 38)},{data_type.scale})"
    if pa.types.is_timestamp(data_type):
        return "TIMESTAMPTZ" if data_type.tz else "TIMESTAMP"
    if pa.types.is_date(data_type):
        return "DATE"
    if pa.types.is_boolean(data_type):
        return "BOOLEAN"
    return "VARCHAR"


def _as_text(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    try:
        return pc.cast(column, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([None if v is None else str(v) for v in column.to_pylist()], pa.string())


def _replace(table: pa.Table, name: str, column: pa.ChunkedArray | pa.Array) -> pa.Table:
    return table.set_column(table.column_names.index(name), name, column)


def _quarantine_rows(
    batch: pa.Table, table: str, types: dict[str, str], reasons: list[tuple[str, pa.Array]]
) -> pa.Table:
    rows: list[dict[str, Any]] = []
    records = None
    for column, failed in reasons:
        indices = pc.indices_nonzero(failed).to_pylist()
        if not indices:
            continue
        records = records if records is not None else batch.to_pylist()
        for index in indices:
            record = records[index]
            value = record[column]
            rows.append(
                {
                    "table_name": table,
                    "column_name": column,
                    "value": None if value is None else str(value),
                    "reason": f"column {column} is not a valid {types.get(column, 'value')}",
                    "record": json.dumps(record, default=str, sort_keys=True),
                }
            )
    seen: set[tuple[str, str]] = set()
    unique = []
    for row in rows:  # a row with two bad values is quarantined once, with its first reason
        key = (row["record"], row["table_name"])
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return pa.Table.from_pylist(unique, QUARANTINE_SCHEMA)


def arrow_type_of(name: str) -> pa.DataType:
    """The Arrow type of a raw type name produced by ``type_name``."""
    if name.startswith("decimal("):
        precision, scale = (int(x) for x in name[8:-1].split(","))
        return pa.decimal128(precision, scale)
    return {
        "bigint": pa.int64(),
        "double": pa.float64(),
        "text": pa.string(),
        "timestamp": pa.timestamp("us"),
        "timestamptz": pa.timestamp("us", tz="UTC"),
        "date": pa.date32(),
        "bool": pa.bool_(),
        "json": pa.string(),
        "binary": pa.binary(),
        "time": pa.time64("us"),
    }.get(name, pa.string())


QUARANTINE_MEMORY = 50_000


def not_quarantined_before(quarantined: pa.Table | None, state: dict[str, Any]) -> pa.Table | None:
    """The quarantined rows not already quarantined by an earlier sync: a bad row that the
    lookback reads again (or whose malformed cursor keeps matching) goes in once."""
    if quarantined is None or quarantined.num_rows == 0:
        return None
    seen: list[str] = state.setdefault("quarantined", [])
    known = set(seen)
    digests = [
        hashlib.sha1(r.encode(), usedforsecurity=False).hexdigest()[:16]
        for r in quarantined.column("record").to_pylist()
    ]
    keep = [d not in known for d in digests]
    seen.extend(d for d, new in zip(digests, keep, strict=True) if new)
    del seen[:-QUARANTINE_MEMORY]
    return quarantined.filter(pa.array(keep)) if any(keep) else None
