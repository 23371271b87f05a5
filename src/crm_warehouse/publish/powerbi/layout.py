"""The report's pages: the seed's three tabs and Weekly Ops, as both the Power BI report and
the web dashboard draw them. Visuals name metrics (from the metric definitions) and fields
(``table.column`` of the star schema); positions are on a 1280 x 720 canvas."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 1280, 720


@dataclass(frozen=True)
class Field:
    table: str
    column: str

    @property
    def ref(self) -> str:
        return f"{self.table}.{self.column}"


@dataclass(frozen=True)
class Visual:
    key: str
    kind: str  # card | bar | column | stacked_column | line | donut | scatter | table
    title: str
    x: int
    y: int
    w: int
    h: int
    measures: tuple[str, ...] = ()
    category: Field | None = None
    series: Field | None = None
    top_n: int | None = None
    latest_full_year: bool = False


@dataclass(frozen=True)
class Page:
    key: str
    title: str
    screenshot: str
    visuals: tuple[Visual, ...]
    slicers: tuple[Field, ...]
    recent_weeks: int | None = None

    @property
    def charts(self) -> tuple[Visual, ...]:
        return tuple(v for v in self.visuals if v.kind != "card")


def f(ref: str) -> Field:
    table, column = ref.split(".")
    return Field(table, column)


def _cards(
    metrics: tuple[str, ...], *, latest_full_year: tuple[str, ...] = ()
) -> tuple[Visual, ...]:
    width = (WIDTH - 200 - 16 * len(metrics)) // len(metrics)
    return tuple(
        Visual(
            f"card_{m}",
            "card",
            "",
            200 + i * (width + 16),
            16,
            width,
            96,
            (m,),
            latest_full_year=m in latest_full_year,
        )
        for i, m in enumerate(metrics)
    )


DATE = f("date.date")
INCOME = f("customers.income_bracket")
LOCATION = f("customers.location")
GENDER = f("customers.gender")
CHANNEL = f("tickets.ticket_channel")
PRIORITY = f("tickets.ticket_priority")
MONTH = f("date.month_start")
WEEK = f("date.week_start")

PAGES = (
    Page(
        "revenue",
        "Revenue & Product Performance",
        "revenue_product_performance_tab1.png",
        (
            *_cards(("total_revenue", "units", "avg_price_per_unit", "aov")),
            Visual(
                "top_products",
                "bar",
                "Top 10 products by revenue",
                200,
                128,
                520,
                280,
                ("total_revenue",),
                f("products.product_name"),
                top_n=10,
            ),
            Visual(
                "revenue_trend",
                "line",
                "Revenue by month",
                736,
                128,
                528,
                280,
                ("total_revenue",),
                MONTH,
            ),
            Visual(
                "revenue_by_category",
                "bar",
                "Revenue by category",
                200,
                424,
                520,
                280,
                ("total_revenue",),
                f("products.category_label"),
            ),
            Visual(
                "revenue_by_income",
                "column",
                "Revenue by income bracket",
                736,
                424,
                528,
                280,
                ("total_revenue", "arpc"),
                INCOME,
            ),
        ),
        (DATE, LOCATION, INCOME),
    ),
    Page(
        "customers",
        "Customer Insights & Segmentation",
        "customer_insight_segmentation_tab2.png",
        (
            *_cards(
                ("customers", "arpc", "returning_customers", "new_customers"),
                latest_full_year=("returning_customers", "new_customers"),
            ),
            Visual(
                "gender_split",
                "donut",
                "Customers by gender",
                200,
                128,
                360,
                280,
                ("customers",),
                GENDER,
            ),
            Visual(
                "signups_trend", "line", "Signups by month", 576, 128, 688, 280, ("signups",), MONTH
            ),
            Visual(
                "customers_by_income",
                "column",
                "Customers by income bracket",
                200,
                424,
                520,
                280,
                ("customers",),
                INCOME,
            ),
            Visual(
                "age_distribution",
                "column",
                "Customers by age band",
                736,
                424,
                528,
                280,
                ("customers",),
                f("customers.age_bin"),
            ),
        ),
        (DATE, GENDER, INCOME, LOCATION),
    ),
    Page(
        "support",
        "Support & Customer Satisfaction",
        "support_customer_satisfaction_tab3.png",
        (
            *_cards(
                (
                    "tickets",
                    "closed_tickets",
                    "avg_first_response_hours",
                    "avg_resolution_hours",
                    "csat_positive_pct",
                )
            ),
            Visual(
                "tickets_by_channel_priority",
                "stacked_column",
                "Tickets by channel and priority",
                200,
                128,
                340,
                280,
                ("tickets",),
                CHANNEL,
                PRIORITY,
            ),
            Visual(
                "top_issues",
                "bar",
                "Top issue types (closed tickets)",
                556,
                128,
                340,
                280,
                ("closed_tickets",),
                f("tickets.ticket_subject"),
                top_n=10,
            ),
            Visual(
                "frt_vs_csat",
                "scatter",
                "First response vs CSAT by channel",
                912,
                128,
                352,
                280,
                ("avg_first_response_hours", "mean_csat_rating"),
                CHANNEL,
            ),
            Visual(
                "durations_by_channel",
                "table",
                "FRT and TTR by channel: mean, median, P75, P95 (hours)",
                200,
                424,
                520,
                280,
                (
                    "closed_tickets",
                    "avg_first_response_hours",
                    "median_first_response_hours",
                    "p75_first_response_hours",
                    "p95_first_response_hours",
                    "avg_resolution_hours",
                    "median_resolution_hours",
                    "p95_resolution_hours",
                    "csat_positive_pct",
                ),
                CHANNEL,
            ),
            Visual(
                "durations_trend",
                "line",
                "FRT and TTR by month (hours)",
                736,
                424,
                528,
                280,
                (
                    "avg_first_response_hours",
                    "median_first_response_hours",
                    "avg_resolution_hours",
                    "median_resolution_hours",
                ),
                MONTH,
            ),
        ),
        (DATE, CHANNEL, PRIORITY),
    ),
    Page(
        "weekly_ops",
        "Weekly Ops",
        "weekly_ops_tab4.png",
        (
            *_cards(
                (
                    "tickets",
                    "median_first_response_hours",
                    "median_resolution_hours",
                    "csat_positive_pct",
                    "sla_breached_tickets",
                    "revenue_at_risk",
                )
            ),
            Visual(
                "weekly_tickets",
                "column",
                "Tickets and SLA violators by week",
                200,
                128,
                520,
                280,
                ("tickets", "sla_breached_tickets"),
                WEEK,
            ),
            Visual(
                "weekly_durations",
                "line",
                "Median FRT and TTR by week (hours)",
                736,
                128,
                528,
                280,
                ("median_first_response_hours", "median_resolution_hours"),
                WEEK,
            ),
            Visual(
                "weekly_csat",
                "line",
                "CSAT positive % by week",
                200,
                424,
                520,
                280,
                ("csat_positive_pct",),
                WEEK,
            ),
            Visual(
                "weekly_risk",
                "column",
                "Revenue at risk by week",
                736,
                424,
                528,
                280,
                ("revenue_at_risk",),
                WEEK,
            ),
        ),
        (DATE, CHANNEL, PRIORITY),
        recent_weeks=26,
    ),
)


def page(key: str) -> Page:
    for candidate in PAGES:
        if candidate.key == key:
            return candidate
    raise KeyError(key)


def measures_used() -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for p in PAGES:
        for visual in p.visuals:
            seen.update(dict.fromkeys(visual.measures))
    return tuple(seen)
