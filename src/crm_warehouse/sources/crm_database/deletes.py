"""Hard deletes are recorded in ``raw.<source>_<table>_deletes``: one row per delete seen, with
the primary key and ``_ab_deleted_at``. Staging marks a key deleted (``is_deleted``) when its
newest delete was extracted no earlier than its newest version; raw keeps every version.

Two ways to find them: primary-key reconciliation (every sync, any database: the keys alive in
raw that the source no longer has) and PostgreSQL logical replication (``replication.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc

from crm_warehouse.sources.contract import try_cast
from crm_warehouse.sources.crm_database.replication import Deletes, DeleteStream
from crm_warehouse.sources.metadata import UTC_TS

DeleteMode = Literal["reconcile", "replication", "none"]


@dataclass
class DeletePlan:
    """How one sync finds deletes, with what it knows before extracting."""

    mode: DeleteMode = "none"
    live_keys: dict[str, pa.Array] = field(default_factory=dict)  # source table -> keys in raw
    deletes_tables: set[str] = field(default_factory=set)  # source tables with a deletes table
    stream: DeleteStream | None = None
    slot_in_use: bool = False  # the last committed sync read the replication slot
    confirmed_lsn: str | None = None  # ... and holds the slot's deletes up to here
    replicated: Deletes | None = None

    def reconciles(self, table: str) -> bool:
        if self.mode == "reconcile":
            return True
        return self.replicated is not None and table in self.replicated.truncated


def missing_keys(live: pa.Array, source_keys: pa.Array) -> pa.Array:
    """Keys alive in raw that the source no longer has."""
    if len(live) == 0:
        return live
    keys = source_keys if source_keys.type == live.type else pc.cast(source_keys, live.type)
    return live.filter(pc.invert(pc.is_in(live, value_set=keys)))


def tombstones(key: str, keys: pa.Array, deleted_at: dt.datetime | list[dt.datetime]) -> pa.Table:
    times = (
        pa.array(deleted_at, UTC_TS)
        if isinstance(deleted_at, list)
        else pa.repeat(pa.scalar(deleted_at, UTC_TS), len(keys))
    )
    return pa.table({key: keys, "__deleted_at": times})


def replicated_tombstones(
    key: str, entries: list[tuple[str, dt.datetime]], live: pa.Array, extracted: pa.Array
) -> pa.Table | None:
    """Tombstones for the deletes the slot reported: only for keys alive in raw, and not for a
    key this sync read again (deleted, then inserted anew before the extraction)."""
    if not entries or len(live) == 0:
        return None
    latest: dict[str, dt.datetime] = {}
    for text, at in entries:
        latest[text] = max(at, latest.get(text, at))
    keys = try_cast(pa.array(list(latest), pa.string()), live.type)
    times = pa.array(list(latest.values()), UTC_TS)
    keep = pc.and_(pc.is_valid(keys), pc.is_in(keys, value_set=live))
    if len(extracted):
        keep = pc.and_(keep, pc.invert(pc.is_in(keys, value_set=pc.cast(extracted, live.type))))
    keys, times = pc.filter(keys, keep), pc.filter(times, keep)
    if len(keys) == 0:
        return None
    return pa.table({key: pc.cast(keys, live.type), "__deleted_at": times})
