"""The star schema of the semantic model: slim row-grain tables beside the mtr_ tables.

Medians, percentiles, distinct counts and slicers need rows, so Power BI and the web dashboard
get four slim tables selected from the marts (no PII: names and emails stay behind), plus a
Date table generated in Power Query. Their SQL is portable (DuckDB and BigQuery): the DuckDB
warehouse exports it to Parquet beside the mtr_ files; on BigQuery the partitions run it as a
native query.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb

from crm_warehouse.publish.powerbi.spec import MetricSpec, MtrModel

log = logging.getLogger(__name__)

# TMDL data types of the model's columns.
INT, DOUBLE, DECIMAL, TEXT, DATE, BOOL = (
    "int64",
    "double",
    "decimal",
    "string",
    "dateTime",
    "boolean",
)
DBT_TYPES = {
    "bigint": INT,
    "string": TEXT,
    "date": DATE,
    "boolean": BOOL,
    "decimal(18,2)": DECIMAL,
    "decimal(18,4)": DOUBLE,
}
ACRONYMS = {
    "gbp": "GBP",
    "id": "ID",
    "csat": "CSAT",
    "sla": "SLA",
    "yoy": "YoY",
    "pct": "%",
    "p75": "P75",
    "p95": "P95",
    "aov": "AOV",
    "arpc": "ARPC",
    "is": "Is",
}


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    description: str
    hidden: bool = False
    key: bool = False
    sort_by: str | None = None
    format: str | None = None

    @property
    def display(self) -> str:
        return display_name(self.name)


@dataclass(frozen=True)
class Table:
    name: str
    display: str
    description: str
    columns: tuple[Column, ...]
    file: str | None = None
    sql: str | None = None
    date_column: str | None = None
    is_certified: bool = False

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")


@dataclass(frozen=True)
class Relationship:
    from_table: str
    from_column: str
    to_table: str
    to_column: str
    active: bool = True


def display_name(snake: str) -> str:
    return " ".join(ACRONYMS.get(part, part.capitalize()) for part in snake.split("_"))


def _sla_case(spec: MetricSpec) -> str:
    whens = " ".join(
        f"when '{priority}' then {hours:g}"
        for priority, hours in sorted(spec.sla_first_response_hours.items())
    )
    return f"case t.ticket_priority {whens} end"


def row_tables(spec: MetricSpec) -> tuple[Table, ...]:
    """The slim row-grain tables, their SQL over the marts and their columns."""
    target = _sla_case(spec)
    breached = f"coalesce(t.first_response_hours > {target}, false)"
    at_risk = f"({breached} or coalesce(t.csat_rating <= {spec.at_risk_max_csat}, false))"
    return (
        Table(
            "sales",
            "Sales",
            "One row per order line of a revenue order (not cancelled or "
            "returned): the rows behind revenue, units, orders and order-value percentiles.",
            (
                Column("order_item_key", INT, "The order line (fct_order_items).", hidden=True),
                Column("order_key", INT, "The order the line belongs to.", hidden=True),
                Column("customer_key", INT, "The customer (Customer).", hidden=True),
                Column("product_key", INT, "The product (Product).", hidden=True),
                Column("ordered_date", DATE, "UTC date the order was placed (Date).", hidden=True),
                Column("quantity", INT, "Units on the line.", hidden=True),
                Column("revenue_gbp", DECIMAL, "Revenue of the line in GBP.", hidden=True),
            ),
            file="fct_sales",
            sql="select order_item_key, order_key, customer_key, product_key, ordered_date, "
            "quantity, line_revenue_gbp as revenue_gbp "
            "from marts.fct_order_items where is_revenue_order",
            date_column="ordered_date",
        ),
        Table(
            "tickets",
            "Tickets",
            "One row per helpdesk ticket, any status; durations in "
            "hours, CSAT 1-5, SLA and at-risk flags from the metric definitions.",
            (
                Column("ticket_key", INT, "The ticket (fct_ticketing).", hidden=True),
                Column(
                    "customer_key", INT, "The customer (Customer); -1 when unmatched.", hidden=True
                ),
                Column("product_key", INT, "The product (Product); -1 when unknown.", hidden=True),
                Column(
                    "created_date", DATE, "UTC date the ticket was created (Date).", hidden=True
                ),
                Column("ticket_channel", TEXT, "Email, Phone, Chat or Social media."),
                Column(
                    "ticket_priority",
                    TEXT,
                    "Low, Medium, High or Critical.",
                    sort_by="priority_order",
                ),
                Column("priority_order", INT, "Sort order of the priority.", hidden=True),
                Column("ticket_type", TEXT, "Ticket type."),
                Column("ticket_subject", TEXT, "Ticket subject (the issue)."),
                Column("ticket_status", TEXT, "Open, Pending Customer Response or Closed."),
                Column("is_closed", BOOL, "True for closed tickets.", hidden=True),
                Column("is_rated", BOOL, "True when the ticket has a CSAT rating.", hidden=True),
                Column("is_csat_positive", BOOL, "True for a rating of 4 or 5.", hidden=True),
                Column(
                    "is_sla_breached",
                    BOOL,
                    "True when the first response took longer than the priority's target.",
                    hidden=True,
                ),
                Column(
                    "is_at_risk", BOOL, "True for an SLA breach or a low CSAT rating.", hidden=True
                ),
                Column(
                    "first_response_hours",
                    DOUBLE,
                    "Creation to first response, hours.",
                    hidden=True,
                ),
                Column(
                    "resolution_hours", DOUBLE, "First response to resolution, hours.", hidden=True
                ),
                Column("csat_rating", INT, "CSAT rating 1-5; blank when unrated.", hidden=True),
            ),
            file="fct_tickets",
            sql="select t.ticket_key, t.customer_key, t.product_key, t.created_date, "
            "t.ticket_channel, t.ticket_priority, p.display_order as priority_order, "
            "t.ticket_type, t.ticket_subject, t.ticket_status, t.is_closed, "
            "t.csat_rating is not null as is_rated, "
            "coalesce(t.is_csat_positive, false) as is_csat_positive, "
            f"{breached} as is_sla_breached, {at_risk} as is_at_risk, "
            "t.first_response_hours, t.resolution_hours, t.csat_rating "
            "from marts.fct_ticketing as t left join reference.ref_ticket_priorities as p "
            "on t.ticket_priority = p.ticket_priority",
            date_column="created_date",
        ),
        Table(
            "customers",
            "Customer",
            "One row per customer member of dim_customers (CRM "
            "customers, customers only orders know, and the unknown customer), without PII.",
            (
                Column("customer_key", INT, "Surrogate key.", hidden=True, key=True),
                Column("gender", TEXT, "Male, Female, Other; Unknown outside the CRM."),
                Column("location", TEXT, "Town or region."),
                Column(
                    "income_bracket",
                    TEXT,
                    "Low, Medium, High; Unknown outside the CRM.",
                    sort_by="income_bracket_order",
                ),
                Column("income_bracket_order", INT, "Sort order of the bracket.", hidden=True),
                Column("age_bin", TEXT, "Age band.", sort_by="age_bin_order"),
                Column("age_bin_order", INT, "Sort order of the age band.", hidden=True),
                Column("signup_date", DATE, "Date the customer signed up.", hidden=True),
                Column(
                    "first_order_date", DATE, "UTC date of the first revenue order.", hidden=True
                ),
                Column(
                    "lifetime_revenue_gbp",
                    DECIMAL,
                    "Revenue over all revenue orders, GBP.",
                    hidden=True,
                ),
                Column("is_crm_customer", BOOL, "True for customers held by the CRM.", hidden=True),
            ),
            file="dim_customer",
            sql="select c.customer_key, c.gender, c.location, c.income_bracket, "
            "coalesce(b.display_order, 99) as income_bracket_order, c.age_bin, "
            "coalesce(a.display_order, 99) as age_bin_order, c.signup_date, "
            "c.first_order_date, c.lifetime_revenue_gbp, c.is_crm_customer "
            "from marts.dim_customers as c "
            "left join reference.ref_income_brackets as b on c.income_bracket = b.income_bracket "
            "left join reference.ref_age_bins as a on c.age_bin = a.age_bin",
        ),
        Table(
            "products",
            "Product",
            "One row per product member of dim_products.",
            (
                Column("product_key", INT, "Surrogate key.", hidden=True, key=True),
                Column("product_name", TEXT, "Product name."),
                Column("brand", TEXT, "Brand."),
                Column("category_label", TEXT, "Product category."),
            ),
            file="dim_product",
            sql="select product_key, product_name, brand, category_label from marts.dim_products",
        ),
    )


def date_table() -> Table:
    return Table(
        "date",
        "Date",
        "One row per calendar day over the whole years the data covers; "
        "marked as the model's date table.",
        (
            Column("date", DATE, "The day.", key=True, format="yyyy-mm-dd"),
            Column("year", INT, "Calendar year."),
            Column("month_start", DATE, "First day of the month.", format="mmm yyyy"),
            Column("week_start", DATE, "Monday of the ISO week.", format="yyyy-mm-dd"),
        ),
    )


def mtr_tables(spec: MetricSpec) -> tuple[Table, ...]:
    return tuple(_mtr_table(model) for _, model in sorted(spec.models.items()))


def _mtr_table(model: MtrModel) -> Table:
    columns = tuple(
        Column(
            c.name,
            DBT_TYPES.get(c.data_type, TEXT),
            c.description,
            hidden=c.name.endswith("_key")
            or c.name in {"display_order", "channel_order", "priority_order"},
        )
        for c in model.columns
    )
    date = "month_start_date" if "month_start_date" in {c.name for c in columns} else None
    return Table(
        model.name,
        model.name,
        model.description,
        columns,
        file=model.name,
        date_column=date,
        is_certified=True,
    )


def all_tables(spec: MetricSpec) -> tuple[Table, ...]:
    return (date_table(), *row_tables(spec), *mtr_tables(spec))


def relationships(tables: tuple[Table, ...]) -> tuple[Relationship, ...]:
    """Facts to dimensions, many to one; mtr_ tables join where their keys allow."""
    found = []
    for table in tables:
        if table.name in {"date", "customers", "products"}:
            continue
        names = {c.name for c in table.columns}
        if table.date_column:
            found.append(Relationship(table.name, table.date_column, "date", "date"))
        if "customer_key" in names and not table.is_certified:
            found.append(Relationship(table.name, "customer_key", "customers", "customer_key"))
        if "product_key" in names:
            found.append(Relationship(table.name, "product_key", "products", "product_key"))
    found.append(Relationship("customers", "signup_date", "date", "date", active=False))
    return tuple(found)


def export_row_tables(
    con: duckdb.DuckDBPyConnection, spec: MetricSpec, export_dir: Path
) -> dict[str, int]:
    """Write each row-grain table to ``<file>.parquet`` (atomically, replaced by rename)."""
    export_dir.mkdir(parents=True, exist_ok=True)
    rows = {}
    for table in row_tables(spec):
        assert table.sql and table.file
        columns = ", ".join(c.name for c in table.columns)
        query = f"select {columns} from ({table.sql}) as t order by 1"
        final = export_dir / f"{table.file}.parquet"
        partial = export_dir / f".{table.file}.parquet.tmp"
        con.execute(f"copy ({query}) to '{partial}' (format parquet)")
        partial.replace(final)
        count = con.execute(f"select count(*) from '{final}'").fetchone()
        rows[table.file] = int(count[0]) if count else 0
        log.info("exported %s: %d rows", final.name, rows[table.file])
    return rows
