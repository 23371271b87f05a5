"""Incidents: the state that keeps alerts to one message per problem.

An incident is keyed by kind and subject. A failing check opens one (an ``opened`` event, which
is announced) or, while one is open, only updates when it was last seen. A passing check of the
same kind and subject resolves it (a ``resolved`` event, announced as a recovery).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from crm_warehouse.monitor.checks import SCHEMA_CHANGE, Check
from crm_warehouse.monitor.redact import redact
from crm_warehouse.monitor.store import rows
from crm_warehouse.warehouse import OPS_SCHEMA as OPS

OPENED = "opened"
RESOLVED = "resolved"


@dataclass(frozen=True)
class Event:
    """An incident opening or resolving: what gets announced."""

    event_id: str
    event: str  # opened | resolved
    run_id: str
    at: dt.datetime
    incident: dict[str, Any]  # the ops.incidents row


def reconcile(
    con: duckdb.DuckDBPyConnection,
    checks: list[Check],
    run_id: str,
    now: dt.datetime,
    log_file: Path | None,
) -> list[Event]:
    open_now = {
        (i["kind"], i["subject"]): i
        for i in rows(con, f"select * from {OPS}.incidents where status = 'open'")
    }
    events = []
    for check in _one_per_subject(checks):
        incident = open_now.get((check.kind, check.subject))
        if check.failing and incident is None:
            events.append(_open(con, check, run_id, now, log_file))
        elif check.failing and incident is not None:
            _seen_again(con, incident["incident_id"], check, run_id, now)
        elif incident is not None:
            event = _resolve(con, incident["incident_id"], run_id, now, announce=not check.event)
            if event:
                events.append(event)
        if check.failing and check.kind == SCHEMA_CHANGE:
            _link_schema_changes(con, check.subject, _incident_id(con, check))
    return events


def open_incidents(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return rows(con, f"select * from {OPS}.incidents where status = 'open' order by opened_at")


def _one_per_subject(checks: list[Check]) -> list[Check]:
    """The same subject can be checked twice in one run (a model in build and in a rerun):
    a failure wins."""
    chosen: dict[tuple[str, str], Check] = {}
    for check in checks:
        key = (check.kind, check.subject)
        if key not in chosen or (check.failing and not chosen[key].failing):
            chosen[key] = check
    return list(chosen.values())


def _open(
    con: duckdb.DuckDBPyConnection,
    check: Check,
    run_id: str,
    now: dt.datetime,
    log_file: Path | None,
) -> Event:
    incident_id = f"inc-{secrets.token_hex(6)}"
    con.execute(
        f"insert into {OPS}.incidents (incident_id, kind, subject, status, title, location, "
        "message, hint, log_file, opened_at, opened_run_id, last_seen_at, last_seen_run_id, "
        "occurrences) values (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        [
            incident_id,
            check.kind,
            check.subject,
            redact(check.title),
            redact(check.location),
            redact(check.message),
            redact(check.hint),
            str(log_file) if log_file else None,
            now,
            run_id,
            now,
            run_id,
        ],
    )
    return _event(con, incident_id, OPENED, run_id, now)


def _seen_again(
    con: duckdb.DuckDBPyConnection, incident_id: str, check: Check, run_id: str, now: dt.datetime
) -> None:
    con.execute(
        f"update {OPS}.incidents set last_seen_at = ?, last_seen_run_id = ?, "
        "occurrences = occurrences + 1, message = ? where incident_id = ?",
        [now, run_id, redact(check.message), incident_id],
    )


def _resolve(
    con: duckdb.DuckDBPyConnection,
    incident_id: str,
    run_id: str,
    now: dt.datetime,
    *,
    announce: bool,
) -> Event | None:
    con.execute(
        f"update {OPS}.incidents set status = 'resolved', resolved_at = ?, resolved_run_id = ? "
        "where incident_id = ?",
        [now, run_id, incident_id],
    )
    return _event(con, incident_id, RESOLVED, run_id, now) if announce else None


def _event(
    con: duckdb.DuckDBPyConnection, incident_id: str, event: str, run_id: str, now: dt.datetime
) -> Event:
    event_id = f"{incident_id}:{event}"
    con.execute(
        f"insert into {OPS}.incident_events values (?, ?, ?, ?, ?)",
        [event_id, incident_id, event, run_id, now],
    )
    incident = rows(con, f"select * from {OPS}.incidents where incident_id = ?", [incident_id])
    return Event(event_id, event, run_id, now, incident[0])


def _incident_id(con: duckdb.DuckDBPyConnection, check: Check) -> str:
    row = con.execute(
        f"select incident_id from {OPS}.incidents where kind = ? and subject = ? "
        "and status = 'open'",
        [check.kind, check.subject],
    ).fetchone()
    return str(row[0]) if row else ""


def _link_schema_changes(con: duckdb.DuckDBPyConnection, table: str, incident_id: str) -> None:
    con.execute(
        f"update {OPS}.schema_changes set incident_id = ? "
        "where table_name = ? and incident_id is null",
        [incident_id, table],
    )


def load_event(con: duckdb.DuckDBPyConnection, event_id: str) -> Event | None:
    found = rows(con, f"select * from {OPS}.incident_events where event_id = ?", [event_id])
    if not found:
        return None
    incident = rows(
        con, f"select * from {OPS}.incidents where incident_id = ?", [found[0]["incident_id"]]
    )
    if not incident:
        return None
    return Event(event_id, found[0]["event"], found[0]["run_id"], found[0]["event_at"], incident[0])
