"""Deliver a run's incident events to every configured channel and record each attempt.

A message that a channel refused is tried again at the next runs, up to ``max_attempts``. A
broken channel never fails the run: the failure is logged, kept in ``ops.alert_deliveries`` and
recorded as a failed ``alert`` step of the run.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import duckdb

from crm_warehouse.monitor.alerts import Alert, alert_for
from crm_warehouse.monitor.channels import DeliveryError, send
from crm_warehouse.monitor.incidents import Event, load_event
from crm_warehouse.monitor.steps import StepRecord, write_steps
from crm_warehouse.settings import Settings
from crm_warehouse.settings.monitor import ChannelConfig
from crm_warehouse.warehouse import OPS_SCHEMA as OPS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    event_id: str
    channel: str
    channel_kind: str
    status: str  # ok | failed
    error: str | None
    seconds: float
    at: dt.datetime


def plan(
    con: duckdb.DuckDBPyConnection, settings: Settings, events: list[Event]
) -> dict[str, list[Alert]]:
    """Channel name -> the alerts to send now: this run's events and earlier refused ones."""
    fresh = [alert_for(e) for e in events]
    planned = {}
    for name in settings.monitor.alerts.channels:
        retries = [
            alert_for(e) for e in _refused_before(con, name, settings.monitor.alerts.max_attempts)
        ]
        alerts = [*retries, *(a for a in fresh if a.event_id not in {r.event_id for r in retries})]
        if alerts:
            planned[name] = alerts
    return planned


def deliver(settings: Settings, planned: dict[str, list[Alert]]) -> list[Attempt]:
    """Send every planned alert; a digest sends one message per channel."""
    attempts: list[Attempt] = []
    for name, alerts in planned.items():
        channel = settings.monitor.alerts.channels[name]
        batches = [alerts] if settings.monitor.alerts.digest else [[a] for a in alerts]
        for batch in batches:
            attempts += _send_batch(name, channel, batch)
    return attempts


def record(con: duckdb.DuckDBPyConnection, run_id: str, attempts: list[Attempt]) -> None:
    if not attempts:
        return
    con.executemany(
        f"insert into {OPS}.alert_deliveries values (?, ?, ?, ?, ?, ?, ?)",
        [
            [a.event_id, a.channel, a.channel_kind, a.status, a.at, run_id, a.error]
            for a in attempts
        ],
    )
    write_steps(
        con,
        run_id,
        [
            _as_step(channel, [a for a in attempts if a.channel == channel])
            for channel in dict.fromkeys(a.channel for a in attempts)
        ],
    )


def _send_batch(name: str, channel: ChannelConfig, batch: list[Alert]) -> list[Attempt]:
    started = dt.datetime.now(dt.UTC)
    error: str | None = None
    try:
        send(channel, batch)
        log.info("alert channel %s (%s): delivered %d alert(s)", name, channel.kind, len(batch))
    except DeliveryError as exc:
        error = str(exc)
        log.error(
            "alert channel %s (%s) failed, %d alert(s) not delivered: %s",
            name,
            channel.kind,
            len(batch),
            error,
        )
    seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
    return [
        Attempt(
            a.event_id, name, channel.kind, "failed" if error else "ok", error, seconds, started
        )
        for a in batch
    ]


def _refused_before(con: duckdb.DuckDBPyConnection, channel: str, max_attempts: int) -> list[Event]:
    event_ids = [
        r[0]
        for r in con.execute(
            f"select event_id from {OPS}.alert_deliveries where channel = ? group by event_id "
            "having count(*) filter (where status = 'ok') = 0 and count(*) < ? "
            "order by min(attempted_at)",
            [channel, max_attempts],
        ).fetchall()
    ]
    return [e for e in (load_event(con, i) for i in event_ids) if e is not None]


def _as_step(channel: str, attempts: list[Attempt]) -> StepRecord:
    """One ``alert`` step per channel; its rows are the alerts delivered."""
    failed = [a for a in attempts if a.status == "failed"]
    message_seconds = {a.at: a.seconds for a in attempts}  # a digest's alerts share one message
    return StepRecord(
        "alert",
        channel,
        "failed" if failed else "ok",
        attempts[0].at,
        sum(message_seconds.values()),
        rows_written=len(attempts) - len(failed),
        error=f"{len(failed)} alert(s) not delivered: {failed[0].error}" if failed else None,
    )
