"""After a run: record it, snapshot raw, evaluate checks into incidents, send alerts, apply the
retention, write the Prometheus file and the ops page.

Each part is guarded on its own: a failure is logged and listed in the ``Observation``, never
raised, so monitoring cannot change or hide the outcome of the run it watches. The warehouse is
not held open while alerts go out over the network.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import duckdb

from crm_warehouse.monitor import checks, delivery, incidents, page, prometheus, store
from crm_warehouse.monitor.alerts import Alert
from crm_warehouse.monitor.delivery import Attempt
from crm_warehouse.monitor.incidents import OPENED, Event
from crm_warehouse.monitor.snapshots import snapshot_tables
from crm_warehouse.monitor.status import report
from crm_warehouse.settings import Settings
from crm_warehouse.warehouse import connect

log = logging.getLogger(__name__)

T = TypeVar("T")
Record = Callable[[duckdb.DuckDBPyConnection], None]


@dataclass
class Observation:
    """What the post-run monitoring did, for the CLI to mention."""

    events: list[Event] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    metrics_file: Path | None = None
    ops_page: Path | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def opened(self) -> int:
        return sum(1 for e in self.events if e.event == OPENED)

    @property
    def resolved(self) -> int:
        return len(self.events) - self.opened

    @property
    def failed_deliveries(self) -> int:
        return sum(1 for a in self.attempts if a.status == "failed")


def observe(
    settings: Settings,
    run_id: str,
    *,
    record: Record,
    log_file: Path | None = None,
    now: dt.datetime | None = None,
) -> Observation:
    """``record`` writes the run itself; without it nothing else happens."""
    now = now or dt.datetime.now(dt.UTC)
    seen = Observation()
    try:
        with connect(settings) as con:
            store.migrate(con)
            record(con)
            no_alerts: dict[str, list[Alert]] = {}
            planned = _guarded(
                seen,
                "evaluate incidents",
                lambda: _evaluate(con, settings, run_id, now, log_file, seen),
                no_alerts,
            )
    except Exception as exc:
        log.error("could not record run %s in the warehouse: %s", run_id, exc)
        seen.problems.append(f"could not record the run: {exc}")
        return seen
    if planned:
        seen.attempts = _guarded(
            seen, "deliver alerts", lambda: delivery.deliver(settings, planned), []
        )
    _guarded(seen, "write outputs", lambda: _outputs(settings, run_id, seen, now), None)
    return seen


def render_metrics(settings: Settings, now: dt.datetime | None = None) -> str:
    with connect(settings) as con:
        store.migrate(con)
        return prometheus.render(con, settings, now or dt.datetime.now(dt.UTC))


def _evaluate(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    run_id: str,
    now: dt.datetime,
    log_file: Path | None,
    seen: Observation,
) -> dict[str, list[Alert]]:
    con.execute("begin")
    snapshot_tables(con, settings, run_id, now)
    seen.events = incidents.reconcile(
        con, checks.evaluate(con, settings, run_id, now), run_id, now, log_file
    )
    dropped = store.prune(con, settings.monitor.retention_days, now)
    con.execute("commit")
    if dropped:
        log.info(
            "retention: dropped %d run(s) older than %d days",
            dropped,
            settings.monitor.retention_days,
        )
    for event in seen.events:
        log.warning(
            "incident %s: %s (%s)",
            event.event,
            event.incident["title"],
            event.incident["incident_id"],
        )
    return delivery.plan(con, settings, seen.events)


def _outputs(settings: Settings, run_id: str, seen: Observation, now: dt.datetime) -> None:
    with connect(settings) as con:
        _guarded(
            seen,
            "record alert deliveries",
            lambda: delivery.record(con, run_id, seen.attempts),
            None,
        )
        seen.metrics_file = _guarded(
            seen,
            "write metrics file",
            lambda: prometheus.write_atomically(
                prometheus.render(con, settings, now), prometheus.metrics_path(settings)
            ),
            None,
        )
        seen.ops_page = _guarded(
            seen,
            "write ops page",
            lambda: page.write(
                report(con, settings, last=settings.monitor.history_runs, now=now),
                settings.resolve(settings.monitor.ops_page),
                now,
            ),
            None,
        )


def _guarded(seen: Observation, what: str, action: Callable[[], T], default: T) -> T:
    try:
        return action()
    except Exception as exc:
        log.exception("monitoring: could not %s: %s", what, exc)
        seen.problems.append(f"could not {what}: {exc}")
        return default
