"""Alert messages: what failed, where, the run id, since when, a one-line hint, the log path.

One ``Alert`` per incident event; a digest bundles a run's alerts into one message. Formatting
for each channel kind lives in ``channels``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from crm_warehouse.monitor.incidents import OPENED, Event
from crm_warehouse.monitor.redact import redact_any

PRODUCT = "crm-warehouse"


@dataclass(frozen=True)
class Alert:
    event_id: str
    status: str  # failing | recovered
    kind: str
    subject: str
    title: str  # what failed
    location: str  # where
    run_id: str  # the run that raised (or cleared) it
    since: str  # when it started failing (UTC, ISO 8601)
    message: str
    hint: str
    log_file: str
    incident_id: str
    opened_run_id: str
    resolved_at: str | None = None

    @property
    def headline(self) -> str:
        if self.status == "recovered":
            return f"RECOVERED: {self.title.replace(' failed', '')} is healthy again"
        return f"FAILING: {self.title}"

    def lines(self) -> list[str]:
        """The alert as labelled lines, the same in every channel."""
        found = [
            ("What", self.title + (f": {self.message}" if self.message else "")),
            ("Where", self.location),
            ("Run", self.run_id),
            (
                "Since",
                self.since + (f" (recovered {self.resolved_at})" if self.resolved_at else ""),
            ),
            ("Hint", self.hint),
            ("Logs", self.log_file),
        ]
        return [f"{label}: {value}" for label, value in found if value]

    def as_json(self) -> dict[str, Any]:
        return {"source": PRODUCT, **asdict(self), "headline": self.headline}


def alert_for(event: Event) -> Alert:
    incident = event.incident
    alert = Alert(
        event_id=event.event_id,
        status="failing" if event.event == OPENED else "recovered",
        kind=incident["kind"],
        subject=incident["subject"],
        title=incident["title"],
        location=incident["location"] or "",
        run_id=event.run_id,
        since=_iso(incident["opened_at"]),
        message=incident["message"] or "",
        hint=incident["hint"] or "",
        log_file=incident["log_file"] or "",
        incident_id=incident["incident_id"],
        opened_run_id=incident["opened_run_id"],
        resolved_at=_iso(incident["resolved_at"]) if event.event != OPENED else None,
    )
    return Alert(**redact_any(asdict(alert)))


def digest_headline(alerts: list[Alert]) -> str:
    failing = sum(1 for a in alerts if a.status == "failing")
    recovered = len(alerts) - failing
    parts = [f"{failing} new problem(s)"] if failing else []
    parts += [f"{recovered} recovered"] if recovered else []
    return f"{PRODUCT} run {alerts[0].run_id}: " + ", ".join(parts)


def _iso(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
