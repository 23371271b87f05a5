"""The numbers behind the insights, read from the published files (mtr_ tables and the
row-grain tickets export), and the rules that pick what to say about them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

# A channel is 'fast' when its median first response is within this factor of the fastest.
FAST_FACTOR = 1.25
# Means above medians by more than this factor call for medians and percentiles.
SKEW_FACTOR = 1.1
RECENT_WEEKS = 12


@dataclass(frozen=True)
class Findings:
    kpi: dict[str, Any]
    years: list[dict[str, Any]]
    segments: list[dict[str, Any]]
    genders: list[dict[str, Any]]
    channels: list[dict[str, Any]]
    overall: dict[str, Any]
    subjects: list[dict[str, Any]]
    top_products: list[dict[str, Any]]
    ticket_customers: int
    recent: dict[str, Any]

    @property
    def partial_years(self) -> list[dict[str, Any]]:
        return [y for y in self.years if y["is_partial_year"]]

    @property
    def slowest_channel(self) -> dict[str, Any]:
        return max(self.channels, key=lambda c: c["median_first_response_hours"])

    @property
    def least_satisfying_channel(self) -> dict[str, Any]:
        return min(self.channels, key=lambda c: c["mean_csat_rating"])

    @property
    def fast_but_poor_channel(self) -> dict[str, Any] | None:
        """Among channels answering within FAST_FACTOR of the fastest, the lowest CSAT."""
        fastest = min(c["median_first_response_hours"] for c in self.channels)
        fast = [
            c
            for c in self.channels
            if c["median_first_response_hours"] <= fastest * FAST_FACTOR
            and c is not self.slowest_channel
        ]
        return min(fast, key=lambda c: c["mean_csat_rating"]) if fast else None

    @property
    def is_skewed(self) -> bool:
        o = self.overall
        return bool(o["mean_first_response_hours"] > SKEW_FACTOR * o["median_first_response_hours"])


def _rows(con: duckdb.DuckDBPyConnection, query: str) -> list[dict[str, Any]]:
    cursor = con.execute(query)
    names = [d[0] for d in cursor.description]
    return [
        {n: (float(v) if hasattr(v, "as_tuple") else v) for n, v in zip(names, r, strict=True)}
        for r in cursor.fetchall()
    ]


def read_findings(export_dir: Path) -> Findings:
    def file(name: str) -> str:
        return f"'{export_dir / (name + '.parquet')}'"

    with duckdb.connect() as con:
        channels = _rows(
            con,
            f"select * from {file('mtr_support_performance')} "
            "where ticket_channel <> 'All' and closed_tickets > 0 "
            "order by display_order",
        )
        overall = _rows(
            con, f"select * from {file('mtr_support_performance')} where ticket_channel = 'All'"
        )[0]
        ticket_customers = con.execute(
            f"select count(distinct customer_key) from {file('fct_tickets')} "
            "where customer_key <> -1"
        ).fetchone()
        return Findings(
            kpi=_rows(con, f"select * from {file('mtr_kpi_summary')}")[0],
            years=_rows(con, f"select * from {file('mtr_revenue_by_year')} order by calendar_year"),
            segments=_rows(
                con, f"select * from {file('mtr_customer_segment_summary')} order by display_order"
            ),
            genders=_rows(
                con,
                f"select gender, sum(customers) as customers from "
                f"{file('mtr_customer_demographics')} group by gender order by 2 desc",
            ),
            channels=channels,
            overall=overall,
            subjects=_rows(
                con,
                f"select * from {file('mtr_ticket_issue_types')} where "
                "issue_dimension = 'subject' order by issue_rank, issue_name limit 5",
            ),
            top_products=_rows(
                con,
                f"select * from {file('mtr_product_performance')} "
                "order by revenue_rank, product_name limit 10",
            ),
            ticket_customers=int(ticket_customers[0]) if ticket_customers else 0,
            recent=_recent_weeks(con, file("fct_tickets"), file("dim_customer")),
        )


def _recent_weeks(con: duckdb.DuckDBPyConnection, tickets: str, customers: str) -> dict[str, Any]:
    """The Weekly Ops figures over the last RECENT_WEEKS weeks with tickets."""
    row = _rows(
        con,
        f"""
        with bounds as (
            select date_trunc('week', max(created_date)) - interval {RECENT_WEEKS - 1} week as since
            from {tickets}
        ),
        recent as (select t.* from {tickets} as t, bounds where t.created_date >= bounds.since)
        select
            (select cast(since as date) from bounds) as since,
            count(*) as tickets,
            sum(case when is_sla_breached then 1 else 0 end) as sla_breached,
            (select coalesce(sum(c.lifetime_revenue_gbp), 0) from {customers} as c
             where c.is_crm_customer and c.customer_key in
                 (select customer_key from recent where is_at_risk)) as revenue_at_risk
        from recent""",
    )[0]
    return row
