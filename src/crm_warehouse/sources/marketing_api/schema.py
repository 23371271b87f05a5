"""The marketing API's endpoints: their declared columns (the raw types a first sync
establishes) and the conversion of a page of JSON records into Arrow.

Money arrives as JSON numbers (GBP) and stays ``double`` in raw; staging casts it to
``decimal(18,2)``. Times are ISO 8601 (``...Z``) and land in raw as ``timestamptz``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from datetime import tzinfo
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

TS = pa.timestamp("us", tz="UTC")

ENDPOINT_COLUMNS: dict[str, dict[str, pa.DataType]] = {
    "campaigns": {
        "campaign_id": pa.int64(),
        "name": pa.string(),
        "channel": pa.string(),
        "objective": pa.string(),
        "status": pa.string(),
        "start_date": pa.date32(),
        "end_date": pa.date32(),
        "daily_budget": pa.float64(),
        "currency": pa.string(),
        "created_at": TS,
        "updated_at": TS,
    },
    "ad_spend": {
        "campaign_id": pa.int64(),
        "spend_date": pa.date32(),
        "channel": pa.string(),
        "impressions": pa.int64(),
        "clicks": pa.int64(),
        "spend": pa.float64(),
        "currency": pa.string(),
        "updated_at": TS,
    },
    "leads": {
        "lead_id": pa.int64(),
        "campaign_id": pa.int64(),
        "channel": pa.string(),
        "email": pa.string(),
        "customer_id": pa.int64(),
        "status": pa.string(),
        "created_at": TS,
        "converted_at": TS,
        "updated_at": TS,
    },
}


def records_to_arrow(
    records: list[dict[str, Any]], declared: dict[str, pa.DataType], zone: tzinfo = dt.UTC
) -> pa.Table:
    """Declared columns in their declared type where every value fits (the contract step then
    sees nothing to do); a column with a value that does not fit - a number sent as text, a
    malformed time - comes as text, so the contract decides. Undeclared keys are new columns."""
    names = list(declared) + sorted({k for r in records for k in r} - set(declared))
    columns = {}
    for name in names:
        values = [record.get(name) for record in records]
        kind = declared.get(name)
        if kind is not None and pa.types.is_timestamp(kind):
            values = [_with_zone(v, zone) for v in values]
        columns[name] = _array(values, declared.get(name))
    return pa.table(columns)


def _with_zone(value: Any, zone: tzinfo) -> Any:
    """A naive ISO time as an instant in ``zone`` (the source's ``timezone``); anything else
    (times with an offset, malformed text, non-text) is left for the contract to judge."""
    if not isinstance(value, str) or _HAS_OFFSET.search(value):
        return value
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return parsed.replace(tzinfo=zone).astimezone(dt.UTC).isoformat()


_HAS_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


def _array(values: list[Any], declared: pa.DataType | None) -> pa.Array:
    if declared is not None:
        try:
            return _typed(values, declared)
        except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, TypeError):
            return _text(values)
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return _text(values)


def _typed(values: list[Any], declared: pa.DataType) -> pa.Array:
    if pa.types.is_timestamp(declared) or pa.types.is_date(declared):
        if any(v is not None and not isinstance(v, str) for v in values):
            raise TypeError("not a time")
        return pc.cast(pa.array(values, pa.string()), declared)
    if pa.types.is_integer(declared) and any(isinstance(v, bool | float) for v in values):
        raise TypeError("not an integer")
    if pa.types.is_floating(declared) and any(isinstance(v, bool) for v in values):
        raise TypeError("not a number")
    return pa.array(values, declared)


def _text(values: list[Any]) -> pa.Array:
    return pa.array(
        [
            None if v is None else (json.dumps(v) if isinstance(v, dict | list) else str(v))
            for v in values
        ],
        pa.string(),
    )
