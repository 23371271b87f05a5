"""Metric history: the key metrics of every published run, kept in the warehouse.

``audit.metric_history`` holds one row per run, metric and dimension values (run id, metric,
dimensions as JSON, value, published_at); ``audit.row_counts`` the rows per raw table and fact
that the volume gate compares. Both are written into the staged warehouse just before it is
promoted, so they change exactly when production does.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import duckdb

from crm_warehouse.transform import Relations
from crm_warehouse.warehouse import table_exists

AUDIT_SCHEMA = "audit"

TABLES = f"""
create schema if not exists {AUDIT_SCHEMA};
create table if not exists {AUDIT_SCHEMA}.metric_history (
    run_id varchar not null,
    metric varchar not null,
    dimensions varchar not null,
    value double,
    published_at timestamptz not null
);
create table if not exists {AUDIT_SCHEMA}.row_counts (
    run_id varchar not null,
    relation varchar not null,
    row_count bigint not null,
    counted_at timestamptz not null
);
"""


ORDERS = "mtr_revenue_by_month.orders"
CLOSED_TICKETS = "mtr_support_trend.closed_tickets"


@dataclass(frozen=True)
class MetricFamily:
    """Key metrics read from one published metric table.

    ``period`` names a month column: those metrics are compared month by month, and only for
    closed months. ``settled`` names (all, done) count columns that must be equal before a
    month counts as closed (support metrics by created month move until every ticket of the
    month is closed). Figures over all periods name the monthly ``volume`` they grow with."""

    table: str
    columns: tuple[str, ...]
    dimensions: tuple[str, ...] = ()
    period: str | None = None
    settled: tuple[str, str] | None = None
    volume: str | None = None


FAMILIES = (
    MetricFamily(
        "mtr_kpi_summary",
        ("total_revenue_gbp", "orders", "units", "aov_gbp", "arpc_gbp", "customers"),
        volume=ORDERS,
    ),
    MetricFamily("mtr_kpi_summary", ("closed_tickets", "csat_positive_pct"), volume=CLOSED_TICKETS),
    MetricFamily(
        "mtr_revenue_by_month",
        ("revenue_gbp", "orders", "units", "aov_gbp", "median_order_value_gbp"),
        period="month_start_date",
    ),
    MetricFamily(
        "mtr_support_trend",
        (
            "tickets",
            "closed_tickets",
            "median_first_response_hours",
            "median_resolution_hours",
            "csat_positive_pct",
        ),
        period="month_start_date",
        settled=("tickets", "closed_tickets"),
    ),
    MetricFamily(
        "mtr_customer_segment_summary",
        ("customers", "revenue_gbp", "arpc_gbp", "aov_gbp"),
        dimensions=("income_bracket",),
        volume=ORDERS,
    ),
    MetricFamily(
        "mtr_support_performance",
        (
            "closed_tickets",
            "median_first_response_hours",
            "median_resolution_hours",
            "csat_positive_pct",
        ),
        dimensions=("ticket_channel",),
        volume=CLOSED_TICKETS,
    ),
)

FAMILY_OF = {f"{f.table}.{column}": f for f in FAMILIES for column in f.columns}

Key = tuple[str, str]  # (metric, dimensions JSON)
Snapshot = dict[Key, float | None]


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(TABLES)


def dimensions_json(values: dict[str, Any]) -> str:
    return json.dumps({k: str(v) for k, v in values.items()}, sort_keys=True)


def take_snapshot(con: duckdb.DuckDBPyConnection, relations: Relations) -> Snapshot:
    """Every key metric of the metric tables as they are now (where dbt built them)."""
    snapshot: Snapshot = {}
    for family in FAMILIES:
        model = relations.models.get(family.table)
        if model is None or not table_exists(con, model.schema, model.identifier):
            continue
        keys = ((family.period,) if family.period else ()) + family.dimensions
        cursor = con.execute(f"select {', '.join((*keys, *family.columns))} from {model.relation}")
        for row in cursor.fetchall():
            dims = dimensions_json(dict(zip(keys, row[: len(keys)], strict=True)))
            for column, value in zip(family.columns, row[len(keys) :], strict=True):
                snapshot[(f"{family.table}.{column}", dims)] = (
                    None if value is None else float(value)
                )
    return snapshot


def previous_snapshot(con: duckdb.DuckDBPyConnection) -> tuple[str, Snapshot] | None:
    """The metrics of the last published run, or None before the first."""
    if not table_exists(con, AUDIT_SCHEMA, "metric_history"):
        return None
    latest = con.execute(
        f"select run_id from {AUDIT_SCHEMA}.metric_history order by published_at desc limit 1"
    ).fetchall()
    if not latest:
        return None
    run_id = latest[0][0]
    rows = con.execute(
        f"select metric, dimensions, value from {AUDIT_SCHEMA}.metric_history where run_id = ?",
        [run_id],
    ).fetchall()
    return run_id, {(metric, dims): value for metric, dims, value in rows}


def record_published(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    snapshot: Snapshot,
    counts: dict[str, int],
    published_at: dt.datetime,
) -> None:
    """Store a published run's metrics and row counts (in the staged warehouse)."""
    migrate(con)
    con.executemany(
        f"insert into {AUDIT_SCHEMA}.metric_history values (?, ?, ?, ?, ?)",
        [
            [run_id, metric, dims, value, published_at]
            for (metric, dims), value in sorted(snapshot.items())
        ],
    )
    con.executemany(
        f"insert into {AUDIT_SCHEMA}.row_counts values (?, ?, ?, ?)",
        [[run_id, relation, rows, published_at] for relation, rows in sorted(counts.items())],
    )


def previous_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int] | None:
    if not table_exists(con, AUDIT_SCHEMA, "row_counts"):
        return None
    rows = con.execute(
        f"select relation, row_count from {AUDIT_SCHEMA}.row_counts where run_id = ("
        f"select run_id from {AUDIT_SCHEMA}.row_counts order by counted_at desc limit 1)"
    ).fetchall()
    return dict(rows) if rows else None
