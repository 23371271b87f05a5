"""Independent SQL recomputations of what each DAX measure is meant to compute, over the
published row-grain files - written by hand from the metric definitions' prose, not generated
from them, so that a wrong generator cannot agree with itself."""

from __future__ import annotations

from pathlib import Path

import duckdb

# Each entry: metric -> SQL returning (group, value) rows, grouped by {g}. The views: s (sales
# lines with the customer's attributes), t (tickets with the customer's bracket), c (customers).
SQL = {
    "total_revenue": "select {g}, sum(revenue_gbp) from s group by all",
    "units": "select {g}, sum(quantity) from s group by all",
    "orders": "select {g}, count(distinct order_key) from s group by all",
    "avg_price_per_unit": "select {g}, sum(revenue_gbp) / sum(quantity) from s group by all",
    "aov": "select {g}, sum(revenue_gbp) / count(distinct order_key) from s group by all",
    "median_order_value": "select {g}, quantile_cont(v, 0.5) from (select {g}, order_key, "
    "sum(revenue_gbp) as v from s group by all) group by all",
    "p95_order_value": "select {g}, quantile_cont(v, 0.95) from (select {g}, order_key, "
    "sum(revenue_gbp) as v from s group by all) group by all",
    "customers": "select {g}, count(*) from c where is_crm_customer group by all",
    "active_customers": "select {g}, count(distinct customer_key) from s group by all",
    "new_customers": "select {g}, count(*) from c where first_order_date is not null group by all",
    "returning_customers": "select {g}, count(distinct customer_key) from s "
    "where first_order_date < period_start group by all",
    "signups": "select {g}, count(*) from c where is_crm_customer and signup_date is not null "
    "group by all",
    "tickets": "select {g}, count(*) from t group by all",
    "closed_tickets": "select {g}, count(*) from t where is_closed group by all",
    "avg_first_response_hours": "select {g}, avg(first_response_hours) from t where is_closed "
    "group by all",
    "median_first_response_hours": "select {g}, quantile_cont(first_response_hours, 0.5) from t "
    "where is_closed group by all",
    "p75_first_response_hours": "select {g}, quantile_cont(first_response_hours, 0.75) from t "
    "where is_closed group by all",
    "p95_first_response_hours": "select {g}, quantile_cont(first_response_hours, 0.95) from t "
    "where is_closed group by all",
    "avg_resolution_hours": "select {g}, avg(resolution_hours) from t where is_closed group by all",
    "median_resolution_hours": "select {g}, quantile_cont(resolution_hours, 0.5) from t "
    "where is_closed group by all",
    "p75_resolution_hours": "select {g}, quantile_cont(resolution_hours, 0.75) from t "
    "where is_closed group by all",
    "p95_resolution_hours": "select {g}, quantile_cont(resolution_hours, 0.95) from t "
    "where is_closed group by all",
    "rated_tickets": "select {g}, count(csat_rating) from t where is_closed group by all",
    "positive_csat_tickets": "select {g}, count(*) from t where is_closed and csat_rating >= 4 "
    "group by all",
    "mean_csat_rating": "select {g}, avg(csat_rating) from t where is_closed group by all",
    "csat_positive_pct": "select {g}, 100.0 * count(*) filter (where csat_rating >= 4) / "
    "count(csat_rating) from t where is_closed group by all",
    "sla_breached_tickets": "select {g}, count(*) from t where first_response_hours > case "
    "ticket_priority when 'Critical' then 1 when 'High' then 2 "
    "when 'Medium' then 4 when 'Low' then 8 end group by all",
    "revenue_at_risk": "select {g}, sum(lifetime_revenue_gbp) from c where is_crm_customer and "
    "customer_key in (select customer_key from t where first_response_hours "
    "> case ticket_priority when 'Critical' then 1 when 'High' then 2 "
    "when 'Medium' then 4 when 'Low' then 8 end or csat_rating <= 2) "
    "group by all",
}

# Ratios of two recomputed metrics over the same groups.
RATIOS = {"arpc": ("total_revenue", "customers")}

# Group expressions of the views for each `by` of the certifications; None is the total.
GROUPS = {
    None: "'All'",
    "income_bracket": "income_bracket",
    "ticket_channel": "ticket_channel",
    "calendar_year": "year(period_start)",
    "month_start_date": "period_start",
}


class Recompute:
    """SQL over the exported Parquet files, optionally restricted to a date period."""

    def __init__(self, export_dir: Path) -> None:
        self.dir = export_dir
        self.con = duckdb.connect()

    def _file(self, name: str) -> str:
        return f"'{self.dir / (name + '.parquet')}'"

    def _views(self, since: str, until: str, month_grain: bool, customer_date: str | None) -> None:
        def start(column: str) -> str:
            return f"date_trunc('month', {column})::date" if month_grain else f"date '{since}'"

        within = f"between date '{since}' and date '{until}'"
        self.con.execute(f"""
            create or replace view s as
            select s.*, c.income_bracket, c.first_order_date,
                {start("s.ordered_date")} as period_start
            from {self._file("fct_sales")} as s
            join {self._file("dim_customer")} as c using (customer_key)
            where s.ordered_date {within}""")
        self.con.execute(f"""
            create or replace view t as
            select t.* replace (t.first_response_hours::double as first_response_hours,
                                t.resolution_hours::double as resolution_hours),
                c.income_bracket, {start("t.created_date")} as period_start
            from {self._file("fct_tickets")} as t
            join {self._file("dim_customer")} as c using (customer_key)
            where t.created_date {within}""")
        self.con.execute(f"""
            create or replace view c as
            select *, {start(customer_date) if customer_date else f"date '{since}'"}
                as period_start
            from {self._file("dim_customer")}
            {f"where {customer_date} {within}" if customer_date else ""}""")

    def values(
        self,
        metric: str,
        by: str | None = None,
        *,
        since: str = "1900-01-01",
        until: str = "2999-12-31",
    ) -> dict[object, float | None]:
        """Group -> value; the total is under 'All'."""
        if metric in RATIOS:
            top, bottom = (self.values(m, by, since=since, until=until) for m in RATIOS[metric])
            return {
                k: (v / bottom[k] if v is not None and bottom.get(k) else None)
                for k, v in top.items()
            }
        customer_date = {"signups": "signup_date", "new_customers": "first_order_date"}.get(metric)
        self._views(since, until, by in {"month_start_date", "calendar_year"}, customer_date)
        if by == "calendar_year":
            return self._yearly(metric)
        rows = self.con.execute(SQL[metric].replace("{g}", GROUPS[by])).fetchall()
        return {key: (float(v) if v is not None else None) for key, v in rows}

    def _yearly(self, metric: str) -> dict[object, float | None]:
        assert metric == "revenue_yoy_pct"
        revenue = {
            year: float(value)
            for year, value in self.con.execute(
                "select year(ordered_date), sum(revenue_gbp) from s group by all"
            ).fetchall()
        }
        return {
            year: (
                100.0 * (value - revenue[year - 1]) / revenue[year - 1]
                if year - 1 in revenue
                else None
            )
            for year, value in revenue.items()
        }

    def total(
        self, metric: str, *, since: str = "1900-01-01", until: str = "2999-12-31"
    ) -> float | None:
        return self.values(metric, since=since, until=until).get("All")
