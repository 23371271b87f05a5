"""Hard deletes from PostgreSQL logical replication: a pgoutput slot read through SQL.

New and changed rows come from the ``updated_at`` cursor (fast bulk reads); the slot only has
to tell which rows were deleted. The publication publishes deletes and truncates only, so the
slot carries little. Each sync peeks the slot up to the current WAL position, turns the delete
messages into tombstones, and advances the slot only after the warehouse load committed
(at-least-once: a failed load re-reads the same deletes next time).

A slot that disappears (dropped, or invalidated by ``max_slot_wal_keep_size``) is reported as
an error - never silently recreated, since deletes in the gap would be lost. A slot further
behind than ``max_lag_mb`` is reported as a warning.

The slot is read over a direct connection to the database. Through a connection pooler the
statements could land in any server session, and creating a slot waits for every transaction
open on the server - pooled clients' included - so the source refuses a pooler at once, naming
the direct host and port (``replication.url`` of the source, while syncs use the pooler).
"""

from __future__ import annotations

import datetime as dt
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from crm_warehouse.errors import SourceError
from crm_warehouse.sources.crm_database.connection import (
    connect,
    first_line,
    inspect,
    url_setting,
)

PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class SlotHealth:
    exists: bool
    wal_status: str | None = None
    lag_bytes: int | None = None


@dataclass
class Deletes:
    """What the slot held between two syncs: deleted keys (as text) per table, with the
    commit time of each delete, and the tables that were truncated."""

    keys: dict[str, list[tuple[str, dt.datetime]]] = field(default_factory=dict)
    truncated: set[str] = field(default_factory=set)
    upto_lsn: str | None = None


class ReplicationError(SourceError):
    """Replication cannot be used, or its slot is gone."""


class DeleteStream:
    """The slot and publication of one source."""

    def __init__(
        self,
        url: str,
        tables: list[str],
        *,
        slot: str,
        publication: str,
        where: str,
        max_lag_mb: int = 1024,
    ) -> None:
        for name in (slot, publication):
            if not _NAME.match(name):
                raise ReplicationError(
                    f"invalid replication name {name!r}",
                    where=where,
                    fix="use lowercase letters, digits and '_'",
                )
        self.url = url
        self.tables = tables
        self.slot = slot
        self.publication = publication
        self.where = where
        self.max_lag_bytes = max_lag_mb * 2**20

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        import psycopg2

        connection = connect(self.url, self.where)
        try:
            connection.autocommit = True
            with connection.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall() if cur.description else []
        except psycopg2.Error as exc:
            raise ReplicationError(
                f"replication query failed ({first_line(exc)})",
                where=self.where,
                fix="check the user's REPLICATION privilege and the slot "
                "(see docs/sources.md, Deletes)",
            ) from None
        finally:
            connection.close()

    def check_capability(self) -> None:
        """A direct connection, wal_level = logical, a user allowed to replicate, a key on
        every table."""
        server = inspect(self.url, self.where)
        if server.pooled:
            raise ReplicationError(
                f"logical replication needs a direct connection to the database, but "
                f"{server.reached} is a connection pooler",
                where=self.where,
                fix=f"set {url_setting(self.where, 'replication.url')} to the direct "
                f"connection ({server.direct}); syncs may stay on the pooler",
            )
        ((level,),) = self._query("show wal_level")
        if level != "logical":
            raise ReplicationError(
                f"the server's wal_level is {level!r}, logical replication needs 'logical'",
                where=self.where,
                fix="set wal_level = logical and restart the server (Supabase has it), or set "
                "deletes = 'reconcile' for this source",
            )
        ((allowed,),) = self._query(
            "select rolreplication or rolsuper from pg_roles where rolname = current_user"
        )
        if not allowed:
            raise ReplicationError(
                "the source user may not use replication slots",
                where=self.where,
                fix="grant it REPLICATION (alter role ... with replication), or set "
                "deletes = 'reconcile' for this source",
            )
        keyless = [
            table
            for table, (identity, has_key) in self._identities().items()
            if identity == "n" or (identity == "d" and not has_key)
        ]
        if keyless:
            raise ReplicationError(
                f"table(s) {', '.join(keyless)} have no primary key (replica identity), so "
                "their deletes cannot be replicated",
                where=self.where,
                fix="add a primary key, or set deletes = 'reconcile' for this source",
            )

    def _identities(self) -> dict[str, tuple[str, bool]]:
        rows = self._query(
            "select c.relname, c.relreplident, exists (select 1 from pg_index i where "
            "i.indrelid = c.oid and i.indisprimary) from pg_class c where c.relnamespace = "
            "current_schema()::regnamespace and c.relname = any(%s)",
            (self.tables,),
        )
        return {name: (identity, has_key) for name, identity, has_key in rows}

    def health(self) -> SlotHealth:
        rows = self._query(
            "select wal_status, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) "
            "from pg_replication_slots where slot_name = %s and database = current_database()",
            (self.slot,),
        )
        if not rows:
            return SlotHealth(exists=False)
        wal_status, lag = rows[0]
        return SlotHealth(True, wal_status, int(lag) if lag is not None else None)

    def ensure_publication(self) -> None:
        existing = {
            t
            for (t,) in self._query(
                "select tablename from pg_publication_tables where pubname = %s "
                "and schemaname = current_schema()",
                (self.publication,),
            )
        }
        if not self._query("select 1 from pg_publication where pubname = %s", (self.publication,)):
            tables = ", ".join(f'"{t}"' for t in self.tables)
            self._query(
                f"create publication {self.publication} for table {tables} "
                "with (publish = 'delete, truncate')"
            )
            return
        missing = [t for t in self.tables if t not in existing]
        if missing:
            tables = ", ".join(f'"{t}"' for t in missing)
            self._query(f"alter publication {self.publication} add table {tables}")

    def create_slot(self) -> str:
        ((lsn,),) = self._query(
            "select lsn::text from pg_create_logical_replication_slot(%s, 'pgoutput')", (self.slot,)
        )
        return str(lsn)

    def drop_slot(self) -> None:
        self._query(
            "select pg_drop_replication_slot(slot_name) from pg_replication_slots "
            "where slot_name = %s and not active",
            (self.slot,),
        )

    def read(self) -> Deletes:
        """Peek every change up to the current WAL position (the slot does not move)."""
        ((upto,),) = self._query("select pg_current_wal_lsn()::text")
        rows = self._query(
            "select data from pg_logical_slot_peek_binary_changes(%s, %s::pg_lsn, null, "
            "'proto_version', '1', 'publication_names', %s)",
            (self.slot, upto, self.publication),
        )
        deletes = decode(bytes(data) for (data,) in rows)
        deletes.upto_lsn = str(upto)
        return deletes

    def confirm(self, upto_lsn: str) -> None:
        """Let the server recycle WAL up to ``upto_lsn`` (never backwards)."""
        self._query(
            "select pg_replication_slot_advance(slot_name, %s::pg_lsn) from pg_replication_slots "
            "where slot_name = %s and confirmed_flush_lsn < %s::pg_lsn",
            (upto_lsn, self.slot, upto_lsn),
        )


def decode(messages: Iterator[bytes]) -> Deletes:
    """Delete and truncate messages of pgoutput protocol 1 -> deleted keys per table."""
    relations: dict[int, tuple[str, list[tuple[str, bool]]]] = {}
    deletes = Deletes()
    committed_at = PG_EPOCH
    for message in messages:
        kind = message[:1]
        if kind == b"B":
            (micros,) = struct.unpack_from(">q", message, 9)
            committed_at = PG_EPOCH + dt.timedelta(microseconds=micros)
        elif kind == b"R":
            relid, relation = _relation(message)
            relations[relid] = relation
        elif kind == b"D":
            (relid,) = struct.unpack_from(">I", message, 1)
            table, columns = relations[relid]
            values = _tuple(message, 6)
            key = next(
                (
                    value
                    for (_, is_key), value in zip(columns, values, strict=True)
                    if is_key and value is not None
                ),
                None,
            )
            if key is not None:
                deletes.keys.setdefault(table, []).append((key, committed_at))
        elif kind == b"T":
            (count,) = struct.unpack_from(">I", message, 1)
            for index in range(count):
                (relid,) = struct.unpack_from(">I", message, 6 + 4 * index)
                deletes.truncated.add(relations[relid][0])
    return deletes


def _cstring(message: bytes, offset: int) -> tuple[str, int]:
    end = message.index(b"\0", offset)
    return message[offset:end].decode(), end + 1


def _relation(message: bytes) -> tuple[int, tuple[str, list[tuple[str, bool]]]]:
    (relid,) = struct.unpack_from(">I", message, 1)
    _namespace, offset = _cstring(message, 5)
    name, offset = _cstring(message, offset)
    offset += 1  # replica identity setting
    (count,) = struct.unpack_from(">H", message, offset)
    offset += 2
    columns = []
    for _ in range(count):
        flags = message[offset]
        column, offset = _cstring(message, offset + 1)
        offset += 8  # type oid, type modifier
        columns.append((column, bool(flags & 1)))
    return relid, (name, columns)


def _tuple(message: bytes, offset: int) -> list[str | None]:
    """TupleData after the 'K' / 'O' marker at ``offset - 1``."""
    (count,) = struct.unpack_from(">H", message, offset)
    offset += 2
    values: list[str | None] = []
    for _ in range(count):
        kind = message[offset : offset + 1]
        offset += 1
        if kind == b"t":
            (length,) = struct.unpack_from(">I", message, offset)
            values.append(message[offset + 4 : offset + 4 + length].decode())
            offset += 4 + length
        else:  # 'n' null, 'u' unchanged TOAST value
            values.append(None)
    return values
