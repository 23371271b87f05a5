"""The ops page: one standalone HTML file (no scripts, no external assets) written after every
run, from the same report as ``crm-warehouse status``."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from crm_warehouse.monitor.prometheus import write_atomically
from crm_warehouse.monitor.redact import redact
from crm_warehouse.monitor.report import DailyVolume, RunStage, RunSummary, StatusReport

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2430;max-width:1200px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #dde;padding:4px 0}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eef;vertical-align:top}
th{background:#f5f6fa;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok,.pass,.success{color:#1a7f37}.failed,.error,.fail,.open{color:#c62828;font-weight:600}
.warn{color:#b26a00}.muted{color:#778}.badge{padding:2px 8px;border-radius:10px;color:#fff}
.badge.ok{background:#1a7f37}.badge.failed{background:#c62828}
"""


def write(report: StatusReport, path: Path, now: dt.datetime) -> Path:
    return write_atomically(render(report, now), path)


def render(report: StatusReport, now: dt.datetime) -> str:
    runs = report.runs
    last = runs[0] if runs else None
    state = (
        f'<span class="badge {_e(last.status)}">{_e(last.status)}</span> last run '
        f"{_e(last.run_id)} ({_e(last.command)}, {_ts(last.started_at)})"
        if last
        else "no runs recorded yet"
    )
    sections = [
        f"<h1>CRM warehouse - operations</h1><p>{state}<br>"
        f'<span class="muted">page written {_ts(now)} UTC</span></p>',
        _section(
            "Open incidents",
            ["since", "kind", "what", "where", "runs", "hint"],
            [
                [
                    _ts(i.opened_at),
                    i.kind,
                    f"{i.title}: {i.message or ''}",
                    i.location,
                    i.occurrences,
                    i.hint,
                ]
                for i in report.incidents
            ],
            empty="no open incidents",
        ),
        _section(
            "Failing checks",
            ["check", "status", "detail"],
            [[c.check, c.status, c.detail] for c in report.failing_checks],
            empty="nothing failing in the last run",
        ),
        "<h2>Run history</h2>" + _duration_chart(list(reversed(runs))),
        _section(
            "Runs",
            ["run", "command", "status", "started (UTC)", "seconds", "stages", "error"],
            [
                [
                    r.run_id,
                    r.command,
                    r.status,
                    _ts(r.started_at),
                    _num(r.seconds, 1),
                    _stages(r.stages),
                    r.error or "",
                ]
                for r in runs
            ],
        ),
        _section(
            "Step durations in the last run",
            ["step", "name", "status", "seconds", "rows"],
            [
                [s.step, s.name, s.status, _num(s.seconds, 2), _num(s.rows_written)]
                for s in report.last_run_steps
            ],
        ),
        _section(
            "Sources: lag and freshness",
            [
                "source",
                "table",
                "rows",
                "loaded last run",
                "newest synced (UTC)",
                "sync lag",
                "newest cursor (UTC)",
                "cursor lag",
                "freshness",
            ],
            [
                [
                    s.source or "",
                    s.table,
                    _num(s.rows),
                    _num(s.last_run_rows),
                    _ts(s.last_synced_at),
                    _duration(s.sync_lag_seconds),
                    _ts(s.newest_cursor_at),
                    _duration(s.cursor_lag_seconds),
                    s.freshness_status or "",
                ]
                for s in report.sources
            ],
        ),
        _volume_section(report.row_volume),
        _section(
            "Failed jobs per day",
            [
                "day",
                "runs",
                "failed runs",
                "failed source steps",
                "failed models",
                "failed tests",
                "failed freshness",
                "failed alert deliveries",
            ],
            [
                [
                    str(d.run_date),
                    d.runs,
                    d.failed_runs,
                    d.failed_source_steps,
                    d.failed_models,
                    d.failed_tests,
                    d.failed_freshness_checks,
                    d.failed_alert_deliveries,
                ]
                for d in report.failed_jobs
            ],
        ),
        _section(
            "Slowest models (latest build)",
            ["rank", "model", "seconds", "average", "bytes processed"],
            [
                [
                    m.slowness_rank,
                    m.unique_id,
                    _num(m.last_execution_seconds, 2),
                    _num(m.avg_execution_seconds, 2),
                    _num(m.last_bytes_processed),
                ]
                for m in report.slowest_models
            ],
        ),
        _section(
            "Alert deliveries that failed (24 h)",
            ["channel", "kind", "failures", "last", "error"],
            [
                [
                    a.channel,
                    a.channel_kind,
                    a.failures,
                    _ts(a.last_failure_at),
                    a.last_error or "",
                ]
                for a in report.alert_failures
            ],
            empty="every alert was delivered",
        ),
    ]
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>CRM warehouse - operations</title><style>{_CSS}</style></head><body>"
        + "\n".join(sections)
        + "</body></html>\n"
    )


def _section(
    title: str, headers: Sequence[str], body: Iterable[Sequence[Any]], *, empty: str = "none"
) -> str:
    lines = list(body)
    if not lines:
        return f'<h2>{_e(title)}</h2><p class="muted">{_e(empty)}</p>'
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    return (
        f"<h2>{_e(title)}</h2><table><tr>{head}</tr>"
        + "".join("<tr>" + "".join(_cell(v) for v in line) + "</tr>" for line in lines)
        + "</table>"
    )


def _cell(value: Any) -> str:
    if isinstance(value, _Html):
        return f"<td>{value}</td>"
    text = "" if value is None else str(value)
    if isinstance(value, int | float) or (
        text and text.replace(",", "").replace(".", "").isdigit()
    ):
        return f'<td class="n">{_e(text)}</td>'
    css = (
        text if text in {"ok", "failed", "error", "fail", "warn", "pass", "success", "open"} else ""
    )
    return f'<td class="{css}">{_e(text)}</td>' if css else f"<td>{_e(text)}</td>"


class _Html(str):
    """Markup built here from escaped parts."""


def _stages(stages: list[RunStage]) -> _Html:
    return _Html(
        " ".join(
            f'<span class="{_e(s.status)}">{_e(s.name)} {_num(s.seconds, 1)}s</span>'
            for s in stages
        )
    )


def _duration_chart(runs: list[RunSummary]) -> str:
    if not runs:
        return '<p class="muted">no runs</p>'
    width, height, gap = 720, 120, 2
    longest = max((r.seconds or 0) for r in runs) or 1
    bar = max(4, (width - gap * len(runs)) // len(runs))
    bars = []
    for i, run in enumerate(runs):
        h = max(1, int((run.seconds or 0) / longest * (height - 20)))
        colour = "#1a7f37" if run.status == "ok" else "#c62828"
        bars.append(
            f'<rect x="{i * (bar + gap)}" y="{height - h}" width="{bar}" height="{h}" '
            f'fill="{colour}"><title>{_e(run.run_id)} {_e(run.command)} '
            f"{_e(run.status)} {_num(run.seconds, 1)} s</title></rect>"
        )
    return (
        f'<svg role="img" aria-label="run durations" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{"".join(bars)}'
        f'<text x="0" y="12" font-size="11" fill="#778">longest {longest:.1f} s; red = '
        f"failed</text></svg>"
    )


def _volume_section(volume: list[DailyVolume]) -> str:
    days = sorted({v.load_date for v in volume})
    tables = sorted({v.table_name for v in volume})
    loaded = {(v.table_name, v.load_date): v.rows_loaded for v in volume}
    return _section(
        "Rows loaded per source table per day (UTC)",
        ["table", *(str(d) for d in days)],
        [[t, *(_num(loaded.get((t, d))) for d in days)] for t in tables],
        empty="no loads in the last 14 days",
    )


def _e(value: Any) -> str:
    return html.escape(redact("" if value is None else str(value)))


def _ts(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _num(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return ""
    return f"{value:,.{digits}f}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"
