"""The key figures printed at the end of a run, read back from the published metric tables."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from crm_warehouse.transform import Relations


@dataclass(frozen=True)
class Figure:
    label: str
    value: str


def _gbp(value: float) -> str:
    if abs(value) >= 1_000_000:
        return f"GBP {value / 1_000_000:,.2f}M"
    return f"GBP {value:,.2f}"


KPI_FIGURES = (
    ("Total revenue", "total_revenue_gbp", _gbp),
    ("Orders", "orders", lambda v: f"{v:,.0f}"),
    ("Units sold", "units", lambda v: f"{v:,.0f}"),
    ("AOV", "aov_gbp", _gbp),
    ("ARPC", "arpc_gbp", _gbp),
    ("Customers", "customers", lambda v: f"{v:,.0f}"),
    ("Closed tickets", "closed_tickets", lambda v: f"{v:,.0f}"),
    ("Avg first response", "avg_first_response_hours", lambda v: f"{v:.2f} h"),
    ("Avg time to resolution", "avg_resolution_hours", lambda v: f"{v:.2f} h"),
    ("CSAT positive", "csat_positive_pct", lambda v: f"{v:.1f}%"),
)


def key_figures(con: duckdb.DuckDBPyConnection, relations: Relations) -> list[Figure]:
    figures: list[Figure] = []
    if "mtr_kpi_summary" in relations.models:
        cursor = con.execute(f"select * from {relations.relation('mtr_kpi_summary')}")
        names = [d[0] for d in cursor.description]
        row = cursor.fetchone()
        values = dict(zip(names, row, strict=True)) if row else {}
        figures += [
            Figure(label, fmt(float(values[col])))
            for label, col, fmt in KPI_FIGURES
            if values.get(col) is not None
        ]
    if "mtr_revenue_by_year" in relations.models:
        for year, revenue, yoy, partial in con.execute(
            f"select calendar_year, revenue_gbp, revenue_yoy_pct, is_partial_year "
            f"from {relations.relation('mtr_revenue_by_year')} order by calendar_year"
        ).fetchall():
            note = f" ({yoy:+.1f}% YoY)" if yoy is not None else ""
            note += " - partial year, not comparable" if partial else ""
            figures.append(Figure(f"Revenue {year}", _gbp(float(revenue)) + note))
    return figures
